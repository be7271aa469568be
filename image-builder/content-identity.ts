/**
 * Which contents are identical, so that each is written once (deduplication by content). Only contents that
 * share their size with another are read and hashed (SHA-256); hard links and the same host file named twice
 * are known to be identical without reading. Reading happens here, before planning, so the planner stays pure.
 * When there is much to hash in large files, worker threads hash on the other cores.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../lib/errors.js';
import { progressCounter, type OnProgress } from '../lib/progress.js';
import type { FileContent } from './file-content.js';
import { sha256Hex } from '../system/store-hash.js';
import { sourceError } from './scan-sources.js';

/** Something whose content may be shared: a tree file, a hidden extent or a group member read from a file. */
export interface DedupCandidate {
  readonly content: FileContent;
  readonly linkKey?: string;
  /** For messages when the file cannot be read. */
  readonly origin: string;
}

/** Equal numbers mean identical bytes; the planner gives equal numbers one extent. 0 is every empty content. */
export type ContentKeys = ReadonlyMap<DedupCandidate, number>;

const HASH_CHUNK = 4 * 1024 * 1024;
/** Same-size files at least this large are first compared by a sample; smaller ones are simply hashed. */
const SAMPLE_THRESHOLD = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;

/** Splits same-size candidates by a hash of their first and last 64 KiB (files that differ there differ). */
function groupBySample(candidates: readonly DedupCandidate[], size: number): DedupCandidate[][] {
  const groups = new Map<string, DedupCandidate[]>();
  const buffer = Buffer.alloc(SAMPLE_BYTES);
  for (const candidate of candidates) {
    const hash = createHash('sha256');
    const content = candidate.content;
    if (content.kind === 'bytes') {
      hash.update(content.bytes.subarray(0, SAMPLE_BYTES)).update(content.bytes.subarray(Math.max(0, size - SAMPLE_BYTES)));
    } else {
      let fd: number | undefined;
      try {
        fd = openSync(content.path, 'r');
        if (fstatSync(fd).size !== size) throw changedError(describeCandidate(candidate));
        for (const position of [0, Math.max(0, size - SAMPLE_BYTES)]) {
          const read = readSync(fd, buffer, 0, SAMPLE_BYTES, position);
          hash.update(buffer.subarray(0, read));
        }
      } catch (error) {
        if (error instanceof UserError) throw error;
        throw sourceError(describeCandidate(candidate), error);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    const sample = hash.digest('hex');
    const group = groups.get(sample);
    if (group === undefined) groups.set(sample, [candidate]);
    else group.push(candidate);
  }
  return [...groups.values()];
}

export interface IdentifyOptions {
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
  /** When hashing moves to worker threads: at least this many bytes in all, of at least this average size. */
  readonly parallel?: { readonly bytes: number; readonly averageBytes: number };
}

export async function identifyContents(candidates: readonly DedupCandidate[], options: IdentifyOptions = {}): Promise<ContentKeys> {
  const onProgress = options.onProgress ?? (() => {});
  const keys = new Map<DedupCandidate, number>();
  let nextKey = 1;

  // One representative per physical source: hard links and a host file named twice need no reading.
  const representatives = new Map<string | Uint8Array, DedupCandidate>();
  const repeats: [DedupCandidate, DedupCandidate][] = [];
  for (const candidate of candidates) {
    const identity = candidate.linkKey ?? (candidate.content.kind === 'host' ? candidate.content.path : candidate.content.bytes);
    const representative = representatives.get(identity);
    if (representative === undefined) representatives.set(identity, candidate);
    else repeats.push([candidate, representative]);
  }
  // Representatives by size: a size nobody else has means content nobody else has.
  const bySize = new Map<number, DedupCandidate | DedupCandidate[]>();
  for (const candidate of representatives.values()) {
    const size = sizeOf(candidate.content);
    const found = bySize.get(size);
    if (found === undefined) bySize.set(size, candidate);
    else if (Array.isArray(found)) found.push(candidate);
    else bySize.set(size, [found, candidate]);
  }
  representatives.clear();
  const toHash: DedupCandidate[] = [];
  for (const [size, found] of bySize) {
    if (size === 0) for (const c of [found].flat()) keys.set(c, 0);
    else if (!Array.isArray(found)) keys.set(found, nextKey++);
    else if (size < SAMPLE_THRESHOLD) toHash.push(...found);
    else {
      // Large files of one size: a sample of each (its start and end) tells most apart without reading them.
      for (const group of groupBySample(found, size)) {
        if (group.length === 1) keys.set(group[0]!, nextKey++);
        else toHash.push(...group);
      }
    }
  }
  bySize.clear();

  if (toHash.length > 0) {
    const total = toHash.reduce((sum, c) => sum + sizeOf(c.content), 0);
    onProgress({ kind: 'phase', phase: 'hash', title: `Finding identical files (${toHash.length} share their size with another)`, total, unit: 'bytes' });
    const counter = progressCounter(onProgress, 'hash', total, 'bytes');
    const digests = await hashContents(toHash, total, counter.advance, options);
    const byDigest = new Map<string, number>();
    toHash.forEach((candidate, index) => {
      const digest = `${digests[index]}:${sizeOf(candidate.content)}`;
      let key = byDigest.get(digest);
      if (key === undefined) {
        key = nextKey++;
        byDigest.set(digest, key);
      }
      keys.set(candidate, key);
    });
    counter.finish();
  }
  for (const [candidate, representative] of repeats) keys.set(candidate, keys.get(representative)!);
  return keys;
}

function sizeOf(content: FileContent): number {
  return content.kind === 'host' ? content.size : content.bytes.length;
}

/** `image.yaml: files[2] (/src/vmlinuz)`: a candidate's origin with its host path, for messages. */
export function describeCandidate(candidate: DedupCandidate): string {
  return candidate.content.kind === 'host' ? `${candidate.origin} (${candidate.content.path})` : candidate.origin;
}

/** What hashing one host file gave: its digest, or why it could not be read. */
type HashOutcome = { readonly digest: string } | { readonly error: { readonly code?: string; readonly message: string } } | { readonly changed: true };

/**
 * Hashes one host file in chunks through `buffer`. Written without imports from outside so that the same
 * source runs in worker threads (see HASH_WORKER_SOURCE).
 */
function hashHostFile(
  path: string,
  size: number,
  buffer: Buffer,
  fs: Pick<typeof import('node:fs'), 'openSync' | 'readSync' | 'closeSync'>,
  createHashOf: typeof createHash,
  advance: (bytes: number) => void,
): HashOutcome {
  const hash = createHashOf('sha256');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { error: { ...(e.code === undefined ? {} : { code: e.code }), message: e.message } };
  }
  try {
    let done = 0;
    while (done < size) {
      // One byte more than is left, when it fits: getting it means the file grew.
      const read = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - done + 1), done);
      if (read === 0 || read > size - done) return { changed: true };
      hash.update(buffer.subarray(0, read));
      done += read;
      advance(read);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return { error: { ...(e.code === undefined ? {} : { code: e.code }), message: e.message } };
  } finally {
    fs.closeSync(fd);
  }
  return { digest: hash.digest('hex') };
}

/** A worker thread hashing batches of files; its code is hashHostFile's own source. */
const HASH_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const hashHostFile = ${hashHostFile.toString()};
const buffer = Buffer.allocUnsafe(${HASH_CHUNK});
parentPort.on('message', (batch) => {
  parentPort.postMessage(batch.map(({ path, size }) => hashHostFile(path, size, buffer, fs, createHash, () => {})));
});
`;

/** Below this much to hash (or with one core), hashing stays on the main thread: workers cost time and memory to start. */
const PARALLEL_HASH_BYTES = 256 * 1024 * 1024;
const PARALLEL_HASH_MIN_AVERAGE = 1024 * 1024;

async function hashContents(candidates: readonly DedupCandidate[], total: number, advance: (bytes: number) => void, options: IdentifyOptions): Promise<string[]> {
  const signal = options.signal;
  const parallel = options.parallel ?? { bytes: PARALLEL_HASH_BYTES, averageBytes: PARALLEL_HASH_MIN_AVERAGE };
  const outcomes: HashOutcome[] = new Array(candidates.length);
  const hostIndexes: number[] = [];
  candidates.forEach((candidate, index) => {
    if (candidate.content.kind === 'bytes') {
      outcomes[index] = { digest: sha256Hex(candidate.content.bytes) };
      advance(candidate.content.bytes.length);
    } else {
      hostIndexes.push(index);
    }
  });
  const workers = Math.min(availableParallelism(), 3);
  if (workers >= 2 && total >= parallel.bytes && total / candidates.length >= parallel.averageBytes) {
    await hashInWorkers(candidates, hostIndexes, outcomes, workers, advance, signal);
  } else {
    const buffer = Buffer.allocUnsafe(HASH_CHUNK);
    for (const index of hostIndexes) {
      if (signal?.aborted) throw signal.reason;
      const content = candidates[index]!.content as Extract<FileContent, { kind: 'host' }>;
      outcomes[index] = hashHostFile(content.path, content.size, buffer, { openSync, readSync, closeSync }, createHash, advance);
      // Let a pending Ctrl-C be seen between large files.
      if (content.size >= HASH_CHUNK) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return outcomes.map((outcome, index) => {
    const subject = describeCandidate(candidates[index]!);
    if ('changed' in outcome) throw changedError(subject);
    if ('error' in outcome) throw sourceError(subject, Object.assign(new Error(outcome.error.message), outcome.error));
    return outcome.digest;
  });
}

/** Large files hashed on several cores, a file at a time per worker. */
async function hashInWorkers(
  candidates: readonly DedupCandidate[],
  indexes: readonly number[],
  outcomes: HashOutcome[],
  count: number,
  advance: (bytes: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const pool = Array.from({ length: count }, () => new Worker(HASH_WORKER_SOURCE, { eval: true }));
  let next = 0;
  try {
    await Promise.all(
      pool.map(async (worker) => {
        while (next < indexes.length) {
          if (signal?.aborted) throw signal.reason;
          const index = indexes[next++]!;
          const content = candidates[index]!.content as Extract<FileContent, { kind: 'host' }>;
          const [outcome] = await new Promise<HashOutcome[]>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage([{ path: content.path, size: content.size }]);
          });
          worker.removeAllListeners('error');
          outcomes[index] = outcome!;
          advance(content.size);
        }
      }),
    );
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}

/** `subject` names the file: `image.yaml: files[2] (/src/vmlinuz)`. */
export function changedError(subject: string): UserError {
  return new UserError(`${subject}: changed while the image was being built`, { hint: 'build again once nothing writes to the sources' });
}
