/**
 * SHA-256 of a host file, read in chunks, that must still have the size it had when the sources were scanned.
 * content-identity.ts calls it on the main thread, and the hashing workers (hash-worker.ts) call it for large
 * files; so it reports what went wrong as a value, which a worker can post back.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/** The size of the buffer a file is read through. */
export const HASH_CHUNK = 1024 * 1024;

/** A file to hash, as the main thread sends it to a worker. */
export interface HashRequest {
  readonly path: string;
  readonly size: number;
}

/** What hashing one host file gave: its digest, or why it could not be read. */
export type HashOutcome = { readonly digest: string } | { readonly error: { readonly code?: string; readonly message: string } } | { readonly changed: true };

/** Hashes `path` through `buffer`, calling `advance` with the bytes read after each chunk. */
export function hashHostFile({ path, size }: HashRequest, buffer: Buffer, advance: (bytes: number) => void = () => {}): HashOutcome {
  const hash = createHash('sha256');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    return failure(error);
  }
  try {
    let done = 0;
    while (done < size) {
      // One byte more than is left, when it fits: getting it means the file grew.
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, size - done + 1), done);
      if (read === 0 || read > size - done) return { changed: true };
      hash.update(buffer.subarray(0, read));
      done += read;
      advance(read);
    }
  } catch (error) {
    return failure(error);
  } finally {
    closeSync(fd);
  }
  return { digest: hash.digest('hex') };
}

function failure(error: unknown): HashOutcome {
  const e = error as NodeJS.ErrnoException;
  return { error: { ...(e.code === undefined ? {} : { code: e.code }), message: e.message } };
}
