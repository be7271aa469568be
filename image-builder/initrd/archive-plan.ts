/**
 * What goes into an initramfs, and the pure plan of the archive: every entry with its newc header, in the
 * order the kernel needs and with the numbers a reproducible archive needs.
 *
 * - Paths are absolute (`/bin/busybox`); the archive stores them without the leading slash, the root as `.`.
 * - Missing parent directories are added (mode 0755): the kernel creates no parents, so directories come first.
 * - A path under a directory symlink of the archive itself (`/lib -> usr/lib`) is stored under the symlink's
 *   target, where the kernel's unpacking would put it, so merged-/usr layouts work.
 * - Entries are sorted by path, component by component in byte order, so parents precede their children.
 * - Inode numbers count up from 1 in that order; nlink is 1 (2 for directories), so the kernel never mistakes
 *   two entries for hard links; owners are 0 unless given.
 * - Times: an entry's own mtime if it is older than the archive date, else the archive date (SOURCE_DATE_EPOCH).
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import { FILE_TYPE, emptyHeader, type NewcHeader } from './newc.js';

interface EntryCommon {
  /** Absolute path inside the initramfs. */
  readonly path: string;
  /** Permission bits (0 to 0o7777); each kind has a default. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since 1970; clamped to the archive date, which is also the default. */
  readonly mtime?: number;
}

export interface DirectoryEntry extends EntryCommon {
  readonly kind: 'directory';
}

/** A file copied from the host (`source`) or given as bytes or text (`data`). */
export type FileEntry = EntryCommon & { readonly kind: 'file' } & ({ readonly source: string } | { readonly data: Uint8Array | string });

export interface SymlinkEntry extends EntryCommon {
  readonly kind: 'symlink';
  readonly target: string;
}

export interface DeviceEntry extends EntryCommon {
  readonly kind: 'device';
  readonly device: 'char' | 'block';
  readonly major: number;
  readonly minor: number;
}

export interface FifoEntry extends EntryCommon {
  readonly kind: 'fifo';
}

export type InitramfsEntry = DirectoryEntry | FileEntry | SymlinkEntry | DeviceEntry | FifoEntry;

/** A host file's size and permission bits, read before planning (the plan itself does no I/O). */
export interface SourceInfo {
  readonly size: number;
  readonly mode: number;
}

/** What an entry's data is. */
export type PlannedContent =
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly data: Uint8Array }
  | { readonly kind: 'host'; readonly path: string; readonly size: number };

export interface PlannedEntry {
  /** The name stored in the archive: `bin/busybox`, or `.` for the root. */
  readonly name: string;
  /** The header, with `nameSize` left 0 (the encoder fills it in). */
  readonly header: NewcHeader;
  readonly content: PlannedContent;
}

export interface InitramfsPlan {
  readonly entries: readonly PlannedEntry[];
  /** Sum of the archive's bytes before compression (headers, names, data, padding, trailer). */
  readonly archiveSize: number;
}

export interface PlanOptions {
  /** The archive date: no entry is newer (SOURCE_DATE_EPOCH, else 1970-01-01). */
  readonly date: Date;
  /** Size and mode of each host file named by a `source`. */
  readonly sources: ReadonlyMap<string, SourceInfo>;
}

const DEFAULT_MODES = { directory: 0o755, file: 0o644, symlink: 0o777, device: 0o600, fifo: 0o644 } as const;
/** Like the kernel's path walk: more links than this in one path is a loop. */
const MAX_LINK_HOPS = 40;

/** The components of an absolute path (`/` gives none); throws for relative paths, `.`, `..` and NUL. */
function archivePathComponents(path: string): string[] {
  if (!path.startsWith('/')) throw new DomainError('initramfs-path', `"${path}" is not an absolute path`, { hint: 'paths inside an initramfs start with /' });
  if (path.includes('\0')) throw new DomainError('initramfs-path', `${JSON.stringify(path)} contains a NUL character`);
  const components = path.split('/').filter((c) => c !== '');
  if (components.some((c) => c === '.' || c === '..')) throw new DomainError('initramfs-path', `"${path}" contains . or ..`, { hint: 'write the path without . and .. components' });
  return components;
}

/** Plans the archive: resolves, de-duplicates, adds parents, sorts and numbers the entries. Pure. */
export function planInitramfs(entries: readonly InitramfsEntry[], options: PlanOptions): InitramfsPlan {
  const epoch = Math.floor(options.date.getTime() / 1000);
  if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`the archive date must be at or after 1970, got ${options.date.toISOString()}`);

  const links = new Map<string, string>();
  const byPath = new Map<string, { entry: InitramfsEntry; components: string[]; implicit: boolean }>();
  // Symlinks first, shortest paths first, so that a later path can be resolved through every directory link.
  const ordered = [...entries.entries()].sort(([ia, a], [ib, b]) => rank(a) - rank(b) || ia - ib).map(([, e]) => e);
  for (const entry of ordered) {
    const components = resolveParents(archivePathComponents(entry.path), links, entry.path);
    const key = components.join('/');
    if (key === '' && entry.kind !== 'directory') throw new DomainError('initramfs-not-directory', `the root / must be a directory, not ${describeEntry(entry)}`);
    const existing = byPath.get(key);
    if (existing !== undefined && !existing.implicit) {
      if (sameEntry(existing.entry, entry)) continue;
      throw new DomainError('initramfs-duplicate', `${displayPath(components)} is given twice: ${describeEntry(existing.entry)}, and ${describeEntry(entry)}`, {
        hint: 'keep one of them',
      });
    }
    if (existing !== undefined && entry.kind !== 'directory') {
      throw new DomainError('initramfs-not-directory', `${displayPath(components)} is ${describeEntry(entry)}, but other entries are inside it`, { hint: 'it must be a directory' });
    }
    byPath.set(key, { entry, components, implicit: false });
    if (entry.kind === 'symlink') links.set(key, entry.target);
    for (let depth = components.length - 1; depth >= 0; depth--) {
      const parent = components.slice(0, depth);
      const parentKey = parent.join('/');
      const found = byPath.get(parentKey);
      if (found === undefined) {
        byPath.set(parentKey, { entry: { kind: 'directory', path: displayPath(parent) }, components: parent, implicit: true });
        continue;
      }
      if (found.entry.kind !== 'directory') {
        throw new DomainError('initramfs-not-directory', `${displayPath(parent)} is ${describeEntry(found.entry)}, but ${entry.path} is inside it`, {
          hint: 'make it a directory, or a symlink to one',
        });
      }
      break;
    }
  }
  if (!byPath.has('')) byPath.set('', { entry: { kind: 'directory', path: '/' }, components: [], implicit: true });

  const sorted = [...byPath.values()].sort((a, b) => compareComponents(a.components, b.components));
  let archiveSize = 0;
  const planned = sorted.map(({ entry, components }, index): PlannedEntry => {
    const { mode, content } = modeAndContent(entry, options.sources);
    const size = content.kind === 'none' ? 0 : content.kind === 'bytes' ? content.data.length : content.size;
    const header = emptyHeader({
      ino: index + 1,
      mode,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      nlink: entry.kind === 'directory' ? 2 : 1,
      mtime: Math.min(entry.mtime ?? epoch, epoch),
      fileSize: size,
      rdevMajor: entry.kind === 'device' ? entry.major : 0,
      rdevMinor: entry.kind === 'device' ? entry.minor : 0,
    });
    const name = components.length === 0 ? '.' : components.join('/');
    archiveSize += entrySize(name, size);
    return { name, header, content };
  });
  archiveSize += entrySize('TRAILER!!!', 0);
  return { entries: planned, archiveSize };
}

function rank(entry: InitramfsEntry): number {
  return entry.kind === 'symlink' ? archivePathComponents(entry.path).length : 1_000_000;
}

/**
 * The path with its parent components resolved through the archive's symlinks (the last component is the
 * entry itself and stays as it is).
 */
function resolveParents(components: readonly string[], links: ReadonlyMap<string, string>, original: string): string[] {
  let resolved: string[] = [];
  let rest = [...components];
  let hops = 0;
  while (rest.length > 1) {
    const next = rest.shift()!;
    const candidate = [...resolved, next];
    const target = links.get(candidate.join('/'));
    if (target === undefined) {
      resolved = candidate;
      continue;
    }
    if (++hops > MAX_LINK_HOPS) throw new DomainError('initramfs-link-loop', `${original}: too many levels of symbolic links in the archive`);
    const targetComponents = target.split('/').filter((c) => c !== '' && c !== '.');
    const base = target.startsWith('/') ? [] : resolved;
    const joined: string[] = [...base];
    for (const part of targetComponents) {
      if (part === '..') joined.pop();
      else joined.push(part);
    }
    resolved = [];
    rest = [...joined, ...rest];
  }
  return [...resolved, ...rest];
}

function modeAndContent(entry: InitramfsEntry, sources: ReadonlyMap<string, SourceInfo>): { mode: number; content: PlannedContent } {
  const permissions = (fallback: number) => {
    const mode = entry.mode ?? fallback;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new DomainError('initramfs-mode', `${entry.path}: mode ${mode} is not a permission mode (0 to 07777)`);
    return mode;
  };
  switch (entry.kind) {
    case 'directory':
      return { mode: FILE_TYPE.directory | permissions(DEFAULT_MODES.directory), content: { kind: 'none' } };
    case 'symlink': {
      if (entry.target === '' || entry.target.includes('\0')) throw new DomainError('initramfs-path', `${entry.path}: a symlink needs a target without NUL characters`);
      return { mode: FILE_TYPE.symlink | permissions(DEFAULT_MODES.symlink), content: { kind: 'bytes', data: new TextEncoder().encode(entry.target) } };
    }
    case 'device': {
      for (const [field, value] of [['major', entry.major], ['minor', entry.minor]] as const) {
        if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new DomainError('initramfs-device', `${entry.path}: device ${field} number ${value} is not a whole number`);
      }
      return { mode: (entry.device === 'char' ? FILE_TYPE.char : FILE_TYPE.block) | permissions(DEFAULT_MODES.device), content: { kind: 'none' } };
    }
    case 'fifo':
      return { mode: FILE_TYPE.fifo | permissions(DEFAULT_MODES.fifo), content: { kind: 'none' } };
    case 'file': {
      if ('source' in entry) {
        const info = sources.get(entry.source);
        if (info === undefined) throw new Error(`no size known for the host file ${entry.source} (planInitramfs needs every source in options.sources)`);
        return { mode: FILE_TYPE.regular | permissions(info.mode & 0o7777), content: { kind: 'host', path: entry.source, size: info.size } };
      }
      const data = typeof entry.data === 'string' ? new TextEncoder().encode(entry.data) : entry.data;
      return { mode: FILE_TYPE.regular | permissions(DEFAULT_MODES.file), content: { kind: 'bytes', data } };
    }
  }
}

function entrySize(name: string, dataSize: number): number {
  const nameSize = new TextEncoder().encode(name).length + 1;
  return ((110 + nameSize + 3) & ~3) + ((dataSize + 3) & ~3);
}

/** Byte order of UTF-8, component by component: a directory sorts right before everything inside it. */
function compareComponents(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = Buffer.compare(Buffer.from(a[i]!), Buffer.from(b[i]!));
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function sameEntry(a: InitramfsEntry, b: InitramfsEntry): boolean {
  if (a.kind !== b.kind || a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.mtime !== b.mtime) return false;
  switch (a.kind) {
    case 'directory':
    case 'fifo':
      return true;
    case 'symlink':
      return a.target === (b as SymlinkEntry).target;
    case 'device': {
      const other = b as DeviceEntry;
      return a.device === other.device && a.major === other.major && a.minor === other.minor;
    }
    case 'file': {
      const other = b as FileEntry;
      if ('source' in a) return 'source' in other && a.source === other.source;
      if ('source' in other) return false;
      return Buffer.from(typeof a.data === 'string' ? a.data : a.data).equals(Buffer.from(typeof other.data === 'string' ? other.data : other.data));
    }
  }
}

function describeEntry(entry: InitramfsEntry): string {
  switch (entry.kind) {
    case 'directory':
      return 'a directory';
    case 'fifo':
      return 'a named pipe';
    case 'symlink':
      return `a symlink to ${entry.target}`;
    case 'device':
      return `a ${entry.device} device ${entry.major}:${entry.minor}`;
    case 'file':
      return 'source' in entry ? `a copy of ${entry.source}` : 'a file given as data';
  }
}

function displayPath(components: readonly string[]): string {
  return posix.join('/', ...components);
}
