/**
 * Reading a FAT12/16/32 volume: an image file, a region of a larger file (an ESP inside a disk image or an
 * ISO), or bytes in memory. Lists the tree with sizes, dates and attributes and reads files, following
 * cluster chains (so volumes written by any tool read, not only Cairn's contiguous ones). Long names are
 * used when their checksum matches the short entry, as VFAT drivers do; lower-case flags of short names
 * are honoured. A damaged structure (a chain leaving the volume, a loop) is an error naming the file.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DomainError, UserError, errnoCode } from '../../lib/errors.js';
import { BOOT_SECTOR_SIZE, bootSectorSectorsPerFat, bootSectorTotalSectors, decodeBootSector, type BootSector } from './boot-sector.js';
import {
  ATTRIBUTE,
  DIRECTORY_ENTRY_SIZE,
  NAME_MARK,
  decodeDirectoryEntry,
  displayShortName,
  isLongNameSlot,
  type ShortDirectoryEntry,
} from './directory-entry.js';
import { decodeFatTimestamp } from './fat-date.js';
import { FAT_ENTRY, decodeFat, isEndOfChain, type FatType } from './fat-table.js';
import { fatNameKey } from './file-name.js';
import { decodeFsInfo, hasValidFsInfoSignatures, type FsInfo } from './fs-info.js';
import { CLUSTER_LIMITS, FIRST_CLUSTER, type FatGeometry } from './geometry.js';
import { LAST_LONG_ENTRY_FLAG, decodeLongNameEntry, joinLongNameEntries, type LongNameEntry } from './long-name-entry.js';

/** Random access to the bytes of a volume. */
export interface FatByteSource {
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface FatVolumeInfo {
  readonly type: FatType;
  readonly geometry: FatGeometry;
  readonly bootSector: BootSector;
  readonly volumeId: number;
  /** From the root directory's label entry, else from the boot sector; undefined for "NO NAME". */
  readonly volumeLabel: string | undefined;
  readonly oemName: string;
  /** Counted from the FAT (FSInfo only holds a hint). */
  readonly freeClusters: number;
  readonly fsInfo: FsInfo | undefined;
}

export interface FatEntryInfo {
  /** `/`-separated path from the root, as the long names (or short names) spell it. */
  readonly path: string;
  readonly name: string;
  /** The 8.3 name as stored (`BOOTX64.EFI`, `LONGFI~1.TXT`). */
  readonly shortName: string;
  readonly kind: 'file' | 'directory';
  /** Bytes; 0 for directories. */
  readonly size: number;
  /** ATTRIBUTE bits. */
  readonly attributes: number;
  readonly created: Date;
  readonly modified: Date;
  /** Date only (FAT keeps no access time). */
  readonly accessed: Date;
  readonly firstCluster: number;
}

export class FatImageReader {
  #info: FatVolumeInfo;
  readonly #source: FatByteSource;
  readonly #fat: Uint32Array;
  readonly #name: string;
  #entries: FatEntryInfo[] | undefined;

  private constructor(source: FatByteSource, name: string, info: FatVolumeInfo, fat: Uint32Array) {
    this.#source = source;
    this.#name = name;
    this.#info = info;
    this.#fat = fat;
  }

  get info(): FatVolumeInfo {
    return this.#info;
  }

  /** Opens a volume; `name` is what messages call it. Closes the source if it is not a FAT volume. */
  static async open(source: FatByteSource, name: string): Promise<FatImageReader> {
    try {
      const bootSector = decodeBootSector(await source.read(0, BOOT_SECTOR_SIZE));
      const geometry = geometryOf(bootSector, name);
      const fatBytes = await source.read(geometry.fatOffset, geometry.sectorsPerFat * geometry.sectorSize);
      const fat = decodeFat(geometry.type, fatBytes, 0, FIRST_CLUSTER + geometry.clusterCount);
      let free = 0;
      for (let n = FIRST_CLUSTER; n < fat.length; n++) if (masked(geometry.type, fat[n]!) === FAT_ENTRY.free) free++;
      let fsInfo: FsInfo | undefined;
      if (bootSector.fat32 !== undefined && bootSector.fat32.fsInfoSector !== 0 && bootSector.fat32.fsInfoSector < bootSector.reservedSectors) {
        const decoded = decodeFsInfo(await source.read(bootSector.fat32.fsInfoSector * geometry.sectorSize, 512));
        if (hasValidFsInfoSignatures(decoded)) fsInfo = decoded;
      }
      const bpbLabel = bootSector.extended.bootSignature === 0x29 ? bootSector.extended.volumeLabel.trimEnd() : '';
      const info: FatVolumeInfo = {
        type: geometry.type,
        geometry,
        bootSector,
        volumeId: bootSector.extended.volumeId,
        volumeLabel: bpbLabel === '' || bpbLabel === 'NO NAME' ? undefined : bpbLabel,
        oemName: bootSector.oemName,
        freeClusters: free,
        fsInfo,
      };
      const reader = new FatImageReader(source, name, info, fat);
      // The label entry in the root directory is the label drivers show; the boot sector's copy may be stale.
      const rootLabel = (await reader.#readDirectory(reader.#rootCluster(), '')).label;
      if (rootLabel !== undefined) reader.#info = { ...info, volumeLabel: rootLabel };
      return reader;
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#source.close();
  }

  /** Every file and directory, parents before children, in the order the directories store them. */
  async list(): Promise<readonly FatEntryInfo[]> {
    if (this.#entries === undefined) {
      const entries: FatEntryInfo[] = [];
      const visit = async (cluster: number, path: string, depth: number): Promise<void> => {
        if (depth > 256) throw this.#corrupt(`directories nested deeper than 256 levels at ${path} (a loop?)`);
        for (const entry of (await this.#readDirectory(cluster, path)).entries) {
          entries.push(entry);
          if (entry.kind === 'directory') await visit(entry.firstCluster, entry.path, depth + 1);
        }
      };
      await visit(this.#rootCluster(), '', 0);
      this.#entries = entries;
    }
    return this.#entries;
  }

  /** The entry at `path` (compared as FAT does: without regard to case; short names match too). */
  async find(path: string): Promise<FatEntryInfo | undefined> {
    const parts = path.split('/').filter((p) => p !== '');
    let cluster = this.#rootCluster();
    let found: FatEntryInfo | undefined;
    let at = '';
    for (const part of parts) {
      if (found !== undefined && found.kind !== 'directory') return undefined;
      const key = fatNameKey(part);
      const { entries } = await this.#readDirectory(cluster, at);
      found = entries.find((e) => fatNameKey(e.name) === key || fatNameKey(e.shortName) === key);
      if (found === undefined) return undefined;
      cluster = found.firstCluster;
      at = found.path;
    }
    return found;
  }

  async readFile(path: string): Promise<Uint8Array> {
    const entry = await this.find(path);
    if (entry === undefined) throw new UserError(`${this.#name}: no file ${path} in the FAT volume`);
    if (entry.kind !== 'file') throw new UserError(`${this.#name}: ${path} is a directory, not a file`);
    const out = new Uint8Array(entry.size);
    if (entry.size === 0) return out;
    const clusterSize = this.info.geometry.clusterSize;
    const clusters = this.#chain(entry.firstCluster, entry.path);
    if (clusters.length * clusterSize < entry.size) {
      throw this.#corrupt(`${entry.path} is ${entry.size} bytes but its cluster chain holds only ${clusters.length * clusterSize}`);
    }
    let done = 0;
    for (const run of runsOf(clusters)) {
      const length = Math.min(run.count * clusterSize, entry.size - done);
      if (length <= 0) break;
      out.set(await this.#source.read(this.#clusterOffset(run.first), length), done);
      done += length;
    }
    return out;
  }

  #rootCluster(): number {
    return this.info.bootSector.fat32?.rootCluster ?? 0;
  }

  #clusterOffset(cluster: number): number {
    const g = this.info.geometry;
    return g.dataOffset + (cluster - FIRST_CLUSTER) * g.clusterSize;
  }

  #corrupt(message: string): DomainError {
    return new DomainError('fat-corrupt', `${this.#name}: ${message}`, { hint: 'check the volume with fsck.fat -n' });
  }

  /** The clusters of a chain; an error when it leaves the volume, hits a free or bad cluster, or loops. */
  #chain(first: number, what: string): number[] {
    const type = this.info.type;
    const clusters: number[] = [];
    let cluster = first;
    for (;;) {
      if (cluster < FIRST_CLUSTER || cluster >= this.#fat.length) throw this.#corrupt(`the cluster chain of ${what || '/'} reaches cluster ${cluster}, outside the volume`);
      if (clusters.length >= this.info.geometry.clusterCount) throw this.#corrupt(`the cluster chain of ${what || '/'} loops`);
      clusters.push(cluster);
      const next = masked(type, this.#fat[cluster]!);
      if (isEndOfChain(type, next)) return clusters;
      if (next === FAT_ENTRY.free || next === FAT_ENTRY.bad[type]) throw this.#corrupt(`the cluster chain of ${what || '/'} runs into a ${next === 0 ? 'free' : 'bad'} cluster`);
      cluster = next;
    }
  }

  async #directoryBytes(cluster: number, path: string): Promise<Uint8Array> {
    if (cluster === 0) {
      const g = this.info.geometry;
      if (g.type === 32) throw this.#corrupt(`${path} points at cluster 0`);
      return this.#source.read(g.rootDirectoryOffset, g.rootEntryCount * DIRECTORY_ENTRY_SIZE);
    }
    const clusters = this.#chain(cluster, path);
    const clusterSize = this.info.geometry.clusterSize;
    const bytes = new Uint8Array(clusters.length * clusterSize);
    let done = 0;
    for (const run of runsOf(clusters)) {
      bytes.set(await this.#source.read(this.#clusterOffset(run.first), run.count * clusterSize), done);
      done += run.count * clusterSize;
    }
    return bytes;
  }

  async #readDirectory(cluster: number, path: string): Promise<{ entries: FatEntryInfo[]; label: string | undefined }> {
    const bytes = await this.#directoryBytes(cluster, path);
    const entries: FatEntryInfo[] = [];
    let label: string | undefined;
    let pending: LongNameEntry[] = [];
    for (let at = 0; at + DIRECTORY_ENTRY_SIZE <= bytes.length; at += DIRECTORY_ENTRY_SIZE) {
      const first = bytes[at]!;
      if (first === NAME_MARK.end) break;
      if (first === NAME_MARK.deleted) {
        pending = [];
        continue;
      }
      if (isLongNameSlot(bytes, at)) {
        const part = decodeLongNameEntry(bytes, at);
        pending = part.sequence & LAST_LONG_ENTRY_FLAG ? [part] : [...pending, part];
        continue;
      }
      const entry = decodeDirectoryEntry(bytes, at);
      const longParts = pending;
      pending = [];
      if (entry.attributes & ATTRIBUTE.volumeLabel) {
        if (path === '' && label === undefined) label = entry.name.trimEnd();
        continue;
      }
      if (entry.name.startsWith('.')) continue; // `.` and `..`
      const shortName = displayShortName(entry.name);
      const name = joinLongNameEntries(longParts, entry.name) ?? displayShortName(entry.name, entry.caseFlags);
      entries.push(describeEntry(entry, path === '' ? name : `${path}/${name}`, name, shortName));
    }
    return { entries, label };
  }
}

function describeEntry(entry: ShortDirectoryEntry, path: string, name: string, shortName: string): FatEntryInfo {
  const isDirectory = (entry.attributes & ATTRIBUTE.directory) !== 0;
  return {
    path,
    name,
    shortName,
    kind: isDirectory ? 'directory' : 'file',
    size: isDirectory ? 0 : entry.size,
    attributes: entry.attributes,
    created: decodeFatTimestamp({ date: entry.creationDate, time: entry.creationTime, hundredths: entry.creationHundredths }),
    modified: decodeFatTimestamp({ date: entry.writeDate, time: entry.writeTime, hundredths: 0 }),
    accessed: decodeFatTimestamp({ date: entry.accessDate, time: 0, hundredths: 0 }),
    firstCluster: entry.firstCluster,
  };
}

function masked(type: FatType, value: number): number {
  return type === 32 ? value & FAT_ENTRY.fat32Mask : value;
}

function runsOf(clusters: readonly number[]): { first: number; count: number }[] {
  const runs: { first: number; count: number }[] = [];
  for (const cluster of clusters) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.first + last.count === cluster) last.count++;
    else runs.push({ first: cluster, count: 1 });
  }
  return runs;
}

/** The geometry a boot sector describes; the type is told by the cluster count, as the specification says. */
function geometryOf(bootSector: BootSector, name: string): FatGeometry {
  const notFat = (why: string) =>
    new DomainError('fat-not-fat', `${name} is not a FAT volume: ${why}`, { hint: 'check the file and the offset' });
  const sectorSize = bootSector.bytesPerSector;
  if (![512, 1024, 2048, 4096].includes(sectorSize)) throw notFat(`bytes per sector is ${sectorSize}`);
  const spc = bootSector.sectorsPerCluster;
  if (spc === 0 || (spc & (spc - 1)) !== 0) throw notFat(`sectors per cluster is ${spc}`);
  if (bootSector.fatCount === 0) throw notFat('it has no FAT');
  const sectorsPerFat = bootSectorSectorsPerFat(bootSector);
  const totalSectors = bootSectorTotalSectors(bootSector);
  if (sectorsPerFat === 0 || totalSectors === 0 || bootSector.reservedSectors === 0) throw notFat('the boot sector has zero sizes');
  const rootSectors = Math.ceil((bootSector.rootEntryCount * DIRECTORY_ENTRY_SIZE) / sectorSize);
  const dataSector = bootSector.reservedSectors + bootSector.fatCount * sectorsPerFat + rootSectors;
  if (dataSector >= totalSectors) throw notFat('its metadata is larger than the volume');
  const clusterCount = Math.floor((totalSectors - dataSector) / spc);
  const type: FatType = bootSector.fat32 !== undefined ? 32 : clusterCount < CLUSTER_LIMITS[16].min ? 12 : 16;
  if (type === 32 && bootSector.fat32!.rootCluster < FIRST_CLUSTER) throw notFat('the FAT32 root cluster is invalid');
  if (type !== 32 && bootSector.rootEntryCount === 0) throw notFat('FAT12/16 without a root directory');
  const entriesInFat = Math.floor((sectorsPerFat * sectorSize * 8) / type);
  return {
    type,
    sectorSize,
    totalSectors,
    sectorsPerCluster: spc,
    clusterSize: spc * sectorSize,
    reservedSectors: bootSector.reservedSectors,
    fatCount: bootSector.fatCount,
    sectorsPerFat,
    rootEntryCount: bootSector.rootEntryCount,
    // A FAT too short for the data area leaves the clusters it cannot address unusable.
    clusterCount: Math.min(clusterCount, entriesInFat - FIRST_CLUSTER),
    fatOffset: bootSector.reservedSectors * sectorSize,
    rootDirectoryOffset: (bootSector.reservedSectors + bootSector.fatCount * sectorsPerFat) * sectorSize,
    dataOffset: dataSector * sectorSize,
    size: totalSectors * sectorSize,
  };
}

function fileSource(handle: FileHandle, base: number, name: string): FatByteSource {
  return {
    async read(offset, length) {
      const buffer = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, base + offset + done);
        if (bytesRead === 0) throw new DomainError('fat-truncated', `${name} ends before byte ${base + offset + length} that the FAT volume needs`);
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}

/** Opens the FAT volume in `path`, or the one starting at byte `offset` of it (a partition, an ISO's ESP). */
export async function openFatImage(path: string, options: { readonly offset?: number } = {}): Promise<FatImageReader> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw new UserError(`cannot read ${path}: ${errnoCode(error) === 'ENOENT' ? 'no such file' : String(error)}`, { cause: error });
  });
  const offset = options.offset ?? 0;
  const name = offset === 0 ? path : `${path} at byte ${offset}`;
  return FatImageReader.open(fileSource(handle, offset, name), name);
}

/** Reads a FAT volume held in memory. */
export async function openFatImageBytes(bytes: Uint8Array, name = 'the FAT image'): Promise<FatImageReader> {
  return FatImageReader.open(
    {
      read(offset, length) {
        if (offset + length > bytes.length) return Promise.reject(new DomainError('fat-truncated', `${name} ends before byte ${offset + length} that the FAT volume needs`));
        return Promise.resolve(bytes.subarray(offset, offset + length));
      },
      async close() {},
    },
    name,
  );
}
