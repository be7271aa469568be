/**
 * The final layout of an image, as the parts that are computed from it see it (an MBR/GPT in the system
 * area, El Torito's boot record and catalog, a FAT filesystem whose clusters are ISO extents, a backup GPT in
 * the tail, isolinux's boot-info-table), and the extension points through which such parts are added.
 *
 * Sector map of an image (2048-byte sectors; "LBA" is a sector number):
 *   0..15       system area: zeros, or `systemArea(layout)` (32 KiB)
 *   16          primary volume descriptor
 *   17..        `volumeDescriptors` in the order given (El Torito's boot record must be the first: sector 17)
 *   next        Joliet supplementary volume descriptor, then the set terminator
 *   next        path tables (primary L and M, Joliet L and M), each from a sector boundary
 *   next        primary directories in path table order, each followed by its Rock Ridge continuation
 *               sectors; then the Joliet directories
 *   next        hidden extents (in the order given), then contiguous groups (in the order given), then the
 *               files of the tree in path order (sorted by UTF-8 bytes, depth first); identical contents once
 *   next        `padding.volumeSectors` zero sectors (default 0), still inside the volume
 *   = volumeSectors, the volume space size the primary descriptor records
 *   then        zero bytes up to the point where the tail ends the image on a multiple of
 *               `padding.imageAlignment` (default 2048), then the tail (`tail.size` bytes, outside the volume)
 *   = imageSize
 */
import type { FileContent } from '../file-content.js';

/** Where something landed: its first sector, its size in bytes, the sectors it occupies. */
export interface ExtentLocation {
  readonly lba: number;
  readonly size: number;
  readonly sectors: number;
}

/** A contiguous group: its whole run of sectors and each member's own extent, in the order given. */
export interface GroupLocation extends ExtentLocation {
  readonly members: readonly ExtentLocation[];
}

export interface IsoLayout {
  readonly volumeId: string;
  /** Sectors of the ISO 9660 volume (the primary descriptor's volume space size). */
  readonly volumeSectors: number;
  /** Bytes of the whole image file: the volume, alignment padding and the tail. */
  readonly imageSize: number;
  /** Always 16. */
  readonly primaryVolumeDescriptorLba: number;
  /** LBAs of the extra volume descriptors, in the order given (the first is 17). */
  readonly extraVolumeDescriptorLbas: readonly number[];
  readonly jolietVolumeDescriptorLba: number;
  readonly terminatorLba: number;
  /**
   * Where a regular file of the tree is, by image path (any name of a hard link); multi-extent files are
   * contiguous. Empty files have size 0 and lba 0. Undefined when no regular file has that path.
   */
  locateFile(path: string): ExtentLocation | undefined;
  /** Hidden extents and the extent members of groups, by id. */
  readonly extents: ReadonlyMap<string, ExtentLocation>;
  readonly groups: ReadonlyMap<string, GroupLocation>;
  /** The tail's byte offset in the image and its size, when there is one. */
  readonly tail: { readonly offset: number; readonly size: number } | undefined;
}

/** Bytes produced once the layout is final; the length must be the size announced at planning time. */
export type ComputeFromLayout = (layout: IsoLayout) => Uint8Array | Promise<Uint8Array>;

/** The content of an extent: a host file, bytes, or bytes computed from the final layout. */
export type ExtentContent = FileContent | { readonly kind: 'computed'; readonly size: number; readonly compute: ComputeFromLayout };

/** Content occupying sectors without any directory record (El Torito's boot catalog, an ESP image). */
export interface HiddenExtent {
  readonly id: string;
  readonly content: ExtentContent;
  /** For messages: where it came from. */
  readonly origin: string;
}

export type GroupMember =
  /** An extent of its own (a generated FAT's metadata), addressable by id like a hidden extent. */
  | (HiddenExtent & { readonly kind: 'extent'; readonly alignSectors?: number })
  /** A regular file of the tree, placed here; identical files elsewhere in the tree share this extent. */
  | { readonly kind: 'file'; readonly path: string; readonly alignSectors?: number };

/**
 * Extents placed back to back in the order given (each member starting at a sector, or at a multiple of
 * `alignSectors` from the group's start), so that another filesystem inside the image (a FAT ESP) can point
 * at the very sectors the ISO 9660 records of the member files point at. Members are never merged with each
 * other, even when identical.
 */
export interface ContiguousGroup {
  readonly id: string;
  readonly members: readonly GroupMember[];
}

export interface ExtraVolumeDescriptor {
  readonly id: string;
  /** One 2048-byte volume descriptor. */
  readonly compute: ComputeFromLayout;
}

/** Bytes after the ISO 9660 volume (a backup GPT); `size` is a multiple of 512. */
export interface TailArea {
  readonly size: number;
  readonly compute: ComputeFromLayout;
}

export interface IsoExtensions {
  /** The first 16 sectors (up to 32 KiB; shorter is zero-padded). */
  readonly systemArea?: ComputeFromLayout;
  /** Volume descriptors placed right after the primary one, before Joliet's and the terminator. */
  readonly volumeDescriptors?: readonly ExtraVolumeDescriptor[];
  readonly hiddenExtents?: readonly HiddenExtent[];
  readonly groups?: readonly ContiguousGroup[];
  readonly tail?: TailArea;
  readonly padding?: {
    /** Zero sectors at the end of the volume, counted in its size (xorriso adds 150 by default; Cairn 0). */
    readonly volumeSectors?: number;
    /** The image size (tail included) is made a multiple of this many bytes, e.g. 1 MiB for partitions. */
    readonly imageAlignment?: number;
  };
}

export function fileExtent(layout: IsoLayout, path: string): ExtentLocation {
  const found = layout.locateFile(path);
  if (found === undefined) throw new Error(`no regular file at ${path} in the layout`);
  return found;
}

export function extentById(layout: IsoLayout, id: string): ExtentLocation {
  const found = layout.extents.get(id);
  if (found === undefined) throw new Error(`no extent "${id}" in the layout`);
  return found;
}

export function groupById(layout: IsoLayout, id: string): GroupLocation {
  const found = layout.groups.get(id);
  if (found === undefined) throw new Error(`no group "${id}" in the layout`);
  return found;
}
