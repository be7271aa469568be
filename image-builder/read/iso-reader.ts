/**
 * Reads an ISO image back with Cairn's own codecs: the volume descriptors, the primary tree with its Rock
 * Ridge attributes (continuation areas, multi-extent files and relocated deep directories followed), and the
 * Joliet tree. Used by `cairn iso inspect`, and written to read what other tools (xorriso, genisoimage) make,
 * not only Cairn's images. Problems inside an image are collected, not thrown, so that a damaged image
 * still shows what can be read.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../../lib/errors.js';
import { fileReadError } from '../../lib/user-file.js';
import { FIRST_VOLUME_DESCRIPTOR_SECTOR, SECTOR_SIZE, STANDARD_IDENTIFIER, VolumeDescriptorType } from '../iso9660/constants.js';
import {
  decodeBootRecordDescriptor,
  decodeVolumeDescriptor,
  decodeVolumeDescriptorHeader,
  isJolietEscape,
  type VolumeDescriptor,
} from '../iso9660/volume-descriptor.js';
import { checkPathTables } from './path-tables.js';
import { isoDate, TreeWalker, type ImageAccess, type IsoEntry, type IsoTree } from './tree-walker.js';

export type { EntryType, ImageAccess, IsoEntry, IsoTree } from './tree-walker.js';

export interface VolumeDescriptorSummary {
  readonly lba: number;
  readonly type: number;
  readonly kind: 'boot-record' | 'primary' | 'supplementary' | 'joliet' | 'partition' | 'terminator' | 'unknown';
  /** Boot records: their boot system identifier (El Torito's is `EL TORITO SPECIFICATION`). */
  readonly bootSystemId?: string;
}

export interface VolumeSummary {
  readonly volumeId: string;
  readonly systemId: string;
  readonly volumeSetId: string;
  readonly publisherId: string;
  readonly dataPreparerId: string;
  readonly applicationId: string;
  readonly volumeSpaceSize: number;
  readonly logicalBlockSize: number;
  readonly created: string | undefined;
  readonly modified: string | undefined;
  readonly effective: string | undefined;
  readonly rootLba: number;
  /** Bytes of the path table, and the first sectors of its little-endian (L) and big-endian (M) copies. */
  readonly pathTableSize: number;
  readonly lPathTable: number;
  readonly mPathTable: number;
}

export interface IsoImage {
  readonly file: string;
  /** Bytes of the image file. */
  readonly size: number;
  readonly volumeDescriptors: readonly VolumeDescriptorSummary[];
  readonly primary: VolumeSummary;
  readonly joliet: VolumeSummary | undefined;
  /** The Rock Ridge extension announced by the root's ER entry. */
  readonly rockRidge: { readonly identifier: string; readonly version: number } | undefined;
  /** The primary tree, with Rock Ridge names and attributes when the image has them. */
  readonly tree: IsoTree;
  readonly jolietTree: IsoTree | undefined;
  /** What could not be read, in words; empty for a sound image. */
  readonly problems: readonly string[];
}

/** Descriptors read at most before the set is taken to have no terminator. */
const MAX_VOLUME_DESCRIPTORS = 64;

export async function withImage<T>(file: string, use: (access: ImageAccess) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw fileReadError(file, error, 'ISO image');
  }
  try {
    const { size } = await handle.stat();
    const access: ImageAccess = {
      size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        if (buffer.length > 0) await handle.read(buffer, 0, buffer.length, offset);
        return buffer;
      },
    };
    return await use(access);
  } finally {
    await handle.close();
  }
}

export async function readIsoImage(file: string, access: ImageAccess): Promise<IsoImage> {
  const problems: string[] = [];
  const descriptors: VolumeDescriptorSummary[] = [];
  let primary: VolumeDescriptor | undefined;
  let joliet: VolumeDescriptor | undefined;
  for (let i = 0; i < MAX_VOLUME_DESCRIPTORS; i++) {
    const lba = FIRST_VOLUME_DESCRIPTOR_SECTOR + i;
    const sector = await access.read(lba * SECTOR_SIZE, SECTOR_SIZE);
    const header = sector.length < SECTOR_SIZE ? undefined : decodeVolumeDescriptorHeader(sector, 0);
    if (header === undefined || header.identifier !== STANDARD_IDENTIFIER) {
      if (i === 0) throw new UserError(`${file}: not an ISO 9660 image (no volume descriptor at sector 16)`, { hint: 'check that the file is an ISO image' });
      problems.push(`sector ${lba}: the volume descriptor set ends without a terminator`);
      break;
    }
    if (header.type === VolumeDescriptorType.terminator) {
      descriptors.push({ lba, type: header.type, kind: 'terminator' });
      break;
    }
    if (header.type === VolumeDescriptorType.bootRecord) {
      descriptors.push({ lba, type: header.type, kind: 'boot-record', bootSystemId: decodeBootRecordDescriptor(sector, 0).bootSystemId });
    } else if (header.type === VolumeDescriptorType.primary || header.type === VolumeDescriptorType.supplementary) {
      const descriptor = decodeVolumeDescriptor(sector, 0);
      const isJoliet = header.type === VolumeDescriptorType.supplementary && isJolietEscape(descriptor.escapeSequences);
      descriptors.push({ lba, type: header.type, kind: header.type === VolumeDescriptorType.primary ? 'primary' : isJoliet ? 'joliet' : 'supplementary' });
      if (header.type === VolumeDescriptorType.primary && primary === undefined) primary = descriptor;
      if (isJoliet && joliet === undefined) joliet = descriptor;
    } else {
      descriptors.push({ lba, type: header.type, kind: header.type === VolumeDescriptorType.partition ? 'partition' : 'unknown' });
    }
  }
  if (primary === undefined) throw new UserError(`${file}: no primary volume descriptor`, { hint: 'the file is not a readable ISO 9660 image' });

  const walker = new TreeWalker(access, problems);
  const primaryTree = await walker.walk(primary, 'primary');
  await checkPathTables(access, primary, walker.directories, 'primary', problems);
  const jolietTree = joliet === undefined ? undefined : await walker.walk(joliet, 'joliet');
  if (joliet !== undefined) await checkPathTables(access, joliet, walker.directories, 'joliet', problems);
  return {
    file,
    size: access.size,
    volumeDescriptors: descriptors,
    primary: summarize(primary),
    joliet: joliet === undefined ? undefined : summarize(joliet),
    rockRidge: walker.rockRidge,
    tree: primaryTree,
    jolietTree,
    problems,
  };
}


function summarize(descriptor: VolumeDescriptor): VolumeSummary {
  return {
    volumeId: descriptor.volumeId,
    systemId: descriptor.systemId,
    volumeSetId: descriptor.volumeSetId,
    publisherId: descriptor.publisherId,
    dataPreparerId: descriptor.dataPreparerId,
    applicationId: descriptor.applicationId,
    volumeSpaceSize: descriptor.volumeSpaceSize,
    logicalBlockSize: descriptor.logicalBlockSize,
    created: isoDate(descriptor.created),
    modified: isoDate(descriptor.modified),
    effective: isoDate(descriptor.effective),
    rootLba: descriptor.rootDirectoryRecord.extent,
    pathTableSize: descriptor.pathTableSize,
    lPathTable: descriptor.lPathTable,
    mPathTable: descriptor.mPathTable,
  };
}


/**
 * The entry at `path` in the primary tree. `ignoreCase` compares as ISO 9660 readers without Rock Ridge do
 * (isolinux, firmware): names differing only in case are the same.
 */
export function findIsoEntry(image: IsoImage, path: string, options: { readonly ignoreCase?: boolean } = {}): IsoEntry | undefined {
  const key = (p: string) => (options.ignoreCase === true ? p.toLowerCase() : p);
  const wanted = key(path);
  return image.tree.entries.find((entry) => key(entry.path) === wanted);
}

/** The bytes of a regular file of the image, its extents joined; refuses files larger than `limit`. */
export async function readIsoFile(access: ImageAccess, entry: IsoEntry, limit = 16 * 1024 * 1024): Promise<Uint8Array> {
  if (entry.type !== 'file') throw new UserError(`${entry.path} on the ISO is a ${entry.type}, not a file`);
  if (entry.size > limit) throw new UserError(`${entry.path} on the ISO is ${entry.size} bytes, more than the ${limit} this reads`);
  const out = new Uint8Array(entry.size);
  let done = 0;
  for (const extent of entry.extents) {
    const length = Math.min(extent.size, entry.size - done);
    if (length <= 0) break;
    out.set(await access.read(extent.lba * SECTOR_SIZE, length), done);
    done += length;
  }
  return out.subarray(0, done);
}
