/**
 * Planning a FAT image (pure): from a tree of directories and files and the options, the geometry, where
 * every directory and file goes, and the image as an ordered list of byte regions (regions.ts) that a
 * writer streams out. Nothing is read or written here; file contents are only referenced.
 *
 * Deterministic by construction: entries sorted by name (UTF-16 code units), short names allocated in that
 * order, one timestamp for every entry (the option, else SOURCE_DATE_EPOCH, else 1980-01-01; see
 * fat-date.ts for the time zone), a volume id given or derived from a seed (by default the tree's names and
 * sizes, the label and the date).
 *
 * Placement: directories first (pre-order), then files in the caller's order (the rest in pre-order of the
 * sorted tree), each file in consecutive clusters; free clusters follow; the `tailFiles` sit at the very
 * end of the data area in the order given, each from a cluster boundary, so that another writer (the ISO)
 * can point at them.
 */
import { DomainError, ValidationError, type Problem } from '../../lib/errors.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { MEDIA_FIXED, encodeBootSector } from './boot-sector.js';
import { bootSectorFor } from './boot-sector-for-geometry.js';
import { ATTRIBUTE, DIRECTORY_ENTRY_SIZE, encodeDirectoryEntry, volumeLabelEntryName, type ShortDirectoryEntry } from './directory-entry.js';
import { FAT_EPOCH, decodeFatTimestamp, encodeFatTimestamp } from './fat-date.js';
import { FAT_ENTRY, encodeFat, fatMediaEntry } from './fat-table.js';
import { fitFatGeometry } from './fit-geometry.js';
import { encodeFsInfo, makeFsInfo } from './fs-info.js';
import { FAT32_BACKUP_BOOT_SECTOR, FAT32_FS_INFO_SECTOR, FIRST_CLUSTER, SECTOR_SIZE, clusterOffset, type FatFormat, type FatGeometry } from './geometry.js';
import { encodeLongNameEntry, longNameEntries, shortNameChecksum } from './long-name-entry.js';
import { checkFatImageOptions, type FatImageOptions } from './plan-options.js';
import { modelDirectory, placementOrder, type DirectoryModel, type FileModel } from './plan-tree.js';
import { assembleRegions, type FatRegion, type FatRegionPiece } from './regions.js';
import type { FatFileSource, FatTreeDirectory } from './tree.js';
import { deriveVolumeId } from './volume-id.js';

export interface FatPlannedFile {
  /** Path in the image, `/`-separated, without a leading slash. */
  readonly path: string;
  /** The same path in 8.3 names. */
  readonly shortPath: string;
  readonly size: number;
  /** 0 for an empty file, which has no clusters. */
  readonly firstCluster: number;
  readonly clusterCount: number;
  /** Byte offset of the file's first byte in the image; undefined for an empty file. */
  readonly offset: number | undefined;
  readonly source: FatFileSource;
}

export interface FatPlannedDirectory {
  /** Path in the image; `` for the root. */
  readonly path: string;
  readonly shortPath: string;
  /** 0 for the fixed root directory of FAT12/16. */
  readonly firstCluster: number;
  readonly clusterCount: number;
  /** Byte offset of the directory's entries in the image. */
  readonly offset: number;
  /** 32-byte entries in use (long-name entries, `.` and `..` included). */
  readonly entryCount: number;
}

export interface FatPlan {
  readonly geometry: FatGeometry;
  /** Bytes of the image (geometry.size). */
  readonly size: number;
  readonly volumeId: number;
  readonly volumeLabel: string | undefined;
  /** Every entry's timestamp as it reads back (clamped to FAT's range, creation time to 10 ms). */
  readonly timestamp: Date;
  /** Pre-order, root first. */
  readonly directories: readonly FatPlannedDirectory[];
  /** In placement order: ordered files, then the tail files. */
  readonly files: readonly FatPlannedFile[];
  readonly freeClusters: number;
  /** The whole image, in offset order, without gaps. */
  readonly regions: readonly FatRegion[];
}

export function planFatImage(root: FatTreeDirectory, options: FatImageOptions = {}): FatPlan {
  const problems: Problem[] = [];
  checkFatImageOptions(options, problems);
  const directories: DirectoryModel[] = [];
  const files: FileModel[] = [];
  const rootModel = modelDirectory(root, undefined, '', '', options.volumeLabel !== undefined, directories, files, problems);
  const { ordered, tail } = placementOrder(files, options, problems);
  if (problems.length > 0) throw new ValidationError(problems, { hint: 'rename or remove what is listed, or fix the options' });

  const clustersOf = (bytes: number, clusterSize: number) => Math.ceil(bytes / clusterSize);
  const directoryClusters = (directory: DirectoryModel, clusterSize: number) =>
    Math.max(1, clustersOf(directory.slotCount * DIRECTORY_ENTRY_SIZE, clusterSize));
  const clustersNeeded = (format: FatFormat): number => {
    const clusterSize = format.sectorsPerCluster * SECTOR_SIZE;
    let total = clustersOf(options.freeSpace ?? 0, clusterSize);
    for (const directory of directories) {
      if (directory !== rootModel || format.type === 32) total += directoryClusters(directory, clusterSize);
    }
    for (const file of files) total += clustersOf(file.size, clusterSize);
    return total;
  };
  const geometry = fitFatGeometry({
    size: options.size,
    minimumSize: options.minimumSize,
    type: options.fatType,
    clusterSize: options.clusterSize,
    rules: { rootEntryCount: options.rootEntryCount, reservedSectors: options.reservedSectors, dataAlignment: options.dataAlignment },
    clustersNeeded,
  });
  if (geometry.type !== 32 && rootModel.slotCount > geometry.rootEntryCount) {
    throw new DomainError(
      'fat-root-full',
      `the root directory needs ${rootModel.slotCount} entries (long names take several); FAT${geometry.type}'s root directory has ${geometry.rootEntryCount}`,
      {
        expected: geometry.rootEntryCount,
        actual: rootModel.slotCount,
        hint: `set rootEntryCount to at least ${Math.ceil(rootModel.slotCount / 16) * 16}, use FAT32, or move files into a directory`,
      },
    );
  }
  if (geometry.type === 32 && options.reservedSectors !== undefined && options.reservedSectors < FAT32_BACKUP_BOOT_SECTOR + 2) {
    throw new DomainError('fat-options', `FAT32 needs at least ${FAT32_BACKUP_BOOT_SECTOR + 2} reserved sectors (FSInfo and the backup boot sector), got ${options.reservedSectors}`, {
      hint: 'leave reservedSectors out',
    });
  }

  // Clusters: directories, ordered files, free space, tail files.
  let next = FIRST_CLUSTER;
  for (const directory of directories) {
    if (directory === rootModel && geometry.type !== 32) continue;
    directory.clusterCount = directoryClusters(directory, geometry.clusterSize);
    directory.firstCluster = next;
    next += directory.clusterCount;
  }
  for (const file of ordered) {
    file.clusterCount = clustersOf(file.size, geometry.clusterSize);
    file.firstCluster = file.clusterCount === 0 ? 0 : next;
    next += file.clusterCount;
  }
  const end = FIRST_CLUSTER + geometry.clusterCount;
  const tailClusters = tail.reduce((sum, file) => sum + clustersOf(file.size, geometry.clusterSize), 0);
  let tailNext = end - tailClusters;
  if (tailNext < next) throw new RangeError('FAT planner: the files overlap the tail files (cluster count was checked)');
  for (const file of tail) {
    file.clusterCount = clustersOf(file.size, geometry.clusterSize);
    file.firstCluster = file.clusterCount === 0 ? 0 : tailNext;
    tailNext += file.clusterCount;
  }
  const usedClusters = next - FIRST_CLUSTER + tailClusters;
  const freeClusters = geometry.clusterCount - usedClusters;

  const date = options.date ?? sourceDateEpoch() ?? FAT_EPOCH;
  const stamp = encodeFatTimestamp(date);
  const volumeLabel = options.volumeLabel === undefined ? undefined : volumeLabelEntryName(options.volumeLabel);
  const volumeId = options.volumeId ?? deriveVolumeId(options.volumeIdSeed ?? defaultSeed(directories, files, volumeLabel, date));

  const entryFor = (name: string, attributes: number, firstCluster: number, size: number): ShortDirectoryEntry => ({
    name,
    attributes,
    caseFlags: 0,
    creationHundredths: stamp.hundredths,
    creationTime: stamp.time,
    creationDate: stamp.date,
    accessDate: stamp.date,
    firstCluster,
    writeTime: stamp.time,
    writeDate: stamp.date,
    size,
  });
  const encodeDirectory = (directory: DirectoryModel): Uint8Array => {
    const bytes = new Uint8Array(directory.slotCount * DIRECTORY_ENTRY_SIZE);
    let at = 0;
    const put = (entry: Uint8Array) => {
      bytes.set(entry, at);
      at += DIRECTORY_ENTRY_SIZE;
    };
    if (directory.parent === undefined) {
      if (volumeLabel !== undefined) put(encodeDirectoryEntry(entryFor(volumeLabel, ATTRIBUTE.volumeLabel, 0, 0)));
    } else {
      // `..` of a directory in the root names cluster 0, even on FAT32 where the root has a cluster.
      const parentCluster = directory.parent.parent === undefined ? 0 : directory.parent.firstCluster;
      put(encodeDirectoryEntry(entryFor('.'.padEnd(11, ' '), ATTRIBUTE.directory, directory.firstCluster, 0)));
      put(encodeDirectoryEntry(entryFor('..'.padEnd(11, ' '), ATTRIBUTE.directory, parentCluster, 0)));
    }
    for (const child of directory.children) {
      if (child.needsLongName) {
        for (const entry of longNameEntries(child.name, shortNameChecksum(child.shortName))) put(encodeLongNameEntry(entry));
      }
      if (child.directory !== undefined) put(encodeDirectoryEntry(entryFor(child.shortName, ATTRIBUTE.directory, child.directory.firstCluster, 0)));
      else put(encodeDirectoryEntry(entryFor(child.shortName, ATTRIBUTE.archive, child.file!.firstCluster, child.file!.size)));
    }
    return bytes;
  };

  // The FAT: reserved entries, then one chain per directory and file.
  const fat = new Uint32Array(FIRST_CLUSTER + geometry.clusterCount);
  fat[0] = fatMediaEntry(geometry.type, MEDIA_FIXED);
  fat[1] = FAT_ENTRY.endOfChain[geometry.type];
  let lastUsed = 1;
  const chain = (first: number, count: number) => {
    for (let i = 0; i < count; i++) fat[first + i] = i === count - 1 ? FAT_ENTRY.endOfChain[geometry.type] : first + i + 1;
    if (count > 0) lastUsed = Math.max(lastUsed, first + count - 1);
  };
  for (const directory of directories) chain(directory.firstCluster, directory.clusterCount);
  for (const file of files) chain(file.firstCluster, file.clusterCount);
  const fatBytes = encodeFat(geometry.type, fat.subarray(0, lastUsed + 1));

  const pieces: FatRegionPiece[] = [];
  const addBytes = (offset: number, bytes: Uint8Array) => pieces.push({ kind: 'bytes', offset, length: bytes.length, bytes });
  const bootSector = encodeBootSector(bootSectorFor(geometry, { volumeId, volumeLabel, hiddenSectors: options.hiddenSectors ?? 0 }));
  addBytes(0, bootSector);
  if (geometry.type === 32) {
    const firstFree = next < end - tailClusters ? next : 0xffffffff;
    const fsInfo = encodeFsInfo(makeFsInfo(freeClusters, firstFree));
    addBytes(FAT32_FS_INFO_SECTOR * SECTOR_SIZE, fsInfo);
    addBytes(FAT32_BACKUP_BOOT_SECTOR * SECTOR_SIZE, bootSector);
    addBytes((FAT32_BACKUP_BOOT_SECTOR + 1) * SECTOR_SIZE, fsInfo);
  }
  for (let copy = 0; copy < geometry.fatCount; copy++) {
    addBytes(geometry.fatOffset + copy * geometry.sectorsPerFat * SECTOR_SIZE, fatBytes);
  }
  const plannedDirectories: FatPlannedDirectory[] = directories.map((directory) => {
    const offset = directory.firstCluster === 0 ? geometry.rootDirectoryOffset : clusterOffset(geometry, directory.firstCluster);
    addBytes(offset, encodeDirectory(directory));
    return {
      path: directory.path,
      shortPath: directory.shortPath,
      firstCluster: directory.firstCluster,
      clusterCount: directory.clusterCount,
      offset,
      entryCount: directory.slotCount,
    };
  });
  const plannedFiles: FatPlannedFile[] = [...ordered, ...tail].map((file) => {
    const offset = file.firstCluster === 0 ? undefined : clusterOffset(geometry, file.firstCluster);
    if (offset !== undefined) pieces.push({ kind: 'file', offset, length: file.size, source: file.source, path: file.path });
    return {
      path: file.path,
      shortPath: file.shortPath,
      size: file.size,
      firstCluster: file.firstCluster,
      clusterCount: file.clusterCount,
      offset,
      source: file.source,
    };
  });

  return {
    geometry,
    size: geometry.size,
    volumeId,
    volumeLabel,
    timestamp: decodeFatTimestamp(stamp),
    directories: plannedDirectories,
    files: plannedFiles,
    freeClusters,
    regions: assembleRegions(pieces, geometry.size),
  };
}

function defaultSeed(directories: readonly DirectoryModel[], files: readonly FileModel[], label: string | undefined, date: Date): string {
  return JSON.stringify({
    label: label ?? null,
    date: date.getTime(),
    directories: directories.map((d) => d.path),
    files: files.map((f) => [f.path, f.size]),
  });
}
