/**
 * Putting GRUB's BIOS boot code on a disk that is already partitioned (`cairn boot install --firmware
 * bios|both --disk DISK`): read its table and sector 0, find the BIOS boot partition (or the MBR gap) and
 * the ESP with its FAT volume id, build core.img for it, then write core.img and, last, sector 0. An image
 * file and a block device take the same path: reads and writes at offsets through one file handle.
 *
 * The installer does not come here: it plans the same sectors from its partition plan and writes them with
 * the partition table (partitioning/apply.ts), before the disk is renamed or re-read.
 */
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { DomainError, UserError, errnoCode } from '../../lib/errors.js';
import type { OnProgress } from '../../lib/progress.js';
import { formatSize } from '../../lib/size.js';
import type { SectorBlock } from '../../partitioning/gpt.js';
import { discoverDisks, volumesOf, type DiskInventory } from '../../partitioning/disks.js';
import { readPartitionTable, readSectors } from '../../partitioning/read-table.js';
import { resolveTarget, type Target } from '../../partitioning/target.js';
import { BOOT_SIGNATURE, decodeBootSector } from '../../image-builder/fat/boot-sector.js';
import { formatVolumeId } from '../../image-builder/fat/volume-id.js';
import { buildGrubImage, readGrubBootImage } from '../loader-binaries.js';
import {
  biosBootDiskOfTable,
  findCoreImagePlace,
  findEsp,
  grubPcCoreConfig,
  planGrubPcBootCode,
  type BiosBootDisk,
  type GrubPcBootCode,
  type GrubPcCoreConfig,
} from './boot-code-plan.js';

export interface GrubPcImages {
  readonly core: Uint8Array;
  readonly bootImage: Uint8Array;
}

/** core.img (built by grub-mkimage for this prefix and early configuration) and boot.img, from grub-pc-bin. */
export async function buildGrubPcImages(config: GrubPcCoreConfig, modulesDirectory?: string): Promise<GrubPcImages> {
  const directory = modulesDirectory === undefined ? {} : { modulesDirectory };
  const bootImage = await readGrubBootImage(modulesDirectory);
  const core = await buildGrubImage('i386-pc', { prefix: config.prefix, embeddedConfig: config.embeddedConfig, ...directory });
  return { core, bootImage };
}

/**
 * Writes boot code through an open disk or image: core.img first, made durable, then sector 0 (one sector,
 * so a crash leaves either the old boot sector or the new one, both pointing at a whole core.img when the
 * core did not move).
 */
async function writeBootCodeBlocks(handle: FileHandle, blocks: readonly SectorBlock[], sectorSize: number): Promise<void> {
  for (const block of blocks) {
    await handle.write(block.bytes, 0, block.bytes.length, block.lba * sectorSize);
    await handle.sync();
  }
}

export interface PrepareBootCodeOptions {
  /** The disk (a whole block device, a by-id link) or image file to make bootable. */
  readonly disk: string;
  /** The ESP's partition number, when the caller knows which one is mounted. */
  readonly espPartition?: number;
  /** GRUB's i386-pc module directory (default: from grub-pc-bin). */
  readonly modulesDirectory?: string;
}

/** GRUB's BIOS boot code planned for a disk as it is: nothing written yet. */
export interface PreparedBootCode {
  readonly target: Target;
  readonly description: string;
  readonly code: GrubPcBootCode;
  readonly esp: { readonly partition: number; readonly volumeId: string };
  readonly prefix: string;
}

/**
 * Reads the disk, finds where core.img goes and the ESP with its volume id, builds core.img for them and
 * plans the sectors. Everything that can be refused is refused here, before a byte is written.
 */
export async function prepareGrubPcBootCode(options: PrepareBootCodeOptions): Promise<PreparedBootCode> {
  const target = await diskTarget(options.disk);
  const { sectorSize, sizeBytes, description } = target.identity;
  const handle = await openDisk(target, 'r');
  try {
    const sector0 = await readSectors(handle, 0, 1, sectorSize);
    const disk = biosBootDiskOfTable(description, await readPartitionTable(target.path, sizeBytes, sectorSize), sector0, sizeBytes, sectorSize);
    findCoreImagePlace(disk);
    const espPartition = options.espPartition === undefined ? findEsp(disk) : espNumbered(disk, options.espPartition);
    const volumeId = await readEspVolumeId(handle, disk, espPartition);
    const config = grubPcCoreConfig(disk, { partition: espPartition, volumeId });
    const code = planGrubPcBootCode(disk, await buildGrubPcImages(config, options.modulesDirectory));
    return { target, description, code, esp: { partition: espPartition, volumeId }, prefix: config.prefix };
  } finally {
    await handle.close();
  }
}

/** Writes prepared boot code: core.img, then sector 0. */
export async function writePreparedBootCode(prepared: PreparedBootCode, onProgress?: OnProgress): Promise<void> {
  onProgress?.({ kind: 'phase', phase: 'bios-boot', title: `Writing GRUB for BIOS to ${prepared.description}` });
  const handle = await openDisk(prepared.target, 'r+');
  try {
    await writeBootCodeBlocks(handle, prepared.code.blocks, prepared.target.identity.sectorSize);
  } finally {
    await handle.close();
  }
  const sectors = prepared.code.coreSectors;
  onProgress?.({ kind: 'log', message: `wrote core.img (${formatSize(sectors * prepared.target.identity.sectorSize)}) at sector ${prepared.code.place.firstLba} and GRUB's boot sector of ${prepared.description}` });
}

/** Prepares and writes GRUB's BIOS boot code on a partitioned disk whose ESP is formatted. */
export async function installGrubPcBootCode(options: PrepareBootCodeOptions & { readonly onProgress?: OnProgress }): Promise<PreparedBootCode> {
  const prepared = await prepareGrubPcBootCode(options);
  await writePreparedBootCode(prepared, options.onProgress);
  return prepared;
}

/**
 * The disk holding the filesystem mounted at `directory` (a mounted ESP), and that partition's number,
 * from this machine's disks; undefined when it is no partition of a disk the inventory lists (a plain directory).
 */
export async function findDiskOfMount(directory: string, inventory?: DiskInventory): Promise<{ readonly disk: string; readonly partition: number | undefined } | undefined> {
  const path = await realpath(directory);
  const disks = inventory ?? (await discoverDisks());
  for (const disk of disks.disks) {
    const volume = volumesOf(disk).find((v) => v.mountpoints.includes(path));
    if (volume !== undefined) return { disk: disk.path, partition: volume.partitionNumber };
  }
  return undefined;
}

function espNumbered(disk: BiosBootDisk, number: number): number {
  if (!disk.partitions.some((p) => p.number === number)) throw new UserError(`${disk.description} has no partition ${number}, where the ESP is mounted from`);
  return number;
}

async function diskTarget(path: string): Promise<Target> {
  try {
    await stat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new UserError(`disk ${path} does not exist`, { hint: 'give the disk (or image file) the ESP is on with --disk' });
    throw error;
  }
  const target = await resolveTarget(path);
  if (target.kind === 'block' && target.disk.readOnly) throw new DomainError('read-only', `${target.identity.description} is read-only; GRUB's boot code cannot be written to it`);
  return target;
}

async function openDisk(target: Target, flags: 'r' | 'r+'): Promise<FileHandle> {
  try {
    return await open(target.path, flags);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${target.identity.description}: permission denied`, { hint: target.kind === 'block' ? 'writing a disk\'s boot sector needs root' : 'make the image writable by this user' });
    throw error;
  }
}

/** The ESP's FAT volume id (`XXXX-XXXX`), read from its boot sector. */
async function readEspVolumeId(handle: FileHandle, disk: BiosBootDisk, number: number): Promise<string> {
  const partition = disk.partitions.find((p) => p.number === number);
  if (partition === undefined) throw new UserError(`${disk.description} has no partition ${number}`);
  const bytes = await readSectors(handle, partition.firstLba, 1, disk.sectorSize);
  const sector = bytes.length === disk.sectorSize ? decodeBootSector(bytes) : undefined;
  if (sector === undefined || sector.signature !== BOOT_SIGNATURE || !sector.extended.fsType.startsWith('FAT')) {
    throw new DomainError('esp-not-formatted', `the ESP (partition ${number}) of ${disk.description} holds no FAT filesystem, which GRUB for BIOS would read its menu from`, {
      hint: 'format it first (cairn partition apply formats the ESP), then install the boot loader',
    });
  }
  return formatVolumeId(sector.extended.volumeId);
}
