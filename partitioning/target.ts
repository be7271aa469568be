/**
 * What TARGET names: an image file (existing, or to be created sparse with --size) or a whole block device
 * found in the disk inventory. A directory, a partition, a missing device or an image without a size is a
 * clear error before anything is planned.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { DomainError, UserError, errnoCode } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import { describeDisk, discoverDisks, findDisk, findDiskOfVolume, type Disk, type DiskInventory } from './disks.js';
import type { DiskIdentity } from './plan.js';

export type Target =
  | { readonly kind: 'image'; readonly path: string; readonly exists: boolean; readonly identity: DiskIdentity }
  | { readonly kind: 'block'; readonly path: string; readonly disk: Disk; readonly inventory: DiskInventory; readonly identity: DiskIdentity };

export interface ResolveTargetOptions {
  /** Size of an image to create (`--size`), in bytes. */
  readonly sizeBytes?: number;
  /** The disks to look the target up in; this machine's (lsblk) when absent. */
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

function blockTarget(disk: Disk, path: string, inventory: DiskInventory): Target {
  return { kind: 'block', path, disk, inventory, identity: identityOfDisk(disk, path) };
}

export async function resolveTarget(path: string, options: ResolveTargetOptions = {}): Promise<Target> {
  if (options.inventory?.recorded === true) {
    const recorded = findDisk(options.inventory, path);
    if (recorded !== undefined) return blockTarget(recorded, path, options.inventory);
    const holder = findDiskOfVolume(options.inventory, path);
    if (holder !== undefined) throw partitionNotDisk(path, holder.disk);
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
  if (info.isBlockDevice()) {
    const inventory = options.inventory ?? (await discoverDisks());
    const real = await realpath(path);
    const disk = findDisk(inventory, path) ?? findDisk(inventory, real);
    if (disk !== undefined) return blockTarget(disk, path, inventory);
    const holder = findDiskOfVolume(inventory, real);
    if (holder !== undefined) throw partitionNotDisk(path, holder.disk);
    throw new UserError(`${path} is a block device but not a disk lsblk lists (a partition, a loop device or a device-mapper volume?)`, {
      hint: 'give a whole disk; cairn partition disks lists them',
    });
  }
  throw new UserError(`${path} is neither an image file nor a block device`);
}

function partitionNotDisk(path: string, disk: Disk): UserError {
  return new UserError(`${path} is a partition of ${describeDisk(disk)}, not a whole disk`, {
    hint: `give the whole disk (${disk.byId[0] ?? disk.path}); its whole table is rewritten`,
  });
}
