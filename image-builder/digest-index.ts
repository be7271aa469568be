/**
 * Where each content already written is, by its size and SHA-256 digest: what the writer looks a file up in when
 * it finds identical contents as it copies them (write-image.ts). Tens of thousands of small files pass through it
 * while the plan is held, so it keeps them in typed arrays, about 50 bytes each (up to twice that, as it doubles
 * when full), and no object per entry: an open-addressing table of entry numbers over columns of sizes, places and
 * digests. Sizes and places are whole numbers below 2^32.
 */

const DIGEST_BYTES = 32;
const EMPTY = -1;

export class DigestIndex {
  private count = 0;
  private sizes: Uint32Array;
  private places: Uint32Array;
  private digests: Uint8Array;
  /** Entry numbers by hash, EMPTY where free; twice as many slots as entries at most. */
  private slots: Int32Array;

  constructor(capacity = 1024) {
    const entries = Math.max(16, capacity);
    this.sizes = new Uint32Array(entries);
    this.places = new Uint32Array(entries);
    this.digests = new Uint8Array(entries * DIGEST_BYTES);
    this.slots = new Int32Array(slotsFor(entries)).fill(EMPTY);
  }

  get size(): number {
    return this.count;
  }

  /** The place given with the content of `size` bytes and this digest, or undefined when none was added. */
  get(size: number, digest: Uint8Array): number | undefined {
    const entry = this.slots[this.find(size, digest)]!;
    return entry === EMPTY ? undefined : this.places[entry];
  }

  /** Remembers where the content of `size` bytes and this digest is; a content already known keeps its first place. */
  add(size: number, digest: Uint8Array, place: number): void {
    if (digest.length !== DIGEST_BYTES) throw new Error(`a SHA-256 digest is ${DIGEST_BYTES} bytes, got ${digest.length}`);
    if (!isUint32(size) || !isUint32(place)) throw new Error(`size ${size} and place ${place} must be whole numbers below 2^32`);
    let slot = this.find(size, digest);
    if (this.slots[slot] !== EMPTY) return;
    if (this.count === this.sizes.length) {
      this.grow();
      slot = this.find(size, digest);
    }
    const entry = this.count++;
    this.sizes[entry] = size;
    this.places[entry] = place;
    this.digests.set(digest, entry * DIGEST_BYTES);
    this.slots[slot] = entry;
  }

  /** The slot of this content, or the free slot where it would go (linear probing). */
  private find(size: number, digest: Uint8Array): number {
    const mask = this.slots.length - 1;
    // The digest's first four bytes are as good a hash as any; the size mixed in for contents that differ only in it.
    let slot = ((digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) ^ Math.imul(size, 0x9e3779b1)) & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === EMPTY || (this.sizes[entry] === size && this.sameDigest(entry, digest))) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private sameDigest(entry: number, digest: Uint8Array): boolean {
    const offset = entry * DIGEST_BYTES;
    for (let i = 0; i < DIGEST_BYTES; i++) if (this.digests[offset + i] !== digest[i]) return false;
    return true;
  }

  private grow(): void {
    const entries = this.sizes.length * 2;
    const sizes = new Uint32Array(entries);
    sizes.set(this.sizes);
    const places = new Uint32Array(entries);
    places.set(this.places);
    const digests = new Uint8Array(entries * DIGEST_BYTES);
    digests.set(this.digests);
    this.sizes = sizes;
    this.places = places;
    this.digests = digests;
    this.slots = new Int32Array(slotsFor(entries)).fill(EMPTY);
    const count = this.count;
    for (let entry = 0; entry < count; entry++) {
      this.slots[this.find(this.sizes[entry]!, this.digests.subarray(entry * DIGEST_BYTES, (entry + 1) * DIGEST_BYTES))] = entry;
    }
  }
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < 2 ** 32;
}

/** A power of two at least twice `entries`. */
function slotsFor(entries: number): number {
  return 2 ** Math.ceil(Math.log2(entries * 2));
}
