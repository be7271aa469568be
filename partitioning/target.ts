/**
 * The one target preparation `cairn partition plan|apply` and the installer share. What TARGET names: an
 * image file (existing, or to be created sparse with --size) or a whole disk of the machine's inventory
 * (this machine, or a recording, whose disks are never written). A directory, a partition, a missing device
 * or an image without a size is a clear error before anything is planned. Then what is asked of it (pins
 * such as --expect-serial and --expect-size, the layout's minimum size) and the disk's own state
 * (safety.ts) give its refusals, raised as one error type (safety.ts `refusalError`).
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { DomainError, UserError, errnoCode } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import { thisMachine, type Machine } from '../system/machine/recording.js';
import type { Layout } from '../system/layout.js';
import { describeDisk, findDisk, findDiskOfVolume, readDiskInventory, type Disk, type DiskInventory } from './disks.js';
import { minimumDiskBytes, type DiskIdentity } from './plan.js';
import { diskRefusals, refusalError, requestRefusals, type Refusal, type TargetPins } from './safety.js';

export type Target =
  | { readonly kind: 'image'; readonly path: string; readonly exists: boolean; readonly identity: DiskIdentity }
  | {
      readonly kind: 'block';
      readonly path: string;
      readonly disk: Disk;
      /** The machine the disk was found on: apply reads its disks again from there just before writing. */
      readonly machine: Machine;
      readonly identity: DiskIdentity;
    };

export interface ResolveTargetOptions {
  /** Size of an image to create (`--size`), in bytes; refused for a disk, whose size is its own. */
  readonly sizeBytes?: number;
  /** Where disks are looked up: this machine by default, or a recording (`--from`). */
  readonly machine?: Machine;
  /** The machine's inventory when already read (it is read from `machine` otherwise). */
  readonly inventory?: DiskInventory;
}

export function identityOfDisk(disk: Disk, path: string): DiskIdentity {
  return {
    kind: 'block',
    path,
    sizeBytes: disk.sizeBytes,
    sectorSize: disk.sectorSize,
    ...(disk.serial === undefined ? {} : { serial: disk.serial }),
    ...(disk.model === undefined ? {} : { model: disk.model }),
    ...(disk.byId[0] === undefined ? {} : { byId: disk.byId[0] }),
    description: describeDisk(disk),
  };
}

export function identityOfImage(path: string, sizeBytes: number): DiskIdentity {
  return { kind: 'image', path, sizeBytes, sectorSize: 512, description: `image file ${path} (${formatSize(sizeBytes)})` };
}

/**
 * The default seed of a target's identifiers: a disk's serial (or by-id name) and size, an image's file
 * name and size. The same target gives the same GUIDs and UUIDs; `--seed` overrides it.
 */
export function defaultSeed(identity: DiskIdentity): string {
  if (identity.kind === 'block') return `disk:${identity.serial ?? identity.byId ?? identity.path}:${identity.sizeBytes}`;
  return `image:${basename(identity.path)}:${identity.sizeBytes}`;
}

export async function resolveTarget(path: string, options: ResolveTargetOptions = {}): Promise<Target> {
  const machine = options.machine ?? thisMachine();
  const inventory = async () => options.inventory ?? (await readDiskInventory(machine));
  if (machine.recorded) {
    // A recording describes another machine: its paths are looked up in it, never on this one.
    const recorded = await inventory();
    const disk = findDisk(recorded, path);
    if (disk !== undefined) return blockTarget(disk, path, machine, options.sizeBytes);
    const holder = findDiskOfVolume(recorded, path);
    if (holder !== undefined) throw partitionNotDisk(path, holder.disk);
    if (path.startsWith('/dev/')) {
      throw new UserError(`${path} is not a disk of the recorded machine (${recorded.source})`, { hint: `cairn partition disks --from ${recorded.source} lists its disks` });
    }
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw new UserError(`${path}: cannot inspect the target: ${(error as Error).message}`);
    if (path.startsWith('/dev/')) throw new UserError(`${path}: no such device`, { hint: 'cairn partition disks lists the disks of this machine' });
    if (options.sizeBytes === undefined) {
      throw new UserError(`${path} does not exist: give --size to create it as a sparse image file (for example --size 8G)`, { hint: 'or name an existing image file or disk' });
    }
    const parent = dirname(resolve(path));
    const parentInfo = await stat(parent).catch(() => undefined);
    if (parentInfo?.isDirectory() !== true) throw new UserError(`${path}: the directory ${parent} does not exist`);
    return { kind: 'image', path: resolve(path), exists: false, identity: identityOfImage(resolve(path), options.sizeBytes) };
  }
  if (info.isDirectory()) throw new UserError(`${path} is a directory: give an image file or a whole disk`);
  if (info.isFile()) {
    const absolute = resolve(path);
    if (options.sizeBytes !== undefined && info.size !== 0 && info.size !== options.sizeBytes) {
      throw new DomainError('image-size-differs', `${path} is ${formatSize(info.size)} (${info.size} bytes), --size says ${formatSize(options.sizeBytes)}: Cairn does not resize images`, {
        expected: options.sizeBytes,
        actual: info.size,
        hint: 'drop --size to use the image as it is, or remove the file to create it anew',
      });
    }
    if (info.size === 0 && options.sizeBytes === undefined) {
      throw new UserError(`${path} is empty: give --size to make it an image of that size`);
    }
    const size = info.size === 0 ? options.sizeBytes! : info.size;
    return { kind: 'image', path: absolute, exists: true, identity: identityOfImage(absolute, size) };
  }
  if (info.isBlockDevice() && !machine.recorded) {
    const disks = await inventory();
    const real = await realpath(path);
    const disk = findDisk(disks, path) ?? findDisk(disks, real);
    if (disk !== undefined) return blockTarget(disk, path, machine, options.sizeBytes);
    const holder = findDiskOfVolume(disks, real);
    if (holder !== undefined) throw partitionNotDisk(path, holder.disk);
    throw new UserError(`${path} is a block device but not a disk (a partition, a loop device or a device-mapper volume?)`, {
      hint: 'give a whole disk; cairn partition disks lists them',
    });
  }
  throw new UserError(`${path} is neither an image file nor a block device`);
}

function blockTarget(disk: Disk, path: string, machine: Machine, sizeBytes: number | undefined): Target {
  if (sizeBytes !== undefined) throw new UserError(`--size is for image files; ${describeDisk(disk)} is a disk, whose size is its own`);
  return diskTarget(disk, machine, path);
}

/** A disk of a machine's inventory as a target, named by its preferred by-id name (or the path given). */
export function diskTarget(disk: Disk, machine: Machine, path: string = disk.byId[0] ?? disk.path): Target {
  return { kind: 'block', path, disk, machine, identity: identityOfDisk(disk, path) };
}

function partitionNotDisk(path: string, disk: Disk): UserError {
  return new UserError(`${path} is a partition of ${describeDisk(disk)}, not a whole disk`, {
    hint: `give the whole disk (${disk.byId[0] ?? disk.path}); its whole table is rewritten`,
  });
}

/** What is asked of a target: its pins, and the layout it is for (its minimum size). */
export interface TargetRequest {
  readonly pins?: TargetPins;
  /** The layout to be written; without it (a disk not yet given a layout) the size is not checked. */
  readonly layout?: Layout;
}

/** Every refusal of a target for a request: the disk's own state (safety.ts), then the pins and the minimum size. */
export function targetRefusals(target: Target, request: TargetRequest = {}): Refusal[] {
  const minimumBytes = request.layout === undefined ? undefined : minimumDiskBytes(request.layout, target.identity.sectorSize);
  return [
    ...(target.kind === 'block' ? diskRefusals(target.disk) : []),
    ...requestRefusals({ kind: target.kind, sizeBytes: target.identity.sizeBytes, ...(target.identity.serial === undefined ? {} : { serial: target.identity.serial }) }, request.pins, minimumBytes),
  ];
}

/** Refusals that make a plan meaningless: the target is not the one pinned, or the layout cannot fit. */
const PREVENTS_PLANNING: ReadonlySet<Refusal['code']> = new Set(['serial-mismatch', 'size-mismatch', 'too-small']);

export interface PreparedTarget {
  readonly target: Target;
  /** What would refuse writing it (a mounted disk, the live medium, ...): a plan may still be shown. */
  readonly refusals: readonly Refusal[];
}

/**
 * Resolves a target and checks the request against it. A target that is not the one pinned, or too small
 * for the layout, is refused at once (every reason listed); other refusals are returned, so that a plan can
 * be shown with a warning, and raised by assertTargetWritable before anything is written.
 */
export async function prepareTarget(path: string, options: ResolveTargetOptions & TargetRequest = {}): Promise<PreparedTarget> {
  const target = await resolveTarget(path, options);
  const refusals = targetRefusals(target, options);
  if (refusals.some((r) => PREVENTS_PLANNING.has(r.code))) throw refusalError(target.identity.description, refusals);
  return { target, refusals };
}

/** Throws the refusal error listing every reason, or returns when the target may be written for this request. */
export function assertTargetWritable(target: Target, request: TargetRequest = {}): void {
  const refusals = targetRefusals(target, request);
  if (refusals.length > 0) throw refusalError(target.identity.description, refusals);
}

/** A disk found in a recording describes another machine: nothing is ever written to it. */
export function assertOnThisMachine(target: Target): void {
  if (target.kind === 'block' && target.machine.recorded) {
    throw new DomainError('recorded-machine', `${target.identity.description} is a disk of a recorded machine (${target.machine.origin}); it describes another machine, so nothing is written`, {
      hint: 'a recording is for planning and tests (--dry-run, plan); run Cairn on the machine itself to write its disks',
    });
  }
}
