/**
 * Walks one tree of an ISO (the primary tree, with Rock Ridge names and attributes when the image has them,
 * or the Joliet tree) from its root record: continuation areas, multi-extent files and relocated deep
 * directories followed, every entry with where its data is. Problems are collected, not thrown.
 */
import { FileFlag, SECTOR_SIZE } from '../iso9660/constants.js';
import { dateOf, type RecordingDateTime, type VolumeDateTime } from '../iso9660/date-time.js';
import { decodeDirectoryRecord, type DirectoryRecord } from '../iso9660/directory-record.js';
import { decodeJolietIdentifier } from '../iso9660/joliet-name.js';
import {
  NameFlag,
  PosixFileType,
  ROCK_RIDGE_IDENTIFIERS,
  decodeAlternateName,
  decodeBlockPointer,
  decodePosixAttributes,
  decodeSymbolicLink,
  decodeTimeStamps,
  symlinkTargetOf,
  type PosixAttributes,
  type SymbolicLink,
  type TimeStamps,
} from '../iso9660/rock-ridge.js';
import { decodeContinuationEntry, decodeExtensionReference, decodeSharingProtocolIndicator, decodeSuspEntries, type SuspEntry } from '../iso9660/susp.js';
import type { VolumeDescriptor } from '../iso9660/volume-descriptor.js';

export type EntryType = 'directory' | 'file' | 'symlink' | 'block-device' | 'character-device' | 'fifo' | 'socket';

export interface IsoEntry {
  readonly path: string;
  readonly type: EntryType;
  /** The identifier recorded in this tree (`VMLINUZ.;1`, or the Joliet name). */
  readonly identifier: string;
  /** Rock Ridge PX, when present. */
  readonly mode?: number;
  readonly links?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly inode?: number;
  readonly size: number;
  /** Where the bytes are: one extent, or several for multi-extent files. */
  readonly extents: readonly { readonly lba: number; readonly size: number }[];
  /** Modification time (Rock Ridge TF, else the record's date), ISO 8601 UTC. */
  readonly mtime: string | undefined;
  readonly target?: string;
}

export interface IsoTree {
  readonly namespace: 'primary' | 'joliet';
  /** Whether Rock Ridge names and attributes were used. */
  readonly rockRidge: boolean;
  /** Every entry, the root ("/") first, sorted by path. */
  readonly entries: readonly IsoEntry[];
  /** The sectors of Rock Ridge continuation areas the records of each directory use, as runs of consecutive sectors. */
  readonly continuationAreas: readonly { readonly path: string; readonly lba: number; readonly sectors: number }[];
}

/** Random access to an image file, for the inspect sections that need more than the model. */
export interface ImageAccess {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Limits that keep a damaged or hostile image from sending the reader round in circles. */
const MAX_CONTINUATIONS = 32;
export const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

/** A directory as the tree walk met it, to hold the path tables against. */
export interface WalkedDirectory {
  readonly extent: number;
  readonly parentExtent: number;
  /** Its identifier in the parent, as recorded (bytes as a latin1 string); the root's is "\u0000". */
  readonly identifier: string;
  /** Reached through a Rock Ridge CL entry: the path table has it under the relocation directory. */
  readonly relocated: boolean;
}

/** Modification or volume time as ISO 8601 UTC; undefined when unset or invalid. */
export function isoDate(value: VolumeDateTime | RecordingDateTime | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = dateOf(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** What one directory record (with its SUSP entries) says. */
interface RecordInfo {
  readonly record: DirectoryRecord;
  readonly name: string;
  readonly px?: PosixAttributes;
  readonly tf?: TimeStamps;
  readonly target?: string;
  /** Rock Ridge relocation: CL (this record stands for a directory moved elsewhere), RE (a moved directory: hide it). */
  readonly childLink?: number;
  readonly relocated: boolean;
}

export class TreeWalker {
  rockRidge: { identifier: string; version: number } | undefined;
  /** The directories of the last tree walked. */
  directories: WalkedDirectory[] = [];
  private susp = false;
  private skip = 0;
  /** While a directory's records are read: the sectors their continuation areas are in. */
  private continuationSectors: Set<number> | undefined;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly access: ImageAccess,
    private readonly problems: string[],
  ) {}

  async walk(descriptor: VolumeDescriptor, namespace: 'primary' | 'joliet'): Promise<IsoTree> {
    const root = descriptor.rootDirectoryRecord;
    const entries: IsoEntry[] = [];
    const continuationAreas: { path: string; lba: number; sectors: number }[] = [];
    const useRockRidge = namespace === 'primary' && (await this.detectRockRidge(root));
    const visited = new Set<number>();
    this.directories = [];
    const walkDirectory = async (record: DirectoryRecord, path: string, self: RecordInfo | undefined, parentExtent: number, relocated = false): Promise<void> => {
      this.directories.push({ extent: record.extent, parentExtent, identifier: Buffer.from(self?.record.identifier ?? [0]).toString('latin1'), relocated });
      if (visited.has(record.extent)) {
        this.problems.push(`${namespace} tree: ${path} points at a directory already read (sector ${record.extent}): not followed`);
        return;
      }
      visited.add(record.extent);
      this.continuationSectors = new Set();
      const records = await this.directoryRecords(record, namespace, useRockRidge, path);
      continuationAreas.push(...sectorRuns(this.continuationSectors).map((run) => ({ path, ...run })));
      this.continuationSectors = undefined;
      const own = self ?? records.find((r) => r.record.identifier.length === 1 && r.record.identifier[0] === 0);
      entries.push(this.entryOf(path, own ?? { record, name: '', relocated: false }, record, namespace));
      const children = records.filter((r) => !(r.record.identifier.length === 1 && r.record.identifier[0]! <= 1) && !r.relocated);
      for (let i = 0; i < children.length; i++) {
        const child = children[i]!;
        const childPath = path === '/' ? `/${child.name}` : `${path}/${child.name}`;
        if (child.childLink !== undefined) {
          const moved = await this.readRecordAt(child.childLink);
          if (moved !== undefined) await walkDirectory(moved, childPath, child, record.extent, true);
          continue;
        }
        if (child.record.flags & FileFlag.directory) {
          await walkDirectory(child.record, childPath, child, record.extent);
          continue;
        }
        // A file of 4 GiB or more: records flagged multi-extent, then the last one, all with the same name.
        const sections = [child];
        while (sections[sections.length - 1]!.record.flags & FileFlag.multiExtent) {
          const next = children[i + 1];
          if (next === undefined || next.name !== child.name) {
            this.problems.push(`${namespace} tree: ${childPath}: multi-extent file without its last section`);
            break;
          }
          sections.push(next);
          i++;
        }
        entries.push(this.entryOf(childPath, child, child.record, namespace, sections.map((s) => s.record)));
      }
    };
    await walkDirectory(root, '/', undefined, root.extent);
    entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { namespace, rockRidge: useRockRidge, entries, continuationAreas };
  }

  private entryOf(path: string, info: RecordInfo, record: DirectoryRecord, namespace: 'primary' | 'joliet', sections: readonly DirectoryRecord[] = [record]): IsoEntry {
    const isDirectory = (record.flags & FileFlag.directory) !== 0;
    const type = info.px !== undefined ? typeOfMode(info.px.mode) : isDirectory ? 'directory' : 'file';
    const modified = info.tf?.modified ?? record.recorded;
    const entry: IsoEntry = {
      path,
      type,
      identifier: namespace === 'joliet' ? decodeJolietIdentifier(info.record.identifier) : String.fromCharCode(...info.record.identifier),
      ...(info.px === undefined ? {} : { mode: info.px.mode, links: info.px.links, uid: info.px.uid, gid: info.px.gid, ...(info.px.inode === undefined ? {} : { inode: info.px.inode }) }),
      size: sections.reduce((sum, s) => sum + s.dataLength, 0),
      extents: sections.map((s) => ({ lba: s.extent, size: s.dataLength })),
      mtime: isoDate(modified),
      ...(info.target === undefined ? {} : { target: info.target }),
    };
    return entry;
  }

  /** Rock Ridge is in use when the root's "." record starts with SP; its ER names the extension. */
  private async detectRockRidge(root: DirectoryRecord): Promise<boolean> {
    const sector = await this.access.read(root.extent * SECTOR_SIZE, SECTOR_SIZE);
    let first: DirectoryRecord | undefined;
    try {
      first = decodeDirectoryRecord(sector, 0);
    } catch {
      first = undefined;
    }
    if (first === undefined) return false;
    const entries = decodeSuspEntries(first.systemUse);
    const sp = entries[0] === undefined ? undefined : decodeSharingProtocolIndicator(entries[0]);
    if (sp === undefined) return false;
    this.susp = true;
    this.skip = sp.skip;
    for (const entry of await this.withContinuations(entries, '/')) {
      if (entry.signature === 'ER') {
        const er = decodeExtensionReference(entry);
        if ((ROCK_RIDGE_IDENTIFIERS as readonly string[]).includes(er.identifier)) this.rockRidge = { identifier: er.identifier, version: er.version };
      }
    }
    // Some writers leave out ER; PX or NM entries in the root say Rock Ridge all the same.
    return this.rockRidge !== undefined || entries.some((e) => e.signature === 'PX' || e.signature === 'NM');
  }

  private async readRecordAt(lba: number): Promise<DirectoryRecord | undefined> {
    const sector = await this.access.read(lba * SECTOR_SIZE, SECTOR_SIZE);
    try {
      return decodeDirectoryRecord(sector, 0);
    } catch {
      this.problems.push(`sector ${lba}: relocated directory without a readable "." record`);
      return undefined;
    }
  }

  private async directoryRecords(directory: DirectoryRecord, namespace: 'primary' | 'joliet', rockRidge: boolean, path: string): Promise<RecordInfo[]> {
    if (directory.dataLength > MAX_DIRECTORY_BYTES) {
      this.problems.push(`${namespace} tree: ${path}: directory of ${directory.dataLength} bytes not read`);
      return [];
    }
    const bytes = await this.access.read(directory.extent * SECTOR_SIZE, directory.dataLength);
    const infos: RecordInfo[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      let record: DirectoryRecord | undefined;
      try {
        record = decodeDirectoryRecord(bytes, offset);
      } catch (error) {
        this.problems.push(`${namespace} tree: ${path}: ${(error as Error).message}`);
        break;
      }
      if (record === undefined) {
        // Zero padding up to the next sector.
        offset = (Math.floor(offset / SECTOR_SIZE) + 1) * SECTOR_SIZE;
        continue;
      }
      offset += bytes[offset]!;
      infos.push(rockRidge ? await this.rockRidgeInfo(record, path) : { record, name: plainName(record, namespace), relocated: false });
    }
    return infos;
  }

  private async rockRidgeInfo(record: DirectoryRecord, path: string): Promise<RecordInfo> {
    const isDot = record.identifier.length === 1 && record.identifier[0]! <= 1;
    const isRootSelf = path === '/' && record.identifier.length === 1 && record.identifier[0] === 0;
    const skip = this.susp && !isRootSelf ? this.skip : 0;
    const entries = await this.withContinuations(decodeSuspEntries(record.systemUse, skip), path);
    let name = '';
    let hasName = false;
    let px: PosixAttributes | undefined;
    let tf: TimeStamps | undefined;
    const links: SymbolicLink[] = [];
    let childLink: number | undefined;
    let relocated = false;
    const nameParts: Uint8Array[] = [];
    for (const entry of entries) {
      try {
        switch (entry.signature) {
          case 'NM': {
            const nm = decodeAlternateName(entry);
            if (nm.flags & NameFlag.current) name = '.';
            else if (nm.flags & NameFlag.parent) name = '..';
            else nameParts.push(nm.name);
            hasName = true;
            break;
          }
          case 'PX':
            px = decodePosixAttributes(entry);
            break;
          case 'TF':
            tf = decodeTimeStamps(entry);
            break;
          case 'SL':
            links.push(decodeSymbolicLink(entry));
            break;
          case 'CL':
            childLink = decodeBlockPointer(entry);
            break;
          case 'RE':
            relocated = true;
            break;
        }
      } catch (error) {
        this.problems.push(`${path}: ${entry.signature} entry: ${(error as Error).message}`);
      }
    }
    if (nameParts.length > 0) name = this.decoder.decode(Buffer.concat(nameParts));
    if (!hasName || (name === '' && !isDot)) name = plainName(record, 'primary');
    return {
      record,
      name,
      ...(px === undefined ? {} : { px }),
      ...(tf === undefined ? {} : { tf }),
      ...(links.length > 0 ? { target: this.decoder.decode(symlinkTargetOf(links)) } : {}),
      ...(childLink === undefined ? {} : { childLink }),
      relocated,
    };
  }

  /** The entries of a system use area followed through its CE chain. */
  private async withContinuations(entries: SuspEntry[], path: string): Promise<SuspEntry[]> {
    const all: SuspEntry[] = [];
    let current = entries;
    for (let hop = 0; ; hop++) {
      const ce = current.find((e) => e.signature === 'CE');
      all.push(...current.filter((e) => e.signature !== 'CE'));
      if (ce === undefined) return all;
      if (hop >= MAX_CONTINUATIONS) {
        this.problems.push(`${path}: more than ${MAX_CONTINUATIONS} continuation areas: the rest is not read`);
        return all;
      }
      const area = decodeContinuationEntry(ce);
      const start = area.block * SECTOR_SIZE + area.offset;
      if (area.length > SECTOR_SIZE || start + area.length > this.access.size) {
        this.problems.push(`${path}: continuation area at sector ${area.block} (+${area.offset}, ${area.length} bytes) lies outside the image`);
        return all;
      }
      this.continuationSectors?.add(area.block);
      current = decodeSuspEntries(await this.access.read(start, area.length));
    }
  }
}

/** Sector numbers as runs of consecutive sectors, lowest first. */
function sectorRuns(sectors: ReadonlySet<number>): { lba: number; sectors: number }[] {
  const runs: { lba: number; sectors: number }[] = [];
  for (const sector of [...sectors].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.lba + last.sectors === sector) runs[runs.length - 1] = { lba: last.lba, sectors: last.sectors + 1 };
    else runs.push({ lba: sector, sectors: 1 });
  }
  return runs;
}

/** A name from the identifier alone: the version (`;1`) and a lone trailing dot dropped, as readers show it. */
function plainName(record: DirectoryRecord, namespace: 'primary' | 'joliet'): string {
  const text = namespace === 'joliet' ? decodeJolietIdentifier(record.identifier) : String.fromCharCode(...record.identifier);
  if (record.flags & FileFlag.directory) return text;
  return text.replace(/;\d+$/, '').replace(/\.$/, '');
}

function typeOfMode(mode: number): EntryType {
  switch (mode & PosixFileType.mask) {
    case PosixFileType.directory:
      return 'directory';
    case PosixFileType.symlink:
      return 'symlink';
    case PosixFileType.blockDevice:
      return 'block-device';
    case PosixFileType.characterDevice:
      return 'character-device';
    case PosixFileType.fifo:
      return 'fifo';
    case PosixFileType.socket:
      return 'socket';
    default:
      return 'file';
  }
}
