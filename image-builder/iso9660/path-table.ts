/**
 * Path tables (ECMA-119 9.4): every directory once, in order of depth, then parent number, then identifier,
 * so a reader can find a directory without walking the tree. Written twice, little-endian (type L) and
 * big-endian (type M). Directory numbers are 1-based positions in the table; the root is 1 and its own parent.
 */
import { readUint16, readUint32, writeUint16, writeUint32, type ByteOrder } from './both-endian.js';

export interface PathTableRecord {
  readonly identifier: Uint8Array;
  readonly extendedAttributeLength: number;
  readonly extent: number;
  /** Number of the parent directory (1 for the root and its children). */
  readonly parent: number;
}

function pathTableRecordLength(identifierLength: number): number {
  return 8 + identifierLength + (identifierLength % 2);
}

/** Size in bytes of a path table holding these identifier lengths. */
export function pathTableSize(identifierLengths: Iterable<number>): number {
  let size = 0;
  for (const length of identifierLengths) size += pathTableRecordLength(length);
  return size;
}

export function encodePathTable(records: readonly PathTableRecord[], order: ByteOrder): Uint8Array {
  const bytes = new Uint8Array(pathTableSize(records.map((r) => r.identifier.length)));
  let offset = 0;
  for (const record of records) {
    if (record.identifier.length === 0 || record.identifier.length > 255) throw new RangeError('a path table identifier takes 1 to 255 bytes');
    bytes[offset] = record.identifier.length;
    bytes[offset + 1] = record.extendedAttributeLength;
    writeUint32(bytes, offset + 2, record.extent, order);
    writeUint16(bytes, offset + 6, record.parent, order);
    bytes.set(record.identifier, offset + 8);
    offset += pathTableRecordLength(record.identifier.length);
  }
  return bytes;
}

export function decodePathTable(bytes: Uint8Array, offset: number, size: number, order: ByteOrder): PathTableRecord[] {
  const records: PathTableRecord[] = [];
  let position = offset;
  const end = offset + size;
  while (position < end) {
    const length = bytes[position]!;
    if (length === 0) throw new RangeError(`path table record with an empty identifier at byte ${position - offset}`);
    const next = position + pathTableRecordLength(length);
    if (next > end) throw new RangeError(`path table record at byte ${position - offset} runs past the table's end`);
    records.push({
      identifier: bytes.slice(position + 8, position + 8 + length),
      extendedAttributeLength: bytes[position + 1]!,
      extent: readUint32(bytes, position + 2, order),
      parent: readUint16(bytes, position + 6, order),
    });
    position = next;
  }
  return records;
}
