/**
 * The file allocation table: one entry per cluster, 12, 16 or 32 bits wide, little-endian. Entry N holds
 * the number of the cluster after N in its file (a chain), an end-of-chain mark, 0 for a free cluster.
 * Entries 0 and 1 are reserved: entry 0 repeats the media byte, entry 1 is an end-of-chain mark whose top
 * bits on FAT16/32 say "cleanly unmounted, no I/O errors".
 *
 * FAT12 packs two entries in three bytes: entry N starts at byte N * 3 / 2, and odd entries use the high
 * 12 bits of the 16-bit word there.
 */

export type FatType = 12 | 16 | 32;

export const FAT_ENTRY = {
  free: 0,
  /** End-of-chain marks as mkfs.fat and mtools write them. */
  endOfChain: { 12: 0xfff, 16: 0xffff, 32: 0x0fffffff },
  /** Values from here up end a chain. */
  endOfChainMinimum: { 12: 0xff8, 16: 0xfff8, 32: 0x0ffffff8 },
  bad: { 12: 0xff7, 16: 0xfff7, 32: 0x0ffffff7 },
  /** FAT32 entries are 28 bits; the top four are reserved and kept as found. */
  fat32Mask: 0x0fffffff,
} as const;

/** Bytes a FAT of `entryCount` entries takes (before rounding up to sectors). */
export function fatByteLength(type: FatType, entryCount: number): number {
  return type === 12 ? Math.ceil((entryCount * 3) / 2) : (entryCount * type) / 8;
}

/** Entry 0 for a medium: the media byte with every other bit set. */
export function fatMediaEntry(type: FatType, media: number): number {
  return type === 12 ? 0xf00 | media : type === 16 ? 0xff00 | media : 0x0fffff00 | media;
}

export function encodeFat(type: FatType, entries: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(fatByteLength(type, entries.length));
  const view = new DataView(bytes.buffer);
  for (let n = 0; n < entries.length; n++) {
    const value = entries[n]!;
    if (type === 32) view.setUint32(n * 4, value >>> 0, true);
    else if (type === 16) view.setUint16(n * 2, value & 0xffff, true);
    else {
      const at = (n * 3) >> 1;
      const twelve = value & 0xfff;
      if ((n & 1) === 0) {
        bytes[at] = twelve & 0xff;
        bytes[at + 1] = (bytes[at + 1]! & 0xf0) | (twelve >> 8);
      } else {
        bytes[at] = (bytes[at]! & 0x0f) | ((twelve & 0x0f) << 4);
        bytes[at + 1] = twelve >> 4;
      }
    }
  }
  return bytes;
}

/** The first `entryCount` entries of a FAT stored at `offset`. */
export function decodeFat(type: FatType, bytes: Uint8Array, offset: number, entryCount: number): Uint32Array {
  const length = fatByteLength(type, entryCount);
  if (bytes.length - offset < length) throw new RangeError(`a FAT${type} of ${entryCount} entries needs ${length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const entries = new Uint32Array(entryCount);
  for (let n = 0; n < entryCount; n++) {
    if (type === 32) entries[n] = view.getUint32(n * 4, true);
    else if (type === 16) entries[n] = view.getUint16(n * 2, true);
    else {
      const at = (n * 3) >> 1;
      const word = view.getUint8(at) | ((at + 1 < length ? view.getUint8(at + 1) : 0) << 8);
      entries[n] = (n & 1) === 0 ? word & 0xfff : word >> 4;
    }
  }
  return entries;
}

/** Whether a (masked) entry value ends a chain. */
export function isEndOfChain(type: FatType, value: number): boolean {
  const masked = type === 32 ? value & FAT_ENTRY.fat32Mask : value;
  return masked >= FAT_ENTRY.endOfChainMinimum[type];
}
