/**
 * Store garbage: entries that no generation of the profile reaches. Found by the closure of every generation
 * link (readable or not, so a broken generation never loses its files), reported, and removed on request.
 */
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError } from '../lib/errors.js';
import type { Profile } from './profile.js';
import { hostPath } from './root-path.js';
import { deleteEntries, listStore, storeClosure, type StoreLocation } from './store.js';

export interface Garbage {
  /** Store entries (system paths) that nothing reaches, sorted. */
  readonly entries: readonly string[];
  /** Their total size on disk (apparent size of their files). */
  readonly bytes: number;
}

export async function findGarbage(location: StoreLocation, profile: Profile): Promise<Garbage> {
  const live = new Set(await storeClosure(location, profile.linkTargets));
  const entries = (await listStore(location)).filter((e) => !live.has(e));
  let bytes = 0;
  for (const entry of entries) bytes += await treeSize(hostPath(location.root, entry));
  return { entries, bytes };
}

/** Refuses stores whose roots Cairn cannot know (a Nix store has roots outside any one profile). */
export function assertCollectable(location: StoreLocation): void {
  if (posix.normalize(location.store) === '/nix/store') {
    throw new UserError('Cairn does not remove entries from a Nix store', { hint: 'use nix-collect-garbage, which knows every root of the Nix store' });
  }
}

export async function collectGarbage(location: StoreLocation, entries: readonly string[]): Promise<void> {
  assertCollectable(location);
  await deleteEntries(location, entries);
}

async function treeSize(path: string): Promise<number> {
  const stat = await lstat(path);
  if (!stat.isDirectory()) return stat.isFile() ? stat.size : 0;
  let total = 0;
  for (const name of await readdir(path)) total += await treeSize(posix.join(path, name));
  return total;
}
