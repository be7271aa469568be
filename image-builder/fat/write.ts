/**
 * Writing a planned FAT image: either as a new file (under a temporary name, renamed when complete, so a
 * failure leaves nothing behind; zero regions are left as holes of a sparse file), or into an existing file
 * at an offset (an ESP inside a disk image): only the image's own bytes are written, zeros included, and
 * nothing before or after them is touched or truncated.
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
  /** Write into the existing file `path` from this byte offset instead of creating `path`. */
  readonly offset?: number;
  readonly onProgress?: OnProgress;
}

export const FAT_WRITE_PHASE = 'fat-image';

export async function writeFatImage(plan: FatPlan, path: string, options: WriteFatImageOptions = {}): Promise<void> {
  if (options.offset === undefined) await writeNewImage(plan, path, options.onProgress ?? ignoreProgress);
  else await writeImageInto(plan, path, options.offset, options.onProgress ?? ignoreProgress);
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

async function writeImageInto(plan: FatPlan, path: string, offset: number, onProgress: OnProgress): Promise<void> {
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
    await writeRegions(handle, offset, plan.regions, false, onProgress);
    await handle.sync();
  } finally {
    await handle.close();
  }
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
