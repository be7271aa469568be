/**
 * Creating filesystems inside a partition, rootless on image files:
 *
 * - ext4: `mke2fs -E offset=` writes straight into the image, and `-d DIR` fills it from a directory.
 * - vfat: Cairn's own FAT writer (image-builder/fat, the one the ISOs' ESPs are made with) plans the
 *   filesystem with its files and writes it straight into the image at the partition's offset, or onto the
 *   partition's device node. No mkfs.fat, no mtools.
 * - btrfs, xfs, swap: their tools have no offset option, so the filesystem is made in a sparse temporary
 *   file of the partition's size beside the image and its data extents (found with `filefrag`, FIEMAP) are
 *   copied in at the partition's offset. mkfs writes only metadata, so that is a few MiB whatever the size.
 *   btrfs is filled from a directory with `mkfs.btrfs --rootdir`.
 *
 * On a block device every tool writes the partition's own device node (/dev/sda2), as usual.
 */
import { open, rm, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { temporaryNameFor } from '../lib/atomic-file.js';
import { DomainError, UserError } from '../lib/errors.js';
import { run } from '../lib/run.js';
import { formatSize } from '../lib/size.js';
import type { FilesystemFormat } from '../system/layout.js';
import { SECTOR_SIZE as FAT_SECTOR_SIZE, fatDirectory, formatVolumeId, parseVolumeId, planFatImage, readFatTreeFromDirectory, writeFatImage } from '../image-builder/fat/index.js';
import type { PartitionPlan, PlannedFilesystem } from './plan.js';

/**
 * Where a filesystem goes: a region of a new image file (sparse: it reads as zeros until written), or a
 * partition's device node. `offsetBytes` is where the partition starts on its disk in both cases.
 */
export type FilesystemPlace =
  | { readonly kind: 'image'; readonly image: string; readonly offsetBytes: number; readonly sizeBytes: number; readonly sectorSize: number }
  | { readonly kind: 'device'; readonly device: string; readonly offsetBytes: number; readonly sizeBytes: number; readonly sectorSize: number };

export interface FilesystemRequest {
  readonly place: FilesystemPlace;
  readonly filesystem: PlannedFilesystem;
  /** The GPT/MBR type of the partition: an ESP gets FAT32. */
  readonly partitionType: string;
  /** A directory whose contents become the filesystem's root. */
  readonly populateFrom?: string;
  /** Called with a line for the log (commands run). */
  readonly log?: (message: string) => void;
}

/** Formats a directory can be copied into at creation. */
export const POPULATABLE_FORMATS: readonly FilesystemFormat[] = ['ext4', 'btrfs', 'vfat'];

/** The tools creating (and filling) filesystems of these formats need, for requireTools() before any write. */
export function toolsForFormats(formats: Iterable<FilesystemFormat>, options: { populate?: boolean; image?: boolean } = {}): string[] {
  const tools = new Set<string>();
  for (const format of formats) {
    switch (format) {
      case 'ext4':
        tools.add('mke2fs');
        break;
      case 'vfat':
        break; // Cairn's own FAT writer
      case 'btrfs':
        tools.add('mkfs.btrfs');
        break;
      case 'xfs':
        tools.add('mkfs.xfs');
        break;
      case 'swap':
        tools.add('mkswap');
        break;
    }
    if (options.image && (format === 'btrfs' || format === 'xfs' || format === 'swap')) tools.add('filefrag');
  }
  return [...tools].sort();
}

/** Environment that makes the mkfs tools reproducible: e2fsprogs reads its time from E2FSPROGS_FAKE_TIME. */
function reproducibleEnv(): Record<string, string> {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch === undefined || epoch === '' ? {} : { E2FSPROGS_FAKE_TIME: epoch };
}

async function tool(request: FilesystemRequest, name: string, args: readonly string[], env: Record<string, string> = {}): Promise<void> {
  request.log?.(`${name} ${args.join(' ')}`);
  await run(name, args, { env: { ...reproducibleEnv(), ...env } });
}

export async function createFilesystem(request: FilesystemRequest): Promise<void> {
  const { filesystem, place } = request;
  if (request.populateFrom !== undefined && !POPULATABLE_FORMATS.includes(filesystem.format)) {
    throw new UserError(`cannot fill a ${filesystem.format} filesystem from a directory: Cairn fills ${POPULATABLE_FORMATS.join(', ')}`);
  }
  switch (filesystem.format) {
    case 'ext4':
      return createExt4(request);
    case 'vfat':
      return createVfat(request);
    case 'btrfs':
    case 'xfs':
    case 'swap':
      if (place.kind === 'device') return tool(request, mkfsCommand(filesystem.format), mkfsArguments(request, place.device));
      return createViaTemporaryFile(request, place);
  }
}

async function createExt4(request: FilesystemRequest): Promise<void> {
  const { filesystem, place } = request;
  const extended = [`hash_seed=${filesystem.uuid}`, 'nodiscard', ...(place.kind === 'image' ? [`offset=${place.offsetBytes}`] : [])];
  const args = ['-t', 'ext4', '-F', '-q', '-E', extended.join(','), '-U', filesystem.uuid];
  if (filesystem.label !== undefined) args.push('-L', filesystem.label);
  if (request.populateFrom !== undefined) args.push('-d', request.populateFrom);
  args.push(place.kind === 'image' ? place.image : place.device, `${Math.floor(place.sizeBytes / 1024)}k`);
  await tool(request, 'mke2fs', args);
}

/** FAT32 from 36 MiB up for an ESP, as archiso does; firmware reads FAT12/16 too, but FAT32 is what the UEFI spec names. */
const ESP_FAT32_FROM_BYTES = 36 * 1024 * 1024;

/**
 * Refuses, before anything is written, what Cairn cannot make: its FAT writer writes 512-byte sectors, and
 * on a disk with 4096-byte logical sectors Linux does not mount a FAT whose sectors are smaller.
 */
export function checkFilesystemsPossible(plan: PartitionPlan): void {
  const fat = plan.partitions.filter((p) => p.filesystem?.format === 'vfat');
  if (fat.length > 0 && plan.disk.sectorSize !== FAT_SECTOR_SIZE) {
    throw new DomainError('unsupported-sector-size', `${plan.disk.description} has ${plan.disk.sectorSize}-byte sectors: Cairn writes FAT filesystems (${fat.map((p) => p.name).join(', ')}) with 512-byte sectors only`, {
      expected: FAT_SECTOR_SIZE,
      actual: plan.disk.sectorSize,
      hint: 'use a disk with 512-byte logical sectors, or a layout without a vfat partition',
    });
  }
}

/** A FAT filesystem (and its files) by Cairn's FAT writer, straight into the partition. */
async function createVfat(request: FilesystemRequest): Promise<void> {
  const { filesystem, place } = request;
  const volumeId = parseVolumeId(filesystem.uuid);
  if (volumeId === undefined) throw new Error(`a vfat filesystem's UUID must be a FAT volume id (XXXX-XXXX), got ${filesystem.uuid}`);
  const tree = request.populateFrom === undefined ? fatDirectory('', []) : await readFatTreeFromDirectory(request.populateFrom);
  const plan = planFatImage(tree, {
    size: place.sizeBytes,
    volumeId,
    ...(filesystem.label === undefined ? {} : { volumeLabel: filesystem.label }),
    // Hidden sectors: the partition's start, as a partitioned disk has it.
    hiddenSectors: place.offsetBytes / FAT_SECTOR_SIZE,
    ...(request.partitionType === 'esp' && place.sizeBytes >= ESP_FAT32_FROM_BYTES ? { fatType: 32 as const } : {}),
  });
  const where = place.kind === 'image' ? `${place.image} at byte ${place.offsetBytes}` : place.device;
  request.log?.(
    `FAT${plan.geometry.type}, ${formatSize(plan.size)}, ${formatSize(plan.geometry.clusterSize)} clusters, volume id ${formatVolumeId(volumeId)}, ${plan.files.length} files${request.populateFrom === undefined ? '' : ` from ${request.populateFrom}`}: Cairn's FAT writer into ${where}`,
  );
  // A new image reads as zeros; a device keeps its old bytes, so what FAT reads is zeroed there.
  await writeFatImage(plan, place.kind === 'image' ? place.image : place.device, { offset: place.kind === 'image' ? place.offsetBytes : 0, zeros: place.kind === 'image' ? 'none' : 'structures' });
}

function mkfsCommand(format: 'btrfs' | 'xfs' | 'swap'): string {
  return format === 'btrfs' ? 'mkfs.btrfs' : format === 'xfs' ? 'mkfs.xfs' : 'mkswap';
}

function mkfsArguments(request: FilesystemRequest, file: string): string[] {
  const { filesystem } = request;
  const label = filesystem.label;
  switch (filesystem.format) {
    case 'btrfs':
      return ['-f', '-q', '-K', '-U', filesystem.uuid, ...(label === undefined ? [] : ['-L', label]), ...(request.populateFrom === undefined ? [] : ['--rootdir', request.populateFrom]), file];
    case 'xfs':
      return ['-f', '-q', '-K', '-m', `uuid=${filesystem.uuid}`, ...(label === undefined ? [] : ['-L', label]), file];
    case 'swap':
      return ['-q', '-U', filesystem.uuid, ...(label === undefined ? [] : ['-L', label]), file];
    default:
      throw new RangeError(`${filesystem.format} is made in place`);
  }
}

async function createViaTemporaryFile(request: FilesystemRequest, place: Extract<FilesystemPlace, { kind: 'image' }>): Promise<void> {
  const format = request.filesystem.format as 'btrfs' | 'xfs' | 'swap';
  // Beside the image, so it is on the same filesystem (which FIEMAP can map) and not in a RAM-backed /tmp.
  const temporary = temporaryNameFor(join(dirname(place.image), `${format}-partition`));
  try {
    await (await open(temporary, 'wx')).close();
    await truncate(temporary, place.sizeBytes);
    await tool(request, mkfsCommand(format), mkfsArguments(request, temporary));
    const extents = await dataExtents(temporary, place.sizeBytes);
    request.log?.(`copying ${extents.length} data extents (${extents.reduce((n, e) => n + e.length, 0)} bytes) into ${place.image} at ${place.offsetBytes}`);
    await copyExtents(temporary, place.image, place.offsetBytes, extents);
  } finally {
    await rm(temporary, { force: true });
  }
}

export interface Extent {
  readonly offset: number;
  readonly length: number;
}

/**
 * The byte ranges of a sparse file that hold data, from `filefrag -e` (FIEMAP). Where the filesystem cannot
 * map extents (tmpfs), the file is read and all-zero blocks skipped: slower, same result.
 */
async function dataExtents(file: string, size: number): Promise<Extent[]> {
  let output: string;
  try {
    output = (await run('filefrag', ['-e', '-b512', file])).stdout;
  } catch {
    return scanForData(file, size);
  }
  const extents: Extent[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+\d+\.\.\s*\d+:\s+\d+:.*$/.exec(line);
    if (!match) continue;
    if (/unwritten/.test(line)) continue; // allocated but reads as zeros
    const start = Number(match[1]) * 512;
    const end = Math.min(size, (Number(match[2]) + 1) * 512);
    extents.push({ offset: start, length: end - start });
  }
  if (extents.length === 0 && !/ 0 extents? found/.test(output)) return scanForData(file, size);
  return extents;
}

const SCAN_BLOCK = 1024 * 1024;

async function scanForData(file: string, size: number): Promise<Extent[]> {
  const handle = await open(file, 'r');
  const buffer = Buffer.alloc(SCAN_BLOCK);
  const zero = Buffer.alloc(SCAN_BLOCK);
  const extents: Extent[] = [];
  try {
    for (let offset = 0; offset < size; offset += SCAN_BLOCK) {
      const { bytesRead } = await handle.read(buffer, 0, SCAN_BLOCK, offset);
      if (bytesRead === 0) break;
      if (buffer.subarray(0, bytesRead).equals(zero.subarray(0, bytesRead))) continue;
      const last = extents[extents.length - 1];
      if (last !== undefined && last.offset + last.length === offset) extents[extents.length - 1] = { offset: last.offset, length: last.length + bytesRead };
      else extents.push({ offset, length: bytesRead });
    }
  } finally {
    await handle.close();
  }
  return extents;
}

async function copyExtents(source: string, target: string, targetOffset: number, extents: readonly Extent[]): Promise<void> {
  const input = await open(source, 'r');
  const output = await open(target, 'r+');
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  try {
    for (const extent of extents) {
      for (let done = 0; done < extent.length; ) {
        const length = Math.min(buffer.length, extent.length - done);
        const { bytesRead } = await input.read(buffer, 0, length, extent.offset + done);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead, targetOffset + extent.offset + done);
        done += bytesRead;
      }
    }
    await output.sync();
  } finally {
    await input.close();
    await output.close();
  }
}
