/**
 * The GUID partition table (UEFI 2.10, chapter 5.3) as a pure codec: headers, the entry array and whole
 * tables. `encodeGpt(table)` gives two byte blocks, the primary (header at LBA 1, then the entry array) and
 * the backup (entry array, then the header in the last sector), each with the LBA it goes to, so that a
 * caller writes them wherever its medium is (a disk image, an ISO's system area and tail). The MBR in
 * sector 0 is separate (mbr.ts): the protective one, or a caller-made hybrid one.
 *
 * LBAs are plain numbers: 2^53 sectors is far beyond any disk.
 */
import { crc32 } from './crc32.js';
import { readGuid, writeGuid } from '../lib/guid.js';

export const GPT = {
  signature: 'EFI PART',
  revision: 0x00010000,
  headerSize: 92,
  entrySize: 128,
  defaultEntryCount: 128,
  /** Partition names are 36 UTF-16LE code units. */
  nameUnits: 36,
  primaryHeaderLba: 1,
  defaultEntriesLba: 2,
} as const;

/** Attribute bits of a GPT entry (UEFI 2.10 table 5.8). */
export const GPT_ATTRIBUTE = {
  requiredPartition: 1n << 0n,
  noBlockIoProtocol: 1n << 1n,
  legacyBiosBootable: 1n << 2n,
} as const;

export interface GptHeader {
  readonly revision: number;
  readonly headerSize: number;
  readonly myLba: number;
  readonly alternateLba: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly diskGuid: string;
  readonly entriesLba: number;
  readonly entryCount: number;
  readonly entrySize: number;
  readonly entriesCrc32: number;
}

export interface GptPartition {
  /** 1-based slot in the entry array (what sfdisk and the kernel call partition N). */
  readonly number: number;
  readonly typeGuid: string;
  readonly guid: string;
  readonly firstLba: number;
  readonly lastLba: number;
  /** The 64 attribute bits. */
  readonly attributes: bigint;
  readonly name: string;
}

export interface GptTable {
  readonly sectorSize: number;
  /** Sectors on the disk; the backup header goes in the last one. */
  readonly diskSectors: number;
  readonly diskGuid: string;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly entryCount: number;
  readonly entrySize: number;
  /** LBA of the primary entry array (2 on disks). */
  readonly primaryEntriesLba: number;
  /** LBA of the backup entry array (just before the backup header on disks). */
  readonly backupEntriesLba: number;
  /** Used entries only, ordered by number; unnamed slots are zero. */
  readonly partitions: readonly GptPartition[];
}

/** A byte block and the LBA it starts at. */
export interface SectorBlock {
  readonly lba: number;
  readonly bytes: Uint8Array;
}

export interface GptBlocks {
  /** Primary header (LBA 1), any gap, and the primary entry array. */
  readonly primary: SectorBlock;
  /** Backup entry array, any gap, and the backup header (last sector). */
  readonly backup: SectorBlock;
}

export function entryArraySectors(entryCount: number, entrySize: number, sectorSize: number): number {
  return Math.ceil((entryCount * entrySize) / sectorSize);
}

/**
 * A table with the usual geometry filled in: 128 entries at LBA 2, the backup array just before the last
 * sector, usable space between them (what sgdisk writes).
 */
export function newGptTable(options: {
  readonly diskSectors: number;
  readonly diskGuid: string;
  readonly partitions: readonly GptPartition[];
  readonly sectorSize?: number;
  readonly entryCount?: number;
  readonly primaryEntriesLba?: number;
}): GptTable {
  const sectorSize = options.sectorSize ?? 512;
  const entryCount = options.entryCount ?? GPT.defaultEntryCount;
  const primaryEntriesLba = options.primaryEntriesLba ?? GPT.defaultEntriesLba;
  const arraySectors = entryArraySectors(entryCount, GPT.entrySize, sectorSize);
  const backupEntriesLba = options.diskSectors - 1 - arraySectors;
  return {
    sectorSize,
    diskSectors: options.diskSectors,
    diskGuid: options.diskGuid,
    firstUsableLba: primaryEntriesLba + arraySectors,
    lastUsableLba: backupEntriesLba - 1,
    entryCount,
    entrySize: GPT.entrySize,
    primaryEntriesLba,
    backupEntriesLba,
    partitions: [...options.partitions].sort((a, b) => a.number - b.number),
  };
}

function setLba(view: DataView, offset: number, lba: number): void {
  view.setBigUint64(offset, BigInt(lba), true);
}

function getLba(view: DataView, offset: number, what: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GptDecodeError(`${what} ${value} is out of range`);
  return Number(value);
}

/** One header sector (`sectorSize` bytes): the 92 header bytes with their CRC, zeros after. */
function encodeGptHeader(header: GptHeader, sectorSize = 512): Uint8Array {
  const out = new Uint8Array(sectorSize);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = GPT.signature.charCodeAt(i);
  view.setUint32(8, header.revision, true);
  view.setUint32(12, header.headerSize, true);
  // 16: header CRC, computed last over headerSize bytes with this field zero; 20: reserved, zero.
  setLba(view, 24, header.myLba);
  setLba(view, 32, header.alternateLba);
  setLba(view, 40, header.firstUsableLba);
  setLba(view, 48, header.lastUsableLba);
  writeGuid(out, 56, header.diskGuid);
  setLba(view, 72, header.entriesLba);
  view.setUint32(80, header.entryCount, true);
  view.setUint32(84, header.entrySize, true);
  view.setUint32(88, header.entriesCrc32, true);
  view.setUint32(16, crc32(out.subarray(0, header.headerSize)), true);
  return out;
}

/** Why bytes are not a valid GPT structure; thrown by the decoders. */
export class GptDecodeError extends Error {
  override readonly name: string = 'GptDecodeError';
}

function hasGptSignature(bytes: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 8; i++) if (bytes[offset + i] !== GPT.signature.charCodeAt(i)) return false;
  return true;
}

/** Decodes and checks (signature, size, CRC) the header at `offset`. */
function decodeGptHeader(bytes: Uint8Array, offset = 0): GptHeader {
  if (bytes.length < offset + GPT.headerSize) throw new GptDecodeError('too few bytes for a GPT header');
  if (!hasGptSignature(bytes, offset)) throw new GptDecodeError('no "EFI PART" signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.length - offset);
  const headerSize = view.getUint32(12, true);
  if (headerSize < GPT.headerSize || offset + headerSize > bytes.length) throw new GptDecodeError(`header size ${headerSize} is invalid`);
  const stored = view.getUint32(16, true);
  // A copy even when given a Node Buffer (whose slice() is a view): zeroing the CRC must not touch the caller's bytes.
  const copy = Uint8Array.prototype.slice.call(bytes, offset, offset + headerSize);
  copy.fill(0, 16, 20);
  const computed = crc32(copy);
  if (stored !== computed) {
    throw new GptDecodeError(`header CRC32 is 0x${hex32(stored)}, the header's bytes give 0x${hex32(computed)}`);
  }
  return {
    revision: view.getUint32(8, true),
    headerSize,
    myLba: getLba(view, 24, 'MyLBA'),
    alternateLba: getLba(view, 32, 'AlternateLBA'),
    firstUsableLba: getLba(view, 40, 'FirstUsableLBA'),
    lastUsableLba: getLba(view, 48, 'LastUsableLBA'),
    diskGuid: readGuid(bytes, offset + 56),
    entriesLba: getLba(view, 72, 'PartitionEntryLBA'),
    entryCount: view.getUint32(80, true),
    entrySize: view.getUint32(84, true),
    entriesCrc32: view.getUint32(88, true),
  };
}

function hex32(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0');
}

/** The entry array (entryCount × entrySize bytes, padded with zeros to whole sectors when `sectorSize` is given). */
function encodeGptEntries(partitions: readonly GptPartition[], entryCount: number, entrySize: number = GPT.entrySize, sectorSize?: number): Uint8Array {
  if (entrySize < GPT.entrySize || entrySize % 8 !== 0) throw new RangeError(`GPT entry size ${entrySize} is not a multiple of 8 of at least 128`);
  const length = sectorSize === undefined ? entryCount * entrySize : entryArraySectors(entryCount, entrySize, sectorSize) * sectorSize;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  const seen = new Set<number>();
  for (const partition of partitions) {
    if (!Number.isInteger(partition.number) || partition.number < 1 || partition.number > entryCount) {
      throw new RangeError(`GPT partition number ${partition.number} is not 1 to ${entryCount}`);
    }
    if (seen.has(partition.number)) throw new RangeError(`GPT partition ${partition.number} given twice`);
    seen.add(partition.number);
    if (partition.lastLba < partition.firstLba) throw new RangeError(`GPT partition ${partition.number} ends (${partition.lastLba}) before it starts (${partition.firstLba})`);
    const at = (partition.number - 1) * entrySize;
    writeGuid(out, at, partition.typeGuid);
    writeGuid(out, at + 16, partition.guid);
    setLba(view, at + 32, partition.firstLba);
    setLba(view, at + 40, partition.lastLba);
    view.setBigUint64(at + 48, BigInt.asUintN(64, partition.attributes), true);
    if (partition.name.length > GPT.nameUnits) throw new RangeError(`GPT partition name "${partition.name}" is longer than ${GPT.nameUnits} UTF-16 units`);
    for (let i = 0; i < partition.name.length; i++) view.setUint16(at + 56 + i * 2, partition.name.charCodeAt(i), true);
  }
  return out;
}

const EMPTY_TYPE = '00000000-0000-0000-0000-000000000000';

/** Decodes the used entries (type GUID not zero) of an entry array at `offset`. */
function decodeGptEntries(bytes: Uint8Array, offset: number, entryCount: number, entrySize: number = GPT.entrySize): GptPartition[] {
  if (bytes.length < offset + entryCount * entrySize) throw new GptDecodeError('too few bytes for the GPT entry array');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, entryCount * entrySize);
  const partitions: GptPartition[] = [];
  for (let slot = 0; slot < entryCount; slot++) {
    const at = slot * entrySize;
    const typeGuid = readGuid(bytes, offset + at);
    if (typeGuid === EMPTY_TYPE) continue;
    let name = '';
    for (let i = 0; i < GPT.nameUnits; i++) {
      const unit = view.getUint16(at + 56 + i * 2, true);
      if (unit === 0) break;
      name += String.fromCharCode(unit);
    }
    partitions.push({
      number: slot + 1,
      typeGuid,
      guid: readGuid(bytes, offset + at + 16),
      firstLba: getLba(view, at + 32, `partition ${slot + 1} StartingLBA`),
      lastLba: getLba(view, at + 40, `partition ${slot + 1} EndingLBA`),
      attributes: view.getBigUint64(at + 48, true),
      name,
    });
  }
  return partitions;
}

function headersOf(table: GptTable, entriesCrc32: number): { primary: GptHeader; backup: GptHeader } {
  const lastLba = table.diskSectors - 1;
  const common = {
    revision: GPT.revision,
    headerSize: GPT.headerSize,
    firstUsableLba: table.firstUsableLba,
    lastUsableLba: table.lastUsableLba,
    diskGuid: table.diskGuid,
    entryCount: table.entryCount,
    entrySize: table.entrySize,
    entriesCrc32,
  };
  return {
    primary: { ...common, myLba: GPT.primaryHeaderLba, alternateLba: lastLba, entriesLba: table.primaryEntriesLba },
    backup: { ...common, myLba: lastLba, alternateLba: GPT.primaryHeaderLba, entriesLba: table.backupEntriesLba },
  };
}

/** Checks the geometry a table must have to be encodable; partitions may overlap (hybrid ISOs need that). */
function checkGeometry(table: GptTable): void {
  const arraySectors = entryArraySectors(table.entryCount, table.entrySize, table.sectorSize);
  const lastLba = table.diskSectors - 1;
  const fail = (why: string) => {
    throw new RangeError(`GPT geometry: ${why}`);
  };
  if (table.primaryEntriesLba < 2) fail(`primary entries at LBA ${table.primaryEntriesLba}, before LBA 2`);
  if (table.firstUsableLba < table.primaryEntriesLba + arraySectors) fail(`first usable LBA ${table.firstUsableLba} is inside the primary entry array`);
  if (table.backupEntriesLba + arraySectors > lastLba) fail(`backup entry array at LBA ${table.backupEntriesLba} runs into the backup header at ${lastLba}`);
  if (table.lastUsableLba >= table.backupEntriesLba) fail(`last usable LBA ${table.lastUsableLba} is inside the backup entry array`);
  if (table.firstUsableLba > table.lastUsableLba) fail('no usable sectors');
  for (const p of table.partitions) {
    if (p.firstLba < table.firstUsableLba || p.lastLba > table.lastUsableLba) {
      fail(`partition ${p.number} (LBA ${p.firstLba}-${p.lastLba}) is outside the usable LBAs ${table.firstUsableLba}-${table.lastUsableLba}`);
    }
  }
}

/** Encodes a whole table into its primary and backup blocks. */
export function encodeGpt(table: GptTable): GptBlocks {
  checkGeometry(table);
  return encodeGptBlocks(table);
}

/** The blocks of a table as it is, for comparing with what a disk holds (hybrid ISOs break the geometry rules on purpose). */
function encodeGptBlocks(table: GptTable): GptBlocks {
  const { sectorSize } = table;
  const entries = encodeGptEntries(table.partitions, table.entryCount, table.entrySize, sectorSize);
  const entriesCrc32 = crc32(entries.subarray(0, table.entryCount * table.entrySize));
  const headers = headersOf(table, entriesCrc32);
  const lastLba = table.diskSectors - 1;

  const primarySectors = table.primaryEntriesLba - GPT.primaryHeaderLba + entries.length / sectorSize;
  const primary = new Uint8Array(primarySectors * sectorSize);
  primary.set(encodeGptHeader(headers.primary, sectorSize), 0);
  primary.set(entries, (table.primaryEntriesLba - GPT.primaryHeaderLba) * sectorSize);

  const backupSectors = lastLba - table.backupEntriesLba + 1;
  const backup = new Uint8Array(backupSectors * sectorSize);
  backup.set(entries, 0);
  backup.set(encodeGptHeader(headers.backup, sectorSize), (backupSectors - 1) * sectorSize);

  return { primary: { lba: GPT.primaryHeaderLba, bytes: primary }, backup: { lba: table.backupEntriesLba, bytes: backup } };
}

/**
 * Decodes a table from the primary block: the bytes from LBA 1 on, at least through the entry array. The
 * header and the entry array's CRCs are checked.
 */
export function decodeGpt(primary: Uint8Array, options: { sectorSize?: number } = {}): GptTable {
  const sectorSize = options.sectorSize ?? 512;
  const header = decodeGptHeader(primary, 0);
  if (header.myLba !== GPT.primaryHeaderLba) throw new GptDecodeError(`primary header says it is at LBA ${header.myLba}, not 1`);
  const arrayOffset = (header.entriesLba - GPT.primaryHeaderLba) * sectorSize;
  const arrayLength = header.entryCount * header.entrySize;
  if (header.entriesLba < 2 || arrayOffset + arrayLength > primary.length) {
    throw new GptDecodeError(`the entry array at LBA ${header.entriesLba} (${arrayLength} bytes) is not within the bytes given`);
  }
  const computed = crc32(primary.subarray(arrayOffset, arrayOffset + arrayLength));
  if (computed !== header.entriesCrc32) {
    throw new GptDecodeError(`entry array CRC32 is 0x${hex32(header.entriesCrc32)} in the header, the entries give 0x${hex32(computed)}`);
  }
  const arraySectors = entryArraySectors(header.entryCount, header.entrySize, sectorSize);
  return {
    sectorSize,
    diskSectors: header.alternateLba + 1,
    diskGuid: header.diskGuid,
    firstUsableLba: header.firstUsableLba,
    lastUsableLba: header.lastUsableLba,
    entryCount: header.entryCount,
    entrySize: header.entrySize,
    primaryEntriesLba: header.entriesLba,
    backupEntriesLba: header.alternateLba - arraySectors,
    partitions: decodeGptEntries(primary, arrayOffset, header.entryCount, header.entrySize),
  };
}

/**
 * Compares a disk's backup block (entries, then the header in the last sector) with what the table
 * encodes to; returns what differs (empty when the backup is intact).
 */
export function checkGptBackup(table: GptTable, backup: Uint8Array): string[] {
  const expected = encodeGptBlocks(table).backup.bytes;
  if (backup.length !== expected.length) return [`backup block is ${backup.length} bytes, expected ${expected.length}`];
  const problems: string[] = [];
  const headerAt = expected.length - table.sectorSize;
  try {
    const header = decodeGptHeader(backup, headerAt);
    if (header.myLba !== table.diskSectors - 1) problems.push(`backup header says it is at LBA ${header.myLba}, not ${table.diskSectors - 1}`);
  } catch (error) {
    problems.push(`backup header: ${(error as Error).message}`);
    return problems;
  }
  if (!sameBytes(backup.subarray(0, headerAt), expected.subarray(0, headerAt))) problems.push('backup entry array differs from the primary');
  else if (!sameBytes(backup, expected)) problems.push('backup header differs from the primary');
  return problems;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
