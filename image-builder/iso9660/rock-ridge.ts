/**
 * Rock Ridge (RRIP 1.12, IEEE P1282) entries carried in SUSP system use areas: POSIX attributes (PX), time
 * stamps (TF), the real name (NM), symbolic link targets (SL), device numbers (PN) and the relocation
 * markers of deep directories (CL, PL, RE). Names and link components are bytes: Rock Ridge does not say
 * which character set they are in; Cairn writes UTF-8.
 */
import { readUint32Both, writeUint32Both } from './both-endian.js';
import {
  RECORDING_DATE_TIME_LENGTH,
  VOLUME_DATE_TIME_LENGTH,
  decodeRecordingDateTime,
  decodeVolumeDateTime,
  writeRecordingDateTime,
  writeVolumeDateTime,
  type RecordingDateTime,
  type VolumeDateTime,
} from './date-time.js';
import { MAX_SUSP_ENTRY_LENGTH, SUSP_HEADER_LENGTH, encodeSuspEntry, expectLength, writeSuspHeader, type SuspEntry } from './susp.js';

/** The ER entry Cairn writes: RRIP 1.12, whose PX carries a file serial number (inode). */
export const ROCK_RIDGE_EXTENSION = {
  identifier: 'IEEE_P1282',
  descriptor: 'THE IEEE P1282 PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS.',
  source: 'PLEASE CONTACT THE IEEE STANDARDS DEPARTMENT, PISCATAWAY, NJ, USA FOR THE P1282 SPECIFICATION.',
  version: 1,
} as const;

/** Extension identifiers that mean Rock Ridge when a reader meets them in an ER entry. */
export const ROCK_RIDGE_IDENTIFIERS = ['IEEE_P1282', 'RRIP_1991A', 'IEEE_1282'] as const;

// ---- PX ----------------------------------------------------------------------------------------------

/** PX: st_mode (type and permission bits), st_nlink, st_uid, st_gid and (RRIP 1.12) st_ino. */
export interface PosixAttributes {
  readonly mode: number;
  readonly links: number;
  readonly uid: number;
  readonly gid: number;
  /** Absent in RRIP 1.10 entries (36 bytes instead of 44). */
  readonly inode?: number;
}

/** File type bits of st_mode, as PX carries them. */
export const PosixFileType = {
  mask: 0o170000,
  socket: 0o140000,
  symlink: 0o120000,
  regular: 0o100000,
  blockDevice: 0o060000,
  directory: 0o040000,
  characterDevice: 0o020000,
  fifo: 0o010000,
} as const;

export function encodePosixAttributes(value: PosixAttributes): Uint8Array {
  const bytes = new Uint8Array(SUSP_HEADER_LENGTH + (value.inode === undefined ? 32 : 40));
  writePosixAttributes(bytes, 0, value);
  return bytes;
}

/**
 * Writes the PX entry at `offset` of `bytes`; returns its length. The write* functions of this module
 * put an entry straight into a directory being encoded, where the encode* functions return it on its own.
 */
export function writePosixAttributes(bytes: Uint8Array, offset: number, value: PosixAttributes): number {
  const length = SUSP_HEADER_LENGTH + (value.inode === undefined ? 32 : 40);
  writeSuspHeader(bytes, offset, 'PX', length);
  const data = offset + SUSP_HEADER_LENGTH;
  writeUint32Both(bytes, data, value.mode);
  writeUint32Both(bytes, data + 8, value.links);
  writeUint32Both(bytes, data + 16, value.uid);
  writeUint32Both(bytes, data + 24, value.gid);
  if (value.inode !== undefined) writeUint32Both(bytes, data + 32, value.inode);
  return length;
}

export function decodePosixAttributes(entry: SuspEntry): PosixAttributes {
  expectLength(entry, 32, 40);
  const base = {
    mode: readUint32Both(entry.data, 0),
    links: readUint32Both(entry.data, 8),
    uid: readUint32Both(entry.data, 16),
    gid: readUint32Both(entry.data, 24),
  };
  return entry.data.length === 40 ? { ...base, inode: readUint32Both(entry.data, 32) } : base;
}

// ---- TF ----------------------------------------------------------------------------------------------

/** TF: any of seven time stamps, in the 7-byte form or (long form) the 17-byte form. */
export interface TimeStamps {
  readonly longForm: boolean;
  readonly created?: RecordingDateTime | VolumeDateTime;
  readonly modified?: RecordingDateTime | VolumeDateTime;
  readonly accessed?: RecordingDateTime | VolumeDateTime;
  /** Last change of attributes (st_ctime). */
  readonly attributes?: RecordingDateTime | VolumeDateTime;
  readonly backup?: RecordingDateTime | VolumeDateTime;
  readonly expiration?: RecordingDateTime | VolumeDateTime;
  readonly effective?: RecordingDateTime | VolumeDateTime;
}

const TIME_STAMP_ORDER = ['created', 'modified', 'accessed', 'attributes', 'backup', 'expiration', 'effective'] as const;
const TF_LONG_FORM = 0x80;

export function encodeTimeStamps(value: TimeStamps): Uint8Array {
  const width = value.longForm ? VOLUME_DATE_TIME_LENGTH : RECORDING_DATE_TIME_LENGTH;
  let present = 0;
  for (const key of TIME_STAMP_ORDER) if (value[key] !== undefined) present++;
  const bytes = new Uint8Array(SUSP_HEADER_LENGTH + 1 + present * width);
  writeTimeStamps(bytes, 0, value);
  return bytes;
}

/** Writes the TF entry at `offset` of `bytes`; returns its length. */
export function writeTimeStamps(bytes: Uint8Array, offset: number, value: TimeStamps): number {
  let flags = value.longForm ? TF_LONG_FORM : 0;
  let position = offset + SUSP_HEADER_LENGTH + 1;
  for (let bit = 0; bit < TIME_STAMP_ORDER.length; bit++) {
    const stamp = value[TIME_STAMP_ORDER[bit]!];
    if (stamp === undefined) continue;
    flags |= 1 << bit;
    if (value.longForm) {
      writeVolumeDateTime(bytes, position, { hundredths: 0, ...stamp });
      position += VOLUME_DATE_TIME_LENGTH;
    } else {
      writeRecordingDateTime(bytes, position, stamp);
      position += RECORDING_DATE_TIME_LENGTH;
    }
  }
  bytes[offset + SUSP_HEADER_LENGTH] = flags;
  writeSuspHeader(bytes, offset, 'TF', position - offset);
  return position - offset;
}

export function decodeTimeStamps(entry: SuspEntry): TimeStamps {
  const flags = entry.data[0] ?? 0;
  const longForm = (flags & TF_LONG_FORM) !== 0;
  const width = longForm ? VOLUME_DATE_TIME_LENGTH : RECORDING_DATE_TIME_LENGTH;
  const result: Record<string, unknown> = { longForm };
  let offset = 1;
  TIME_STAMP_ORDER.forEach((key, bit) => {
    if ((flags & (1 << bit)) === 0) return;
    if (offset + width > entry.data.length) throw new RangeError('TF entry shorter than its flags announce');
    result[key] = longForm ? decodeVolumeDateTime(entry.data, offset) : decodeRecordingDateTime(entry.data, offset);
    offset += width;
  });
  return result as unknown as TimeStamps;
}

// ---- NM ----------------------------------------------------------------------------------------------

export const NameFlag = { continues: 0x01, current: 0x02, parent: 0x04 } as const;

export interface AlternateName {
  readonly flags: number;
  readonly name: Uint8Array;
}

/** Bytes of name one NM entry holds: an entry is at most 255 bytes, 5 of them header and flags. */
export const MAX_NM_NAME_BYTES = MAX_SUSP_ENTRY_LENGTH - SUSP_HEADER_LENGTH - 1;

/** The NM entries for a name: as many as needed, all but the last flagged "continues". */
export function encodeAlternateNameEntries(name: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  let start = 0;
  do {
    const piece = Math.min(name.length - start, MAX_NM_NAME_BYTES);
    const entry = new Uint8Array(SUSP_HEADER_LENGTH + 1 + piece);
    writeAlternateName(entry, 0, name.subarray(start, start + piece), start + piece < name.length);
    entries.push(entry);
    start += piece;
  } while (start < name.length);
  return entries;
}

/** Writes the NM entries of `name` one after another at `offset` of `bytes`; returns their length. */
export function writeAlternateNameEntries(bytes: Uint8Array, offset: number, name: Uint8Array): number {
  let position = offset;
  let start = 0;
  do {
    const piece = Math.min(name.length - start, MAX_NM_NAME_BYTES);
    position += writeAlternateName(bytes, position, name.subarray(start, start + piece), start + piece < name.length);
    start += piece;
  } while (start < name.length);
  return position - offset;
}

function writeAlternateName(bytes: Uint8Array, offset: number, piece: Uint8Array, continues: boolean): number {
  const length = SUSP_HEADER_LENGTH + 1 + piece.length;
  writeSuspHeader(bytes, offset, 'NM', length);
  bytes[offset + SUSP_HEADER_LENGTH] = continues ? NameFlag.continues : 0;
  bytes.set(piece, offset + SUSP_HEADER_LENGTH + 1);
  return length;
}

export function decodeAlternateName(entry: SuspEntry): AlternateName {
  return { flags: entry.data[0] ?? 0, name: entry.data.slice(1) };
}

// ---- SL ----------------------------------------------------------------------------------------------

export const ComponentFlag = { continues: 0x01, current: 0x02, parent: 0x04, root: 0x08 } as const;

/** One component record of an SL entry: part of a name, or `.`, `..`, `/`. */
export interface SymlinkComponent {
  readonly flags: number;
  readonly content: Uint8Array;
}

export interface SymbolicLink {
  /** Bit 0: the target continues in the next SL entry. */
  readonly flags: number;
  readonly components: readonly SymlinkComponent[];
}

const SL_FIXED = SUSP_HEADER_LENGTH + 1;
/** Room for component records in one SL entry. */
const SL_COMPONENT_SPACE = MAX_SUSP_ENTRY_LENGTH - SL_FIXED;

function encodeSymbolicLink(value: SymbolicLink): Uint8Array {
  const size = value.components.reduce((sum, c) => sum + 2 + c.content.length, 0);
  const data = new Uint8Array(1 + size);
  data[0] = value.flags;
  let offset = 1;
  for (const component of value.components) {
    if (component.content.length > 255) throw new RangeError('an SL component holds at most 255 bytes');
    data[offset] = component.flags;
    data[offset + 1] = component.content.length;
    data.set(component.content, offset + 2);
    offset += 2 + component.content.length;
  }
  return encodeSuspEntry({ signature: 'SL', version: 1, data });
}

export function decodeSymbolicLink(entry: SuspEntry): SymbolicLink {
  const components: SymlinkComponent[] = [];
  let offset = 1;
  while (offset + 2 <= entry.data.length) {
    const length = entry.data[offset + 1]!;
    if (offset + 2 + length > entry.data.length) throw new RangeError('SL component runs past its entry');
    components.push({ flags: entry.data[offset]!, content: entry.data.slice(offset + 2, offset + 2 + length) });
    offset += 2 + length;
  }
  return { flags: entry.data[0] ?? 0, components };
}

/**
 * The SL entries for a link target (bytes of a POSIX path): `/` at the start becomes a root component, `.`
 * and `..` their own flags, names are split across component records (and entries) when they do not fit.
 * Repeated and trailing slashes are kept, so the target reads back as written.
 */
export function encodeSymbolicLinkEntries(target: Uint8Array): Uint8Array[] {
  const components = symlinkComponentsOf(target);
  const entries: SymlinkComponent[][] = [[]];
  let used = 0;
  const push = (component: SymlinkComponent) => {
    entries[entries.length - 1]!.push(component);
    used += 2 + component.content.length;
  };
  for (const component of components) {
    if (component.flags !== 0 || component.content.length === 0) {
      if (used + 2 > SL_COMPONENT_SPACE) {
        entries.push([]);
        used = 0;
      }
      push(component);
      continue;
    }
    let offset = 0;
    while (offset < component.content.length) {
      let room = SL_COMPONENT_SPACE - used - 2;
      if (room <= 0) {
        entries.push([]);
        used = 0;
        room = SL_COMPONENT_SPACE - 2;
      }
      const piece = component.content.subarray(offset, offset + room);
      offset += piece.length;
      push({ flags: offset < component.content.length ? ComponentFlag.continues : 0, content: piece });
    }
  }
  return entries.map((components, index) => encodeSymbolicLink({ flags: index < entries.length - 1 ? 1 : 0, components }));
}

function symlinkComponentsOf(target: Uint8Array): SymlinkComponent[] {
  const components: SymlinkComponent[] = [];
  let start = 0;
  if (target[0] === 0x2f) {
    components.push({ flags: ComponentFlag.root, content: new Uint8Array(0) });
    start = 1;
    if (target.length === 1) return components;
  }
  for (;;) {
    let end = target.indexOf(0x2f, start);
    if (end === -1) end = target.length;
    const part = target.subarray(start, end);
    // An empty component inside the path (`a//b`) is written as a root component, which readers (Linux,
    // libisofs) turn into the extra slash; a trailing one (`dir/`) stays an empty name.
    if (part.length === 0 && end !== target.length) components.push({ flags: ComponentFlag.root, content: new Uint8Array(0) });
    else if (part.length === 1 && part[0] === 0x2e) components.push({ flags: ComponentFlag.current, content: new Uint8Array(0) });
    else if (part.length === 2 && part[0] === 0x2e && part[1] === 0x2e) components.push({ flags: ComponentFlag.parent, content: new Uint8Array(0) });
    else components.push({ flags: 0, content: part.slice() });
    if (end === target.length) break;
    start = end + 1;
  }
  return components;
}

/** Joins the components of consecutive SL entries back into the target's bytes. */
export function symlinkTargetOf(links: readonly SymbolicLink[]): Uint8Array {
  const parts: number[] = [];
  let separator = false;
  for (const component of links.flatMap((l) => l.components)) {
    if (separator) parts.push(0x2f);
    if (component.flags & ComponentFlag.root) {
      parts.push(0x2f);
      separator = false;
      continue;
    }
    if (component.flags & ComponentFlag.current) parts.push(0x2e);
    else if (component.flags & ComponentFlag.parent) parts.push(0x2e, 0x2e);
    else parts.push(...component.content);
    separator = (component.flags & ComponentFlag.continues) === 0;
  }
  return Uint8Array.from(parts);
}

// ---- PN, CL, PL, RE ----------------------------------------------------------------------------------

export interface DeviceNumber {
  readonly high: number;
  readonly low: number;
}

export function encodeDeviceNumber(value: DeviceNumber): Uint8Array {
  const data = new Uint8Array(16);
  writeUint32Both(data, 0, value.high);
  writeUint32Both(data, 8, value.low);
  return encodeSuspEntry({ signature: 'PN', version: 1, data });
}

export function decodeDeviceNumber(entry: SuspEntry): DeviceNumber {
  expectLength(entry, 16);
  return { high: readUint32Both(entry.data, 0), low: readUint32Both(entry.data, 8) };
}

/** CL (child link: where a relocated directory really is) and PL (parent link of a relocated directory). */
export function decodeBlockPointer(entry: SuspEntry): number {
  expectLength(entry, 8);
  return readUint32Both(entry.data, 0);
}
