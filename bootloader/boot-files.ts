/**
 * The kernels and initrds a menu boots, as files on this machine: which are missing (so their generations
 * are skipped), and their size and content hash (so each distinct one is copied to the ESP once).
 */
import { lstat } from 'node:fs/promises';
import { errnoCode } from '../lib/errors.js';
import { mapConcurrent } from '../lib/map-concurrent.js';
import { hostPath, resolveSystemPath } from '../system/root-path.js';
import { encodeBase32, sha256File } from '../system/store-hash.js';

export interface BootFile {
  /** The path as the booted system sees it (from boot.json). */
  readonly systemPath: string;
  /** Where the file is on this machine (symlinks followed within the root). */
  readonly hostPath: string;
  readonly size: number;
  /** sha256 of the content, hex. */
  readonly sha256: string;
  /** 32 characters of the store's base32 alphabet, from the sha256: names the file's copy on the ESP. */
  readonly contentHash: string;
}

/** The system paths among `paths` that do not resolve to a regular file under `root`. */
export async function findMissingBootFiles(root: string, paths: readonly string[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const path of paths) {
    if ((await regularFile(root, path)) === undefined) missing.add(path);
  }
  return missing;
}

/** Size and content hash of each file (each read once), keyed by system path. */
export async function describeBootFiles(root: string, paths: readonly string[]): Promise<Map<string, BootFile>> {
  const sorted = [...paths].sort();
  const found = await mapConcurrent(sorted, 8, async (systemPath) => {
    const file = await regularFile(root, systemPath);
    if (file === undefined) throw new Error(`boot file ${systemPath} vanished under ${root}`);
    return file;
  });
  // Each host file is hashed once, even when several system paths lead to it.
  const hosts = [...new Set(found.map((f) => f.hostPath))];
  const digests = new Map(await mapConcurrent(hosts, 4, async (host) => [host, await sha256File(host)] as const));
  const files = new Map<string, BootFile>();
  sorted.forEach((systemPath, index) => {
    const { hostPath: host, size } = found[index]!;
    const sha256 = digests.get(host)!;
    files.set(systemPath, { systemPath, hostPath: host, size, sha256, contentHash: encodeBase32(Buffer.from(sha256, 'hex').subarray(0, 20)) });
  });
  return files;
}

async function regularFile(root: string, systemPath: string): Promise<{ hostPath: string; size: number } | undefined> {
  const resolved = hostPath(root, await resolveSystemPath(root, systemPath));
  try {
    const stat = await lstat(resolved);
    return stat.isFile() ? { hostPath: resolved, size: stat.size } : undefined;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}
