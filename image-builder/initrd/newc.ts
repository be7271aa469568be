/**
 * The cpio "newc" entry header the kernel unpacks an initramfs from (Documentation/driver-api/early-userspace/
 * buffer-format.rst, init/initramfs.c): 110 ASCII bytes (a 6-byte magic and 13 fields of 8 hex digits), the
 * NUL-terminated name padded so that header and name end on a 4-byte boundary, then the data padded to 4.
 * An archive ends with an entry named TRAILER!!!. Every field is kept, so decoding an archive made by another
 * tool and encoding it again gives the same bytes (GNU cpio writes upper-case hex, as this does).
 */
import { DomainError } from '../../lib/errors.js';

const NEWC_MAGIC = '070701';
/** newc with a checksum of the data in `check` (the kernel accepts both). */
const NEWC_CRC_MAGIC = '070702';
/** The old portable ASCII format ("odc"), which the kernel does not read. */
const ODC_MAGIC = '070707';
export const NEWC_HEADER_SIZE = 110;
export const TRAILER_NAME = 'TRAILER!!!';

/** File type bits of `mode` (sys/stat.h). */
export const FILE_TYPE = {
  mask: 0o170000,
  socket: 0o140000,
  symlink: 0o120000,
  regular: 0o100000,
  block: 0o060000,
  directory: 0o040000,
  char: 0o020000,
  fifo: 0o010000,
} as const;

const FIELDS = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'fileSize', 'devMajor', 'devMinor', 'rdevMajor', 'rdevMinor', 'nameSize', 'check'] as const;
const MAX_FIELD = 0xffffffff;

export interface NewcHeader {
  readonly magic: typeof NEWC_MAGIC | typeof NEWC_CRC_MAGIC;
  readonly ino: number;
  /** File type and permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  /** Seconds since 1970. */
  readonly mtime: number;
  readonly fileSize: number;
  readonly devMajor: number;
  readonly devMinor: number;
  /** For character and block devices: the device the node stands for. */
  readonly rdevMajor: number;
  readonly rdevMinor: number;
  /** Length of the name in bytes, including its terminating NUL. */
  readonly nameSize: number;
  readonly check: number;
}

/** A header with its name: everything before an entry's data. */
export interface NewcEntryHead {
  readonly header: NewcHeader;
  readonly name: string;
}

/** Rounds up to the next multiple of 4, the alignment of names and data. */
export function alignTo4(n: number): number {
  return (n + 3) & ~3;
}

export function encodeNewcHeader(header: NewcHeader): Uint8Array {
  const magics: readonly string[] = [NEWC_MAGIC, NEWC_CRC_MAGIC];
  if (!magics.includes(header.magic)) throw new RangeError(`newc magic must be ${magics.join(' or ')}`);
  let text: string = header.magic;
  for (const field of FIELDS) {
    const value = header[field];
    if (!Number.isInteger(value) || value < 0 || value > MAX_FIELD) throw new RangeError(`newc ${field} must be a whole number from 0 to ${MAX_FIELD}, got ${value}`);
    text += value.toString(16).toUpperCase().padStart(8, '0');
  }
  return new TextEncoder().encode(text);
}

/** Decodes the 110-byte header at `offset`; throws a DomainError (code `newc-header`) naming what is wrong. */
export function decodeNewcHeader(bytes: Uint8Array, offset = 0): NewcHeader {
  if (offset + NEWC_HEADER_SIZE > bytes.length) throw new DomainError('newc-header', `truncated cpio header at byte ${offset}`);
  const text = latin1(bytes, offset, NEWC_HEADER_SIZE);
  const magic = text.slice(0, 6);
  if (magic === ODC_MAGIC) {
    throw new DomainError('newc-old-format', `old portable cpio format (magic ${ODC_MAGIC}) at byte ${offset}: the kernel reads only newc (070701)`);
  }
  if (magic !== NEWC_MAGIC && magic !== NEWC_CRC_MAGIC) {
    throw new DomainError('newc-header', `no cpio newc magic at byte ${offset} (found ${JSON.stringify(magic)})`);
  }
  const values: Record<string, number> = {};
  FIELDS.forEach((field, index) => {
    const digits = text.slice(6 + index * 8, 14 + index * 8);
    if (!/^[0-9A-Fa-f]{8}$/.test(digits)) throw new DomainError('newc-header', `cpio header at byte ${offset}: ${field} is not 8 hex digits (${JSON.stringify(digits)})`);
    values[field] = Number.parseInt(digits, 16);
  });
  return { magic, ...(values as Omit<NewcHeader, 'magic'>) };
}

/** Header, name, NUL and padding: the bytes before the entry's data. `nameSize` is taken from the name. */
export function encodeNewcEntryHead(head: NewcEntryHead): Uint8Array {
  const name = new TextEncoder().encode(head.name);
  if (name.includes(0)) throw new RangeError(`a cpio name cannot contain NUL: ${JSON.stringify(head.name)}`);
  const nameSize = name.length + 1;
  const headerBytes = encodeNewcHeader({ ...head.header, nameSize });
  const out = new Uint8Array(alignTo4(NEWC_HEADER_SIZE + nameSize));
  out.set(headerBytes, 0);
  out.set(name, NEWC_HEADER_SIZE);
  return out;
}

export interface DecodedNewcEntry extends NewcEntryHead {
  /** Where the header starts. */
  readonly offset: number;
  /** Where the data starts (after the padded name). */
  readonly dataOffset: number;
  /** Where the next header starts (after the padded data). */
  readonly nextOffset: number;
}

/** Decodes one entry's head at `offset`, checking that the name and data lie inside `bytes`. */
export function decodeNewcEntryHead(bytes: Uint8Array, offset = 0): DecodedNewcEntry {
  const header = decodeNewcHeader(bytes, offset);
  if (header.nameSize < 1) throw new DomainError('newc-header', `cpio header at byte ${offset}: name size is 0`);
  const nameEnd = offset + NEWC_HEADER_SIZE + header.nameSize;
  if (nameEnd > bytes.length) throw new DomainError('newc-header', `cpio entry at byte ${offset}: its name runs past the end of the archive`);
  if (bytes[nameEnd - 1] !== 0) throw new DomainError('newc-header', `cpio entry at byte ${offset}: its name is not NUL-terminated`);
  const name = new TextDecoder().decode(bytes.subarray(offset + NEWC_HEADER_SIZE, nameEnd - 1));
  const dataOffset = offset + alignTo4(NEWC_HEADER_SIZE + header.nameSize);
  const dataEnd = dataOffset + header.fileSize;
  if (dataEnd > bytes.length) throw new DomainError('newc-header', `cpio entry ${JSON.stringify(name)} at byte ${offset}: its ${header.fileSize} bytes of data run past the end of the archive`);
  return { header, name, offset, dataOffset, nextOffset: offset + alignTo4(dataEnd - offset) };
}

/** The entry that ends an archive. */
export function encodeNewcTrailer(): Uint8Array {
  return encodeNewcEntryHead({ name: TRAILER_NAME, header: emptyHeader({ nlink: 1 }) });
}

/** A header with every field 0 except those given. */
export function emptyHeader(fields: Partial<NewcHeader> = {}): NewcHeader {
  return {
    magic: NEWC_MAGIC,
    ino: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    nlink: 0,
    mtime: 0,
    fileSize: 0,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: 0,
    rdevMinor: 0,
    nameSize: 0,
    check: 0,
    ...fields,
  };
}

function latin1(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < offset + length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
