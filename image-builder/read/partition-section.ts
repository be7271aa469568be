/**
 * The partition tables in an ISO's system area, for `cairn iso inspect`: the MBR (boot code, disk
 * signature, entries, including the type-0 "whole image" entry of isohybrid images) and the GPT (primary
 * header and entries, the backup held against them). What a USB stick's firmware sees when the image is
 * written raw. Decoding is partitioning/mbr.ts and gpt.ts, read through partitioning/read-table.ts.
 */
import { formatSize } from '../../lib/size.js';
import { tableLines } from '../../lib/text-table.js';
import { MbrDecodeError, decodeMbr, type MbrTable } from '../../partitioning/mbr.js';
import { describeGptType, describeMbrType, GPT_TYPE_GUIDS } from '../../system/partition-types.js';
import { readPartitionTableFrom } from '../../partitioning/read-table.js';
import type { InspectContext, InspectSection } from './inspect-section.js';

const SECTOR = 512;

export interface MbrPartitionReport {
  readonly number: number;
  /** The status byte: 0x80 bootable, 0x00 not. */
  readonly status: number;
  readonly type: number;
  /** `esp`, `linux`, ... or the type as `0xNN`. */
  readonly typeName: string;
  /** First 512-byte sector. */
  readonly start: number;
  readonly sectors: number;
}

export interface MbrReport {
  /** Whether the first 440 bytes hold boot code (isohybrid images carry isolinux's isohdpfx there). */
  readonly bootCode: boolean;
  readonly diskSignature: string;
  readonly partitions: readonly MbrPartitionReport[];
}

export interface GptPartitionReport {
  readonly number: number;
  readonly typeGuid: string;
  readonly typeName: string;
  readonly guid: string;
  readonly firstLba: number;
  readonly lastLba: number;
  readonly sectors: number;
  /** The 64 attribute bits, as `0x` and 16 hex digits. */
  readonly attributes: string;
  readonly name: string;
}

export interface GptReport {
  readonly diskGuid: string;
  readonly entriesLba: number;
  readonly entryCount: number;
  readonly entrySize: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  /** Where the backup header is (the last sector of the medium the table was made for), and its entry array. */
  readonly backupHeaderLba: number;
  readonly backupEntriesLba: number;
  /** What is wrong with the backup (empty when it matches the primary). */
  readonly backupProblems: readonly string[];
  readonly partitions: readonly GptPartitionReport[];
}

export interface PartitionTablesReport {
  readonly mbr?: MbrReport;
  readonly gpt?: GptReport;
  readonly problems: readonly string[];
}

/** The ESP a USB stick's firmware finds: a GPT EFI System partition, else an MBR entry of type 0xEF. */
export function espPartitionOf(report: PartitionTablesReport): { readonly table: 'gpt' | 'mbr'; readonly number: number; readonly offset: number; readonly size: number } | undefined {
  const gpt = report.gpt?.partitions.find((p) => p.typeGuid === GPT_TYPE_GUIDS.esp);
  if (gpt !== undefined) return { table: 'gpt', number: gpt.number, offset: gpt.firstLba * SECTOR, size: gpt.sectors * SECTOR };
  const mbr = report.mbr?.partitions.find((p) => p.type === 0xef);
  if (mbr !== undefined) return { table: 'mbr', number: mbr.number, offset: mbr.start * SECTOR, size: mbr.sectors * SECTOR };
  return undefined;
}

/** Decodes the system area's tables; undefined when there is neither an MBR signature nor a GPT. */
export async function inspectPartitionTables({ access }: InspectContext): Promise<PartitionTablesReport | undefined> {
  const read = (lba: number, count: number) => access.read(lba * SECTOR, count * SECTOR);
  const table = await readPartitionTableFrom(read, access.size, SECTOR);
  const problems: string[] = [];
  let mbr: MbrTable | undefined = table.kind === 'none' ? undefined : table.mbr;
  if (mbr === undefined) {
    // An MBR with boot code and no partitions reads as "no table"; inspect shows it anyway.
    try {
      mbr = decodeMbr(await read(0, 1));
    } catch (error) {
      if (!(error instanceof MbrDecodeError)) throw error;
    }
  }
  if (table.kind === 'damaged') problems.push(table.problem);
  if (mbr === undefined && table.kind !== 'gpt' && table.kind !== 'damaged') return undefined;
  const gpt = table.kind === 'gpt' ? table.gpt : undefined;
  return {
    ...(mbr === undefined ? {} : { mbr: mbrReport(mbr) }),
    ...(gpt === undefined
      ? {}
      : {
          gpt: {
            diskGuid: gpt.diskGuid,
            entriesLba: gpt.primaryEntriesLba,
            entryCount: gpt.entryCount,
            entrySize: gpt.entrySize,
            firstUsableLba: gpt.firstUsableLba,
            lastUsableLba: gpt.lastUsableLba,
            backupHeaderLba: gpt.diskSectors - 1,
            backupEntriesLba: gpt.backupEntriesLba,
            backupProblems: table.kind === 'gpt' ? table.backupProblems : [],
            partitions: gpt.partitions.map((p) => ({
              number: p.number,
              typeGuid: p.typeGuid,
              typeName: describeGptType(p.typeGuid),
              guid: p.guid,
              firstLba: p.firstLba,
              lastLba: p.lastLba,
              sectors: p.lastLba - p.firstLba + 1,
              attributes: `0x${p.attributes.toString(16).padStart(16, '0')}`,
              name: p.name,
            })),
          },
        }),
    problems,
  };
}

function mbrReport(mbr: MbrTable): MbrReport {
  return {
    bootCode: mbr.bootCode !== undefined,
    diskSignature: `0x${mbr.diskSignature.toString(16).padStart(8, '0')}`,
    partitions: mbr.partitions.map((p) => ({ number: p.number, status: p.bootable ? 0x80 : 0, type: p.type, typeName: describeMbrType(p.type), start: p.firstLba, sectors: p.sectors })),
  };
}

export const partitionTablesSection: InspectSection<PartitionTablesReport> = {
  id: 'partitions',
  title: 'Partition tables',
  inspect: inspectPartitionTables,
  render(value) {
    const lines: string[] = [];
    const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
    if (value.mbr !== undefined) {
      const { mbr } = value;
      lines.push(`MBR: ${mbr.bootCode ? 'boot code present' : 'no boot code'}, disk signature ${mbr.diskSignature}, ${mbr.partitions.length === 0 ? 'no partitions' : `${mbr.partitions.length} ${mbr.partitions.length === 1 ? 'partition' : 'partitions'}`}`);
      if (mbr.partitions.length > 0) {
        const rows = mbr.partitions.map((p) => [String(p.number), hex(p.status), p.typeName === hex(p.type) ? hex(p.type) : `${hex(p.type)} (${p.typeName})`, String(p.start), String(p.sectors), formatSize(p.sectors * SECTOR)]);
        lines.push(...tableLines(['#', 'status', 'type', 'start', 'sectors', 'size'], rows).map((l) => `  ${l}`));
      }
    }
    if (value.gpt !== undefined) {
      const { gpt } = value;
      const backup = gpt.backupProblems.length === 0 ? 'backup intact' : 'backup damaged';
      lines.push(`GPT: disk GUID ${gpt.diskGuid}, ${gpt.entryCount} entries of ${gpt.entrySize} bytes at LBA ${gpt.entriesLba}, usable LBA ${gpt.firstUsableLba}-${gpt.lastUsableLba}, backup header at LBA ${gpt.backupHeaderLba} (${backup})`);
      if (gpt.partitions.length > 0) {
        const rows = gpt.partitions.map((p) => [String(p.number), p.typeName, String(p.firstLba), String(p.lastLba), formatSize(p.sectors * SECTOR), p.name === '' ? '-' : p.name, p.guid]);
        lines.push(...tableLines(['#', 'type', 'first', 'last', 'size', 'name', 'GUID'], rows).map((l) => `  ${l}`));
      }
    }
    lines.push(...(value.gpt?.backupProblems ?? []).map((p) => `problem: backup GPT: ${p}`), ...value.problems.map((p) => `problem: ${p}`));
    return lines;
  },
};
