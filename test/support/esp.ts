/** ESP directories for tests: small tmpfs mounts (to run out of space for real), content snapshots, copies. */
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';

/** Mounts a tmpfs of `size` (mount's syntax: `168k`) at `dir`, creating it; `readOnly` for a read-only one. */
export async function mountTmpfs(dir: string, size: string, options: { readOnly?: boolean } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await run('mount', ['-t', 'tmpfs', '-o', `${options.readOnly ? 'ro,' : ''}size=${size},mode=0755`, 'cairn-test-esp', dir]);
}

export async function unmount(dir: string): Promise<void> {
  await run('umount', [dir], { okCodes: [0, 32] });
}

/** Empties a directory (a mount point stays). */
export async function emptyDirectory(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

export async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) await cp(join(from, name), join(to, name), { recursive: true });
}

/** Every file under `dir` with its size and sha256, sorted: equal when the content is (times are ignored). */
export async function contentSnapshot(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const visit = async (path: string, rel: string): Promise<void> => {
    for (const name of (await readdir(path)).sort()) {
      const child = join(path, name);
      const info = await lstat(child);
      if (info.isDirectory()) await visit(child, `${rel}${name}/`);
      else lines.push(`${rel}${name} ${info.size} ${createHash('sha256').update(await readFile(child)).digest('hex')}`);
    }
  };
  await visit(dir, '');
  return lines;
}

/** Awaits a promise that must reject with an error whose message matches `expected` (or that `expected` accepts). */
export async function assertRejects(promise: Promise<unknown>, expected: RegExp | ((error: unknown) => boolean)): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (expected instanceof RegExp) assert.match(error instanceof Error ? error.message : String(error), expected);
    else assert.ok(expected(error), `unexpected error: ${String(error)}`);
    return;
  }
  assert.unreachable(`expected a rejection matching ${String(expected)}`);
}
