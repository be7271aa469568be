/**
 * The plan of an ISO image: plain data (no functions, no references into the image tree, no cycles: nodes
 * and directories point at each other by index), so it can be printed (`iso build --dry-run`), compared,
 * cloned and written. Every extent is a value the codecs encode when the image is written: volume
 * descriptors, path tables and directory records from the nodes and directories, the boot catalog from
 * its `BootCatalog`, the system area and the tail from their `MbrTable` and `GptTable`, the boot info table
 * from its `BootInfo`, a FAT volume's start from its regions.
 *
 * A big tree has tens of thousands of files, so the plan keeps little per file: one PlannedNode of numbers
 * and a name. Directory records are not stored: walkRecords() (plan-directories.ts) derives them the same
 * way when planning and when encoding.
 */
import type { GptTable } from '../../partitioning/gpt.js';
import type { MbrTable } from '../../partitioning/mbr.js';
import type { BootCatalog } from '../el-torito/boot-catalog.js';
import type { BootInfo } from '../el-torito/boot-info-table.js';
import type { ExtentContent, ExtentLocation, GroupLocation } from './iso-layout.js';

export type Namespace = 'primary' | 'joliet';

/** A node of the tree with what its records say about it. */
export interface PlannedNode {
  /** Its name in its directory ("" for the root). */
  readonly name: string;
  /** Index of its parent in `IsoPlan.nodes`; -1 for the root. */
  readonly parent: number;
  readonly kind: 'directory' | 'file' | 'symlink';
  /** st_mode: type and permission bits. */
  readonly mode: number;
  readonly links: number;
  readonly inode: number;
  /** Modification time in seconds since 1970, clamped. */
  readonly time: number;
  /** Symbolic links: the target. */
  readonly target?: string;
  /** Directories: their children's indexes, sorted by name (UTF-8 bytes). */
  readonly children?: readonly number[];
  /** Regular files: their size, and the first sector of their bytes (0 for empty files). */
  readonly size?: number;
  readonly lba?: number;
  /** Directories: the index of their directory in each namespace. */
  readonly primary?: number;
  readonly joliet?: number;
}

export interface PlannedDirectory {
  readonly namespace: Namespace;
  /** Index of its node in `IsoPlan.nodes`. */
  readonly node: number;
  /** Index of the parent directory in the same namespace (the root's is its own, 0); its path table number is this plus 1. */
  readonly parent: number;
  /** Its identifier in the parent ("" for the root, whose path table identifier is the byte 0x00). */
  readonly identifier: string;
  /** Children's node indexes in record order (by identifier), with their identifiers: code units, one byte each in the primary tree, UCS-2 in Joliet. */
  readonly children: readonly number[];
  readonly identifiers: readonly string[];
  /** Bytes of the directory extent (a multiple of 2048). */
  readonly size: number;
  /** Sectors of Rock Ridge continuation areas that follow the extent. */
  readonly continuationSectors: number;
  readonly lba: number;
}

export interface PathTablePlan {
  /** Bytes of one table. */
  readonly size: number;
  /** First sector of the little-endian (L) and big-endian (M) copies. */
  readonly lLba: number;
  readonly mLba: number;
}

export type PlannedVolumeDescriptor =
  | { readonly kind: 'primary' | 'joliet' | 'terminator'; readonly lba: number }
  /** El Torito's boot record, pointing at the boot catalog. */
  | { readonly kind: 'boot-record'; readonly lba: number; readonly catalogLba: number };

/** A run of sectors in the data area. */
export type PlannedData =
  /** A file's bytes, or a hidden extent's, or a group member's; a BIOS boot image gets its boot info table patched in. */
  | {
      readonly kind: 'content';
      readonly lba: number;
      readonly size: number;
      readonly content: ExtentContent;
      readonly origin: string;
      readonly bootInfoTable?: BootInfo;
    }
  | { readonly kind: 'boot-catalog'; readonly lba: number; readonly size: number; readonly catalog: BootCatalog };

/** The hybrid partition tables: the MBR (with isohybrid boot code) and, with an ESP, the GPT. */
export interface PlannedSystemArea {
  readonly mbr: MbrTable;
  /** isohdpfx.bin's 432 bytes and the 512-byte block it loads isolinux.bin from (written at byte 432). */
  readonly isohybrid?: { readonly code: Uint8Array; readonly loaderBlock: number };
  readonly gpt?: GptTable;
}

export interface IsoPlan {
  readonly volumeId: string;
  /** The image's date: volume time stamps. */
  readonly date: Date;
  /** Sectors of the ISO 9660 volume (the primary descriptor's volume space size). */
  readonly volumeSectors: number;
  /** Bytes of the whole image file: the volume, alignment padding and the tail. */
  readonly imageSize: number;
  /** The first 16 sectors: zeros when undefined. */
  readonly systemArea: PlannedSystemArea | undefined;
  /** In LBA order, from 16. */
  readonly volumeDescriptors: readonly PlannedVolumeDescriptor[];
  readonly primaryPathTable: PathTablePlan;
  readonly jolietPathTable: PathTablePlan;
  /** The tree, root first (index 0), then depth first in name order. */
  readonly nodes: readonly PlannedNode[];
  /** Each namespace's directories in path table order. */
  readonly primaryDirectories: readonly PlannedDirectory[];
  readonly jolietDirectories: readonly PlannedDirectory[];
  /** The data area in LBA order. */
  readonly data: readonly PlannedData[];
  /** Where the hidden extents and the extent members of groups landed, by id; and the groups. */
  readonly extents: readonly { readonly id: string; readonly location: ExtentLocation }[];
  readonly groups: readonly { readonly id: string; readonly location: GroupLocation }[];
  /** Bytes after the volume: the backup GPT at `offset`. */
  readonly tail: { readonly offset: number; readonly size: number; readonly gpt: GptTable } | undefined;
  readonly counts: { readonly files: number; readonly directories: number; readonly symlinks: number; readonly sharedExtents: number };
}

