/**
 * FAT geometry: where the reserved sectors, the FATs, the fixed root directory and the data area are, and
 * which FAT type and cluster size a volume of a given size gets.
 *
 * The choice follows mkfs.fat (dosfstools 4.2) with the limits of Microsoft's specification:
 * - FAT32 from 512 MiB up, with mkfs.fat's cluster sizes (512 bytes up to 260 MiB, 4 KiB up to 8 GiB,
 *   8 KiB up to 16 GiB, 16 KiB up to 32 GiB, 32 KiB above);
 * - below 512 MiB, the smallest cluster size from 2 KiB up at which FAT16 (4085-65524 clusters) or else
 *   FAT12 (at most 4084 clusters) can address the volume; FAT16 is preferred when both can;
 * - a forced cluster size keeps that rule for the type, falling back to FAT32 when FAT16 cannot address
 *   that many clusters; a forced type keeps mkfs.fat's cluster size rule for that type.
 * Unlike mkfs.fat, floppy sizes get no floppy geometry, and FAT32 with fewer than 65525 clusters is refused
 * rather than warned about (drivers that follow the specification would read it as FAT16).
 *
 * Layout: 512-byte sectors, two FATs, 1 reserved sector on FAT12/16 and 32 on FAT32 (FSInfo in sector 1,
 * the backup boot sector in 6), 512 root entries on FAT12/16. The reserved area is then grown so that the
 * data area starts at a multiple of the data alignment (the cluster size unless told otherwise), so every
 * cluster starts at a multiple of its size from the start of the image: what 4 KiB-sector media want, and
 * what lets an ISO 9660 file share 2048-byte sectors with a FAT file.
 */
import { fatByteLength, type FatType } from './fat-table.js';

export const SECTOR_SIZE = 512;
const FAT_COUNT = 2;
export const MAX_CLUSTER_SIZE = 65536;
const DEFAULT_ROOT_ENTRIES = 512;
export const FAT32_FS_INFO_SECTOR = 1;
export const FAT32_BACKUP_BOOT_SECTOR = 6;
export const FAT32_ROOT_CLUSTER = 2;
/** The first cluster number; clusters 0 and 1 do not exist (their FAT entries are reserved). */
export const FIRST_CLUSTER = 2;
/** mkfs.fat picks FAT32 for volumes of this size and larger. */
export const FAT32_AUTO_SIZE = 512 * 1024 * 1024;
/** The largest sector count the 32-bit total-sectors field holds. */
export const MAX_TOTAL_SECTORS = 0xffffffff;

/** Cluster counts each type can have (Microsoft's rule, which fsck.fat and Linux apply to tell the type). */
export const CLUSTER_LIMITS = {
  12: { min: 1, max: 4084 },
  16: { min: 4085, max: 65524 },
  32: { min: 65525, max: 0x0ffffff5 },
} as const;

const DEFAULT_RESERVED_SECTORS = { 12: 1, 16: 1, 32: 32 } as const;

export interface FatGeometry {
  readonly type: FatType;
  readonly sectorSize: number;
  readonly totalSectors: number;
  readonly sectorsPerCluster: number;
  /** Bytes per cluster. */
  readonly clusterSize: number;
  readonly reservedSectors: number;
  readonly fatCount: number;
  readonly sectorsPerFat: number;
  /** Entries of the fixed root directory (FAT12/16); 0 on FAT32. */
  readonly rootEntryCount: number;
  /** Clusters of the data area, numbered from 2. */
  readonly clusterCount: number;
  /** Byte offsets from the start of the volume. */
  readonly fatOffset: number;
  readonly rootDirectoryOffset: number;
  readonly dataOffset: number;
  /** Bytes of the volume (totalSectors * sectorSize). */
  readonly size: number;
}

/** The knobs of the layout that are not the type, size and cluster size. */
export interface FatLayoutRules {
  /** Fixed root directory entries on FAT12/16 (a multiple of 16). Default 512. */
  readonly rootEntryCount?: number;
  /** At least this many reserved sectors. Default 1 (FAT12/16) or 32 (FAT32). */
  readonly reservedSectors?: number;
  /** The data area starts at a multiple of this many bytes (a multiple of 512). Default: the cluster size. */
  readonly dataAlignment?: number;
}

/** A type and cluster size, before the layout is computed. */
export interface FatFormat {
  readonly type: FatType;
  readonly sectorsPerCluster: number;
}

/** Byte offset of a cluster's first byte. */
export function clusterOffset(geometry: FatGeometry, cluster: number): number {
  return geometry.dataOffset + (cluster - FIRST_CLUSTER) * geometry.clusterSize;
}

export function isClusterCountValid(type: FatType, count: number): boolean {
  return count >= CLUSTER_LIMITS[type].min && count <= CLUSTER_LIMITS[type].max;
}

function fatSectorsFor(type: FatType, clusterCount: number): number {
  return Math.ceil(fatByteLength(type, clusterCount + FIRST_CLUSTER) / SECTOR_SIZE);
}

function alignUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** The sectors before the data area for FATs of `fatSectors` sectors, grown to the alignment. */
function metadataSectors(format: FatFormat, fatSectors: number, rules: FatLayoutRules): { reserved: number; root: number; total: number } {
  const root = format.type === 32 ? 0 : Math.ceil(((rules.rootEntryCount ?? DEFAULT_ROOT_ENTRIES) * 32) / SECTOR_SIZE);
  const minimumReserved = rules.reservedSectors ?? DEFAULT_RESERVED_SECTORS[format.type];
  const alignment = Math.max(1, (rules.dataAlignment ?? format.sectorsPerCluster * SECTOR_SIZE) / SECTOR_SIZE);
  const total = alignUp(minimumReserved + FAT_COUNT * fatSectors + root, alignment);
  return { reserved: total - FAT_COUNT * fatSectors - root, root, total };
}

/**
 * The layout of a volume of `totalSectors` with a given type and cluster size, or undefined when not a
 * single cluster fits. The FAT gets the fewest sectors that address every cluster that remains (found by
 * bisection: more FAT sectors leave fewer clusters to address). The cluster count is not checked against
 * the type's limits: see isClusterCountValid.
 */
export function layoutFat(format: FatFormat, totalSectors: number, rules: FatLayoutRules = {}): FatGeometry | undefined {
  const spc = format.sectorsPerCluster;
  const clustersWith = (fatSectors: number) => Math.floor((totalSectors - metadataSectors(format, fatSectors, rules).total) / spc);
  if (clustersWith(1) < 1) return undefined;
  let low = 1;
  let high = Math.max(1, fatSectorsFor(format.type, clustersWith(1)));
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fatSectorsFor(format.type, Math.max(clustersWith(middle), 0)) <= middle) high = middle;
    else low = middle + 1;
  }
  const clusterCount = clustersWith(low);
  if (clusterCount < 1) return undefined;
  const meta = metadataSectors(format, low, rules);
  return {
    type: format.type,
    sectorSize: SECTOR_SIZE,
    totalSectors,
    sectorsPerCluster: spc,
    clusterSize: spc * SECTOR_SIZE,
    reservedSectors: meta.reserved,
    fatCount: FAT_COUNT,
    sectorsPerFat: low,
    rootEntryCount: format.type === 32 ? 0 : (rules.rootEntryCount ?? DEFAULT_ROOT_ENTRIES),
    clusterCount,
    fatOffset: meta.reserved * SECTOR_SIZE,
    rootDirectoryOffset: (meta.reserved + FAT_COUNT * low) * SECTOR_SIZE,
    dataOffset: meta.total * SECTOR_SIZE,
    size: totalSectors * SECTOR_SIZE,
  };
}

/** The fewest sectors a volume needs for `clusterCount` clusters of a type and size (no slack at the end). */
export function sectorsForClusters(format: FatFormat, clusterCount: number, rules: FatLayoutRules = {}): number {
  return metadataSectors(format, fatSectorsFor(format.type, clusterCount), rules).total + clusterCount * format.sectorsPerCluster;
}

/** mkfs.fat's FAT32 cluster size for a volume size (from Microsoft's table), in sectors. */
function fat32SectorsPerCluster(size: number): number {
  const mib = Math.floor(size / (1024 * 1024));
  return mib > 32 * 1024 ? 64 : mib > 16 * 1024 ? 32 : mib > 8 * 1024 ? 16 : mib > 260 ? 8 : 1;
}

const FAT1216_SECTORS_PER_CLUSTER = [4, 8, 16, 32, 64, 128] as const;

function isLayoutValid(format: FatFormat, totalSectors: number, rules: FatLayoutRules): boolean {
  const geometry = layoutFat(format, totalSectors, rules);
  return geometry !== undefined && isClusterCountValid(format.type, geometry.clusterCount);
}

/**
 * The type and cluster size mkfs.fat's rule gives a volume of `totalSectors` (see the top of this file).
 * When nothing is valid at this size the nearest format is returned; layoutFat and isClusterCountValid tell.
 */
export function chooseFatFormat(
  totalSectors: number,
  forced: { readonly type?: FatType | undefined; readonly clusterSize?: number | undefined },
  rules: FatLayoutRules = {},
): FatFormat {
  const forcedSpc = forced.clusterSize === undefined ? undefined : forced.clusterSize / SECTOR_SIZE;
  const size = totalSectors * SECTOR_SIZE;
  if (forced.type === 32 || (forced.type === undefined && size >= FAT32_AUTO_SIZE)) {
    if (forcedSpc !== undefined) return { type: 32, sectorsPerCluster: forcedSpc };
    let spc = fat32SectorsPerCluster(size);
    while (spc < 128) {
      const geometry = layoutFat({ type: 32, sectorsPerCluster: spc }, totalSectors, rules);
      if (geometry === undefined || geometry.clusterCount <= CLUSTER_LIMITS[32].max) break;
      spc *= 2;
    }
    return { type: 32, sectorsPerCluster: spc };
  }
  const candidates = forcedSpc === undefined ? FAT1216_SECTORS_PER_CLUSTER : [forcedSpc];
  if (forced.type !== undefined) {
    for (const spc of candidates) {
      const geometry = layoutFat({ type: forced.type, sectorsPerCluster: spc }, totalSectors, rules);
      if (geometry === undefined || geometry.clusterCount <= CLUSTER_LIMITS[forced.type].max) {
        return { type: forced.type, sectorsPerCluster: spc };
      }
    }
    return { type: forced.type, sectorsPerCluster: candidates[candidates.length - 1]! };
  }
  for (const spc of candidates) {
    if (isLayoutValid({ type: 16, sectorsPerCluster: spc }, totalSectors, rules)) return { type: 16, sectorsPerCluster: spc };
    if (isLayoutValid({ type: 12, sectorsPerCluster: spc }, totalSectors, rules)) return { type: 12, sectorsPerCluster: spc };
  }
  if (forcedSpc === undefined) return { type: 12, sectorsPerCluster: FAT1216_SECTORS_PER_CLUSTER[0] };
  // A forced cluster size that neither FAT12 nor FAT16 can use at this size: too many clusters means FAT32.
  const as16 = layoutFat({ type: 16, sectorsPerCluster: forcedSpc }, totalSectors, rules);
  if (as16 !== undefined && as16.clusterCount > CLUSTER_LIMITS[16].max) return { type: 32, sectorsPerCluster: forcedSpc };
  const as12 = layoutFat({ type: 12, sectorsPerCluster: forcedSpc }, totalSectors, rules);
  return { type: as12 !== undefined && as12.clusterCount > CLUSTER_LIMITS[12].max ? 16 : 12, sectorsPerCluster: forcedSpc };
}
