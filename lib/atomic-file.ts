/**
 * Writing so that a crash or an error never leaves a half-written file: write to a temporary name in the
 * same directory, fsync, rename over the target, fsync the directory.
 */
import { open, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { crypto } from './builtin.js';

/** A temporary name beside `path` that no other writer picks. */
export function temporaryNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${crypto().randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const temporary = temporaryNameFor(path);
  try {
    const handle = await open(temporary, 'wx', options.mode ?? 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Creates or replaces a symlink in one step (symlink to a temporary name, then rename). */
export async function symlinkAtomic(target: string, path: string): Promise<void> {
  const temporary = temporaryNameFor(path);
  try {
    await symlink(target, temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** fsync of a directory, so that a rename inside it survives a power cut. Best effort where unsupported. */
export async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Some filesystems (and some FUSE mounts) refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}
