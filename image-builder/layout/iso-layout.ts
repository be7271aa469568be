/**
 * What the planner is asked to place besides the tree, as data: extents with no directory record, contiguous
 * groups, El Torito and the hybrid partition tables. Everything that depends on where something lands (a
 * boot catalog naming the boot images, an MBR naming the ESP, a boot info table naming its own sector) is
 * asked for by reference (an image path, an extent id, a group id) and resolved by the planner into plain
 * values in the plan (layout/iso-plan.ts); the writer encodes those values with the codecs.
 *
 * Sector map of an image (2048-byte sectors; "LBA" is a sector number):
 *   0..15       system area: zeros, or the hybrid MBR (and the primary GPT when there is an ESP)
 *   16          primary volume descriptor
 *   17          El Torito's boot record, when there is El Torito
 *   next        Joliet supplementary volume descriptor, then the set terminator
 *   next        path tables (primary L and M, Joliet L and M), each from a sector boundary
 *   next        primary directories in path table order, each followed by its Rock Ridge continuation
 *               sectors; then the Joliet directories
 *   next        El Torito's boot catalog, hidden extents (in the order given), then contiguous groups (in the
 *               order given), then the files of the tree in path order (sorted by UTF-8 bytes, depth first);
 *               identical contents once
 *   next        `padding.volumeSectors` zero sectors (default 0), still inside the volume
 *   = volumeSectors, the volume space size the primary descriptor records
 *   then        zero bytes up to the point where the tail ends the image on a multiple of
 *               `padding.imageAlignment` (default 2048), then the tail: the backup GPT, when there is one
 *   = imageSize
 */
import type { FatGeometry, FatRegion } from '../fat/index.js';
import type { FileContent } from '../image-tree.js';

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

/**
 * The first `size` bytes of a FAT volume (its metadata and the files before its tail files), streamed
 * from the FAT plan's regions when the image is written. The volume's geometry says what it is.
 */
export interface FatVolumeContent {
  readonly kind: 'fat';
  readonly volume: {
    /** Bytes of the whole volume. */
    readonly size: number;
    readonly geometry: FatGeometry;
    readonly volumeId: number;
    readonly volumeLabel: string | undefined;
  };
  /** Bytes of this extent: the volume's start. */
  readonly size: number;
  /** Regions covering [0, size) of the volume. */
  readonly regions: readonly FatRegion[];
}

/** The content of an extent: a host file, bytes, or the start of a FAT volume. */
export type ExtentContent = FileContent | FatVolumeContent;

/** Content occupying sectors without any directory record (an ESP image, say). */
export interface HiddenExtent {
  readonly id: string;
  readonly content: ExtentContent;
  /** For messages: where it came from. */
  readonly origin: string;
}

export type GroupMember =
  /** An extent of its own (a FAT's metadata), addressable by id like a hidden extent. */
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

/** A boot image the firmware loads from a run of sectors: a group (an ESP), by id, of `size` bytes. */
export interface GroupImage {
  readonly group: string;
  readonly size: number;
}

/** El Torito: the boot record at sector 17 and a boot catalog naming a BIOS image, a UEFI image, or both. */
export interface ElToritoRequest {
  /** A no-emulation BIOS image: a regular file of the tree (isolinux.bin). */
  readonly bios?: {
    readonly file: string;
    /** Virtual 512-byte sectors the BIOS loads (isolinux: 4). */
    readonly loadSectors: number;
    /** Patch a boot info table (mkisofs -boot-info-table) into the ISO's copy of the file. */
    readonly bootInfoTable: boolean;
  };
  /** The UEFI image (platform 0xEF): a FAT ESP. */
  readonly uefi?: GroupImage;
}

/**
 * The partition tables that make the image boot from a USB stick: an MBR in the system area (boot code,
 * partition 1 over the whole image, partition 2 over the ESP) and, with an ESP, a GPT naming it (primary in
 * the system area, backup in the tail). Ids derive from `seed`.
 */
export interface HybridTablesRequest {
  readonly seed: string;
  /** isohdpfx.bin (432 bytes) with the file it loads (isolinux.bin), when the image boots BIOS sticks. */
  readonly bootCode?: { readonly code: Uint8Array; readonly file: string };
  readonly esp?: GroupImage;
}

export interface IsoExtensions {
  readonly elTorito?: ElToritoRequest;
  readonly hybridTables?: HybridTablesRequest;
  readonly hiddenExtents?: readonly HiddenExtent[];
  readonly groups?: readonly ContiguousGroup[];
  readonly padding?: {
    /** Zero sectors at the end of the volume, counted in its size (xorriso adds 150 by default; Cairn 0). */
    readonly volumeSectors?: number;
    /** The image size (tail included) is made a multiple of this many bytes, e.g. 1 MiB for partitions. */
    readonly imageAlignment?: number;
  };
}
