/**
 * Writes an image front to back through two staging buffers: while one is being written by the thread pool,
 * the next is filled (file contents are read straight into it). Memory stays at the two buffers whatever the
 * image size; writes are large and sequential. A buffer goes to be written when it is full, or when a piece
 * (a file, a directory) ends with at least FLUSH_AT bytes in it: so many small files go out in writes of a few
 * hundred KiB, whose bytes are still in the processor's cache. The buffers are 1 MiB: on the 2-core test
 * machine, writes of 4 MiB into the page cache took 5 to 15 times as long now and then (`dd bs=4M` of a 1 GiB
 * file: 0.17 s or 1.4 to 2.7 s; `bs=1M`: 0.17 to 0.21 s every time), and the 1 GiB build took 0.57-0.60 s with
 * 1 MiB buffers against 0.56-0.94 s with 4 MiB. A buffer of nothing but zeros is not written at all: the output
 * gets a hole there (the file is a fresh one, and its length is set at the end), so sparse sources and padding
 * cost no disk space.
 */
import { closeSync, ftruncate, openSync, readSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { changedError } from './content-identity.js';
import { sourceError } from './scan-sources.js';

const writeAsync = promisify(write);
const ftruncateAsync = promisify(ftruncate);

const STAGING_BUFFER_SIZE = 1024 * 1024;
const FLUSH_AT = 256 * 1024;

export class SequentialOutput {
  private readonly buffers: [Buffer, Buffer];
  private current: 0 | 1 = 0;
  private filled = 0;
  private pending: Promise<unknown> | undefined;
  private written = 0;

  constructor(
    private readonly fd: number,
    /** Called with the number of bytes each time a buffer has been written (or found to be all zeros). */
    private readonly onFlush: (bytes: number) => void = () => {},
    private readonly signal?: AbortSignal,
    bufferSize = STAGING_BUFFER_SIZE,
    private readonly flushAt = FLUSH_AT,
  ) {
    this.buffers = [Buffer.alloc(bufferSize), Buffer.alloc(bufferSize)];
  }

  /** Where the next byte goes: bytes handed over so far (written or staged), from where the last moveTo() put the output. */
  get position(): number {
    return this.written + this.filled;
  }

  /** Sends what is staged to be written, then goes on at byte `position` of the output (before or after where it was). */
  async moveTo(position: number): Promise<void> {
    await this.rotate();
    this.written = position;
  }

  /*
   * bytes(), zeros() and file() return a promise only when they had to wait for a write (a buffer filled up,
   * or a piece ended with FLUSH_AT bytes staged), and undefined when the bytes were only staged: the caller
   * waits only then, so the thousands of small files between two writes cost no promise each.
   */

  /** Stages `data`; a promise to wait for before staging more, or undefined. */
  bytes(data: Uint8Array): Promise<void> | undefined {
    const buffer = this.buffers[this.current];
    if (data.length >= buffer.length - this.filled) return this.bytesAcrossBuffers(data);
    buffer.set(data, this.filled);
    this.filled += data.length;
    return this.endPiece();
  }

  /** Stages `count` zero bytes; a promise to wait for before staging more, or undefined. */
  zeros(count: number): Promise<void> | undefined {
    const buffer = this.buffers[this.current];
    if (count >= buffer.length - this.filled) return this.zerosAcrossBuffers(count);
    buffer.fill(0, this.filled, this.filled + count);
    this.filled += count;
    return undefined;
  }

  /**
   * Stages the `size` bytes of a host file, checking that it still has that size; a promise to wait for
   * before staging more, or undefined. `origin` names it in messages, followed by the path.
   */
  file(path: string, size: number, origin: string): Promise<void> | undefined {
    const buffer = this.buffers[this.current];
    // With room for one byte more than the file, it is read without a write in between.
    if (size >= buffer.length - this.filled) return this.fileAcrossBuffers(path, size, origin);
    this.stageWhole(path, size, origin);
    return this.endPiece();
  }

  /**
   * Stages a host file of fewer bytes than a buffer holds, as file() does, in one piece: first sending what is staged
   * to be written when the file would not fit after it. Gives the staged bytes, to look at before the next call:
   * unstage() takes them back. Unlike file(), it never sends the buffer to be written after the file; endPiece() does.
   */
  stageFile(path: string, size: number, origin: string): Uint8Array | Promise<Uint8Array> {
    const buffer = this.buffers[this.current];
    if (size >= buffer.length) throw new Error(`stageFile: ${size} bytes do not fit a ${buffer.length}-byte buffer`);
    if (size >= buffer.length - this.filled) return this.rotate().then(() => this.stageFile(path, size, origin));
    const start = this.filled;
    this.stageWhole(path, size, origin);
    return buffer.subarray(start, start + size);
  }

  /** Takes back the last `count` bytes staged (the file stageFile() has just staged). */
  unstage(count: number): void {
    if (count > this.filled) throw new Error(`unstage: ${count} bytes asked back, ${this.filled} are staged`);
    this.filled -= count;
  }

  /** The end of a piece (what bytes() and file() do after staging one): sends the buffer to be written once FLUSH_AT bytes are in it. */
  endPiece(): Promise<void> | undefined {
    return this.filled >= this.flushAt ? this.rotate() : undefined;
  }

  /** Reads a host file that fits the current buffer after what is staged (one byte to spare) into it. */
  private stageWhole(path: string, size: number, origin: string): void {
    const fd = openSource(path, origin);
    try {
      this.readStaged(fd, 0, size, `${origin} (${path})`);
    } finally {
      closeSync(fd);
    }
  }

  private async bytesAcrossBuffers(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.length) {
      const buffer = this.buffers[this.current];
      const take = Math.min(data.length - offset, buffer.length - this.filled);
      buffer.set(data.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === buffer.length) await this.rotate();
    }
    if (this.filled >= this.flushAt) await this.rotate();
  }

  private async zerosAcrossBuffers(count: number): Promise<void> {
    let left = count;
    while (left > 0) {
      const buffer = this.buffers[this.current];
      const take = Math.min(left, buffer.length - this.filled);
      buffer.fill(0, this.filled, this.filled + take);
      this.filled += take;
      left -= take;
      if (this.filled === buffer.length) await this.rotate();
    }
  }

  private async fileAcrossBuffers(path: string, size: number, origin: string): Promise<void> {
    const fd = openSource(path, origin);
    try {
      let done = 0;
      while (done < size) {
        done = this.readStaged(fd, done, size, `${origin} (${path})`);
        if (this.filled === this.buffers[this.current].length) await this.rotate();
      }
    } finally {
      closeSync(fd);
    }
    if (this.filled >= this.flushAt) await this.rotate();
  }

  /**
   * Reads a file open at `fd` from byte `done` into the current buffer until the file's `size` bytes are in or
   * the buffer is full; returns how far it got. It asks for one byte more than is left, when there is room:
   * getting it means the file grew (that byte is overwritten by what comes next); a file that shrank returns 0
   * early. Either is an error naming `described`.
   */
  private readStaged(fd: number, done: number, size: number, described: string): number {
    const buffer = this.buffers[this.current];
    while (done < size && this.filled < buffer.length) {
      const read = readSync(fd, buffer, this.filled, Math.min(size - done + 1, buffer.length - this.filled), done);
      if (read === 0 || read > size - done) throw changedError(described);
      this.filled += read;
      done += read;
    }
    return done;
  }

  /**
   * Writes what is staged, waits for every write to finish and sets the file's length (a final hole counts): where
   * the output is, or `length` when it was moved back to fill in an earlier part.
   */
  async finish(length = this.written + this.filled): Promise<void> {
    await this.rotate();
    await this.pending;
    this.pending = undefined;
    await ftruncateAsync(this.fd, length);
  }

  /** After a failure: waits for the write in flight, ignoring its outcome, so nothing is left running. */
  async abandon(): Promise<void> {
    await this.pending?.catch(() => {});
    this.pending = undefined;
  }

  /** Starts writing the full buffer and switches to the other one (once its own write has finished). */
  private async rotate(): Promise<void> {
    const buffer = this.buffers[this.current];
    const length = this.filled;
    const position = this.written;
    await this.pending;
    if (this.signal?.aborted) throw this.signal.reason;
    if (length === 0) {
      this.pending = undefined;
    } else if (isAllZeros(buffer, length)) {
      // Nothing to write, but let the event loop run (a Ctrl-C must be seen while holes go by).
      this.pending = new Promise((resolve) => setImmediate(resolve)).then(() => this.onFlush(length));
    } else {
      this.pending = writeFully(this.fd, buffer, length, position).then(() => this.onFlush(length));
    }
    this.written += length;
    this.filled = 0;
    this.current = this.current === 0 ? 1 : 0;
  }
}

/** Zeros to compare staged bytes with, a piece at a time (a data buffer differs within its first piece). */
const ZEROS = Buffer.alloc(64 * 1024);

function isAllZeros(buffer: Buffer, length: number): boolean {
  for (let offset = 0; offset < length; offset += ZEROS.length) {
    const end = Math.min(length, offset + ZEROS.length);
    if (buffer.compare(ZEROS, 0, end - offset, offset, end) !== 0) return false;
  }
  return true;
}

function openSource(path: string, origin: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw sourceError(`${origin} (${path})`, error);
  }
}

async function writeFully(fd: number, buffer: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await writeAsync(fd, buffer, done, length - done, position + done);
    done += bytesWritten;
  }
}
