/**
 * Applies a plan through SequentialOutput: the data area first, file contents streamed from their sources (and
 * the small files the writer was asked to compare hashed as they go, each identical content written once), then
 * the tail, then everything before the data, each part encoded by its codec from the plan as settled (volume
 * descriptors, path tables, directories, the boot catalog, the MBR and GPT, the boot info table patched into the
 * BIOS image). Each file is read once; the output is written in two sequential runs. The image is
 * written to `OUT.tmp` and renamed to `OUT` only when complete; any failure removes the temporary file, so
 * there is never a half-written image.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { UserError, errnoCode } from '../lib/errors.js';
import { collectGarbageNow } from '../lib/heap.js';
import { progressCounter, type OnProgress } from '../lib/progress.js';
import { encodeGpt } from '../partitioning/gpt.js';
import { encodeMbr } from '../partitioning/mbr.js';
import { encodeBootCatalog } from './el-torito/boot-catalog.js';
import { patchBootInfoTable } from './el-torito/boot-info-table.js';
import { encodeBootRecord } from './el-torito/boot-record.js';
import {
  encodeDirectory,
  encodedDirectoryLength,
  encodeJolietVolumeDescriptor,
  encodePathTables,
  encodePrimaryVolumeDescriptor,
  encodeVolumeDescriptorSetTerminator,
} from './encode-metadata.js';
import { hostPathOf, type FileContent } from './image-tree.js';
import { SECTOR_SIZE } from './iso9660/constants.js';
import type { FatVolumeContent } from './layout/iso-layout.js';
import type { ProvisionalLayout } from './layout/plan-layout.js';
import type { IsoPlan, PlannedData, PlannedSystemArea, PlannedVolumeDescriptor } from './layout/iso-plan.js';
import { encodeIsohybridBootCode, SYSTEM_AREA_SIZE } from './layout/plan-hybrid-tables.js';
import { changedError } from './content-identity.js';
import { sourceError } from './scan-sources.js';
import { SequentialOutput } from './sequential-output.js';
import { DigestIndex } from './digest-index.js';
import { DroppedRegions } from './layout/dropped-regions.js';
import { sectorsFor } from './layout/plan-directories.js';

/**
 * The most bytes of a directory encoded at a time: whole sectors. Only directories larger than this are walked
 * more than once (/usr/share/man/man1, 3.4 MiB, four times).
 */
const DIRECTORY_WINDOW = 1024 * 1024;

/**
 * What writeIsoImage() takes to write an image whose writer finds some identical contents itself (prepareIsoImage
 * in build-iso.ts): the provisional layout, and the sizes of the host files to compare as they are copied.
 */
export interface PreparedIso {
  readonly layout: ProvisionalLayout;
  readonly deferredSizes: ReadonlySet<number>;
}

export interface WriteImageOptions {
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
}

/** The temporary name an image is written under: `OUT.iso.tmp`. */
export function temporaryImagePath(output: string): string {
  return `${output}.tmp`;
}

/**
 * Writes a plan, or a prepared image (build-iso.ts) whose writer compares some small files as it copies them;
 * gives the plan as written (a prepared image's settled plan).
 */
export async function writeIsoImage(image: IsoPlan | PreparedIso, output: string, options: WriteImageOptions = {}): Promise<IsoPlan> {
  const prepared: PreparedIso = 'layout' in image ? image : { layout: { plan: image, settle: () => image }, deferredSizes: new Set() };
  collectGarbageNow();
  const onProgress = options.onProgress ?? (() => {});
  const temporary = temporaryImagePath(output);
  let fd: number;
  try {
    fd = openSync(temporary, 'w', 0o644);
  } catch (error) {
    throw outputError(temporary, error);
  }
  // The provisional size: the most the image can be (identical contents found while writing make it smaller).
  const total = prepared.layout.plan.imageSize;
  onProgress({ kind: 'phase', phase: 'write', title: `Writing ${output}`, total, unit: 'bytes' });
  const counter = progressCounter(onProgress, 'write', total, 'bytes');
  const out = new SequentialOutput(fd, (bytes) => counter.advance(bytes), options.signal);
  try {
    const plan = await streamImage(prepared, out);
    await out.finish(plan.imageSize);
    // The phase ends at the image's size, which identical contents found on the way made smaller than announced.
    onProgress({ kind: 'progress', phase: 'write', done: plan.imageSize, total: plan.imageSize, unit: 'bytes' });
    closeSync(fd);
    fd = -1;
    await rename(temporary, output).catch((error: unknown) => {
      throw outputError(output, error);
    });
    return plan;
  } catch (error) {
    await out.abandon();
    if (fd !== -1) closeSync(fd);
    await rm(temporary, { force: true });
    // A system error here is the output's (the sources' errors are UserErrors by now): say which file.
    throw !(error instanceof UserError) && errnoCode(error) !== undefined ? outputError(temporary, error) : error;
  }
}

/**
 * The data area first, from where the plan puts it: each content copied, those of the deferred sizes hashed as
 * they are staged and taken back when identical to one already written. Then the plan is settled, and the rest is
 * written from what it says: the tail after the data, then everything before the data (the system area,
 * descriptors, path tables, directories and the boot catalog, whose values depend on where the data went).
 */
async function streamImage(prepared: PreparedIso, out: SequentialOutput): Promise<IsoPlan> {
  const provisional = prepared.layout.plan;
  // Both return a promise only when a write has to finish first (see SequentialOutput).
  const seek = (lba: number): Promise<void> | undefined => {
    const target = lba * SECTOR_SIZE;
    if (out.position > target) throw new Error(`layout overlap at sector ${lba}`);
    return out.zeros(target - out.position);
  };

  const dataStart = provisional.data[0]?.lba ?? provisional.volumeSectors;
  await out.moveTo(dataStart * SECTOR_SIZE);
  const dropped = await streamData(provisional.data, prepared.deferredSizes, out, seek);
  const plan = prepared.layout.settle(dropped);
  if (out.position !== (plan.data.length === 0 ? dataStart : plan.data.at(-1)!.lba + sectorsFor(plan.data.at(-1)!.size)) * SECTOR_SIZE) {
    throw new Error(`the data area ends at byte ${out.position}, the settled plan has it elsewhere`);
  }

  await seek(plan.volumeSectors);
  if (plan.tail !== undefined) {
    const { backup } = encodeGpt(plan.tail.gpt);
    if (backup.lba * plan.tail.gpt.sectorSize !== plan.tail.offset) throw new Error(`the backup GPT belongs at byte ${backup.lba * plan.tail.gpt.sectorSize}, the tail is at ${plan.tail.offset}`);
    if (backup.bytes.length !== plan.tail.size) throw new Error(`the backup GPT is ${backup.bytes.length} bytes, ${plan.tail.size} were planned`);
    await out.zeros(plan.tail.offset - out.position);
    await out.bytes(backup.bytes);
  }
  await out.zeros(plan.imageSize - out.position);

  await out.moveTo(0);
  await writeHead(plan, out, seek);
  const dataAfterHead = plan.data.find((region) => region.kind !== 'boot-catalog')?.lba ?? plan.volumeSectors;
  if (out.position > dataAfterHead * SECTOR_SIZE) throw new Error(`layout overlap: what comes before the data ends at byte ${out.position}, the data starts at sector ${dataAfterHead}`);
  return plan;
}

/**
 * The data area in the plan's order, the boot catalog's sectors left for writeHead(). Contents of the deferred
 * sizes are staged whole and hashed; one identical to a content already written is taken back, and its region
 * dropped. Returns what was dropped; every region is written where the settled plan will have it.
 */
async function streamData(
  data: readonly PlannedData[],
  deferredSizes: ReadonlySet<number>,
  out: SequentialOutput,
  seek: (lba: number) => Promise<void> | undefined,
): Promise<DroppedRegions> {
  const dropped = new DroppedRegions();
  type HostRegion = Extract<PlannedData, { kind: 'content' }> & { readonly content: Extract<FileContent, { kind: 'host' }> };
  const isDeferred = (region: PlannedData): region is HostRegion =>
    region.kind === 'content' && region.content.kind === 'host' && region.bootInfoTable === undefined && deferredSizes.has(region.size);
  // Grown as contents come, not sized for them all up front: the build's memory is highest as the data area starts
  // (planning's garbage not yet collected), and lower by the time the index has grown.
  const written = new DigestIndex();
  // The data area is most of the pieces (a file each): waited for only when a write has to finish first.
  for (const region of data) {
    const lba = region.lba - dropped.sectors;
    let pending = seek(lba);
    if (pending !== undefined) await pending;
    if (isDeferred(region)) {
      const content = region.content;
      let staged = out.stageFile(hostPathOf(content), content.size, region.origin);
      if (staged instanceof Promise) staged = await staged;
      const digest = createHash('sha256').update(staged).digest();
      const earlier = written.get(content.size, digest);
      if (earlier !== undefined) {
        out.unstage(content.size);
        dropped.drop(region.lba, sectorsFor(region.size), earlier);
        continue;
      }
      written.add(content.size, digest, lba);
      pending = out.endPiece();
    } else if (region.kind === 'boot-catalog') {
      // Its entries depend on where the boot images went: written with the head.
      pending = out.zeros(region.size);
    } else {
      pending = stageData(region.bootInfoTable === undefined ? region : { ...region, bootInfoTable: { ...region.bootInfoTable, fileLba: lba } }, out);
    }
    if (pending !== undefined) await pending;
    pending = padToSector(out);
    if (pending !== undefined) await pending;
  }
  return dropped;
}

/** Everything before the data area, and the boot catalog at its start. */
async function writeHead(plan: IsoPlan, out: SequentialOutput, seek: (lba: number) => Promise<void> | undefined): Promise<void> {
  const sectorAligned = async (bytes: Uint8Array) => {
    await out.bytes(bytes);
    await padToSector(out);
  };
  if (plan.systemArea !== undefined) await out.bytes(encodeSystemArea(plan.systemArea));
  for (const descriptor of plan.volumeDescriptors) {
    await seek(descriptor.lba);
    await out.bytes(encodeDescriptor(plan, descriptor));
  }
  for (const [namespace, table] of [['primary', plan.primaryPathTable], ['joliet', plan.jolietPathTable]] as const) {
    const { l, m } = encodePathTables(plan, namespace);
    await seek(table.lLba);
    await sectorAligned(l);
    await seek(table.mLba);
    await sectorAligned(m);
  }
  // Every directory is encoded through one window of DIRECTORY_WINDOW bytes at most (see encodeDirectory):
  // out.bytes() has copied a window's bytes before the next is encoded.
  const namespaces = [['primary', plan.primaryDirectories], ['joliet', plan.jolietDirectories]] as const;
  let largest = 0;
  for (const [, directories] of namespaces) for (const directory of directories) largest = Math.max(largest, encodedDirectoryLength(directory));
  const window = new Uint8Array(Math.min(largest, DIRECTORY_WINDOW));
  for (const [namespace, directories] of namespaces) {
    for (const [index, directory] of directories.entries()) {
      await seek(directory.lba);
      const length = encodedDirectoryLength(directory);
      for (let from = 0; from < length; from += window.length) await out.bytes(encodeDirectory(plan, namespace, index, window, from));
    }
  }
  const catalog = plan.data[0];
  if (catalog?.kind === 'boot-catalog') {
    await seek(catalog.lba);
    await sectorAligned(encodeBootCatalog(catalog.catalog));
  }
}

/** The first 16 sectors: the MBR (isohdpfx boot code, entries) and the primary GPT. */
function encodeSystemArea(area: PlannedSystemArea): Uint8Array {
  const bytes = new Uint8Array(SYSTEM_AREA_SIZE);
  bytes.set(encodeMbr({ ...area.mbr, ...(area.isohybrid === undefined ? {} : { bootCode: encodeIsohybridBootCode(area.isohybrid) }) }), 0);
  if (area.gpt !== undefined) {
    const { primary } = encodeGpt(area.gpt);
    bytes.set(primary.bytes, primary.lba * area.gpt.sectorSize);
  }
  return bytes;
}

function encodeDescriptor(plan: IsoPlan, descriptor: PlannedVolumeDescriptor): Uint8Array {
  switch (descriptor.kind) {
    case 'primary':
      return encodePrimaryVolumeDescriptor(plan);
    case 'boot-record':
      return encodeBootRecord({ catalogLba: descriptor.catalogLba });
    case 'joliet':
      return encodeJolietVolumeDescriptor(plan);
    case 'terminator':
      return encodeVolumeDescriptorSetTerminator();
  }
}

/** Stages a region's bytes (not the padding after them): a promise to wait for, or undefined (see SequentialOutput). */
function stageData(region: Extract<PlannedData, { kind: 'content' }>, out: SequentialOutput): Promise<void> | undefined {
  if (region.bootInfoTable !== undefined) return out.bytes(patchBootInfoTable(readContent(region.content as FileContent, region.origin), region.bootInfoTable));
  if (region.content.kind === 'bytes') return out.bytes(region.content.bytes);
  if (region.content.kind === 'host') return out.file(hostPathOf(region.content), region.content.size, region.origin);
  return writeFatVolumeStart(region.content, out, region.origin);
}

/** The start of a FAT volume, from its plan's regions: metadata bytes, zeros, and the contents of its files. */
async function writeFatVolumeStart(content: FatVolumeContent, out: SequentialOutput, origin: string): Promise<void> {
  const start = out.position;
  for (const region of content.regions) {
    if (out.position - start !== region.offset) throw new Error(`${origin}: the FAT region at byte ${region.offset} is at ${out.position - start}`);
    if (region.kind === 'zero') await out.zeros(region.length);
    else if (region.kind === 'bytes') await out.bytes(region.bytes);
    else if (region.source.kind === 'bytes') await out.bytes(region.source.bytes);
    else await out.file(region.source.path, region.length, `${origin}: ${region.path}`);
  }
  if (out.position - start !== content.size) throw new Error(`${origin}: the FAT regions cover ${out.position - start} bytes, ${content.size} were planned`);
}

/** A small file read whole (a BIOS boot image, to patch), checked against the size it was planned with. */
function readContent(content: FileContent, origin: string): Uint8Array {
  if (content.kind === 'bytes') return content.bytes;
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(hostPathOf(content));
  } catch (error) {
    throw sourceError(`${origin} (${hostPathOf(content)})`, error);
  }
  if (bytes.length !== content.size) throw changedError(`${origin} (${hostPathOf(content)})`);
  return bytes;
}

function padToSector(out: SequentialOutput): Promise<void> | undefined {
  const rest = out.position % SECTOR_SIZE;
  return rest === 0 ? undefined : out.zeros(SECTOR_SIZE - rest);
}

function outputError(path: string, error: unknown): UserError {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new UserError(`cannot write ${path}: its folder does not exist`, { hint: 'create the folder or choose another output path' });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new UserError(`cannot write ${path}: permission denied`, { hint: 'choose an output path you can write to' });
  if (code === 'ENOSPC') return new UserError(`cannot write ${path}: no space left on the device`, { hint: 'free some space or write the image elsewhere' });
  if (code === 'EISDIR') return new UserError(`cannot write ${path}: it is a directory`, { hint: 'name the image file, e.g. -o out/cairn.iso' });
  return new UserError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
}
