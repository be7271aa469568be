/**
 * VFAT long file names. A long name is stored in UCS-2 (UTF-16 code units, little-endian), 13 units per
 * 32-byte entry, in entries placed just before the short entry they belong to, last part first. Each entry
 * carries its 1-based sequence number (0x40 set on the last part, which comes first on disk) and the
 * checksum of the short name, which ties the long name to its short entry: a reader that finds a mismatch
 * (an old driver renamed the short entry) ignores the long name.
 *
 * The name ends with a 0x0000 unit when it does not fill its last entry exactly; the rest is 0xFFFF.
 */
import { ATTRIBUTE, DIRECTORY_ENTRY_SIZE } from './directory-entry.js';

const LONG_NAME_UNITS_PER_ENTRY = 13;
/** The longest long name, in UTF-16 units (20 entries would hold 260; Windows allows 255). */
const LONG_NAME_MAX_UNITS = 255;
export const LAST_LONG_ENTRY_FLAG = 0x40;

/** Where the 13 units of an entry are: 5 at offset 1, 6 at offset 14, 2 at offset 28. */
const UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30] as const;
const OFFSET = { sequence: 0, attributes: 11, type: 12, checksum: 13, firstCluster: 26 } as const;

export interface LongNameEntry {
  /** Sequence number 1-20, with LAST_LONG_ENTRY_FLAG on the entry holding the end of the name. */
  readonly sequence: number;
  /** 13 UTF-16 units, including the terminator and 0xFFFF padding exactly as stored. */
  readonly units: readonly number[];
  /** Always 0x0F; kept for exactness. */
  readonly attributes: number;
  /** Always 0 for a name entry. */
  readonly type: number;
  readonly checksum: number;
  /** Always 0; kept for exactness. */
  readonly firstCluster: number;
}

export function encodeLongNameEntry(entry: LongNameEntry): Uint8Array {
  if (entry.units.length !== LONG_NAME_UNITS_PER_ENTRY) throw new RangeError('a long-name entry holds 13 units');
  const bytes = new Uint8Array(DIRECTORY_ENTRY_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint8(OFFSET.sequence, entry.sequence);
  UNIT_OFFSETS.forEach((at, i) => view.setUint16(at, entry.units[i]!, true));
  view.setUint8(OFFSET.attributes, entry.attributes);
  view.setUint8(OFFSET.type, entry.type);
  view.setUint8(OFFSET.checksum, entry.checksum);
  view.setUint16(OFFSET.firstCluster, entry.firstCluster, true);
  return bytes;
}

export function decodeLongNameEntry(bytes: Uint8Array, offset = 0): LongNameEntry {
  if (bytes.length - offset < DIRECTORY_ENTRY_SIZE) throw new RangeError('a long-name entry is 32 bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, DIRECTORY_ENTRY_SIZE);
  return {
    sequence: view.getUint8(OFFSET.sequence),
    units: UNIT_OFFSETS.map((at) => view.getUint16(at, true)),
    attributes: view.getUint8(OFFSET.attributes),
    type: view.getUint8(OFFSET.type),
    checksum: view.getUint8(OFFSET.checksum),
    firstCluster: view.getUint16(OFFSET.firstCluster, true),
  };
}

/** The checksum of an 11-character short name that every long-name entry of it carries. */
export function shortNameChecksum(rawName: string): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + rawName.charCodeAt(i)) & 0xff;
  return sum;
}

/**
 * The long-name entries for `name`, in the order they are stored (last part first). The name must already
 * be valid (see file-name.ts): at most 255 UTF-16 units, no unpaired surrogates.
 */
export function longNameEntries(name: string, checksum: number): LongNameEntry[] {
  const units = Array.from({ length: name.length }, (_, i) => name.charCodeAt(i));
  if (units.length === 0 || units.length > LONG_NAME_MAX_UNITS) throw new RangeError(`a long name is 1-255 units, got ${units.length}`);
  const count = Math.ceil(units.length / LONG_NAME_UNITS_PER_ENTRY);
  if (units.length % LONG_NAME_UNITS_PER_ENTRY !== 0) units.push(0x0000);
  while (units.length < count * LONG_NAME_UNITS_PER_ENTRY) units.push(0xffff);
  const entries: LongNameEntry[] = [];
  for (let part = count; part >= 1; part--) {
    entries.push({
      sequence: part | (part === count ? LAST_LONG_ENTRY_FLAG : 0),
      units: units.slice((part - 1) * LONG_NAME_UNITS_PER_ENTRY, part * LONG_NAME_UNITS_PER_ENTRY),
      attributes: ATTRIBUTE.longName,
      type: 0,
      checksum,
      firstCluster: 0,
    });
  }
  return entries;
}

/**
 * The name held by long-name entries in stored order, or undefined when they do not form one name:
 * wrong sequence numbers, differing checksums, or a checksum that does not match `shortName`.
 */
export function joinLongNameEntries(entries: readonly LongNameEntry[], shortName: string): string | undefined {
  if (entries.length === 0 || entries.length > 20) return undefined;
  const checksum = shortNameChecksum(shortName);
  let text = '';
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const expected = (entries.length - i) | (i === 0 ? LAST_LONG_ENTRY_FLAG : 0);
    if (entry.sequence !== expected || entry.checksum !== checksum) return undefined;
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    for (const unit of entries[i]!.units) {
      if (unit === 0x0000) return text;
      text += String.fromCharCode(unit);
    }
  }
  return text;
}
