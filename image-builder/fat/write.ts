/**
 * Writing a planned FAT image: either as a new file (under a temporary name, renamed when complete, so a
 * failure leaves nothing behind; zero regions are left as holes of a sparse file), or into an existing file
 * or a partition's device node at an offset (an ESP inside a disk image, or on a disk): only the image's own
 * bytes are written, and nothing before or after them is touched or truncated. Which of its zeros are
 * written there is the caller's choice (`zeros`).
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory, temporaryNameFor } from '../../lib/atomic-file.js';
import { UserError, errnoCode } from '../../lib/errors.js';
import { ignoreProgress, progressCounter, type OnProgress } from '../../lib/progress.js';
import { formatSize } from '../../lib/size.js';
import type { FatPlan } from './plan.js';
import { readImageChunks } from './region-stream.js';
import type { FatRegion } from './regions.js';

export interface WriteFatImageOptions {
  /** Write into the existing file (or block device) `path` from this byte offset instead of creating `path`. */
  readonly offset?: number;
  /**
   * With `offset`, which zeros are written. `all` (the default): every byte of the image, so nothing of
   * what was there survives. `structures`: the zeros FAT reads (the reserved sectors, the FATs, the fixed
   * root directory and the directories' clusters), not those of free clusters and of the ends of files'
   * last clusters, which FAT never reads: what mkfs.fat does on a device. `none`: the region already reads
   * as zeros (a new sparse file), so only data is written.
   */
  readonly zeros?: 'all' | 'structures' | 'none';
  readonly onProgress?: OnProgress;
}

export const FAT_WRITE_PHASE = 'fat-image';

export async function writeFatImage(plan: FatPlan, path: string, options: WriteFatImageOptions = {}): Promise<void> {
  if (options.offset === undefined) await writeNewImage(plan, path, options.onProgress ?? ignoreProgress);
  else await writeImageInto(plan, path, options.offset, options.zeros ?? 'all', options.onProgress ?? ignoreProgress);
}

async function writeNewImage(plan: FatPlan, path: string, onProgress: OnProgress): Promise<void> {
  const temporary = temporaryNameFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx', 0o644).catch((error: unknown) => {
      throw new UserError(`cannot create the FAT image ${path}: ${errnoCode(error) ?? String(error)}`, {
        cause: error,
        hint: `check that ${dirname(path)} exists and is writable`,
      });
    });
    await handle.truncate(plan.size);
    await writeRegions(handle, 0, plan.regions, true, onProgress);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

async function writeImageInto(plan: FatPlan, path: string, offset: number, zeros: 'all' | 'structures' | 'none', onProgress: OnProgress): Promise<void> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new UserError(`the offset of a FAT image must be a whole number of bytes, got ${offset}`);
  const handle = await open(path, 'r+').catch((error: unknown) => {
    throw new UserError(`cannot open ${path} to write a FAT image into it: ${errnoCode(error) ?? String(error)}`, {
      cause: error,
      hint: 'the disk image must exist (create it at its full size first)',
    });
  });
  try {
    const stat = await handle.stat();
    if (stat.isFile() && stat.size < offset + plan.size) {
      throw new UserError(
        `a FAT image of ${formatSize(plan.size)} at byte ${offset} would end at byte ${offset + plan.size}, past the end of ${path} (${stat.size} bytes)`,
        { hint: 'make the disk image large enough first, or the FAT image smaller' },
      );
    }
    await writeRegions(handle, offset, zeros === 'structures' ? structureRegions(plan) : plan.regions, zeros === 'none', onProgress);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The plan's regions with each zero region cut down to where FAT reads zeros: before the data area (the
 * reserved sectors, FATs and fixed root directory) and in the clusters of directories (after their last
 * entry). The rest of the data area is free clusters and the unused ends of files, never read.
 */
function structureRegions(plan: FatPlan): FatRegion[] {
  const { dataOffset, clusterSize } = plan.geometry;
  const read = [
    { start: 0, end: dataOffset },
    ...plan.directories.filter((d) => d.firstCluster !== 0).map((d) => ({ start: d.offset, end: d.offset + d.clusterCount * clusterSize })),
  ].sort((a, b) => a.start - b.start);
  return plan.regions.flatMap((region): FatRegion[] => {
    if (region.kind !== 'zero') return [region];
    const end = region.offset + region.length;
    return read.flatMap((range) => {
      const from = Math.max(range.start, region.offset);
      const to = Math.min(range.end, end);
      return from < to ? [{ kind: 'zero', offset: from, length: to - from }] : [];
    });
  });
}

async function writeRegions(
  handle: FileHandle,
  base: number,
  regions: readonly FatRegion[],
  skipZeros: boolean,
  onProgress: OnProgress,
): Promise<void> {
  const total = regions.reduce((sum, region) => sum + (skipZeros && region.kind === 'zero' ? 0 : region.length), 0);
  onProgress({ kind: 'phase', phase: FAT_WRITE_PHASE, title: 'Writing the FAT image', total, unit: 'bytes' });
  const counter = progressCounter(onProgress, FAT_WRITE_PHASE, total, 'bytes');
  for await (const chunk of readImageChunks(regions, { skipZeros })) {
    let written = 0;
    while (written < chunk.bytes.length) {
      const { bytesWritten } = await handle.write(chunk.bytes, written, chunk.bytes.length - written, base + chunk.offset + written);
      written += bytesWritten;
    }
    counter.advance(chunk.bytes.length);
  }
  counter.finish();
}
