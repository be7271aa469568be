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
import { ATTRIBUTE, DIRECTORY_ENTRY_SIZE, displayShortName, encodeDirectoryEntry, volumeLabelEntryName, type ShortDirectoryEntry } from './directory-entry.js';
import { FAT_EPOCH, decodeFatTimestamp, encodeFatTimestamp } from './fat-date.js';
import { FAT_ENTRY, encodeFat, fatMediaEntry, type FatType } from './fat-table.js';
import { ShortNameAllocator, exactShortName, fatNameKey, longNameProblem, volumeLabelProblem } from './file-name.js';
import { fitFatGeometry } from './fit-geometry.js';
import { encodeFsInfo, makeFsInfo } from './fs-info.js';
import {
  FAT32_BACKUP_BOOT_SECTOR,
  FAT32_FS_INFO_SECTOR,
  FIRST_CLUSTER,
  MAX_CLUSTER_SIZE,
  MAX_TOTAL_SECTORS,
  SECTOR_SIZE,
  clusterOffset,
  type FatFormat,
  type FatGeometry,
} from './geometry.js';
import { encodeLongNameEntry, longNameEntries, shortNameChecksum } from './long-name-entry.js';
import { assembleRegions, type FatRegion, type FatRegionPiece } from './regions.js';
import { describeTreePath, type FatFileSource, type FatTreeDirectory, type FatTreeNode } from './tree.js';
import { deriveVolumeId } from './volume-id.js';

export interface FatImageOptions {
  /** The image's exact size in bytes (a multiple of 512). Without it the image is sized to its files. */
  readonly size?: number;
  /** Without `size`: at least this many bytes. */
  readonly minimumSize?: number;
  /** Without `size`: at least this many bytes free besides the files (for example for later updates). */
  readonly freeSpace?: number;
  /** 12, 16 or 32; by default chosen from the size as mkfs.fat would (geometry.ts). */
  readonly fatType?: FatType;
  /** Bytes per cluster: a power of two from 512 to 65536. By default chosen as mkfs.fat would. */
  readonly clusterSize?: number;
  /** The data area starts at a multiple of this many bytes from the image start. Default: the cluster size. */
  readonly dataAlignment?: number;
  /** Entries of the fixed root directory on FAT12/16 (a multiple of 16). Default 512, as mkfs.fat. */
  readonly rootEntryCount?: number;
  /** At least this many reserved sectors. Default 1 (FAT12/16), 32 (FAT32). */
  readonly reservedSectors?: number;
  /** Sectors before the volume on its disk (the partition's first LBA), written into the boot sector. Default 0. */
  readonly hiddenSectors?: number;
  /** The 32-bit volume id (serial number). Default: derived from `volumeIdSeed`. */
  readonly volumeId?: number;
  /** What the volume id is derived from. Default: the tree's paths and sizes, the label and the date. */
  readonly volumeIdSeed?: string;
  /** Up to 11 upper-case characters. Default: none ("NO NAME" in the boot sector, no label entry). */
  readonly volumeLabel?: string;
  /** The date of every entry. Default: SOURCE_DATE_EPOCH, else 1980-01-01 00:00:00. */
  readonly date?: Date;
  /** Image paths (`EFI/BOOT/BOOTX64.EFI`) of files to place first, in this order. */
  readonly fileOrder?: readonly string[];
  /** Image paths of files to place at the end of the image, in this order, each from a cluster boundary. */
  readonly tailFiles?: readonly string[];
}

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

const OPTIONS_FILE = 'FAT image options';
const MAX_FILE_SIZE = 0xffffffff;
/** A directory holds at most 65536 entries (2 MiB): the specification's limit, which fsck.fat enforces. */
const MAX_DIRECTORY_ENTRIES = 65536;

interface DirectoryModel {
  readonly path: string;
  readonly shortPath: string;
  readonly parent: DirectoryModel | undefined;
  readonly children: ChildModel[];
  slotCount: number;
  firstCluster: number;
  clusterCount: number;
}

interface FileModel {
  readonly path: string;
  readonly shortPath: string;
  readonly size: number;
  readonly source: FatFileSource;
  firstCluster: number;
  clusterCount: number;
}

interface ChildModel {
  readonly name: string;
  readonly shortName: string;
  readonly needsLongName: boolean;
  readonly directory?: DirectoryModel;
  readonly file?: FileModel;
}

export function planFatImage(root: FatTreeDirectory, options: FatImageOptions = {}): FatPlan {
  const problems: Problem[] = [];
  checkOptions(options, problems);
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

function byName(a: FatTreeNode, b: FatTreeNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}

/** Checks names, sizes and collisions of one directory, allocates its short names, and recurses. */
function modelDirectory(
  node: FatTreeDirectory,
  parent: DirectoryModel | undefined,
  path: string,
  shortPath: string,
  hasLabel: boolean,
  directories: DirectoryModel[],
  files: FileModel[],
  problems: Problem[],
): DirectoryModel {
  const model: DirectoryModel = { path, shortPath, parent, children: [], slotCount: 0, firstCluster: 0, clusterCount: 0 };
  directories.push(model);
  const origin = (child: FatTreeNode): string | undefined =>
    child.kind === 'file' ? (child.source.kind === 'path' ? child.source.path : undefined) : child.origin;
  const report = (child: FatTreeNode, message: string) =>
    problems.push({ file: describeTreePath(joinPath(path, child.name), origin(child)), path: '', message });

  const valid: FatTreeNode[] = [];
  const seen = new Map<string, FatTreeNode>();
  for (const child of [...node.entries].sort(byName)) {
    const problem = longNameProblem(child.name);
    if (problem !== undefined) {
      report(child, problem);
      continue;
    }
    const key = fatNameKey(child.name);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      report(child, `"${child.name}" and "${earlier.name}" in ${path === '' ? 'the root directory' : path} are the same name to FAT, which ignores case`);
      continue;
    }
    seen.set(key, child);
    if (child.kind === 'file') {
      if (!Number.isSafeInteger(child.size) || child.size < 0) report(child, `the size must be a whole number of bytes, got ${child.size}`);
      else if (child.size > MAX_FILE_SIZE) report(child, `the file is ${child.size} bytes; FAT holds files of at most ${MAX_FILE_SIZE} bytes (4 GiB - 1)`);
      else if (child.source.kind === 'bytes' && child.source.bytes.length !== child.size) {
        report(child, `the size says ${child.size} bytes but the contents are ${child.source.bytes.length}`);
      }
    }
    valid.push(child);
  }

  // Exact 8.3 names keep their name; the others get a short name in sorted order.
  const allocator = new ShortNameAllocator();
  const exact = new Map<FatTreeNode, string>();
  for (const child of valid) {
    const raw = exactShortName(child.name);
    if (raw !== undefined && allocator.reserve(raw)) exact.set(child, raw);
  }
  let slots = parent === undefined ? (hasLabel ? 1 : 0) : 2;
  for (const child of valid) {
    const shortName = exact.get(child) ?? allocator.allocate(child.name);
    const needsLongName = !exact.has(child);
    slots += 1 + (needsLongName ? Math.ceil(child.name.length / 13) : 0);
    const childPath = joinPath(path, child.name);
    const childShortPath = joinPath(shortPath, displayShortName(shortName));
    if (child.kind === 'directory') {
      const directory = modelDirectory(child, model, childPath, childShortPath, false, directories, files, problems);
      model.children.push({ name: child.name, shortName, needsLongName, directory });
    } else {
      const file: FileModel = { path: childPath, shortPath: childShortPath, size: child.size, source: child.source, firstCluster: 0, clusterCount: 0 };
      files.push(file);
      model.children.push({ name: child.name, shortName, needsLongName, file });
    }
  }
  model.slotCount = slots;
  if (slots > MAX_DIRECTORY_ENTRIES) {
    problems.push({
      file: describeTreePath(path === '' ? '/' : path, node.origin),
      path: '',
      message: `the directory needs ${slots} entries (long names take several); FAT allows ${MAX_DIRECTORY_ENTRIES}`,
    });
  }
  return model;
}

/** The files in placement order and the tail files, from the options' path lists. */
function placementOrder(
  files: readonly FileModel[],
  options: FatImageOptions,
  problems: Problem[],
): { ordered: FileModel[]; tail: FileModel[] } {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const claimed = new Set<string>();
  const resolve = (list: readonly string[] | undefined, key: string): FileModel[] => {
    const found: FileModel[] = [];
    (list ?? []).forEach((raw, index) => {
      const path = raw.replace(/^\/+/, '');
      const file = byPath.get(path);
      if (file === undefined) {
        problems.push({ file: OPTIONS_FILE, path: `${key}[${index}]`, message: `no file "${path}" in the tree (paths are case-sensitive, relative to the image root)` });
      } else if (claimed.has(path)) {
        problems.push({ file: OPTIONS_FILE, path: `${key}[${index}]`, message: `"${path}" is listed twice in fileOrder and tailFiles` });
      } else {
        claimed.add(path);
        found.push(file);
      }
    });
    return found;
  };
  const first = resolve(options.fileOrder, 'fileOrder');
  const tail = resolve(options.tailFiles, 'tailFiles');
  return { ordered: [...first, ...files.filter((file) => !claimed.has(file.path))], tail };
}

function checkOptions(options: FatImageOptions, problems: Problem[]): void {
  const problem = (path: string, message: string) => problems.push({ file: OPTIONS_FILE, path, message });
  const isCount = (value: number, max: number) => Number.isSafeInteger(value) && value >= 0 && value <= max;
  if (options.size !== undefined) {
    if (!isCount(options.size, MAX_TOTAL_SECTORS * SECTOR_SIZE) || options.size % SECTOR_SIZE !== 0 || options.size === 0) {
      problem('size', `expected a positive multiple of ${SECTOR_SIZE} bytes, got ${options.size}`);
    }
    if (options.minimumSize !== undefined) problem('minimumSize', 'give size or minimumSize, not both');
  }
  if (options.minimumSize !== undefined && !isCount(options.minimumSize, MAX_TOTAL_SECTORS * SECTOR_SIZE)) {
    problem('minimumSize', `expected a number of bytes, got ${options.minimumSize}`);
  }
  if (options.freeSpace !== undefined && !isCount(options.freeSpace, Number.MAX_SAFE_INTEGER)) {
    problem('freeSpace', `expected a number of bytes, got ${options.freeSpace}`);
  }
  if (options.fatType !== undefined && ![12, 16, 32].includes(options.fatType)) problem('fatType', `expected 12, 16 or 32, got ${options.fatType}`);
  const c = options.clusterSize;
  if (c !== undefined && !(Number.isInteger(c) && c >= SECTOR_SIZE && c <= MAX_CLUSTER_SIZE && (c & (c - 1)) === 0)) {
    problem('clusterSize', `expected a power of two from ${SECTOR_SIZE} to ${MAX_CLUSTER_SIZE} bytes, got ${c}`);
  }
  const a = options.dataAlignment;
  if (a !== undefined && !(Number.isSafeInteger(a) && a > 0 && a % SECTOR_SIZE === 0 && a <= 32 * 1024 * 1024)) {
    problem('dataAlignment', `expected a multiple of ${SECTOR_SIZE} bytes up to 32 MiB, got ${a}`);
  }
  const r = options.rootEntryCount;
  if (r !== undefined && !(Number.isInteger(r) && r >= 16 && r <= 65520 && r % 16 === 0)) {
    problem('rootEntryCount', `expected a multiple of 16 from 16 to 65520, got ${r}`);
  }
  if (options.reservedSectors !== undefined && !(isCount(options.reservedSectors, 0xffff) && options.reservedSectors >= 1)) {
    problem('reservedSectors', `expected 1 to 65535, got ${options.reservedSectors}`);
  }
  if (options.hiddenSectors !== undefined && !isCount(options.hiddenSectors, 0xffffffff)) {
    problem('hiddenSectors', `expected 0 to 4294967295, got ${options.hiddenSectors}`);
  }
  if (options.volumeId !== undefined && !isCount(options.volumeId, 0xffffffff)) {
    problem('volumeId', `expected a 32-bit number, got ${options.volumeId}`);
  }
  if (options.volumeLabel !== undefined) {
    const labelProblem = volumeLabelProblem(options.volumeLabel);
    if (labelProblem !== undefined) problem('volumeLabel', labelProblem);
  }
  if (options.date !== undefined && Number.isNaN(options.date.getTime())) problem('date', 'invalid date');
}

function defaultSeed(directories: readonly DirectoryModel[], files: readonly FileModel[], label: string | undefined, date: Date): string {
  return JSON.stringify({
    label: label ?? null,
    date: date.getTime(),
    directories: directories.map((d) => d.path),
    files: files.map((f) => [f.path, f.size]),
  });
}
