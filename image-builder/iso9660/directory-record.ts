/**
 * Directory records (ECMA-119 9.1): one per file, directory or file section, packed into directory extents.
 * The identifier is kept as bytes because its encoding depends on the tree (d-characters in the primary tree,
 * UCS-2 in Joliet, 0x00 and 0x01 for "." and ".."); the system use area holds SUSP/Rock Ridge entries.
 */
import { readUint16Both, readUint32Both, writeUint16Both, writeUint32Both } from './both-endian.js';
import { MAX_DIRECTORY_RECORD_LENGTH } from './constants.js';
import { decodeRecordingDateTime, writeRecordingDateTime, type RecordingDateTime } from './date-time.js';

export interface DirectoryRecord {
  readonly extendedAttributeLength: number;
  /** First logical block of the extent. */
  readonly extent: number;
  readonly dataLength: number;
  readonly recorded: RecordingDateTime;
  /** FileFlag bits. */
  readonly flags: number;
  readonly fileUnitSize: number;
  readonly interleaveGapSize: number;
  readonly volumeSequenceNumber: number;
  readonly identifier: Uint8Array;
  readonly systemUse: Uint8Array;
}

/** Fixed part of a record, up to and including the identifier length byte. */
const DIRECTORY_RECORD_HEADER_LENGTH = 33;

/** The identifiers of the "." and ".." records. */
export const CURRENT_DIRECTORY_IDENTIFIER = Uint8Array.of(0x00);
export const PARENT_DIRECTORY_IDENTIFIER = Uint8Array.of(0x01);

/** Where the system use area starts in a record, for an identifier of this length (a pad byte keeps it even). */
export function systemUseOffset(identifierLength: number): number {
  return DIRECTORY_RECORD_HEADER_LENGTH + identifierLength + (identifierLength % 2 === 0 ? 1 : 0);
}

/** Room left for system use entries in a record with this identifier length. */
export function systemUseCapacity(identifierLength: number): number {
  const free = MAX_DIRECTORY_RECORD_LENGTH - systemUseOffset(identifierLength);
  // Records have even lengths, so an odd remainder loses its last byte.
  return free - (free % 2);
}

export function directoryRecordLength(identifierLength: number, systemUseLength: number): number {
  const length = systemUseOffset(identifierLength) + systemUseLength;
  return length + (length % 2);
}

export function encodeDirectoryRecord(record: DirectoryRecord): Uint8Array {
  const length = directoryRecordLength(record.identifier.length, record.systemUse.length);
  if (length > MAX_DIRECTORY_RECORD_LENGTH) {
    throw new RangeError(`directory record of ${length} bytes exceeds ${MAX_DIRECTORY_RECORD_LENGTH}`);
  }
  const bytes = new Uint8Array(length);
  writeDirectoryRecord(bytes, 0, record, length);
  return bytes;
}

/** Writes a record into a directory extent being assembled; returns its length. */
export function writeDirectoryRecord(bytes: Uint8Array, offset: number, record: DirectoryRecord, length = directoryRecordLength(record.identifier.length, record.systemUse.length)): number {
  bytes[offset] = length;
  bytes[offset + 1] = record.extendedAttributeLength;
  writeUint32Both(bytes, offset + 2, record.extent);
  writeUint32Both(bytes, offset + 10, record.dataLength);
  writeRecordingDateTime(bytes, offset + 18, record.recorded);
  bytes[offset + 25] = record.flags;
  bytes[offset + 26] = record.fileUnitSize;
  bytes[offset + 27] = record.interleaveGapSize;
  writeUint16Both(bytes, offset + 28, record.volumeSequenceNumber);
  bytes[offset + 32] = record.identifier.length;
  bytes.set(record.identifier, offset + DIRECTORY_RECORD_HEADER_LENGTH);
  bytes.set(record.systemUse, offset + systemUseOffset(record.identifier.length));
  return length;
}

/**
 * Decodes the record at `offset`; returns undefined at a zero length byte (the padding that ends the records
 * of a sector). Throws on a record that claims more bytes than it has.
 */
export function decodeDirectoryRecord(bytes: Uint8Array, offset: number): DirectoryRecord | undefined {
  const length = bytes[offset];
  if (length === undefined || length === 0) return undefined;
  if (length < DIRECTORY_RECORD_HEADER_LENGTH + 1 || offset + length > bytes.length) {
    throw new RangeError(`malformed directory record at byte ${offset}: length ${length}`);
  }
  const identifierLength = bytes[offset + 32]!;
  const suStart = systemUseOffset(identifierLength);
  if (DIRECTORY_RECORD_HEADER_LENGTH + identifierLength > length) {
    throw new RangeError(`malformed directory record at byte ${offset}: identifier of ${identifierLength} bytes in a record of ${length}`);
  }
  return {
    extendedAttributeLength: bytes[offset + 1]!,
    extent: readUint32Both(bytes, offset + 2),
    dataLength: readUint32Both(bytes, offset + 10),
    recorded: decodeRecordingDateTime(bytes, offset + 18),
    flags: bytes[offset + 25]!,
    fileUnitSize: bytes[offset + 26]!,
    interleaveGapSize: bytes[offset + 27]!,
    volumeSequenceNumber: readUint16Both(bytes, offset + 28),
    identifier: bytes.slice(offset + DIRECTORY_RECORD_HEADER_LENGTH, offset + DIRECTORY_RECORD_HEADER_LENGTH + identifierLength),
    systemUse: suStart >= length ? new Uint8Array(0) : bytes.slice(offset + suStart, offset + length),
  };
}
