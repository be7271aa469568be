/**
 * The files hardware detection reads (/sys, /proc, /dev/disk, /run/udev), as a tree rooted either at this
 * machine's `/` or at a recorded machine's directory. Paths are always the machine's own (`/sys/...`);
 * symlinks resolve inside the root, so a recording's relative sysfs links work as they did on the machine.
 *
 * A missing entry is an answer (`undefined`), not an error: most of what detection asks for is optional.
 * Any other failure (EACCES, EIO) is thrown, and HostFiles turns it into a reported problem.
 */
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode } from '../../lib/errors.js';
import { hostPath, resolveSystemPath } from '../root-path.js';

export interface FileTree {
  /** Content of a file (following symlinks); undefined when it does not exist. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Target of a symlink as stored; undefined when the entry is missing or not a symlink. */
  readLink(path: string): Promise<string | undefined>;
  /** The path with every symlink resolved (`readlink -f`); undefined when it does not exist. */
  realPath(path: string): Promise<string | undefined>;
  /** Entry names of a directory, sorted; undefined when the directory does not exist. */
  list(path: string): Promise<string[] | undefined>;
}

/** Errors that mean "not there" rather than "could not read". */
const ABSENT = new Set(['ENOENT', 'ENOTDIR']);

export async function absentAsUndefined<T>(work: () => Promise<T>, alsoAbsent: readonly string[] = []): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== undefined && (ABSENT.has(code) || alsoAbsent.includes(code))) return undefined;
    throw error;
  }
}

/** The tree of this machine (`root` = `/`) or of a directory holding a machine's files. */
export function rootedFileTree(root: string): FileTree {
  const live = root === '/';
  // A recorded tree does not change while it is read: resolve each path once.
  const resolved = new Map<string, Promise<string>>();
  const resolve = (path: string): Promise<string> => {
    if (live) return Promise.resolve(posix.normalize(path));
    let result = resolved.get(path);
    if (result === undefined) {
      result = resolveSystemPath(root, path);
      resolved.set(path, result);
    }
    return result;
  };
  return {
    readFile: (path) => absentAsUndefined(async () => readFile(hostPath(root, await resolve(path)))),
    readLink: (path) =>
      absentAsUndefined(async () => {
        const parent = await resolve(posix.dirname(path));
        return readlink(hostPath(root, posix.join(parent, posix.basename(path))));
      }, ['EINVAL']),
    realPath: (path) =>
      absentAsUndefined(async () => {
        if (live) return await realpath(path);
        const target = await resolve(path);
        await lstat(hostPath(root, target));
        return target;
      }),
    list: (path) => absentAsUndefined(async () => (await readdir(hostPath(root, await resolve(path)))).sort()),
  };
}

/**
 * A recorded machine's tree: its files under `<recording>/files`, and the read errors the recording
 * noted (EACCES on a /sys entry, say) replayed for the same paths, so a replay reports the same problems.
 */
export function replayFileTree(filesDirectory: string, errors: Readonly<Record<string, string>>): FileTree {
  const tree = rootedFileTree(filesDirectory);
  const failing = <T>(path: string, work: () => Promise<T>): Promise<T> => {
    const recorded = errors[posix.normalize(path)];
    if (recorded === undefined) return work();
    const [code, ...message] = recorded.split(': ');
    return Promise.reject(Object.assign(new Error(message.join(': ') || recorded), { code }));
  };
  return {
    readFile: (path) => failing(path, () => tree.readFile(path)),
    readLink: (path) => failing(path, () => tree.readLink(path)),
    realPath: (path) => failing(path, () => tree.realPath(path)),
    list: (path) => failing(path, () => tree.list(path)),
  };
}
