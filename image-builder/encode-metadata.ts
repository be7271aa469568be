/**
 * The metadata sectors of a planned image, encoded from the plan (pure): volume descriptors, path tables and
 * directory extents with their Rock Ridge continuation sectors. The writer asks for each when it reaches it,
 * so only one directory is in memory at a time.
 */
import { FileFlag, JOLIET_ESCAPES, MAX_EXTENT_BYTES, SECTOR_SIZE, VolumeDescriptorType } from './iso9660/constants.js';
import { recordingDateTimeOf, volumeDateTimeOf, type RecordingDateTime } from './iso9660/date-time.js';
import {
  CURRENT_DIRECTORY_IDENTIFIER,
  PARENT_DIRECTORY_IDENTIFIER,
  directoryRecordLength,
  systemUseOffset,
  writeDirectoryRecord,
  type DirectoryRecord,
} from './iso9660/directory-record.js';
import { encodeJolietIdentifier } from './iso9660/joliet-name.js';
import { encodePathTable, type PathTableRecord } from './iso9660/path-table.js';
import { encodeVolumeDescriptor, encodeVolumeDescriptorSetTerminator, type VolumeDescriptor } from './iso9660/volume-descriptor.js';
import type { IsoPlan, Namespace, PlannedDirectory, PlannedNode } from './layout/iso-plan.js';
import { rockRidgeOf, walkRecords, type PlannedRecord } from './layout/plan-directories.js';
import { encodeSystemUse, rockRidgeEntries, writeRockRidgeEntries } from './layout/system-use.js';

/** What Cairn writes as the application identifier of its volumes. */
const APPLICATION_ID = 'CAIRN';

const SECTORS_PER_MAX_EXTENT = MAX_EXTENT_BYTES / SECTOR_SIZE;

export function encodePrimaryVolumeDescriptor(plan: IsoPlan): Uint8Array {
  return encodeVolumeDescriptor(volumeDescriptorOf(plan, 'primary'));
}

export function encodeJolietVolumeDescriptor(plan: IsoPlan): Uint8Array {
  return encodeVolumeDescriptor(volumeDescriptorOf(plan, 'joliet'));
}

export { encodeVolumeDescriptorSetTerminator };

function volumeDescriptorOf(plan: IsoPlan, namespace: Namespace): VolumeDescriptor {
  const joliet = namespace === 'joliet';
  const root = (joliet ? plan.jolietDirectories : plan.primaryDirectories)[0]!;
  const table = joliet ? plan.jolietPathTable : plan.primaryPathTable;
  const date = volumeDateTimeOf(plan.date);
  return {
    type: joliet ? VolumeDescriptorType.supplementary : VolumeDescriptorType.primary,
    volumeFlags: 0,
    systemId: '',
    // Joliet's volume id holds 16 UCS-2 characters.
    volumeId: joliet ? plan.volumeId.slice(0, 16) : plan.volumeId,
    volumeSpaceSize: plan.volumeSectors,
    escapeSequences: joliet ? Uint8Array.from(JOLIET_ESCAPES.level3) : new Uint8Array(0),
    volumeSetSize: 1,
    volumeSequenceNumber: 1,
    logicalBlockSize: SECTOR_SIZE,
    pathTableSize: table.size,
    lPathTable: table.lLba,
    optionalLPathTable: 0,
    mPathTable: table.mLba,
    optionalMPathTable: 0,
    rootDirectoryRecord: recordFields(root.lba, root.size, FileFlag.directory, recordingDateTimeOf(new Date(plan.nodes[root.node]!.time * 1000)), CURRENT_DIRECTORY_IDENTIFIER, new Uint8Array(0)),
    volumeSetId: '',
    publisherId: '',
    dataPreparerId: '',
    applicationId: APPLICATION_ID,
    copyrightFileId: '',
    abstractFileId: '',
    bibliographicFileId: '',
    created: date,
    modified: date,
    expires: undefined,
    effective: date,
    fileStructureVersion: 1,
    applicationUse: new Uint8Array(0),
  };
}

export function encodePathTables(plan: IsoPlan, namespace: Namespace): { readonly l: Uint8Array; readonly m: Uint8Array } {
  const directories = namespace === 'primary' ? plan.primaryDirectories : plan.jolietDirectories;
  const records: PathTableRecord[] = directories.map((d, index) => ({
    identifier: index === 0 ? CURRENT_DIRECTORY_IDENTIFIER : identifierBytes(d.identifier, namespace),
    extendedAttributeLength: 0,
    extent: d.lba,
    parent: d.parent + 1,
  }));
  return { l: encodePathTable(records, 'little'), m: encodePathTable(records, 'big') };
}

/** The bytes of a directory of the plan: its extent followed by its continuation sectors. */
export function encodedDirectoryLength(directory: Pick<PlannedDirectory, 'size' | 'continuationSectors'>): number {
  return directory.size + directory.continuationSectors * SECTOR_SIZE;
}

/**
 * Directory `index` of a namespace: its extent followed by its continuation sectors, or (given `into`) the part
 * of those bytes from byte `from` that fits `into`, encoded at its start and returned. The writer encodes every
 * directory through one small window: a buffer for each directory lived on, unreachable, until a full
 * collection, and a buffer the size of the largest (3.4 MiB for /usr/share/man/man1's 17,936 entries) was a
 * steady part of the build's peak memory. A window holds whole sectors (records and continuation areas never
 * cross one); each window walks the directory's records again, which only the few largest directories need.
 */
export function encodeDirectory(plan: IsoPlan, namespace: Namespace, index: number, into?: Uint8Array, from = 0): Uint8Array {
  const directories = namespace === 'primary' ? plan.primaryDirectories : plan.jolietDirectories;
  const directory = directories[index]!;
  const length = encodedDirectoryLength(directory);
  if (from % SECTOR_SIZE !== 0 || from < 0 || from >= length) throw new Error(`directory ${index} takes ${length} bytes: no window of whole sectors starts at byte ${from}`);
  let bytes: Uint8Array;
  if (into === undefined) bytes = new Uint8Array(length - from);
  else if (into.length < length - from && (into.length < SECTOR_SIZE || into.length % SECTOR_SIZE !== 0)) {
    throw new Error(`directory ${index} takes ${length} bytes from byte ${from}, the buffer given has ${into.length}, not whole sectors`);
  } else bytes = into.subarray(0, Math.min(into.length, length - from)).fill(0);
  const end = from + bytes.length;
  // Continuation areas follow the extent: a window that ends before them needs only the records inside it.
  const windowHasContinuations = end > directory.size;
  const firstContinuationLba = directory.lba + directory.size / SECTOR_SIZE;
  // Neighbours mostly share a time (files installed together): each time is converted once in a row.
  let lastTime = Number.NaN;
  let lastRecorded: RecordingDateTime | undefined;
  walkRecords(plan.nodes, directories, index, (record) => {
    const split = record.systemUse;
    // Entries that all fit in the record are written straight into it; others are split with continuation areas.
    const inline = split !== undefined && split.slots.length === 0;
    // A record outside the window matters only for the continuation areas it has there.
    const recordInWindow = record.offset >= from && record.offset < end;
    if (!recordInWindow && (split === undefined || inline || !windowHasContinuations)) return;
    const target = plan.nodes[record.target]!;
    if (target.time !== lastTime || lastRecorded === undefined) {
      lastTime = target.time;
      lastRecorded = recordingDateTimeOf(new Date(target.time * 1000));
    }
    const recorded = lastRecorded;
    let systemUse = NO_BYTES;
    if (split !== undefined && !inline) {
      const encoded = encodeSystemUse(rockRidgeEntries(rockRidgeOf(record, target, index === 0, recorded)), split, firstContinuationLba);
      systemUse = encoded.inline;
      for (const { slot, bytes: slotBytes } of encoded.slots) {
        const at = directory.size + slot.sector * SECTOR_SIZE + slot.offset;
        if (at >= from && at < end) bytes.set(slotBytes, at - from);
      }
    }
    if (!recordInWindow) return;
    const identifier =
      record.role === 'self' ? CURRENT_DIRECTORY_IDENTIFIER : record.role === 'parent' ? PARENT_DIRECTORY_IDENTIFIER : identifierBytes(record.identifier, directory.namespace);
    const fields = directoryRecordOf(record, record.directory === undefined ? undefined : directories[record.directory], target, identifier, systemUse, recorded);
    if (!inline) {
      writeDirectoryRecord(bytes, record.offset - from, fields);
      return;
    }
    writeDirectoryRecord(bytes, record.offset - from, fields, directoryRecordLength(identifier.length, split.inlineLength));
    const written = writeRockRidgeEntries(bytes, record.offset - from + systemUseOffset(identifier.length), rockRidgeOf(record, target, index === 0, recorded));
    if (written !== split.inlineLength) throw new Error(`the Rock Ridge entries of a record in directory ${index} take ${written} bytes, ${split.inlineLength} were planned`);
  });
  return bytes;
}

const NO_BYTES: Uint8Array = new Uint8Array(0);

function identifierBytes(identifier: string, namespace: Namespace): Uint8Array {
  return namespace === 'primary' ? Buffer.from(identifier, 'latin1') : encodeJolietIdentifier(identifier);
}

function directoryRecordOf(
  record: PlannedRecord,
  directory: PlannedDirectory | undefined,
  target: PlannedNode,
  identifier: Uint8Array,
  systemUse: Uint8Array,
  recorded: RecordingDateTime,
): DirectoryRecord {
  if (directory !== undefined) {
    return recordFields(directory.lba, directory.size, FileFlag.directory, recorded, identifier, systemUse);
  }
  if (target.kind !== 'file' || target.size === 0) {
    return recordFields(0, 0, 0, recorded, identifier, systemUse);
  }
  const size = target.size!;
  const last = record.section === record.sections - 1;
  return recordFields(
    target.lba! + record.section * SECTORS_PER_MAX_EXTENT,
    last ? size - record.section * MAX_EXTENT_BYTES : MAX_EXTENT_BYTES,
    last ? 0 : FileFlag.multiExtent,
    recorded,
    identifier,
    systemUse,
  );
}

function recordFields(extent: number, dataLength: number, flags: number, recorded: RecordingDateTime, identifier: Uint8Array, systemUse: Uint8Array): DirectoryRecord {
  return { extendedAttributeLength: 0, extent, dataLength, recorded, flags, fileUnitSize: 0, interleaveGapSize: 0, volumeSequenceNumber: 1, identifier, systemUse };
}
