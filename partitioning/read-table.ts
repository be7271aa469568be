/**
 * Reading the partition table a disk or image file holds now: sector 0 (MBR), the primary GPT and the
 * backup GPT at the end. The I/O is here; the decoding is mbr.ts and gpt.ts.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { GPT, GptDecodeError, checkGptBackup, decodeGpt, entryArraySectors, type GptTable } from './gpt.js';
import { MBR, MbrDecodeError, decodeMbr, type MbrTable } from './mbr.js';

export type CurrentTable =
  | { readonly kind: 'none' }
  | { readonly kind: 'mbr'; readonly mbr: MbrTable }
  | {
      readonly kind: 'gpt';
      readonly mbr: MbrTable | undefined;
      readonly gpt: GptTable;
      /** What is wrong with the backup table (empty when it matches the primary). */
      readonly backupProblems: readonly string[];
    }
  /** A table is there but cannot be read: the reason (and the MBR, when sector 0 holds one). */
  | { readonly kind: 'damaged'; readonly problem: string; readonly mbr?: MbrTable };

/** Reads `count` sectors from `lba` on (fewer bytes at the end of the medium). */
export type SectorReader = (lba: number, count: number) => Promise<Uint8Array>;

export async function readSectors(handle: FileHandle, lba: number, count: number, sectorSize: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count * sectorSize);
  const { bytesRead } = await handle.read(bytes, 0, bytes.length, lba * sectorSize);
  return bytes.subarray(0, bytesRead);
}

/** Reads the table of a file or block device of `sizeBytes` bytes. */
export async function readPartitionTable(path: string, sizeBytes: number, sectorSize = 512): Promise<CurrentTable> {
  const handle = await open(path, 'r');
  try {
    return await readPartitionTableFrom((lba, count) => readSectors(handle, lba, count, sectorSize), sizeBytes, sectorSize);
  } finally {
    await handle.close();
  }
}

/** Reads the table of a medium of `sizeBytes` bytes through `read` (a file, or an image already open). */
export async function readPartitionTableFrom(read: SectorReader, sizeBytes: number, sectorSize = 512): Promise<CurrentTable> {
  const head = await read(0, 2);
  if (head.length < MBR.size) return { kind: 'none' };
  let mbr: MbrTable | undefined;
  try {
    mbr = decodeMbr(head, 0);
  } catch (error) {
    if (!(error instanceof MbrDecodeError)) throw error;
  }
  const headerBytes = head.subarray(sectorSize, sectorSize * 2);
  const looksGpt = headerBytes.length >= 8 && new TextDecoder().decode(headerBytes.subarray(0, 8)) === GPT.signature;
  if (!looksGpt) {
    return mbr === undefined || mbr.partitions.length === 0 ? { kind: 'none' } : { kind: 'mbr', mbr };
  }
  try {
    const probe = new DataView(headerBytes.buffer, headerBytes.byteOffset, headerBytes.length);
    const entriesLba = Number(probe.getBigUint64(72, true));
    const entryCount = probe.getUint32(80, true);
    const entrySize = probe.getUint32(84, true);
    if (entryCount * entrySize > 16 * 1024 * 1024 || entriesLba > 1024 * 1024) throw new GptDecodeError('entry array size or place is implausible');
    const primarySectors = entriesLba - 1 + entryArraySectors(entryCount, entrySize, sectorSize);
    const gpt = decodeGpt(await read(1, primarySectors), { sectorSize });
    const diskSectors = Math.floor(sizeBytes / sectorSize);
    const problems: string[] = [];
    if (gpt.diskSectors !== diskSectors) {
      problems.push(`the backup header is expected at LBA ${gpt.diskSectors - 1}, but the disk's last LBA is ${diskSectors - 1} (the disk was resized)`);
    } else {
      const backupLength = gpt.diskSectors - gpt.backupEntriesLba;
      problems.push(...checkGptBackup(gpt, await read(gpt.backupEntriesLba, backupLength)));
    }
    return { kind: 'gpt', mbr, gpt, backupProblems: problems };
  } catch (error) {
    if (error instanceof GptDecodeError) return { kind: 'damaged', problem: `GPT: ${error.message}`, ...(mbr === undefined ? {} : { mbr }) };
    throw error;
  }
}
