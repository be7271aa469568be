/**
 * Volume descriptors (ECMA-119 8): the primary descriptor, supplementary descriptors (Joliet is one, marked by
 * its UCS-2 escape sequences), boot records (El Torito points at its catalog from one) and the set terminator.
 * Each is one 2048-byte sector starting at sector 16.
 */
import { readUint16Both, readUint32, readUint32Both, writeUint16Both, writeUint32, writeUint32Both } from './both-endian.js';
import { JOLIET_ESCAPES, SECTOR_SIZE, STANDARD_IDENTIFIER, VolumeDescriptorType } from './constants.js';
import { decodeVolumeDateTime, writeVolumeDateTime, type VolumeDateTime } from './date-time.js';
import { decodeDirectoryRecord, encodeDirectoryRecord, type DirectoryRecord } from './directory-record.js';

export interface VolumeDescriptorHeader {
  readonly type: number;
  readonly identifier: string;
  readonly version: number;
}

/**
 * The primary (type 1) or a supplementary (type 2) volume descriptor: the same layout, except that a
 * supplementary one has volume flags and escape sequences, and a Joliet one holds its texts in UCS-2.
 */
export interface VolumeDescriptor {
  readonly type: typeof VolumeDescriptorType.primary | typeof VolumeDescriptorType.supplementary;
  /** Supplementary only (bit 0: escape sequences not registered); 0 in a primary descriptor. */
  readonly volumeFlags: number;
  readonly systemId: string;
  readonly volumeId: string;
  readonly volumeSpaceSize: number;
  /** Supplementary only: 32 bytes naming the character set; Joliet puts `%/E` (or `%/@`, `%/C`) first. */
  readonly escapeSequences: Uint8Array;
  readonly volumeSetSize: number;
  readonly volumeSequenceNumber: number;
  readonly logicalBlockSize: number;
  readonly pathTableSize: number;
  readonly lPathTable: number;
  readonly optionalLPathTable: number;
  readonly mPathTable: number;
  readonly optionalMPathTable: number;
  readonly rootDirectoryRecord: DirectoryRecord;
  readonly volumeSetId: string;
  readonly publisherId: string;
  readonly dataPreparerId: string;
  readonly applicationId: string;
  readonly copyrightFileId: string;
  readonly abstractFileId: string;
  readonly bibliographicFileId: string;
  readonly created: VolumeDateTime | undefined;
  readonly modified: VolumeDateTime | undefined;
  readonly expires: VolumeDateTime | undefined;
  readonly effective: VolumeDateTime | undefined;
  readonly fileStructureVersion: number;
  readonly applicationUse: Uint8Array;
}

/** A boot record (type 0): El Torito puts `EL TORITO SPECIFICATION` here and its catalog's LBA in the system use. */
export interface BootRecordDescriptor {
  readonly bootSystemId: string;
  readonly bootId: string;
  /** Bytes 71..2047 (1977 bytes when decoded). */
  readonly systemUse: Uint8Array;
}

/** Byte offsets and widths of the text fields, shared by encoder and decoder. */
const TEXT_FIELDS = {
  systemId: [8, 32],
  volumeId: [40, 32],
  volumeSetId: [190, 128],
  publisherId: [318, 128],
  dataPreparerId: [446, 128],
  applicationId: [574, 128],
  copyrightFileId: [702, 37],
  abstractFileId: [739, 37],
  bibliographicFileId: [776, 37],
} as const satisfies Record<string, readonly [number, number]>;

const ROOT_RECORD_OFFSET = 156;
const ROOT_RECORD_LENGTH = 34;
const APPLICATION_USE_OFFSET = 883;
const APPLICATION_USE_LENGTH = 512;

/** Whether escape sequences announce Joliet (UCS-2 texts and names). */
export function isJolietEscape(escapes: Uint8Array): boolean {
  return Object.values(JOLIET_ESCAPES).some((seq) => seq.every((b, i) => escapes[i] === b));
}

export function decodeVolumeDescriptorHeader(bytes: Uint8Array, offset: number): VolumeDescriptorHeader {
  return {
    type: bytes[offset]!,
    identifier: String.fromCharCode(...bytes.subarray(offset + 1, offset + 6)),
    version: bytes[offset + 6]!,
  };
}

function writeHeader(bytes: Uint8Array, type: number): void {
  bytes[0] = type;
  for (let i = 0; i < 5; i++) bytes[1 + i] = STANDARD_IDENTIFIER.charCodeAt(i);
  bytes[6] = 1;
}

export function encodeVolumeDescriptor(descriptor: VolumeDescriptor): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  writeHeader(bytes, descriptor.type);
  const ucs2 = descriptor.type === VolumeDescriptorType.supplementary && isJolietEscape(descriptor.escapeSequences);
  bytes[7] = descriptor.volumeFlags;
  for (const [key, [offset, width]] of Object.entries(TEXT_FIELDS)) {
    writeText(bytes, offset, width, descriptor[key as keyof typeof TEXT_FIELDS], ucs2, key);
  }
  writeUint32Both(bytes, 80, descriptor.volumeSpaceSize);
  if (descriptor.escapeSequences.length > 32) throw new RangeError('escape sequences take at most 32 bytes');
  bytes.set(descriptor.escapeSequences, 88);
  writeUint16Both(bytes, 120, descriptor.volumeSetSize);
  writeUint16Both(bytes, 124, descriptor.volumeSequenceNumber);
  writeUint16Both(bytes, 128, descriptor.logicalBlockSize);
  writeUint32Both(bytes, 132, descriptor.pathTableSize);
  writeUint32(bytes, 140, descriptor.lPathTable, 'little');
  writeUint32(bytes, 144, descriptor.optionalLPathTable, 'little');
  writeUint32(bytes, 148, descriptor.mPathTable, 'big');
  writeUint32(bytes, 152, descriptor.optionalMPathTable, 'big');
  const root = encodeDirectoryRecord(descriptor.rootDirectoryRecord);
  if (root.length !== ROOT_RECORD_LENGTH) throw new RangeError(`the root directory record in a volume descriptor must be ${ROOT_RECORD_LENGTH} bytes`);
  bytes.set(root, ROOT_RECORD_OFFSET);
  writeVolumeDateTime(bytes, 813, descriptor.created);
  writeVolumeDateTime(bytes, 830, descriptor.modified);
  writeVolumeDateTime(bytes, 847, descriptor.expires);
  writeVolumeDateTime(bytes, 864, descriptor.effective);
  bytes[881] = descriptor.fileStructureVersion;
  if (descriptor.applicationUse.length > APPLICATION_USE_LENGTH) throw new RangeError('application use takes at most 512 bytes');
  bytes.set(descriptor.applicationUse, APPLICATION_USE_OFFSET);
  return bytes;
}

export function decodeVolumeDescriptor(bytes: Uint8Array, offset: number): VolumeDescriptor {
  const sector = bytes.subarray(offset, offset + SECTOR_SIZE);
  const header = decodeVolumeDescriptorHeader(sector, 0);
  if (header.identifier !== STANDARD_IDENTIFIER) throw new RangeError(`not a volume descriptor (identifier "${header.identifier}")`);
  if (header.type !== VolumeDescriptorType.primary && header.type !== VolumeDescriptorType.supplementary) {
    throw new RangeError(`volume descriptor type ${header.type} is not a primary or supplementary descriptor`);
  }
  const escapeSequences = trimZeros(sector.slice(88, 120));
  const ucs2 = header.type === VolumeDescriptorType.supplementary && isJolietEscape(escapeSequences);
  const text = (key: keyof typeof TEXT_FIELDS) => readText(sector, TEXT_FIELDS[key][0], TEXT_FIELDS[key][1], ucs2);
  const root = decodeDirectoryRecord(sector, ROOT_RECORD_OFFSET);
  if (root === undefined) throw new RangeError('volume descriptor without a root directory record');
  return {
    type: header.type,
    volumeFlags: sector[7]!,
    systemId: text('systemId'),
    volumeId: text('volumeId'),
    volumeSpaceSize: readUint32Both(sector, 80),
    escapeSequences,
    volumeSetSize: readUint16Both(sector, 120),
    volumeSequenceNumber: readUint16Both(sector, 124),
    logicalBlockSize: readUint16Both(sector, 128),
    pathTableSize: readUint32Both(sector, 132),
    lPathTable: readUint32(sector, 140, 'little'),
    optionalLPathTable: readUint32(sector, 144, 'little'),
    mPathTable: readUint32(sector, 148, 'big'),
    optionalMPathTable: readUint32(sector, 152, 'big'),
    rootDirectoryRecord: root,
    volumeSetId: text('volumeSetId'),
    publisherId: text('publisherId'),
    dataPreparerId: text('dataPreparerId'),
    applicationId: text('applicationId'),
    copyrightFileId: text('copyrightFileId'),
    abstractFileId: text('abstractFileId'),
    bibliographicFileId: text('bibliographicFileId'),
    created: decodeVolumeDateTime(sector, 813),
    modified: decodeVolumeDateTime(sector, 830),
    expires: decodeVolumeDateTime(sector, 847),
    effective: decodeVolumeDateTime(sector, 864),
    fileStructureVersion: sector[881]!,
    applicationUse: trimZeros(sector.slice(APPLICATION_USE_OFFSET, APPLICATION_USE_OFFSET + APPLICATION_USE_LENGTH)),
  };
}

export function encodeBootRecordDescriptor(record: BootRecordDescriptor): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  writeHeader(bytes, VolumeDescriptorType.bootRecord);
  writeZeroPadded(bytes, 7, 32, record.bootSystemId);
  writeZeroPadded(bytes, 39, 32, record.bootId);
  if (record.systemUse.length > SECTOR_SIZE - 71) throw new RangeError('boot record system use takes at most 1977 bytes');
  bytes.set(record.systemUse, 71);
  return bytes;
}

export function decodeBootRecordDescriptor(bytes: Uint8Array, offset: number): BootRecordDescriptor {
  const sector = bytes.subarray(offset, offset + SECTOR_SIZE);
  return {
    bootSystemId: readZeroPadded(sector, 7, 32),
    bootId: readZeroPadded(sector, 39, 32),
    systemUse: sector.slice(71, SECTOR_SIZE),
  };
}

/** The volume descriptor set terminator (type 255). */
export function encodeVolumeDescriptorSetTerminator(): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  writeHeader(bytes, VolumeDescriptorType.terminator);
  return bytes;
}

function writeText(bytes: Uint8Array, offset: number, width: number, value: string, ucs2: boolean, field: string): void {
  if (ucs2) {
    const units = Math.floor(width / 2);
    if (value.length > units) throw new RangeError(`${field} "${value}" is longer than ${units} UCS-2 characters`);
    for (let i = 0; i < units; i++) {
      const code = i < value.length ? value.charCodeAt(i) : 0x20;
      bytes[offset + 2 * i] = code >> 8;
      bytes[offset + 2 * i + 1] = code & 0xff;
    }
    // An odd width (the 37-byte file identifiers) ends with a zero byte.
    if (width % 2 === 1) bytes[offset + width - 1] = 0;
    return;
  }
  if (value.length > width) throw new RangeError(`${field} "${value}" is longer than ${width} characters`);
  for (let i = 0; i < width; i++) {
    const code = i < value.length ? value.charCodeAt(i) : 0x20;
    if (code > 0x7e) throw new RangeError(`${field} "${value}" holds a character outside ASCII`);
    bytes[offset + i] = code;
  }
}

function readText(bytes: Uint8Array, offset: number, width: number, ucs2: boolean): string {
  let text = '';
  if (ucs2) {
    for (let i = 0; i + 1 < width; i += 2) text += String.fromCharCode((bytes[offset + i]! << 8) | bytes[offset + i + 1]!);
  } else {
    text = String.fromCharCode(...bytes.subarray(offset, offset + width));
  }
  // eslint-disable-next-line no-control-regex -- fields are padded with spaces, or NUL bytes by some writers
  return text.replace(/[ \u0000]+$/, '');
}

function writeZeroPadded(bytes: Uint8Array, offset: number, width: number, value: string): void {
  if (value.length > width) throw new RangeError(`"${value}" is longer than ${width} characters`);
  for (let i = 0; i < value.length; i++) bytes[offset + i] = value.charCodeAt(i) & 0xff;
}

function readZeroPadded(bytes: Uint8Array, offset: number, width: number): string {
  // eslint-disable-next-line no-control-regex -- the padding is NUL bytes
  return String.fromCharCode(...bytes.subarray(offset, offset + width)).replace(/\u0000+$/, '');
}

/** Trailing zero bytes are padding; dropping them keeps decoded values small and re-encodable. */
function trimZeros(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.slice(0, end);
}
