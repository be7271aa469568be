/**
 * Reads an initramfs the way the kernel's unpack_to_rootfs walks it (init/initramfs.c): a mix of plain newc
 * archives (each starting on a 4-byte boundary and ending with TRAILER!!!), compressed members recognised by
 * their magic, and NUL padding between them. A compressed member holds newc archives and padding only.
 * gzip is decompressed with node:zlib wherever it sits; xz and zstd with their tools, as the last member
 * (the tools cannot say where a member ends); the other kernel formats are named and refused, and so is the
 * old portable cpio format (070707), which the kernel does not read either.
 */
import { inflateRawSync } from 'node:zlib';
import { DomainError, UserError } from '../../lib/errors.js';
import { runBinary } from '../../lib/run.js';
import { FILE_TYPE, TRAILER_NAME, decodeNewcEntryHead, type NewcHeader } from './newc.js';

export type EntryType = 'directory' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export type MemberCompression = 'none' | 'gzip' | 'xz' | 'zstd';

export interface ListedEntry {
  readonly name: string;
  readonly type: EntryType;
  /** Permission bits only (the type is in `type`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly ino: number;
  /** Seconds since 1970. */
  readonly mtime: number;
  /** Bytes of data (for a symlink: the length of its target). */
  readonly size: number;
  readonly target?: string;
  readonly device?: { readonly major: number; readonly minor: number };
}

/** One newc archive (up to its TRAILER!!!) and where it was found. */
export interface ListedArchive {
  /** Byte offset in the file of the archive, or of the compressed member holding it. */
  readonly offset: number;
  readonly compression: MemberCompression;
  /** Inside a compressed member: the archive's offset in the decompressed data. */
  readonly decompressedOffset?: number;
  readonly entries: readonly ListedEntry[];
}

/** A decoded entry with its data, as the pure decoder returns it. */
export interface DecodedEntry {
  readonly name: string;
  readonly header: NewcHeader;
  readonly data: Uint8Array;
}

/** Decodes one plain newc archive starting at `offset`, up to and including its TRAILER!!!. Pure. */
export function decodeNewcArchive(bytes: Uint8Array, offset = 0): { entries: DecodedEntry[]; end: number } {
  const entries: DecodedEntry[] = [];
  let position = offset;
  for (;;) {
    if (position >= bytes.length) throw new DomainError('newc-truncated', `the cpio archive at byte ${offset} ends without ${TRAILER_NAME}`);
    const entry = decodeNewcEntryHead(bytes, position);
    if (entry.name === TRAILER_NAME) return { entries, end: entry.nextOffset };
    entries.push({ name: entry.name, header: entry.header, data: bytes.subarray(entry.dataOffset, entry.dataOffset + entry.header.fileSize) });
    position = entry.nextOffset;
  }
}

/** The compression formats the kernel recognises at the start of a member (lib/decompress.c), by magic. */
const MAGICS: readonly { readonly name: string; readonly bytes: readonly number[]; readonly tool?: string }[] = [
  { name: 'gzip', bytes: [0x1f, 0x8b] },
  { name: 'gzip', bytes: [0x1f, 0x9e] },
  { name: 'bzip2', bytes: [0x42, 0x5a, 0x68], tool: 'bzip2 -dc' },
  { name: 'lzma', bytes: [0x5d, 0x00, 0x00], tool: 'xz --format=lzma -dc' },
  { name: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'lzo', bytes: [0x89, 0x4c, 0x5a], tool: 'lzop -dc' },
  { name: 'lz4', bytes: [0x02, 0x21, 0x4c, 0x18], tool: 'lz4 -dc' },
  { name: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
];

function compressionAt(bytes: Uint8Array, offset: number): (typeof MAGICS)[number] | undefined {
  return MAGICS.find((m) => m.bytes.every((b, i) => bytes[offset + i] === b));
}

const ZERO = 0x00;
const DIGIT_ZERO = 0x30;

/**
 * Lists every archive of an initramfs image. `file` names it in errors; the errors say what was found where
 * and how to go on.
 */
export async function listInitramfs(bytes: Uint8Array, file: string): Promise<ListedArchive[]> {
  try {
    return await listMembers(bytes, file);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'newc-old-format') {
      throw new UserError(`${file}: ${error.message}`, { hint: 'write it in the newc format: cpio -o -H newc, or cairn initrd build' });
    }
    if (error instanceof DomainError) throw new UserError(`${file}: ${error.message}`, { hint: 'the file is not an initramfs, or it is damaged' });
    throw error;
  }
}

async function listMembers(bytes: Uint8Array, file: string): Promise<ListedArchive[]> {
  const archives: ListedArchive[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const byte = bytes[offset]!;
    if (byte === ZERO) {
      offset++;
      continue;
    }
    if (byte === DIGIT_ZERO) {
      if (offset % 4 !== 0) throw new DomainError('newc-alignment', `a cpio archive starts at byte ${offset}, which is not a multiple of 4 (the kernel would stop there)`);
      const { entries, end } = decodeNewcArchive(bytes, offset);
      archives.push({ offset, compression: 'none', entries: entries.map(listEntry) });
      offset = end;
      continue;
    }
    if (isBinaryOldFormat(bytes, offset)) throw new DomainError('newc-old-format', `old binary cpio format at byte ${offset}: the kernel reads only newc (070701)`);
    const magic = compressionAt(bytes, offset);
    if (magic === undefined) {
      const shown = [...bytes.subarray(offset, offset + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new DomainError('initramfs-magic', `neither a cpio archive nor a compressed member at byte ${offset} (bytes ${shown})`);
    }
    if (magic.name === 'gzip' && magic.bytes[1] === 0x8b) {
      const { data, end } = gunzipMember(bytes, offset);
      archives.push(...plainArchivesIn(data, offset, 'gzip'));
      offset = end;
      continue;
    }
    if (magic.name === 'xz' || magic.name === 'zstd') {
      const data = await decompressRest(bytes.subarray(offset), magic.name, offset, file);
      archives.push(...plainArchivesIn(data, offset, magic.name));
      offset = bytes.length;
      continue;
    }
    throw new UserError(`${file}: the member at byte ${offset} is compressed with ${magic.name}, which Cairn does not read`, {
      hint: `decompress it first (${magic.tool ?? magic.name} < ${file} > ${file}.cpio), or build the initramfs with gzip`,
    });
  }
  return archives;
}

/** The old binary cpio header: 070707 as a 16-bit number, either byte order. */
function isBinaryOldFormat(bytes: Uint8Array, offset: number): boolean {
  const a = bytes[offset];
  const b = bytes[offset + 1];
  return (a === 0xc7 && b === 0x71) || (a === 0x71 && b === 0xc7);
}

/** The newc archives inside decompressed data: archives and NUL padding only, as the kernel requires. */
function plainArchivesIn(data: Uint8Array, memberOffset: number, compression: MemberCompression): ListedArchive[] {
  const archives: ListedArchive[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data[offset] === ZERO) {
      offset++;
      continue;
    }
    if (data[offset] !== DIGIT_ZERO || offset % 4 !== 0) {
      throw new DomainError('initramfs-junk', `junk inside the ${compression} member at byte ${memberOffset}: byte ${offset} of its data is neither padding nor a 4-byte aligned cpio archive`);
    }
    const { entries, end } = decodeNewcArchive(data, offset);
    archives.push({ offset: memberOffset, compression, decompressedOffset: offset, entries: entries.map(listEntry) });
    offset = end;
  }
  return archives;
}

const GZIP_FLAG = { headerCrc: 0x02, extra: 0x04, name: 0x08, comment: 0x10 } as const;

/** Decompresses the gzip member at `offset` (RFC 1952) and says where it ends. */
function gunzipMember(bytes: Uint8Array, offset: number): { data: Uint8Array; end: number } {
  if (bytes[offset + 2] !== 8) throw new DomainError('gzip-method', `the gzip member at byte ${offset} uses compression method ${bytes[offset + 2]}, not deflate`);
  const flags = bytes[offset + 3]!;
  let position = offset + 10;
  if (flags & GZIP_FLAG.extra) position += 2 + (bytes[position]! | (bytes[position + 1]! << 8));
  for (const flag of [GZIP_FLAG.name, GZIP_FLAG.comment]) {
    if (!(flags & flag)) continue;
    while (position < bytes.length && bytes[position] !== 0) position++;
    position++;
  }
  if (flags & GZIP_FLAG.headerCrc) position += 2;
  if (position >= bytes.length) throw new DomainError('gzip-truncated', `the gzip member at byte ${offset} is cut short in its header`);
  let result: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    result = inflateRawSync(bytes.subarray(position), { info: true }) as unknown as typeof result;
  } catch (error) {
    throw new DomainError('gzip-data', `the gzip member at byte ${offset} is damaged: ${error instanceof Error ? error.message : String(error)}`);
  }
  const trailer = position + result.engine.bytesWritten;
  if (trailer + 8 > bytes.length) throw new DomainError('gzip-truncated', `the gzip member at byte ${offset} ends without its 8-byte trailer`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isize = view.getUint32(trailer + 4, true);
  if (isize !== result.buffer.length % 2 ** 32) {
    throw new DomainError('gzip-size', `the gzip member at byte ${offset} says it holds ${isize} bytes, but ${result.buffer.length} came out`);
  }
  return { data: result.buffer, end: trailer + 8 };
}

async function decompressRest(rest: Uint8Array, format: 'xz' | 'zstd', offset: number, file: string): Promise<Uint8Array> {
  try {
    const { stdout } = await runBinary(format, ['-dc'], { input: rest });
    return stdout;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: the ${format} member at byte ${offset} cannot be decompressed: ${error instanceof Error ? error.message : String(error)}`, {
      hint: `Cairn reads ${format} members only as the last part of a file; decompress it yourself (${format} -dc), or build the initramfs with gzip`,
    });
  }
}

function listEntry(entry: DecodedEntry): ListedEntry {
  const { header } = entry;
  const type = entryType(header.mode, entry.name);
  const base = {
    name: entry.name,
    type,
    mode: header.mode & 0o7777,
    uid: header.uid,
    gid: header.gid,
    nlink: header.nlink,
    ino: header.ino,
    mtime: header.mtime,
    size: header.fileSize,
  };
  if (type === 'symlink') return { ...base, target: new TextDecoder().decode(entry.data) };
  if (type === 'char' || type === 'block') return { ...base, device: { major: header.rdevMajor, minor: header.rdevMinor } };
  return base;
}

function entryType(mode: number, name: string): EntryType {
  switch (mode & FILE_TYPE.mask) {
    case FILE_TYPE.directory:
      return 'directory';
    case FILE_TYPE.regular:
      return 'file';
    case FILE_TYPE.symlink:
      return 'symlink';
    case FILE_TYPE.char:
      return 'char';
    case FILE_TYPE.block:
      return 'block';
    case FILE_TYPE.fifo:
      return 'fifo';
    case FILE_TYPE.socket:
      return 'socket';
    default:
      throw new DomainError('newc-mode', `cpio entry ${JSON.stringify(name)} has mode ${mode.toString(8)}, which is no file type`);
  }
}
