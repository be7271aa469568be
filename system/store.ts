/**
 * The store: `<store>/<hash>-<name>` entries whose hash is derived from their content. An entry is written
 * under a temporary name and renamed into place, then made read-only; an existing entry is never touched,
 * which is what makes identical content stored once.
 *
 * Each entry's references (the other entries its files name, found by scanning its contents once, when it
 * is added, as Nix registers a path's references in its database) and its size are recorded beside it, in
 * `<store>/.cairn-entries/<hash>-<name>.json` (ENTRY_RECORDS_DIRECTORY). The record is not part of the
 * entry, so it changes no hash; it goes with the entry onto ISOs and installed disks, and garbage
 * collection deletes it with the entry. Closures read the records and scan only an entry that has none (a
 * store written before records, or a Nix store).
 */
import { createReadStream } from 'node:fs';
import { chmod, copyFile, cp, lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, utimes, lutimes, writeFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import { fileReadError } from '../lib/user-file.js';
import { hostPath } from './root-path.js';
import { STORE_ENTRY_PATTERN, sha256File, sha256Hex, storeHash, type TreeNode } from './store-hash.js';

export const DEFAULT_STORE = '/cairn/store';
/** Store files carry this mtime (1 s after the epoch), as Nix's do: content, not time, identifies them. */
export const STORE_MTIME = 1;
/** The folder of the store that holds each entry's record (its references and size), beside the entries. */
export const ENTRY_RECORDS_DIRECTORY = '.cairn-entries';
/** The block size an entry's size is counted in: a file or directory takes whole blocks on ext4 and btrfs. */
export const RECORD_BLOCK_BYTES = 4096;

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
  if (!(await exists(destination))) {
    const temporary = `${hostPath(location.root, location.store)}/.tmp-${process.pid}-${posix.basename(entry)}`;
    await rm(temporary, { recursive: true, force: true });
    try {
      await fill(temporary);
      await rename(temporary, destination);
    } catch (error) {
      await makeWritable(temporary);
      await rm(temporary, { recursive: true, force: true });
      // A concurrent writer that won placed the same content (and records it the same way).
      if (errnoCode(error) !== 'ENOTEMPTY' && errnoCode(error) !== 'EEXIST') throw error;
    }
  }
  // Once per entry: an entry of an older store gets its record when it is added again.
  if ((await readEntryRecord(location, entry)) === undefined) {
    await writeEntryRecord(location, entry, await describeEntry(location, entry, byHash(await listStore(location))));
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

/** What the store knows of an entry without reading it again: recorded when it is added (see the top of this file). */
export interface EntryRecord {
  /** The other entries it refers to (`<hash>-<name>`, sorted): store entries whose hash part its files or symlink targets contain. */
  readonly references: readonly string[];
  /** Its files, directories and symlinks, the entry itself included. */
  readonly files: number;
  /** What it takes on a filesystem of 4 KiB blocks: every file, symlink and directory in whole blocks (at least one). */
  readonly diskBytes: number;
}

/** Where the record of `entry` (a system path) is, as a system path. */
export function entryRecordPath(location: StoreLocation, entry: string): string {
  return posix.join(location.store, ENTRY_RECORDS_DIRECTORY, `${posix.basename(entry)}.json`);
}

/** A record's bytes: one line of JSON, keys in a fixed order, so the same entry gives the same bytes everywhere. */
export function encodeEntryRecord(record: EntryRecord): string {
  return `${JSON.stringify({ references: [...record.references].sort(), files: record.files, diskBytes: record.diskBytes })}\n`;
}

/** A record read back; undefined for anything that is not one (then the entry is scanned instead). */
export function decodeEntryRecord(text: string): EntryRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { references, files, diskBytes } = value as Record<string, unknown>;
  if (!Array.isArray(references) || !references.every((r) => typeof r === 'string' && STORE_ENTRY_PATTERN.test(r))) return undefined;
  if (!Number.isSafeInteger(files) || !Number.isSafeInteger(diskBytes)) return undefined;
  return { references: references as string[], files: files as number, diskBytes: diskBytes as number };
}

/** The recorded record of an entry, or undefined when it has none (or an unreadable one). */
export async function readEntryRecord(location: StoreLocation, entry: string): Promise<EntryRecord | undefined> {
  try {
    return decodeEntryRecord(await readFile(hostPath(location.root, entryRecordPath(location, entry)), 'utf8'));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Records an entry (read-only, the store's time), written under a temporary name and renamed into place. */
export async function writeEntryRecord(location: StoreLocation, entry: string, record: EntryRecord): Promise<void> {
  const path = hostPath(location.root, entryRecordPath(location, entry));
  await mkdir(posix.dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, encodeEntryRecord(record), { mode: 0o444 });
  await utimes(temporary, STORE_MTIME, STORE_MTIME);
  await rename(temporary, path);
}

/** Store entries by their hash part. */
function byHash(entries: readonly string[]): Map<string, string> {
  return new Map(entries.map((e) => [posix.basename(e).slice(0, 32), e]));
}

/**
 * Reads an entry whole, the way Nix finds references: its file contents and symlink targets scanned for
 * the hash part of the store's other entries (`known`, by hash); and its size counted on the way.
 */
export async function describeEntry(location: StoreLocation, entry: string, known: ReadonlyMap<string, string>): Promise<EntryRecord> {
  const own = posix.basename(entry).slice(0, 32);
  const found = new Set<string>();
  const scan = (text: string) => {
    for (const match of text.matchAll(HASH_IN_TEXT)) {
      const hash = match[0].slice(0, 32);
      const referenced = known.get(hash);
      if (hash !== own && referenced !== undefined) found.add(posix.basename(referenced));
    }
  };
  let files = 0;
  let diskBytes = 0;
  const visit = async (current: string): Promise<void> => {
    const stat = await lstat(current);
    files += 1;
    diskBytes += stat.isDirectory() ? RECORD_BLOCK_BYTES : Math.ceil(Math.max(stat.size, 1) / RECORD_BLOCK_BYTES) * RECORD_BLOCK_BYTES;
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
  await visit(hostPath(location.root, entry));
  return { references: [...found].sort(), files, diskBytes };
}

/**
 * The closure of some store entries: the entries themselves and everything they refer to, with each one's
 * record: read where the store has it, found by scanning the entry where it has none.
 */
export async function storeClosureRecords(location: StoreLocation, roots: readonly string[]): Promise<Map<string, EntryRecord>> {
  const all = await listStore(location);
  const present = new Set(all);
  let known: Map<string, string> | undefined;
  const closure = new Map<string, EntryRecord>();
  const queue = roots.map((r) => entryOf(location.store, r)).filter((e): e is string => e !== undefined);
  while (queue.length > 0) {
    const entry = queue.pop()!;
    if (closure.has(entry)) continue;
    // A root that is not in the store is scanned, and so reported as missing (a record alone is no entry).
    const recorded = present.has(entry) ? await readEntryRecord(location, entry) : undefined;
    const record = recorded ?? (await describeEntry(location, entry, (known ??= byHash(all))));
    closure.set(entry, record);
    for (const name of record.references) {
      const referenced = posix.join(location.store, name);
      if (present.has(referenced) && !closure.has(referenced)) queue.push(referenced);
    }
  }
  return new Map([...closure].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The closure of some store entries (system paths, sorted): the entries and everything they refer to. */
export async function storeClosure(location: StoreLocation, roots: readonly string[]): Promise<string[]> {
  return [...(await storeClosureRecords(location, roots)).keys()];
}

const HASH_IN_TEXT = /[0123456789abcdfghijklmnpqrsvwxyz]{32}-/g;

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

/** Deletes store entries (garbage collection): each is removed whole, and its record with it. */
export async function deleteEntries(location: StoreLocation, entries: readonly string[]): Promise<void> {
  for (const entry of entries) {
    const path = hostPath(location.root, entry);
    await makeWritable(path);
    await rm(path, { recursive: true, force: true });
    await rm(hostPath(location.root, entryRecordPath(location, entry)), { force: true });
  }
}
