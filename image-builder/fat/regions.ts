/**
 * A FAT image described as an ordered list of byte regions that cover it exactly: bytes Cairn generated
 * (boot sector, FATs, directories), the contents of files (a source on disk or bytes in memory), and runs
 * of zeros. A writer streams the list to a file; the ISO writer streams the same list into an ISO, so the
 * image never has to exist as a whole in memory or on disk.
 */
import type { FatFileSource } from './tree.js';

export type FatRegion =
  /** Generated metadata. */
  | { readonly kind: 'bytes'; readonly offset: number; readonly length: number; readonly bytes: Uint8Array }
  /** A file's contents: `length` bytes of `source`, which is the file `path` of the image. */
  | { readonly kind: 'file'; readonly offset: number; readonly length: number; readonly source: FatFileSource; readonly path: string }
  /** Zeros: unused space, the end of a partly filled cluster, free clusters. */
  | { readonly kind: 'zero'; readonly offset: number; readonly length: number };

/** A region to place, before the gaps between them are filled. */
export type FatRegionPiece = Exclude<FatRegion, { kind: 'zero' }>;

/**
 * The regions of an image of `size` bytes: the pieces in offset order with zero regions in every gap.
 * Empty pieces are dropped; overlapping pieces are a bug in the planner and throw.
 */
export function assembleRegions(pieces: readonly FatRegionPiece[], size: number): FatRegion[] {
  const sorted = pieces.filter((p) => p.length > 0).sort((a, b) => a.offset - b.offset);
  const regions: FatRegion[] = [];
  let position = 0;
  for (const piece of sorted) {
    if (piece.offset < position) throw new RangeError(`FAT regions overlap at byte ${piece.offset}`);
    if (piece.offset > position) regions.push({ kind: 'zero', offset: position, length: piece.offset - position });
    regions.push(piece);
    position = piece.offset + piece.length;
  }
  if (position > size) throw new RangeError(`FAT regions end at byte ${position}, after the image's ${size} bytes`);
  if (position < size) regions.push({ kind: 'zero', offset: position, length: size - position });
  return regions;
}
