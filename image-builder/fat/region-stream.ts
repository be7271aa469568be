/**
 * Streaming the bytes of a planned image in large chunks, for the FAT writer and for any other writer that
 * embeds a FAT image (the ISO writer).
 *
 * Small pieces (generated metadata, small files such as boot entries) are gathered into one staging buffer
 * and come out as one chunk, and small files are read with synchronous calls: an ESP of thousands of small
 * files would otherwise cost a thread-pool round trip per open, stat, read and close, which is ten times
 * slower than the reads themselves. Large files are read in chunks straight from their source.
 *
 * A source file must still have the size the plan reserved: a file that changed between planning and
 * writing would otherwise corrupt its neighbours or leave stale bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { UserError } from '../../lib/errors.js';
import type { FatRegion } from './regions.js';

/** 4 MiB: large enough that system calls cost nothing next to the copying, small enough to stay in cache. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Files up to this size are read synchronously into the staging buffer. */
const SMALL_FILE = 1024 * 1024;

export interface ImageChunk {
  /** Byte offset in the image. */
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface ImageChunkOptions {
  /** Leave out zero regions (a writer of a new, sparse file does not need them). Default false. */
  readonly skipZeros?: boolean;
  readonly chunkSize?: number;
}

/**
 * The image's bytes as chunks in offset order: without gaps, or with gaps exactly where zero regions are
 * when `skipZeros`. Chunks share buffers: use each one before asking for the next.
 */
export async function* readImageChunks(regions: readonly FatRegion[], options: ImageChunkOptions = {}): AsyncGenerator<ImageChunk> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const smallFile = Math.min(SMALL_FILE, chunkSize);
  const stage = new Uint8Array(chunkSize);
  let stageOffset = 0;
  let used = 0;
  const room = () => chunkSize - used;
  for (const region of regions) {
    if (region.kind === 'zero' && options.skipZeros) continue;
    if (used > 0 && stageOffset + used !== region.offset) {
      yield { offset: stageOffset, bytes: stage.subarray(0, used) };
      used = 0;
    }
    if (used === 0) stageOffset = region.offset;
    if (region.kind === 'file' && region.source.kind === 'path' && region.length > smallFile) {
      if (used > 0) yield { offset: stageOffset, bytes: stage.subarray(0, used) };
      used = 0;
      yield* readLargeFile(region, region.source.path, chunkSize);
      continue;
    }
    // Everything else is copied (or zero-filled) into the stage, flushing it whenever it is full.
    let done = 0;
    while (done < region.length) {
      if (room() === 0) {
        yield { offset: stageOffset, bytes: stage.subarray(0, used) };
        stageOffset += used;
        used = 0;
      }
      const take = Math.min(room(), region.length - done);
      if (region.kind === 'zero') stage.fill(0, used, used + take);
      else if (region.kind === 'bytes') stage.set(region.bytes.subarray(done, done + take), used);
      else if (region.source.kind === 'bytes') {
        if (region.source.bytes.length !== region.length) throw changedError(region.path, region.length, region.source.bytes.length);
        stage.set(region.source.bytes.subarray(done, done + take), used);
      } else if (take === region.length) {
        readSmallFile(region, region.source.path, stage.subarray(used, used + take));
      } else {
        // A small file straddling the stage's end: flush first so that it is read in one go.
        yield { offset: stageOffset, bytes: stage.subarray(0, used) };
        stageOffset += used;
        used = 0;
        continue;
      }
      used += take;
      done += take;
    }
  }
  if (used > 0) yield { offset: stageOffset, bytes: stage.subarray(0, used) };
}

type FileRegion = Extract<FatRegion, { kind: 'file' }>;

function readSmallFile(region: FileRegion, sourcePath: string, target: Uint8Array): void {
  let fd: number;
  try {
    fd = openSync(sourcePath, 'r');
  } catch (error) {
    throw cannotRead(region, sourcePath, error);
  }
  try {
    const actual = fstatSync(fd).size;
    if (actual !== region.length) throw changedError(`${region.path} (${sourcePath})`, region.length, actual);
    let done = 0;
    while (done < target.length) {
      const read = readSync(fd, target, done, target.length - done, done);
      if (read === 0) throw changedError(`${region.path} (${sourcePath})`, region.length, done);
      done += read;
    }
  } finally {
    closeSync(fd);
  }
}

async function* readLargeFile(region: FileRegion, sourcePath: string, chunkSize: number): AsyncGenerator<ImageChunk> {
  const handle = await open(sourcePath, 'r').catch((error: unknown) => {
    throw cannotRead(region, sourcePath, error);
  });
  try {
    const actual = (await handle.stat()).size;
    if (actual !== region.length) throw changedError(`${region.path} (${sourcePath})`, region.length, actual);
    const buffer = new Uint8Array(Math.min(chunkSize, region.length));
    let done = 0;
    while (done < region.length) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, region.length - done), done);
      if (bytesRead === 0) throw changedError(`${region.path} (${sourcePath})`, region.length, done);
      yield { offset: region.offset + done, bytes: buffer.subarray(0, bytesRead) };
      done += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function cannotRead(region: FileRegion, sourcePath: string, error: unknown): UserError {
  return new UserError(`cannot read ${sourcePath} for ${region.path} in the FAT image`, {
    cause: error,
    hint: 'the file must stay in place until the image is written',
  });
}

function changedError(what: string, planned: number, actual: number): UserError {
  return new UserError(`${what} changed while the FAT image was being made: planned ${planned} bytes, found ${actual}`, {
    hint: 'make the image again once the file is no longer being written',
  });
}
