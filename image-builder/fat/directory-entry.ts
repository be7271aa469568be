/**
 * The 32-byte short (8.3) directory entry: name, attributes, timestamps, first cluster, size. The same
 * structure with the volume-label attribute is the label entry in the root directory. Long names live in
 * separate entries before it (long-name-entry.ts).
 */
import { readLatin1Field, writeLatin1Field } from './latin1-field.js';

export const DIRECTORY_ENTRY_SIZE = 32;

export const ATTRIBUTE = {
  readOnly: 0x01,
  hidden: 0x02,
  system: 0x04,
  volumeLabel: 0x08,
  directory: 0x10,
  archive: 0x20,
  /** read-only | hidden | system | volume label: marks a long-name entry. */
  longName: 0x0f,
} as const;

/** Windows NT's lower-case flags in byte 12: the base or the extension is shown in lower case. */
const CASE_FLAG = { lowerBase: 0x08, lowerExtension: 0x10 } as const;

/** First name byte values with a meaning of their own. */
export const NAME_MARK = {
  /** This and every following entry of the directory are unused. */
  end: 0x00,
  /** A deleted entry. */
  deleted: 0xe5,
  /** Stands for a real 0xE5 as first character (a Kanji lead byte). */
  escapedE5: 0x05,
} as const;

const OFFSET = {
  name: 0,
  attributes: 11,
  caseFlags: 12,
  creationHundredths: 13,
  creationTime: 14,
  creationDate: 16,
  accessDate: 18,
  firstClusterHigh: 20,
  writeTime: 22,
  writeDate: 24,
  firstClusterLow: 26,
  size: 28,
} as const;

export interface ShortDirectoryEntry {
  /** 11 raw characters (Latin-1): 8 of base and 3 of extension, space padded, no dot. */
  readonly name: string;
  readonly attributes: number;
  /** Byte 12: CASE_FLAG bits (Windows NT), otherwise 0. */
  readonly caseFlags: number;
  readonly creationHundredths: number;
  readonly creationTime: number;
  readonly creationDate: number;
  readonly accessDate: number;
  /** Both halves: the high 16 bits are stored at offset 20 (FAT32 only; 0 on FAT12/16). */
  readonly firstCluster: number;
  readonly writeTime: number;
  readonly writeDate: number;
  readonly size: number;
}

export function encodeDirectoryEntry(entry: ShortDirectoryEntry): Uint8Array {
  const bytes = new Uint8Array(DIRECTORY_ENTRY_SIZE);
  const view = new DataView(bytes.buffer);
  writeLatin1Field(bytes, OFFSET.name, entry.name, 11, 'name');
  view.setUint8(OFFSET.attributes, entry.attributes);
  view.setUint8(OFFSET.caseFlags, entry.caseFlags);
  view.setUint8(OFFSET.creationHundredths, entry.creationHundredths);
  view.setUint16(OFFSET.creationTime, entry.creationTime, true);
  view.setUint16(OFFSET.creationDate, entry.creationDate, true);
  view.setUint16(OFFSET.accessDate, entry.accessDate, true);
  view.setUint16(OFFSET.firstClusterHigh, entry.firstCluster >>> 16, true);
  view.setUint16(OFFSET.writeTime, entry.writeTime, true);
  view.setUint16(OFFSET.writeDate, entry.writeDate, true);
  view.setUint16(OFFSET.firstClusterLow, entry.firstCluster & 0xffff, true);
  view.setUint32(OFFSET.size, entry.size, true);
  return bytes;
}

export function decodeDirectoryEntry(bytes: Uint8Array, offset = 0): ShortDirectoryEntry {
  if (bytes.length - offset < DIRECTORY_ENTRY_SIZE) throw new RangeError('a directory entry is 32 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, DIRECTORY_ENTRY_SIZE);
  return {
    name: readLatin1Field(bytes, offset + OFFSET.name, 11),
    attributes: view.getUint8(OFFSET.attributes),
    caseFlags: view.getUint8(OFFSET.caseFlags),
    creationHundredths: view.getUint8(OFFSET.creationHundredths),
    creationTime: view.getUint16(OFFSET.creationTime, true),
    creationDate: view.getUint16(OFFSET.creationDate, true),
    accessDate: view.getUint16(OFFSET.accessDate, true),
    firstCluster: ((view.getUint16(OFFSET.firstClusterHigh, true) << 16) | view.getUint16(OFFSET.firstClusterLow, true)) >>> 0,
    writeTime: view.getUint16(OFFSET.writeTime, true),
    writeDate: view.getUint16(OFFSET.writeDate, true),
    size: view.getUint32(OFFSET.size, true),
  };
}

/** Whether the 32 bytes at `offset` are a long-name entry rather than a short one. */
export function isLongNameSlot(bytes: Uint8Array, offset: number): boolean {
  return (bytes[offset + OFFSET.attributes]! & 0x3f) === ATTRIBUTE.longName;
}

/** `NAME    EXT` as `NAME.EXT` (or `NAME`), applying the lower-case flags; the escaped 0xE5 restored. */
export function displayShortName(rawName: string, caseFlags = 0): string {
  let base = rawName.slice(0, 8).trimEnd();
  let extension = rawName.slice(8, 11).trimEnd();
  if (base.charCodeAt(0) === NAME_MARK.escapedE5) base = `\u00e5${base.slice(1)}`;
  if (caseFlags & CASE_FLAG.lowerBase) base = base.toLowerCase();
  if (caseFlags & CASE_FLAG.lowerExtension) extension = extension.toLowerCase();
  return extension === '' ? base : `${base}.${extension}`;
}

/** The 11-character volume label entry name from a label of at most 11 characters. */
export function volumeLabelEntryName(label: string): string {
  return label.padEnd(11, ' ');
}
