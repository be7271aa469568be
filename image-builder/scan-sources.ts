/**
 * Reads host files and directories into an ImageTree: each spec `files` entry's `from` (a file, or a directory
 * whose contents go under `to`), keeping modes, modification times, symbolic links (never followed inside a
 * source directory) and hard links. Listings are sorted, so the tree never depends on directory order.
 * Synchronous on purpose: scanning is thousands of tiny system calls, which the thread pool only slows down.
 */
import { lstatSync, readdirSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { UserError, errnoCode } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { compareImageNames, imagePathNames } from '../system/image-path.js';
import { ImageTree, newDirectory, type ImageDirectory, type ImageNode } from './image-tree.js';

export interface HostSource {
  /** Absolute host path of a file or directory; a symbolic link here is followed. */
  readonly from: string;
  /** Absolute path inside the image. */
  readonly to: string;
  /** The spec key, for messages: `image.yaml: files[2]`. */
  readonly key: string;
}

export interface ScanSummary {
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  readonly bytes: number;
  /** The newest modification time seen (seconds since 1970), the image's date when SOURCE_DATE_EPOCH is not set. */
  readonly newest: number | undefined;
}

/** Adds every source to `tree`; throws a UserError naming the spec key and the path on the first problem. */
export function scanSources(tree: ImageTree, sources: readonly HostSource[], onProgress: OnProgress = () => {}): ScanSummary {
  const summary = { files: 0, directories: 0, symlinks: 0, bytes: 0, newest: undefined as number | undefined };
  const seen = (mtime: number) => {
    if (summary.newest === undefined || mtime > summary.newest) summary.newest = mtime;
  };

  /**
   * `names` is the node's image path (one array for a whole source, the child's name pushed while it is visited);
   * `parentPath` is the host path of the directory being listed, with a final slash; undefined for a source's own path.
   */
  const visit = (source: HostSource, hostPath: string, parentPath: string | undefined, names: string[], parent: ImageDirectory | undefined, info: Stats): void => {
    const origin = source.key;
    const mtime = Math.floor(info.mtimeMs / 1000);
    let node: ImageNode;
    if (info.isDirectory()) {
      node = newDirectory({ mode: info.mode & 0o7777, mtime, origin, source: hostPath });
      summary.directories++;
    } else if (info.isFile()) {
      node = {
        kind: 'file',
        mode: info.mode & 0o7777,
        mtime,
        content:
          parentPath === undefined
            ? { kind: 'host', path: hostPath, size: smallInteger(info.size) }
            : { kind: 'host', directory: parentPath, name: names[names.length - 1]!, size: smallInteger(info.size) },
        ...(info.nlink > 1 ? { linkKey: `${info.dev}:${info.ino}` } : {}),
        origin,
      };
      summary.files++;
      summary.bytes += info.size;
    } else if (info.isSymbolicLink()) {
      node = { kind: 'symlink', target: readLink(source, hostPath), mtime, origin, source: hostPath };
      summary.symlinks++;
    } else {
      onProgress({ kind: 'warning', message: `${origin} (${hostPath}): skipped, ${describeSpecialFile(info)} cannot be put on an ISO` });
      return;
    }
    seen(mtime);
    if (parent === undefined) tree.add(source.to, node);
    else tree.addChild(parent, names, node);
    if (node.kind !== 'directory') return;
    const target = parent === undefined ? (tree.get(source.to) as ImageDirectory) : (parent.entries.get(names[names.length - 1]!) as ImageDirectory);
    // The host path is already normal: a plain concatenation is enough (and cheap for big trees).
    const prefix = hostPath.endsWith('/') ? hostPath : `${hostPath}/`;
    for (const name of listDirectory(source, hostPath)) {
      const childPath = `${prefix}${name}`;
      names.push(name);
      visit(source, childPath, prefix, names, target, lstatOf(source, childPath));
      names.pop();
    }
  };

  for (const source of sources) {
    const parsed = imagePathNames(source.to);
    if ('error' in parsed) throw new UserError(`${source.key}: to: "${source.to}" ${parsed.error}`);
    visit(source, source.from, undefined, parsed.names, undefined, statOf(source, source.from));
  }
  onProgress({ kind: 'progress', phase: 'scan', done: summary.files, total: summary.files, unit: 'files' });
  return summary;
}

/**
 * A size as V8 stores it most cheaply. Node's Stats hands its numbers over as heap numbers (16 bytes each, and each
 * copy of the size into the plan's nodes and data made another): below 2 GiB, `| 0` makes it a small integer, kept
 * in the object itself (about 2 MiB less at the peak of a /usr/share build).
 */
function smallInteger(value: number): number {
  return value < 2 ** 31 ? value | 0 : value;
}

function statOf(source: HostSource, path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    throw sourceError(`${source.key} (${path})`, error);
  }
}

function lstatOf(source: HostSource, path: string): Stats {
  try {
    return lstatSync(path);
  } catch (error) {
    throw sourceError(`${source.key} (${path})`, error);
  }
}

function listDirectory(source: HostSource, path: string): string[] {
  try {
    // Byte order of the UTF-8 names, the same on every host and locale.
    return readdirSync(path).sort(compareImageNames);
  } catch (error) {
    throw sourceError(`${source.key} (${path})`, error, 'directory');
  }
}

function readLink(source: HostSource, path: string): string {
  try {
    return readlinkSync(path);
  } catch (error) {
    throw sourceError(`${source.key} (${path})`, error, 'symbolic link');
  }
}

/** A failed read of a source, as a UserError: `subject` says which (`image.yaml: files[2] (/src/vmlinuz)`). */
export function sourceError(subject: string, error: unknown, what = 'file'): UserError {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new UserError(`${subject}: no such file or directory`, {
        hint: 'check the path; relative paths are resolved against the folder of the spec file',
      });
    case 'ELOOP':
      return new UserError(`${subject}: symbolic link loop`, { hint: 'fix the links so that the path leads to a file or directory' });
    case 'EACCES':
    case 'EPERM':
      return new UserError(`${subject}: permission denied`, { hint: `make the ${what} readable by this user` });
    case 'ENOTDIR':
      return new UserError(`${subject}: a component of the path is not a directory`, { hint: 'check the path' });
    default:
      return new UserError(`${subject}: cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function describeSpecialFile(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isCharacterDevice()) return 'a character device';
  return 'a special file';
}
