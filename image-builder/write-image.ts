/**
 * Streams a planned image to disk: the parts computed from the layout first (system area, extra descriptors,
 * generated extents, patched files, the tail: all small), then every sector in order through
 * SequentialOutput. The image is written to `OUT.tmp` and renamed to `OUT` only when complete; any failure
 * removes the temporary file, so there is never a half-written image.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { UserError, errnoCode } from '../lib/errors.js';
import { progressCounter, type OnProgress } from '../lib/progress.js';
import {
  encodeDirectory,
  encodeJolietVolumeDescriptor,
  encodePathTables,
  encodePrimaryVolumeDescriptor,
  encodeVolumeDescriptorSetTerminator,
} from './encode-metadata.js';
import { SECTOR_SIZE, SYSTEM_AREA_SECTORS } from './iso9660/constants.js';
import type { ComputeFromLayout, IsoLayout } from './layout/iso-layout.js';
import type { DataRegion, IsoPlan } from './layout/plan-layout.js';
import { changedError } from './content-identity.js';
import { sourceError } from './scan-sources.js';
import { SequentialOutput } from './sequential-output.js';
import { describeOrigin } from './image-tree.js';

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
  const generated = await computeGeneratedParts(plan);
  const temporary = temporaryImagePath(output);
  let fd: number;
  try {
    fd = openSync(temporary, 'w', 0o644);
  } catch (error) {
    throw outputError(temporary, error);
  }
  const total = plan.layout.imageSize;
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
    await streamImage(plan, out, generated);
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

interface GeneratedParts {
  readonly systemArea: Uint8Array | undefined;
  readonly descriptors: readonly Uint8Array[];
  readonly regions: ReadonlyMap<DataRegion, Uint8Array>;
  readonly tail: Uint8Array | undefined;
}

/** Everything computed from the final layout, checked against the sizes announced when planning. */
async function computeGeneratedParts(plan: IsoPlan): Promise<GeneratedParts> {
  const { layout, extensions } = plan;
  const systemArea = extensions.systemArea === undefined ? undefined : await computed(extensions.systemArea, layout, 'the system area', undefined, SYSTEM_AREA_SECTORS * SECTOR_SIZE);
  const descriptors: Uint8Array[] = [];
  for (const descriptor of extensions.volumeDescriptors ?? []) {
    descriptors.push(await computed(descriptor.compute, layout, `volume descriptor "${descriptor.id}"`, SECTOR_SIZE));
  }
  const regions = new Map<DataRegion, Uint8Array>();
  for (const region of plan.dataRegions) {
    if (region.kind === 'computed') regions.set(region, await computed(region.compute, layout, region.origin, region.size));
    if (region.kind === 'patched') regions.set(region, patchFile(region, layout));
  }
  const tail = extensions.tail === undefined ? undefined : await computed(extensions.tail.compute, layout, 'the tail', extensions.tail.size);
  return { systemArea, descriptors, regions, tail };
}

async function computed(compute: ComputeFromLayout, layout: IsoLayout, what: string, size: number | undefined, max = size): Promise<Uint8Array> {
  const bytes = await compute(layout);
  if ((size !== undefined && bytes.length !== size) || (max !== undefined && bytes.length > max)) {
    throw new Error(`${what} computed ${bytes.length} bytes, ${size === undefined ? `at most ${max}` : size} were planned`);
  }
  return bytes;
}

function patchFile(region: Extract<DataRegion, { kind: 'patched' }>, layout: IsoLayout): Uint8Array {
  const { file } = region;
  let original: Uint8Array;
  if (file.content.kind === 'bytes') original = file.content.bytes;
  else {
    try {
      original = readFileSync(file.content.path);
    } catch (error) {
      throw sourceError(describeOrigin(file), error);
    }
    if (original.length !== file.content.size) throw changedError(describeOrigin(file));
  }
  const patched = file.patch!({ layout, lba: region.lba, original: Uint8Array.from(original) });
  if (patched.length !== original.length) throw new Error(`the patch of ${region.path} changed its size from ${original.length} to ${patched.length} bytes`);
  return patched;
}

async function streamImage(plan: IsoPlan, out: SequentialOutput, generated: GeneratedParts): Promise<void> {
  const { layout } = plan;
  const seek = async (lba: number) => {
    const target = lba * SECTOR_SIZE;
    if (out.position > target) throw new Error(`layout overlap at sector ${lba}`);
    await out.zeros(target - out.position);
  };
  const sectorAligned = async (bytes: Uint8Array) => {
    await out.bytes(bytes);
    const rest = bytes.length % SECTOR_SIZE;
    if (rest !== 0) await out.zeros(SECTOR_SIZE - rest);
  };

  if (generated.systemArea !== undefined) await out.bytes(generated.systemArea);
  await seek(layout.primaryVolumeDescriptorLba);
  await out.bytes(encodePrimaryVolumeDescriptor(plan));
  for (const [index, lba] of layout.extraVolumeDescriptorLbas.entries()) {
    await seek(lba);
    await out.bytes(generated.descriptors[index]!);
  }
  await seek(layout.jolietVolumeDescriptorLba);
  await out.bytes(encodeJolietVolumeDescriptor(plan));
  await seek(layout.terminatorLba);
  await out.bytes(encodeVolumeDescriptorSetTerminator());

  for (const [namespace, table] of [['primary', plan.primaryPathTable], ['joliet', plan.jolietPathTable]] as const) {
    const { l, m } = encodePathTables(plan, namespace);
    await seek(table.lLba);
    await sectorAligned(l);
    await seek(table.mLba);
    await sectorAligned(m);
  }
  for (const directory of [...plan.primaryDirectories, ...plan.jolietDirectories]) {
    await seek(directory.lba);
    await out.bytes(encodeDirectory(directory));
  }
  for (const region of plan.dataRegions) {
    await seek(region.lba);
    if (region.kind === 'content') {
      if (region.content.kind === 'bytes') await sectorAligned(region.content.bytes);
      else {
        await out.file(region.content.path, region.content.size, `${region.origin} (${region.content.path})`);
        const rest = region.size % SECTOR_SIZE;
        if (rest !== 0) await out.zeros(SECTOR_SIZE - rest);
      }
    } else {
      await sectorAligned(generated.regions.get(region)!);
    }
  }
  await seek(layout.volumeSectors);
  if (layout.tail !== undefined) {
    await out.zeros(layout.tail.offset - out.position);
    await out.bytes(generated.tail!);
  }
  await out.zeros(layout.imageSize - out.position);
}

function outputError(path: string, error: unknown): UserError {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new UserError(`cannot write ${path}: its folder does not exist`, { hint: 'create the folder or choose another output path' });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new UserError(`cannot write ${path}: permission denied`, { hint: 'choose an output path you can write to' });
  if (code === 'ENOSPC') return new UserError(`cannot write ${path}: no space left on the device`, { hint: 'free some space or write the image elsewhere' });
  if (code === 'EISDIR') return new UserError(`cannot write ${path}: it is a directory`, { hint: 'name the image file, e.g. -o out/cairn.iso' });
  return new UserError(`cannot write ${path}: ${error instanceof Error ? error.message : String(error)}`);
}
