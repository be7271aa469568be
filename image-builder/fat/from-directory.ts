/**
 * A FAT image from a directory on disk (an ESP staged in a build directory): the directory is walked in
 * sorted order into a tree, planned, and written. FAT has no symbolic links, devices, FIFOs or sockets:
 * any of them in the directory is an error naming every one, before anything is written.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, ValidationError, errnoCode, type Problem } from '../../lib/errors.js';
import type { FatImageOptions } from './plan-options.js';
import { planFatImage, type FatPlan } from './plan.js';
import type { FatTreeDirectory, FatTreeNode } from './tree.js';
import { writeFatImage, type WriteFatImageOptions } from './write.js';

export async function readFatTreeFromDirectory(directory: string): Promise<FatTreeDirectory> {
  const root = resolve(directory);
  const stat = await lstat(root).catch((error: unknown) => {
    throw new UserError(`cannot read ${directory}: ${errnoCode(error) === 'ENOENT' ? 'no such directory' : String(error)}`, { cause: error });
  });
  if (!stat.isDirectory()) throw new UserError(`${directory} is not a directory`, { hint: 'give the directory whose contents go into the FAT image' });
  const problems: Problem[] = [];
  const tree = walk(root, '', problems);
  if (problems.length > 0) {
    throw new ValidationError(problems, { hint: 'FAT holds only directories and regular files: copy link targets in place of links, remove the rest' });
  }
  return tree;
}

/**
 * Synchronous on purpose: an ESP of thousands of small files costs a thread-pool round trip per lstat
 * otherwise, ten times the work itself (the same reason region-stream.ts reads small files synchronously).
 */
function walk(path: string, name: string, problems: Problem[]): FatTreeDirectory {
  const names = readdirSync(path).sort();
  const entries: FatTreeNode[] = [];
  for (const childName of names) {
    const childPath = join(path, childName);
    const stat = lstatSync(childPath);
    if (stat.isDirectory()) entries.push(walk(childPath, childName, problems));
    else if (stat.isFile()) entries.push({ kind: 'file', name: childName, size: stat.size, source: { kind: 'path', path: childPath } });
    else problems.push({ file: childPath, path: '', message: `is ${describeKind(stat)}, which a FAT image cannot hold` });
  }
  return { kind: 'directory', name, entries, origin: path };
}

function describeKind(stat: Stats): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isCharacterDevice()) return 'a character device';
  return 'not a regular file';
}

/**
 * Plans and writes a FAT image of `directory`'s contents to `path` (a new file), or into the existing file
 * `path` at `offset`. Returns the plan (geometry, where each file went).
 */
export async function buildFatImageFromDirectory(
  directory: string,
  path: string,
  options: FatImageOptions & WriteFatImageOptions = {},
): Promise<FatPlan> {
  const tree = await readFatTreeFromDirectory(directory);
  const plan = planFatImage(tree, options);
  await writeFatImage(plan, path, options);
  return plan;
}
