/**
 * Which contents are identical, so that each is written once (deduplication by content). Only contents that
 * share their size with another are read and hashed (SHA-256); hard links and the same host file named twice
 * are known to be identical without reading. Reading happens here, before planning, so the planner stays pure.
 * When there is much to hash in large files, worker threads hash on the other cores.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../lib/errors.js';
import { startModuleWorker } from '../lib/module-worker.js';
import { progressCounter, type OnProgress } from '../lib/progress.js';
import { sha256Hex } from '../system/store-hash.js';
import { hostPathOf, type FileContent } from './image-tree.js';
import { HASH_CHUNK, hashHostFile, type HashOutcome, type HashRequest } from './hash-file.js';
import { sourceError } from './scan-sources.js';

/** Something whose content may be shared: a tree file, a hidden extent or a group member read from a file. */
export interface DedupCandidate {
  readonly content: FileContent;
  readonly linkKey?: string;
  /** For messages when the file cannot be read. */
  readonly origin: string;
}

/**
 * Equal numbers mean identical bytes; the planner gives equal numbers one extent. 0 is every empty content. Only
 * contents found identical to another have a key (a few thousand of a tree's tens of thousands of files): a
 * content without one is identical to no other.
 */
export type ContentKeys = ReadonlyMap<DedupCandidate, number>;

export interface ContentIdentity {
  readonly keys: ContentKeys;
  /**
   * Sizes whose contents were left for the writer to compare as it copies them (see IdentifyOptions.deferrable):
   * host files of these sizes have no key unless the same source is named twice (hard links), and the writer
   * finds which of them are identical.
   */
  readonly deferredSizes: ReadonlySet<number>;
}

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
        fd = openSync(hostPathOf(content), 'r');
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
  /**
   * Candidates the writer may compare as it copies them, instead of their being read here first: a size below
   * DEFERRED_LIMIT whose every candidate is a host file this accepts (and every other name of the same source) is
   * not read here but given in `deferredSizes`. The writer reads such a file once, where it belongs in the image,
   * hashes it there and leaves it out when its content is already written.
   */
  readonly deferrable?: (candidate: DedupCandidate) => boolean;
}

/** Contents of fewer bytes than this can be compared by the writer (they fit its staging buffer: sequential-output.ts). */
const DEFERRED_LIMIT = 512 * 1024;

export async function identifyContents(candidates: readonly DedupCandidate[], options: IdentifyOptions = {}): Promise<ContentIdentity> {
  const onProgress = options.onProgress ?? (() => {});
  const keys = new Map<DedupCandidate, number>();
  let nextKey = 1;

  // One representative per physical source: hard links and a host file named twice need no reading.
  const representatives = new Map<string | Uint8Array, DedupCandidate>();
  const repeats: [DedupCandidate, DedupCandidate][] = [];
  /** Representatives with a name the writer may not compare (when some may be). */
  const kept = new Set<DedupCandidate>();
  const deferrable = options.deferrable;
  for (const candidate of candidates) {
    const identity = candidate.linkKey ?? (candidate.content.kind === 'host' ? hostPathOf(candidate.content) : candidate.content.bytes);
    let representative = representatives.get(identity);
    if (representative === undefined) representatives.set(identity, (representative = candidate));
    else repeats.push([candidate, representative]);
    if (deferrable !== undefined && (candidate.content.kind !== 'host' || !deferrable(candidate))) kept.add(representative);
  }
  // Representatives by size: a size nobody else has means content nobody else has.
  const bySize = new Map<number, DedupCandidate | DedupCandidate[]>();
  /** Each representative's place in the order given (path order, for a tree's files). */
  const given = new Map<DedupCandidate, number>();
  for (const candidate of representatives.values()) {
    given.set(candidate, given.size);
    const size = sizeOf(candidate.content);
    const found = bySize.get(size);
    if (found === undefined) bySize.set(size, candidate);
    else if (Array.isArray(found)) found.push(candidate);
    else bySize.set(size, [found, candidate]);
  }
  representatives.clear();
  // A content of its own gets a key only when its source is named more than once (the repeats share it).
  const repeated = new Set(repeats.map(([, representative]) => representative));
  const unique = (candidate: DedupCandidate) => {
    if (repeated.has(candidate)) keys.set(candidate, nextKey++);
  };
  const toHash: DedupCandidate[] = [];
  const deferredSizes = new Set<number>();
  for (const [size, found] of bySize) {
    if (size === 0) for (const c of [found].flat()) keys.set(c, 0);
    else if (!Array.isArray(found)) unique(found);
    else if (deferrable !== undefined && size < DEFERRED_LIMIT && found.every((c) => !kept.has(c))) {
      deferredSizes.add(size);
      for (const candidate of found) unique(candidate);
    } else if (size < SAMPLE_THRESHOLD) toHash.push(...found);
    else {
      // Large files of one size: a sample of each (its start and end) tells most apart without reading them.
      for (const group of groupBySample(found, size)) {
        if (group.length === 1) unique(group[0]!);
        else toHash.push(...group);
      }
    }
  }
  bySize.clear();
  // By size, for keying one size at a time (below).
  toHash.sort((a, b) => sizeOf(a.content) - sizeOf(b.content));
  // Read in the order given: files of one directory one after another. The same files in order of size took
  // about a third longer to open and read (40,000 files of /usr/share, 0.69 s against 0.52).
  const readOrder = toHash.map((_, index) => index).sort((a, b) => given.get(toHash[a]!)! - given.get(toHash[b]!)!);
  given.clear();

  if (toHash.length > 0) {
    const total = toHash.reduce((sum, c) => sum + sizeOf(c.content), 0);
    onProgress({ kind: 'phase', phase: 'hash', title: `Finding identical files (${toHash.length} share their size with another)`, total, unit: 'bytes' });
    const counter = progressCounter(onProgress, 'hash', total, 'bytes');
    const digests = await hashContents(toHash, readOrder, total, counter.advance, options);
    // Sorted by size: the contents that can be identical are side by side, and are keyed one size at a time.
    for (let start = 0, end = 0; start < toHash.length; start = end) {
      const size = sizeOf(toHash[start]!.content);
      const seen = new Map<string, number>();
      for (end = start; end < toHash.length && sizeOf(toHash[end]!.content) === size; end++) seen.set(digests[end]!, (seen.get(digests[end]!) ?? 0) + 1);
      const byDigest = new Map<string, number>();
      for (let index = start; index < end; index++) {
        const digest = digests[index]!;
        if (seen.get(digest) === 1) {
          unique(toHash[index]!);
          continue;
        }
        let key = byDigest.get(digest);
        if (key === undefined) {
          key = nextKey++;
          byDigest.set(digest, key);
        }
        keys.set(toHash[index]!, key);
      }
    }
    counter.finish();
  }
  for (const [candidate, representative] of repeats) keys.set(candidate, keys.get(representative)!);
  return { keys, deferredSizes };
}

function sizeOf(content: FileContent): number {
  return content.kind === 'host' ? content.size : content.bytes.length;
}

/** `image.yaml: files[2] (/src/vmlinuz)`: a candidate's origin with its host path, for messages. */
function describeCandidate(candidate: DedupCandidate): string {
  return candidate.content.kind === 'host' ? `${candidate.origin} (${hostPathOf(candidate.content)})` : candidate.origin;
}

/** The hashing worker's module: beside this one, with this module's own extension (.js in dist/, .ts from source). */
const HASH_WORKER_URL = new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/** Below this much to hash (or with one core), hashing stays on the main thread: workers cost time and memory to start. */
const PARALLEL_HASH_BYTES = 256 * 1024 * 1024;
const PARALLEL_HASH_MIN_AVERAGE = 1024 * 1024;

/** The digests of `candidates`, read in `order` (indexes into them). */
async function hashContents(
  candidates: readonly DedupCandidate[],
  order: readonly number[],
  total: number,
  advance: (bytes: number) => void,
  options: IdentifyOptions,
): Promise<string[]> {
  const signal = options.signal;
  const parallel = options.parallel ?? { bytes: PARALLEL_HASH_BYTES, averageBytes: PARALLEL_HASH_MIN_AVERAGE };
  const outcomes = new Array<HashOutcome>(candidates.length);
  const hostIndexes: number[] = [];
  for (const index of order) {
    const candidate = candidates[index]!;
    if (candidate.content.kind === 'bytes') {
      outcomes[index] = { digest: sha256Hex(candidate.content.bytes) };
      advance(candidate.content.bytes.length);
    } else {
      hostIndexes.push(index);
    }
  }
  const workers = Math.min(availableParallelism(), 3);
  if (workers >= 2 && total >= parallel.bytes && total / candidates.length >= parallel.averageBytes) {
    await hashInWorkers(candidates, hostIndexes, outcomes, workers, advance, signal);
  } else {
    const buffer = Buffer.allocUnsafe(HASH_CHUNK);
    for (const index of hostIndexes) {
      if (signal?.aborted) throw signal.reason;
      const content = candidates[index]!.content as Extract<FileContent, { kind: 'host' }>;
      const outcome = hashHostFile({ path: hostPathOf(content), size: content.size }, buffer, advance);
      outcomes[index] = outcome;
      // Let a pending Ctrl-C be seen between large files.
      if (content.size >= HASH_CHUNK) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return outcomes.map((outcome, index) => {
    if ('changed' in outcome) throw changedError(describeCandidate(candidates[index]!));
    if ('error' in outcome) throw sourceError(describeCandidate(candidates[index]!), Object.assign(new Error(outcome.error.message), outcome.error));
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
  const pool = Array.from({ length: count }, () => startModuleWorker(HASH_WORKER_URL));
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
            const batch: HashRequest[] = [{ path: hostPathOf(content), size: content.size }];
            worker.postMessage(batch);
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
