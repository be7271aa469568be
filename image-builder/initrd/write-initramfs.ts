/**
 * Writes an initramfs: the planned newc archive streamed entry by entry (host files are read as they are
 * written, never held whole), through gzip from node:zlib or uncompressed, to `OUT.tmp`, renamed to `OUT`
 * when complete. Any failure removes the temporary file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UserError, errnoCode } from '../../lib/errors.js';
import { progressCounter, type OnProgress } from '../../lib/progress.js';
import { fileReadError } from '../../lib/user-file.js';
import { planInitramfs, type InitramfsEntry, type InitramfsPlan, type SourceInfo } from './archive-plan.js';
import { alignTo4, encodeNewcEntryHead, encodeNewcTrailer } from './newc.js';

export type InitramfsCompression = 'gzip' | 'none';

export interface WriteInitramfsOptions {
  /** The file to write (as `<output>.tmp` first). */
  readonly output: string;
  /** gzip (default; every kernel reads it) or none. */
  readonly compression?: InitramfsCompression;
  /** No entry is newer than this (SOURCE_DATE_EPOCH); default 1970-01-01. */
  readonly date?: Date;
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
}

export interface WrittenInitramfs {
  readonly output: string;
  readonly compression: InitramfsCompression;
  /** Entries in the archive, parents and the root included, the trailer not. */
  readonly entries: number;
  /** Bytes of the archive before compression. */
  readonly archiveSize: number;
  /** Bytes of the written file. */
  readonly size: number;
}

/** Size and mode of every host file the entries copy, read once before planning. */
export async function readSourceInfo(entries: readonly InitramfsEntry[]): Promise<Map<string, SourceInfo>> {
  const sources = new Map<string, SourceInfo>();
  for (const entry of entries) {
    if (entry.kind !== 'file' || !('source' in entry) || sources.has(entry.source)) continue;
    let info;
    try {
      info = await stat(entry.source);
    } catch (error) {
      throw fileReadError(`${entry.source} (for ${entry.path})`, error);
    }
    if (!info.isFile()) throw new UserError(`${entry.source} (for ${entry.path}) is not a regular file`, { hint: 'name a file; directories are given as directory entries' });
    sources.set(entry.source, { size: info.size, mode: info.mode });
  }
  return sources;
}

/** The archive's bytes in order, as chunks: each entry's head, its data, the padding, and the trailer. */
async function* initramfsChunks(plan: InitramfsPlan, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (const entry of plan.entries) {
    signal?.throwIfAborted();
    yield encodeNewcEntryHead({ name: entry.name, header: entry.header });
    const { content } = entry;
    if (content.kind === 'bytes') yield content.data;
    else if (content.kind === 'host') yield* hostFileChunks(content.path, content.size);
    const padding = alignTo4(entry.header.fileSize) - entry.header.fileSize;
    if (padding > 0) yield new Uint8Array(padding);
  }
  yield encodeNewcTrailer();
}

async function* hostFileChunks(path: string, size: number): AsyncGenerator<Uint8Array> {
  let read = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > size) break;
      yield chunk;
    }
  } catch (error) {
    throw fileReadError(path, error);
  }
  if (read !== size) throw new UserError(`${path}: changed while the initramfs was being written`, { hint: 'build again once nothing writes to it' });
}

/** Plans and writes an initramfs; returns what was written. */
export async function writeInitramfs(entries: readonly InitramfsEntry[], options: WriteInitramfsOptions): Promise<WrittenInitramfs> {
  const compression = options.compression ?? 'gzip';
  const onProgress = options.onProgress ?? (() => {});
  const plan = planInitramfs(entries, { date: options.date ?? new Date(0), sources: await readSourceInfo(entries) });
  const temporary = `${options.output}.tmp`;
  onProgress({ kind: 'phase', phase: 'initramfs', title: `Writing ${options.output}`, total: plan.archiveSize, unit: 'bytes' });
  const counter = progressCounter(onProgress, 'initramfs', plan.archiveSize, 'bytes');
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of initramfsChunks(plan, options.signal)) {
      counter.advance(chunk.length);
      yield chunk;
    }
  }
  try {
    const source = Readable.from(counted(), { objectMode: false });
    const sink = createWriteStream(temporary, { mode: 0o644 });
    if (compression === 'gzip') await pipeline(source, createGzip(), sink);
    else await pipeline(source, sink);
    counter.finish();
    await rename(temporary, options.output);
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof UserError || errnoCode(error) === undefined) throw error;
    throw new UserError(`cannot write ${options.output}: ${error instanceof Error ? error.message : String(error)}`, { hint: 'check that its folder exists and is writable' });
  }
  const { size } = await stat(options.output);
  return { output: options.output, compression, entries: plan.entries.length, archiveSize: plan.archiveSize, size };
}
