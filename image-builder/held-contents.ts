/**
 * The bytes of small host files, kept from when they were read to find identical contents until the writer
 * copies them into the image, so that they are not opened and read a second time. For a tree of many small
 * files, those opens and reads are much of the build's time. What is kept is bounded: files up to
 * `fileLimit` bytes, in slabs, up to `budget` bytes in all, counting ENTRY_COST bytes more per file for its place
 * in the map (so tiny files cannot make it grow past the budget); other files are read again when written.
 * Each content is handed out once (the writer writes each content once), and forgotten then.
 */
import type { FileContent } from './image-tree.js';

type HostContent = Extract<FileContent, { kind: 'host' }>;

/** Files up to this size are kept, while the budget lasts. */
const HELD_FILE_LIMIT = 16 * 1024;
/** At most this many bytes are kept in all. */
const HELD_BUDGET = 8 * 1024 * 1024;
/** Kept bytes are copied into slabs of this size, allocated as they are needed. */
const SLAB_SIZE = 1024 * 1024;
/** What a kept file costs beside its bytes (its map entry), counted against the budget. */
const ENTRY_COST = 64;

export class HeldContents {
  private readonly slabs: Buffer[] = [];
  private slabUsed = SLAB_SIZE;
  /** Bytes kept, and ENTRY_COST for each file. */
  private spent = 0;
  /** Where each kept content starts: slab index * SLAB_SIZE + offset (a small integer, cheap to keep). */
  private readonly places = new Map<HostContent, number>();

  constructor(
    private readonly budget = HELD_BUDGET,
    readonly fileLimit = Math.min(HELD_FILE_LIMIT, SLAB_SIZE),
  ) {}

  /**
   * How many contents of these sizes (ascending) the budget can keep, smallest first: the finder of identical
   * contents, which reads files in another order, offers only those to keep().
   */
  countKeepable(sizes: readonly number[]): number {
    let spent = 0;
    let count = 0;
    for (const size of sizes) {
      if (!this.fits(spent, size)) break;
      spent += size + ENTRY_COST;
      count++;
    }
    return count;
  }

  /** Whether a content of `size` bytes is small enough, and within the budget once `spent` is spent. */
  private fits(spent: number, size: number): boolean {
    return size <= this.fileLimit && spent + size + ENTRY_COST <= this.budget;
  }

  /** Keeps a copy of `bytes`, the whole content of `content`, if it is small enough and the budget allows. */
  keep(content: HostContent, bytes: Uint8Array): void {
    if (bytes.length === 0 || bytes.length !== content.size || !this.fits(this.spent, bytes.length)) return;
    if (this.slabUsed + bytes.length > SLAB_SIZE) {
      if ((this.slabs.length + 1) * SLAB_SIZE > this.budget) return;
      this.slabs.push(Buffer.allocUnsafe(SLAB_SIZE));
      this.slabUsed = 0;
    }
    const slab = this.slabs.length - 1;
    this.slabs[slab]!.set(bytes, this.slabUsed);
    this.places.set(content, slab * SLAB_SIZE + this.slabUsed);
    this.slabUsed += bytes.length;
    this.spent += bytes.length + ENTRY_COST;
  }

  /** The kept bytes of `content` (a view into a slab), or undefined when they were not kept; a second take finds nothing. */
  take(content: HostContent): Uint8Array | undefined {
    const place = this.places.get(content);
    if (place === undefined) return undefined;
    this.places.delete(content);
    const slab = this.slabs[Math.floor(place / SLAB_SIZE)]!;
    const offset = place % SLAB_SIZE;
    return slab.subarray(offset, offset + content.size);
  }
}
