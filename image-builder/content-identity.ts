/**
 * Which contents are identical, so that each is written once (deduplication by content). Only contents that
 * share their size with another are read and hashed (SHA-256); hard links and the same host file named twice
 * are known to be identical without reading. Reading happens here, before planning, so the planner stays pure.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { UserError } from '../lib/errors.js';
import { progressCounter, type OnProgress } from '../lib/progress.js';
import type { FileContent } from './image-tree.js';
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

export interface IdentifyOptions {
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
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
    else if (Array.isArray(found)) toHash.push(...found);
    else keys.set(found, nextKey++);
  }
  bySize.clear();

  if (toHash.length > 0) {
    const total = toHash.reduce((sum, c) => sum + sizeOf(c.content), 0);
    onProgress({ kind: 'phase', phase: 'hash', title: `Finding identical files (${toHash.length} share their size with another)`, total, unit: 'bytes' });
    const counter = progressCounter(onProgress, 'hash', total, 'bytes');
    const buffer = Buffer.allocUnsafe(HASH_CHUNK);
    const byDigest = new Map<string, number>();
    for (const candidate of toHash) {
      if (options.signal?.aborted) throw options.signal.reason;
      const digest = `${hashContent(candidate, buffer, counter.advance)}:${sizeOf(candidate.content)}`;
      let key = byDigest.get(digest);
      if (key === undefined) {
        key = nextKey++;
        byDigest.set(digest, key);
      }
      keys.set(candidate, key);
      // Let a pending Ctrl-C be seen between large files.
      if (sizeOf(candidate.content) >= HASH_CHUNK) await new Promise((resolve) => setImmediate(resolve));
    }
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

function hashContent(candidate: DedupCandidate, buffer: Buffer, advance: (bytes: number) => void): string {
  const hash = createHash('sha256');
  const content = candidate.content;
  if (content.kind === 'bytes') {
    hash.update(content.bytes);
    advance(content.bytes.length);
    return hash.digest('hex');
  }
  let fd: number;
  try {
    fd = openSync(content.path, 'r');
  } catch (error) {
    throw sourceError(describeCandidate(candidate), error);
  }
  try {
    let done = 0;
    while (done < content.size) {
      // One byte more than is left, when it fits: getting it means the file grew.
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, content.size - done + 1), done);
      if (read === 0 || read > content.size - done) throw changedError(describeCandidate(candidate));
      hash.update(buffer.subarray(0, read));
      done += read;
      advance(read);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** `subject` names the file: `image.yaml: files[2] (/src/vmlinuz)`. */
export function changedError(subject: string): UserError {
  return new UserError(`${subject}: changed while the image was being built`, { hint: 'build again once nothing writes to the sources' });
}
