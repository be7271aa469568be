/**
 * Applies a plan: every sector in order through SequentialOutput, each part encoded by its codec when the
 * writer reaches it (volume descriptors, path tables, directories, the boot catalog, the MBR and GPT, the
 * boot info table patched into the BIOS image) and file contents streamed from their sources. The image is
 * written to `OUT.tmp` and renamed to `OUT` only when complete; any failure removes the temporary file, so
 * there is never a half-written image.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { UserError, errnoCode } from '../lib/errors.js';
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
import type { IsoPlan, PlannedData, PlannedSystemArea, PlannedVolumeDescriptor } from './layout/iso-plan.js';
import { encodeIsohybridBootCode, SYSTEM_AREA_SIZE } from './layout/plan-hybrid-tables.js';
import { changedError } from './content-identity.js';
import { sourceError } from './scan-sources.js';
import { SequentialOutput } from './sequential-output.js';

/**
 * The most bytes of a directory encoded at a time: whole sectors. Only directories larger than this are walked
 * more than once (/usr/share/man/man1, 3.4 MiB, four times).
 */
const DIRECTORY_WINDOW = 1024 * 1024;

export interface WriteImageOptions {
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
}

/** The temporary name an image is written under: `OUT.iso.tmp`. */
export function temporaryImagePath(output: string): string {
  return `${output}.tmp`;
}

export async function writeIsoImage(plan: IsoPlan, output: string, options: WriteImageOptions = {}): Promise<void> {
  const onProgress = options.onProgress ?? (() => {});
  const temporary = temporaryImagePath(output);
  let fd: number;
  try {
    fd = openSync(temporary, 'w', 0o644);
  } catch (error) {
    throw outputError(temporary, error);
  }
  const total = plan.imageSize;
  onProgress({ kind: 'phase', phase: 'write', title: `Writing ${output}`, total, unit: 'bytes' });
  const counter = progressCounter(onProgress, 'write', total, 'bytes');
  let reported = 0;
  const out = new SequentialOutput(
    fd,
    (position) => {
      counter.advance(position - reported);
      reported = position;
    },
    options.signal,
  );
  try {
    await streamImage(plan, out);
    await out.finish();
    if (out.position !== total) throw new Error(`wrote ${out.position} bytes, planned ${total}`);
    counter.finish();
    closeSync(fd);
    fd = -1;
    await rename(temporary, output).catch((error: unknown) => {
      throw outputError(output, error);
    });
  } catch (error) {
    await out.abandon();
    if (fd !== -1) closeSync(fd);
    await rm(temporary, { force: true });
    // A system error here is the output's (the sources' errors are UserErrors by now): say which file.
    throw !(error instanceof UserError) && errnoCode(error) !== undefined ? outputError(temporary, error) : error;
  }
}

async function streamImage(plan: IsoPlan, out: SequentialOutput): Promise<void> {
  // Both return a promise only when a write has to finish first (see SequentialOutput).
  const seek = (lba: number): Promise<void> | undefined => {
    const target = lba * SECTOR_SIZE;
    if (out.position > target) throw new Error(`layout overlap at sector ${lba}`);
    return out.zeros(target - out.position);
  };
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
  // The data area is most of the pieces (a file each): waited for only when a write has to finish first.
  for (const region of plan.data) {
    let pending = seek(region.lba);
    if (pending !== undefined) await pending;
    pending = stageData(region, out);
    if (pending !== undefined) await pending;
    pending = padToSector(out);
    if (pending !== undefined) await pending;
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
function stageData(region: PlannedData, out: SequentialOutput): Promise<void> | undefined {
  if (region.kind === 'boot-catalog') return out.bytes(encodeBootCatalog(region.catalog));
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
