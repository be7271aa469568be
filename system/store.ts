/**
 * The store: `<store>/<hash>-<name>` entries whose hash is derived from their content. An entry is written
 * under a temporary name and renamed into place, then made read-only; an existing entry is never touched,
 * which is what makes identical content stored once.
 */
import { createReadStream } from 'node:fs';
import { chmod, copyFile, cp, lstat, mkdir, readdir, readlink, rename, rm, symlink, utimes, lutimes, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import { fileReadError } from '../lib/user-file.js';
import { hostPath } from './root-path.js';
import { STORE_ENTRY_PATTERN, sha256File, sha256Hex, storeHash, type TreeNode } from './store-hash.js';

export const DEFAULT_STORE = '/cairn/store';
/** Store files carry this mtime (1 s after the epoch), as Nix's do: content, not time, identifies them. */
const STORE_MTIME = 1;

/** Where a store is: the root directory it lives under, and its path as the system sees it. */
export interface StoreLocation {
  readonly root: string;
  readonly store: string;
}

/** A file to put into a store entry: its content comes from `source` on this machine. */
export type EntryContent =
  | { readonly type: 'file'; readonly source: string; readonly executable?: boolean }
  | { readonly type: 'text'; readonly text: string; readonly executable?: boolean }
  | { readonly type: 'symlink'; readonly target: string };

/** The store path (system path) of the entry `<hash>-<name>` for `name`. */
function storeEntryPath(location: StoreLocation, hash: string, name: string): string {
  return posix.join(location.store, `${hash}-${name}`);
}

/** Store entry names: what Nix accepts, so Cairn's entries are valid Nix names too. */
function checkEntryName(name: string): void {
  if (!/^[A-Za-z0-9+._?=-]+$/.test(name) || name.startsWith('.')) {
    throw new UserError(`invalid store entry name "${name}"`, { hint: 'use letters, digits and + . _ ? = - only, not starting with a dot' });
  }
}

/** Checks that the store directory, if it exists, is a directory (and creates it otherwise). */
export async function ensureStore(location: StoreLocation): Promise<void> {
  const path = hostPath(location.root, location.store);
  try {
    const stat = await lstat(path);
    if (!stat.isDirectory()) {
      throw new UserError(`${path}: the store path is not a directory`, { hint: 'point --store at a directory (or remove the file in its way)' });
    }
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    await mkdir(path, { recursive: true });
  }
}

/**
 * Adds a directory entry holding `files` to the store. The hash covers the name and the content of every
 * file; `selfReference` (a placeholder string) lets text files name the entry's own path, which is only
 * known once the hash is: the hash is computed over the placeholder, the files are written with the path.
 */
export async function addEntry(
  location: StoreLocation,
  name: string,
  files: Readonly<Record<string, EntryContent | ((selfPath: string) => EntryContent)>>,
  selfReference = '@self@',
): Promise<string> {
  checkEntryName(name);
  const placeholderContents: Record<string, EntryContent> = {};
  for (const [file, content] of Object.entries(files)) {
    placeholderContents[file] = typeof content === 'function' ? content(selfReference) : content;
  }
  const tree = await describeContents(placeholderContents);
  const entry = storeEntryPath(location, storeHash(name, tree), name);
  return placeEntry(location, entry, async (temporary) => {
    await mkdir(temporary);
    for (const [file, make] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const content = typeof make === 'function' ? make(entry) : make;
      await writeContent(posix.join(temporary, file), content);
    }
    await chmod(temporary, 0o555);
    await utimes(temporary, STORE_MTIME, STORE_MTIME);
  });
}

/**
 * Adds a directory tree staged on this machine (`staged`, outside the store or in it) as the entry `name`:
 * its hash covers every file's content and executable bit, every symlink's target and every directory. The
 * tree is moved into place when it can be (same filesystem) and copied otherwise; then, as every entry, made
 * read-only with the store's time. The staged tree is gone afterwards either way.
 */
export async function addTreeEntry(location: StoreLocation, name: string, staged: string): Promise<string> {
  checkEntryName(name);
  const entry = storeEntryPath(location, storeHash(name, await describeTree(staged)), name);
  try {
    return await placeEntry(location, entry, async (temporary) => {
      try {
        await rename(staged, temporary);
      } catch (error) {
        if (errnoCode(error) !== 'EXDEV') throw error;
        await cp(staged, temporary, { recursive: true, verbatimSymlinks: true });
      }
      await sealTree(temporary);
    });
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}

/**
 * Writes an entry: `fill` makes it at a temporary name in the store, which is then renamed into place. An
 * entry that exists already is left as it is (same path, same content), and one a concurrent writer placed
 * first wins. A failure leaves nothing behind.
 */
async function placeEntry(location: StoreLocation, entry: string, fill: (temporary: string) => Promise<void>): Promise<string> {
  const destination = hostPath(location.root, entry);
  await ensureStore(location);
  if (await exists(destination)) return entry;
  const temporary = `${hostPath(location.root, location.store)}/.tmp-${process.pid}-${posix.basename(entry)}`;
  await rm(temporary, { recursive: true, force: true });
  try {
    await fill(temporary);
    await rename(temporary, destination);
  } catch (error) {
    await makeWritable(temporary);
    await rm(temporary, { recursive: true, force: true });
    if (errnoCode(error) === 'ENOTEMPTY' || errnoCode(error) === 'EEXIST') return entry; // a concurrent writer won
    throw error;
  }
  return entry;
}

/** A staged tree described by content, as addTreeEntry hashes it. */
export async function describeTree(path: string): Promise<TreeNode> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return { type: 'symlink', target: await readlink(path) };
  if (info.isFile()) return { type: 'file', sha256: await sha256File(path), executable: (info.mode & 0o100) !== 0 };
  if (!info.isDirectory()) throw new UserError(`${path}: a special file cannot be stored`, { hint: 'store regular files, directories and symbolic links only' });
  const entries: Record<string, TreeNode> = {};
  for (const name of (await readdir(path)).sort()) entries[name] = await describeTree(posix.join(path, name));
  return { type: 'directory', entries };
}

/** Read-only modes (0555 directories and programs, 0444 other files) and the store's time, children first. */
async function sealTree(path: string): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) {
    await lutimes(path, STORE_MTIME, STORE_MTIME);
    return;
  }
  if (info.isDirectory()) {
    for (const name of await readdir(path)) await sealTree(posix.join(path, name));
    await chmod(path, 0o555);
  } else await chmod(path, (info.mode & 0o100) !== 0 ? 0o555 : 0o444);
  await utimes(path, STORE_MTIME, STORE_MTIME);
}

async function describeContents(contents: Readonly<Record<string, EntryContent>>): Promise<TreeNode> {
  const entries: Record<string, TreeNode> = {};
  for (const [file, content] of Object.entries(contents)) {
    if (file.includes('/') || file === '' || file === '.' || file === '..') throw new Error(`bad entry file name ${file}`);
    switch (content.type) {
      case 'file': {
        let sha256: string;
        try {
          sha256 = await sha256File(content.source);
        } catch (error) {
          throw fileReadError(content.source, error);
        }
        entries[file] = { type: 'file', sha256, executable: content.executable ?? false };
        break;
      }
      case 'text':
        entries[file] = { type: 'file', sha256: sha256Hex(content.text), executable: content.executable ?? false };
        break;
      case 'symlink':
        entries[file] = { type: 'symlink', target: content.target };
        break;
    }
  }
  return { type: 'directory', entries };
}

async function writeContent(path: string, content: EntryContent): Promise<void> {
  switch (content.type) {
    case 'file':
      try {
        await copyFile(content.source, path);
      } catch (error) {
        throw fileReadError(content.source, error);
      }
      break;
    case 'text':
      await writeFile(path, content.text);
      break;
    case 'symlink':
      await symlink(content.target, path);
      await lutimes(path, STORE_MTIME, STORE_MTIME);
      return;
  }
  await chmod(path, content.executable ? 0o555 : 0o444);
  await utimes(path, STORE_MTIME, STORE_MTIME);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Every entry of the store (system paths, sorted); temporary and foreign names are skipped. */
export async function listStore(location: StoreLocation): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(hostPath(location.root, location.store));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    if (errnoCode(error) === 'ENOTDIR') {
      throw new UserError(`${hostPath(location.root, location.store)}: the store path is not a directory`, { hint: 'point --store at a directory' });
    }
    throw error;
  }
  return names.filter((n) => STORE_ENTRY_PATTERN.test(n)).sort().map((n) => posix.join(location.store, n));
}

/** The store entry (`<store>/<hash>-<name>`) a system path lies in, or undefined if it is outside the store. */
export function entryOf(store: string, systemPath: string): string | undefined {
  const prefix = store.endsWith('/') ? store : `${store}/`;
  if (!systemPath.startsWith(prefix)) return undefined;
  const first = systemPath.slice(prefix.length).split('/')[0]!;
  return STORE_ENTRY_PATTERN.test(first) ? prefix + first : undefined;
}

/**
 * The closure of some store entries: the entries themselves and everything they refer to, found the way Nix
 * finds references: by scanning file contents and symlink targets for the hash part of other entries.
 */
export async function storeClosure(location: StoreLocation, roots: readonly string[]): Promise<string[]> {
  const all = await listStore(location);
  const byHash = new Map(all.map((e) => [posix.basename(e).slice(0, 32), e]));
  const closure = new Set<string>();
  const queue = roots.map((r) => entryOf(location.store, r)).filter((e): e is string => e !== undefined);
  while (queue.length > 0) {
    const entry = queue.pop()!;
    if (closure.has(entry)) continue;
    closure.add(entry);
    for (const hash of await referencedHashes(hostPath(location.root, entry))) {
      const referenced = byHash.get(hash);
      if (referenced !== undefined && !closure.has(referenced)) queue.push(referenced);
    }
  }
  return [...closure].sort();
}

const HASH_IN_TEXT = /[0123456789abcdfghijklmnpqrsvwxyz]{32}-/g;

async function referencedHashes(path: string): Promise<Set<string>> {
  const found = new Set<string>();
  const scan = (text: string) => {
    for (const match of text.matchAll(HASH_IN_TEXT)) found.add(match[0].slice(0, 32));
  };
  const visit = async (current: string): Promise<void> => {
    const stat = await lstat(current);
    if (stat.isSymbolicLink()) scan(await readlink(current));
    else if (stat.isDirectory()) for (const name of await readdir(current)) await visit(posix.join(current, name));
    else if (stat.isFile()) {
      let carry = '';
      for await (const chunk of createReadStream(current, { highWaterMark: 1024 * 1024 })) {
        const text = carry + (chunk as Buffer).toString('latin1');
        scan(text);
        carry = text.slice(-32);
      }
    }
  };
  await visit(path);
  return found;
}

/** Makes an entry writable again so that it can be deleted (store entries are read-only). */
export async function makeWritable(path: string): Promise<void> {
  let stat;
  try {
    stat = await lstat(path);
  } catch {
    return;
  }
  if (!stat.isDirectory()) return;
  await chmod(path, 0o755);
  for (const name of await readdir(path)) await makeWritable(posix.join(path, name));
}

/** Deletes store entries (garbage collection): each is removed whole. */
export async function deleteEntries(location: StoreLocation, entries: readonly string[]): Promise<void> {
  for (const entry of entries) {
    const path = hostPath(location.root, entry);
    await makeWritable(path);
    await rm(path, { recursive: true, force: true });
  }
}
