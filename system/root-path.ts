/**
 * Paths as the installed system sees them (`/cairn/store/...`) versus where they are on this machine
 * (`<root>/cairn/store/...`). A build directory can hold a whole system tree: absolute paths inside it,
 * including symlink targets, are resolved under the root, never on the host.
 */
import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';

/** The host path of a system path under `root`. */
export function hostPath(root: string, systemPath: string): string {
  if (!systemPath.startsWith('/')) throw new Error(`not an absolute system path: ${systemPath}`);
  return root === '/' ? posix.normalize(systemPath) : posix.join(root, posix.normalize(systemPath));
}

/**
 * Follows symlinks of a system path within the root, the way the booted system would: absolute targets are
 * taken relative to the root. Returns the final system path, which may not exist (check with lstat).
 */
export interface ResolveOptions {
  readonly maxLinks?: number;
  /** Shared between lookups under the same directories while the tree does not change (reading a profile). */
  readonly cache?: ComponentCache;
  /** Told of every symlink crossed (its system path and target), for callers that copy the chain. */
  readonly onLink?: (linkPath: string, target: string) => Promise<void>;
}

/**
 * What resolveSystemPath learnt about path components (a symlink's target, or null for anything else).
 */
export type ComponentCache = Map<string, string | null>;

export async function resolveSystemPath(root: string, systemPath: string, options: ResolveOptions = {}): Promise<string> {
  const { maxLinks = 40, cache, onLink } = options;
  let remaining = posix.normalize(systemPath).split('/').filter((c) => c !== '');
  let resolved = '/';
  let links = 0;
  while (remaining.length > 0) {
    const component = remaining.shift()!;
    if (component === '..') {
      resolved = posix.dirname(resolved);
      continue;
    }
    const candidate = posix.join(resolved, component);
    let target: string | undefined;
    const known = cache?.get(candidate);
    if (known !== undefined) target = known ?? undefined;
    else {
      try {
        const stat = await lstat(hostPath(root, candidate));
        if (stat.isSymbolicLink()) target = await readlink(hostPath(root, candidate));
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT' && errnoCode(error) !== 'ENOTDIR') throw error;
        return posix.join(candidate, ...remaining);
      }
      cache?.set(candidate, target ?? null);
    }
    if (target === undefined) {
      resolved = candidate;
      continue;
    }
    if (onLink !== undefined) await onLink(candidate, target);
    if (++links > maxLinks) {
      throw new UserError(`${hostPath(root, systemPath)}: too many levels of symbolic links`, { hint: 'look for a symlink loop' });
    }
    remaining = [...target.split('/').filter((c) => c !== ''), ...remaining];
    if (target.startsWith('/')) resolved = '/';
  }
  return resolved;
}
