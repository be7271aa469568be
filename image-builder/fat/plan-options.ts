/**
 * The options of a FAT image plan (plan.ts) and their checks, which report every problem at once under
 * "FAT image options" and the option's name.
 */
import type { Problem } from '../../lib/errors.js';
import type { FatType } from './fat-table.js';
import { volumeLabelProblem } from './file-name.js';
import { MAX_CLUSTER_SIZE, MAX_TOTAL_SECTORS, SECTOR_SIZE } from './geometry.js';

export interface FatImageOptions {
  /** The image's exact size in bytes (a multiple of 512). Without it the image is sized to its files. */
  readonly size?: number;
  /** Without `size`: at least this many bytes. */
  readonly minimumSize?: number;
  /** Without `size`: at least this many bytes free besides the files (for example for later updates). */
  readonly freeSpace?: number;
  /** 12, 16 or 32; by default chosen from the size as mkfs.fat would (geometry.ts). */
  readonly fatType?: FatType;
  /** Bytes per cluster: a power of two from 512 to 65536. By default chosen as mkfs.fat would. */
  readonly clusterSize?: number;
  /** The data area starts at a multiple of this many bytes from the image start. Default: the cluster size. */
  readonly dataAlignment?: number;
  /** Entries of the fixed root directory on FAT12/16 (a multiple of 16). Default 512, as mkfs.fat. */
  readonly rootEntryCount?: number;
  /** At least this many reserved sectors. Default 1 (FAT12/16), 32 (FAT32). */
  readonly reservedSectors?: number;
  /** Sectors before the volume on its disk (the partition's first LBA), written into the boot sector. Default 0. */
  readonly hiddenSectors?: number;
  /** The 32-bit volume id (serial number). Default: derived from `volumeIdSeed`. */
  readonly volumeId?: number;
  /** What the volume id is derived from. Default: the tree's paths and sizes, the label and the date. */
  readonly volumeIdSeed?: string;
  /** Up to 11 upper-case characters. Default: none ("NO NAME" in the boot sector, no label entry). */
  readonly volumeLabel?: string;
  /** The date of every entry. Default: SOURCE_DATE_EPOCH, else 1980-01-01 00:00:00. */
  readonly date?: Date;
  /** Image paths (`EFI/BOOT/BOOTX64.EFI`) of files to place first, in this order. */
  readonly fileOrder?: readonly string[];
  /** Image paths of files to place at the end of the image, in this order, each from a cluster boundary. */
  readonly tailFiles?: readonly string[];
}

/** What problems with the options name as their file. */
export const OPTIONS_FILE = 'FAT image options';

export function checkFatImageOptions(options: FatImageOptions, problems: Problem[]): void {
  const problem = (path: string, message: string) => problems.push({ file: OPTIONS_FILE, path, message });
  const isCount = (value: number, max: number) => Number.isSafeInteger(value) && value >= 0 && value <= max;
  if (options.size !== undefined) {
    if (!isCount(options.size, MAX_TOTAL_SECTORS * SECTOR_SIZE) || options.size % SECTOR_SIZE !== 0 || options.size === 0) {
      problem('size', `expected a positive multiple of ${SECTOR_SIZE} bytes, got ${options.size}`);
    }
    if (options.minimumSize !== undefined) problem('minimumSize', 'give size or minimumSize, not both');
  }
  if (options.minimumSize !== undefined && !isCount(options.minimumSize, MAX_TOTAL_SECTORS * SECTOR_SIZE)) {
    problem('minimumSize', `expected a number of bytes, got ${options.minimumSize}`);
  }
  if (options.freeSpace !== undefined && !isCount(options.freeSpace, Number.MAX_SAFE_INTEGER)) {
    problem('freeSpace', `expected a number of bytes, got ${options.freeSpace}`);
  }
  if (options.fatType !== undefined && ![12, 16, 32].includes(options.fatType)) problem('fatType', `expected 12, 16 or 32, got ${options.fatType}`);
  const c = options.clusterSize;
  if (c !== undefined && !(Number.isInteger(c) && c >= SECTOR_SIZE && c <= MAX_CLUSTER_SIZE && (c & (c - 1)) === 0)) {
    problem('clusterSize', `expected a power of two from ${SECTOR_SIZE} to ${MAX_CLUSTER_SIZE} bytes, got ${c}`);
  }
  const a = options.dataAlignment;
  if (a !== undefined && !(Number.isSafeInteger(a) && a > 0 && a % SECTOR_SIZE === 0 && a <= 32 * 1024 * 1024)) {
    problem('dataAlignment', `expected a multiple of ${SECTOR_SIZE} bytes up to 32 MiB, got ${a}`);
  }
  const r = options.rootEntryCount;
  if (r !== undefined && !(Number.isInteger(r) && r >= 16 && r <= 65520 && r % 16 === 0)) {
    problem('rootEntryCount', `expected a multiple of 16 from 16 to 65520, got ${r}`);
  }
  if (options.reservedSectors !== undefined && !(isCount(options.reservedSectors, 0xffff) && options.reservedSectors >= 1)) {
    problem('reservedSectors', `expected 1 to 65535, got ${options.reservedSectors}`);
  }
  if (options.hiddenSectors !== undefined && !isCount(options.hiddenSectors, 0xffffffff)) {
    problem('hiddenSectors', `expected 0 to 4294967295, got ${options.hiddenSectors}`);
  }
  if (options.volumeId !== undefined && !isCount(options.volumeId, 0xffffffff)) {
    problem('volumeId', `expected a 32-bit number, got ${options.volumeId}`);
  }
  if (options.volumeLabel !== undefined) {
    const labelProblem = volumeLabelProblem(options.volumeLabel);
    if (labelProblem !== undefined) problem('volumeLabel', labelProblem);
  }
  if (options.date !== undefined && Number.isNaN(options.date.getTime())) problem('date', 'invalid date');
}
