/**
 * Creating filesystems inside a partition, rootless on image files:
 *
 * - ext4: `mke2fs -E offset=` writes straight into the image, and `-d DIR` fills it from a directory.
 * - vfat: `mkfs.fat --offset` writes straight into the image; files are copied in with mtools (`mcopy -i
 *   IMAGE@@OFFSET`).
 * - btrfs, xfs, swap: their tools have no offset option, so the filesystem is made in a sparse temporary
 *   file of the partition's size beside the image and its data extents (found with `filefrag`, FIEMAP) are
 *   copied in at the partition's offset. mkfs writes only metadata, so that is a few MiB whatever the size.
 *   btrfs is filled from a directory with `mkfs.btrfs --rootdir`.
 *
 * On a block device every tool writes the partition's own device node (/dev/sda2), as usual.
 */
import { open, readdir, rm, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { temporaryNameFor } from '../lib/atomic-file.js';
import { UserError } from '../lib/errors.js';
import { run } from '../lib/run.js';
import type { FilesystemFormat } from '../system/layout.js';
import type { PlannedFilesystem } from './plan.js';

/** Where a filesystem goes: a region of an image file, or a partition's device node. */
export type FilesystemPlace =
  | { readonly kind: 'image'; readonly image: string; readonly offsetBytes: number; readonly sizeBytes: number; readonly sectorSize: number }
  | { readonly kind: 'device'; readonly device: string; readonly sizeBytes: number; readonly sectorSize: number };

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
        tools.add('mkfs.fat');
        if (options.populate) tools.add('mcopy');
        break;
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
      await createVfat(request);
      if (request.populateFrom !== undefined) await copyIntoVfat(place, request.populateFrom, request.log);
      return;
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

async function createVfat(request: FilesystemRequest): Promise<void> {
  const { filesystem, place } = request;
  const args = ['--invariant', '-S', String(place.sectorSize), '-i', filesystem.uuid.replace('-', '')];
  if (request.partitionType === 'esp' && place.sizeBytes >= ESP_FAT32_FROM_BYTES) args.push('-F', '32');
  if (filesystem.label !== undefined) args.push('-n', filesystem.label);
  if (place.kind === 'image') {
    const sector = place.offsetBytes / place.sectorSize;
    // Hidden sectors = the partition's start, as a partitioned disk has it.
    args.push('--offset', String(sector), '-h', String(sector), place.image);
  } else {
    args.push(place.device);
  }
  args.push(String(Math.floor(place.sizeBytes / 1024)));
  await tool(request, 'mkfs.fat', args);
}

/** mtools' name for a FAT filesystem at an offset in an image. */
function mtoolsImage(place: FilesystemPlace): string {
  return place.kind === 'image' ? `${place.image}@@${place.offsetBytes}` : place.device;
}

/** Copies a directory's contents into the root of a FAT filesystem (sorted, modification times kept). */
export async function copyIntoVfat(place: FilesystemPlace, directory: string, log?: (message: string) => void): Promise<void> {
  const entries = (await readdir(directory)).sort();
  if (entries.length === 0) return;
  const args = ['-s', '-m', '-Q', '-i', mtoolsImage(place), ...entries.map((e) => join(directory, e)), '::/'];
  log?.(`mcopy ${args.join(' ')}`);
  // mtools checks that the filesystem's geometry matches a whole disk; at an offset it cannot.
  await run('mcopy', args, { env: { MTOOLS_SKIP_CHECK: '1' } });
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
export async function dataExtents(file: string, size: number): Promise<Extent[]> {
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
