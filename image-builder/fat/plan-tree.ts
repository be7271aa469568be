/**
 * A FAT image's tree as the planner (plan.ts) lays it out: every name checked (length, characters, names FAT
 * holds to be the same, file sizes), short names allocated per directory in sorted order, the 32-byte slots
 * each directory needs counted; then the files in the order they are placed. Problems are collected, not
 * thrown, so that all of them are reported at once.
 */
import type { Problem } from '../../lib/errors.js';
import { displayShortName } from './directory-entry.js';
import { ShortNameAllocator, exactShortName, fatNameKey, longNameProblem } from './file-name.js';
import { OPTIONS_FILE, type FatImageOptions } from './plan-options.js';
import { describeTreePath, type FatFileSource, type FatTreeDirectory, type FatTreeNode } from './tree.js';

const MAX_FILE_SIZE = 0xffffffff;
/** A directory holds at most 65536 entries (2 MiB): the specification's limit, which fsck.fat enforces. */
const MAX_DIRECTORY_ENTRIES = 65536;

/** A directory as planned; the planner fills in its clusters (0 for the fixed root of FAT12/16). */
export interface DirectoryModel {
  readonly path: string;
  readonly shortPath: string;
  readonly parent: DirectoryModel | undefined;
  readonly children: ChildModel[];
  slotCount: number;
  firstCluster: number;
  clusterCount: number;
}

/** A file as planned; the planner fills in its clusters (none for an empty file). */
export interface FileModel {
  readonly path: string;
  readonly shortPath: string;
  readonly size: number;
  readonly source: FatFileSource;
  firstCluster: number;
  clusterCount: number;
}

interface ChildModel {
  readonly name: string;
  readonly shortName: string;
  readonly needsLongName: boolean;
  readonly directory?: DirectoryModel;
  readonly file?: FileModel;
}

function byName(a: FatTreeNode, b: FatTreeNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** Checks names, sizes and collisions of one directory, allocates its short names, and recurses. */
export function modelDirectory(
  node: FatTreeDirectory,
  parent: DirectoryModel | undefined,
  path: string,
  shortPath: string,
  hasLabel: boolean,
  directories: DirectoryModel[],
  files: FileModel[],
  problems: Problem[],
): DirectoryModel {
  const model: DirectoryModel = { path, shortPath, parent, children: [], slotCount: 0, firstCluster: 0, clusterCount: 0 };
  directories.push(model);
  const origin = (child: FatTreeNode): string | undefined =>
    child.kind === 'file' ? (child.source.kind === 'path' ? child.source.path : undefined) : child.origin;
  const report = (child: FatTreeNode, message: string) =>
    problems.push({ file: describeTreePath(joinPath(path, child.name), origin(child)), path: '', message });

  const valid: FatTreeNode[] = [];
  const seen = new Map<string, FatTreeNode>();
  for (const child of [...node.entries].sort(byName)) {
    const problem = longNameProblem(child.name);
    if (problem !== undefined) {
      report(child, problem);
      continue;
    }
    const key = fatNameKey(child.name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      report(child, `"${child.name}" and "${earlier.name}" in ${path === '' ? 'the root directory' : path} are the same name to FAT, which ignores case`);
      continue;
    }
    seen.set(key, child);
    if (child.kind === 'file') {
      if (!Number.isSafeInteger(child.size) || child.size < 0) report(child, `the size must be a whole number of bytes, got ${child.size}`);
      else if (child.size > MAX_FILE_SIZE) report(child, `the file is ${child.size} bytes; FAT holds files of at most ${MAX_FILE_SIZE} bytes (4 GiB - 1)`);
      else if (child.source.kind === 'bytes' && child.source.bytes.length !== child.size) {
        report(child, `the size says ${child.size} bytes but the contents are ${child.source.bytes.length}`);
      }
    }
    valid.push(child);
  }

  // Exact 8.3 names keep their name; the others get a short name in sorted order.
  const allocator = new ShortNameAllocator();
  const exact = new Map<FatTreeNode, string>();
  for (const child of valid) {
    const raw = exactShortName(child.name);
    if (raw !== undefined && allocator.reserve(raw)) exact.set(child, raw);
  }
  let slots = parent === undefined ? (hasLabel ? 1 : 0) : 2;
  for (const child of valid) {
    const shortName = exact.get(child) ?? allocator.allocate(child.name);
    const needsLongName = !exact.has(child);
    slots += 1 + (needsLongName ? Math.ceil(child.name.length / 13) : 0);
    const childPath = joinPath(path, child.name);
    const childShortPath = joinPath(shortPath, displayShortName(shortName));
    if (child.kind === 'directory') {
      const directory = modelDirectory(child, model, childPath, childShortPath, false, directories, files, problems);
      model.children.push({ name: child.name, shortName, needsLongName, directory });
    } else {
      const file: FileModel = { path: childPath, shortPath: childShortPath, size: child.size, source: child.source, firstCluster: 0, clusterCount: 0 };
      files.push(file);
      model.children.push({ name: child.name, shortName, needsLongName, file });
    }
  }
  model.slotCount = slots;
  if (slots > MAX_DIRECTORY_ENTRIES) {
    problems.push({
      file: describeTreePath(path === '' ? '/' : path, node.origin),
      path: '',
      message: `the directory needs ${slots} entries (long names take several); FAT allows ${MAX_DIRECTORY_ENTRIES}`,
    });
  }
  return model;
}

/** The files in placement order and the tail files, from the options' path lists. */
export function placementOrder(
  files: readonly FileModel[],
  options: FatImageOptions,
  problems: Problem[],
): { ordered: FileModel[]; tail: FileModel[] } {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const claimed = new Set<string>();
  const resolve = (list: readonly string[] | undefined, key: string): FileModel[] => {
    const found: FileModel[] = [];
    (list ?? []).forEach((raw, index) => {
      const path = raw.replace(/^\/+/, '');
      const file = byPath.get(path);
      if (file === undefined) {
        problems.push({ file: OPTIONS_FILE, path: `${key}[${index}]`, message: `no file "${path}" in the tree (paths are case-sensitive, relative to the image root)` });
      } else if (claimed.has(path)) {
        problems.push({ file: OPTIONS_FILE, path: `${key}[${index}]`, message: `"${path}" is listed twice in fileOrder and tailFiles` });
      } else {
        claimed.add(path);
        found.push(file);
      }
    });
    return found;
  };
  const first = resolve(options.fileOrder, 'fileOrder');
  const tail = resolve(options.tailFiles, 'tailFiles');
  return { ordered: [...first, ...files.filter((file) => !claimed.has(file.path))], tail };
}
