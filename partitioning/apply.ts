/**
 * Applying a partition plan: checks the target is the disk that was planned for and may be written, writes
 * the partition table, creates the filesystems (filled from directories where asked), and reports progress
 * through events. Nothing is written before every check has passed.
 *
 * An image file is built under a temporary name beside it and renamed over the target at the end, so a
 * failure or Ctrl-C leaves the old file (or no file) as it was, and applying the same plan again simply
 * starts over: the installer relies on that to be restartable.
 */
import { constants } from 'node:fs';
import { access, open, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { syncDirectory, temporaryNameFor } from '../lib/atomic-file.js';
import { CancelledError, DomainError, UserError, errnoCode } from '../lib/errors.js';
import { ignoreProgress, type OnProgress } from '../lib/progress.js';
import { run } from '../lib/run.js';
import { formatSize } from '../lib/size.js';
import { requireTools } from '../lib/tools.js';
import { checkReadableDirectory } from './populate-source.js';
import { describeDisk, findDisk, partitionDeviceName, readDiskInventory, type DiskInventory } from './disks.js';
import { POPULATABLE_FORMATS, checkFilesystemsPossible, createFilesystem, toolsForFormats, type FilesystemPlace } from './filesystems.js';
import type { SectorBlock } from './gpt.js';
import { closeLuks, formatAndOpenLuks, type LuksFormat } from './luks.js';
import { encodePlanTable } from './plan-table.js';
import type { PartitionPlan, PlannedFilesystem } from './plan.js';
import type { TargetPins } from './safety.js';
import { assertOnThisMachine, assertTargetWritable, identityOfDisk, type Target } from './target.js';

export interface ApplyOptions {
  readonly onProgress?: OnProgress;
  /** Directories whose contents fill the new filesystems, by partition name (ext4, btrfs, vfat). */
  readonly populate?: Readonly<Record<string, string>>;
  /** Pins for unattended runs: the disk must have this serial and size. */
  readonly pins?: TargetPins;
  /** Stops at the next safe point (Ctrl-C) with a CancelledError. */
  readonly signal?: AbortSignal;
  /** Reads the disks again right before writing a block device; by default from the machine the target was found on. */
  readonly rediscover?: () => Promise<DiskInventory>;
  /**
   * Boot code written right after the partition table, in order (GRUB's core.img in the BIOS boot
   * partition, then its boot sector over sector 0, which must keep the table: bootloader/grub-pc).
   */
  readonly bootCode?: readonly SectorBlock[];
  /**
   * A partition made a LUKS2 container, its filesystem made (and filled) inside it; block devices only.
   * It is left open (AppliedPartition.mapper) so the caller can finish writing; closeEncrypted() closes it.
   */
  readonly encrypt?: EncryptRequest;
}

export interface EncryptRequest {
  /** The partition's name in the plan. */
  readonly partition: string;
  readonly format: LuksFormat;
  /** Given to cryptsetup on stdin only. */
  readonly passphrase: Uint8Array;
}

export interface AppliedPartition {
  readonly number: number;
  readonly name: string;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  readonly partUuid: string;
  readonly filesystem?: PlannedFilesystem;
  readonly mountPoint?: string;
  /** On a block device: the partition's device node. */
  readonly device?: string;
  /** An encrypted partition: the opened container its filesystem is in (/dev/mapper/...), until closeEncrypted(). */
  readonly mapper?: string;
}

export interface AppliedDisk {
  readonly path: string;
  readonly table: 'gpt' | 'mbr';
  readonly diskId: string;
  readonly partitions: readonly AppliedPartition[];
}

/** Checks that need no disk access: populate names and directories, and the tools, all before any write. */
async function checkRequest(plan: PartitionPlan, target: Target, options: ApplyOptions): Promise<void> {
  const populate = options.populate ?? {};
  for (const [name, directory] of Object.entries(populate)) {
    const partition = plan.partitions.find((p) => p.name === name);
    if (partition === undefined) {
      throw new UserError(`cannot fill partition "${name}": the plan has no partition of that name (it has ${plan.partitions.map((p) => p.name).join(', ')})`);
    }
    if (partition.filesystem === undefined) throw new UserError(`cannot fill partition "${name}": it gets no filesystem (give it a format)`);
    if (!POPULATABLE_FORMATS.includes(partition.filesystem.format)) {
      throw new UserError(`cannot fill partition "${name}" from a directory: it is ${partition.filesystem.format}, and Cairn fills ${POPULATABLE_FORMATS.join(', ')}`);
    }
    await checkReadableDirectory(directory);
  }
  checkFilesystemsPossible(plan);
  const encrypt = options.encrypt;
  if (encrypt !== undefined) {
    if (target.kind === 'image') throw encryptedImageError(target.path);
    const partition = plan.partitions.find((p) => p.name === encrypt.partition);
    if (partition?.filesystem === undefined) throw new UserError(`cannot encrypt partition "${encrypt.partition}": the plan has no partition of that name with a filesystem`);
  }
  const formats = plan.partitions.flatMap((p) => (p.filesystem === undefined ? [] : [p.filesystem.format]));
  const tools = toolsForFormats(formats, { populate: Object.keys(populate).length > 0, image: target.kind === 'image' });
  if (target.kind === 'block') tools.push('blockdev');
  if (encrypt !== undefined) tools.push('cryptsetup');
  requireTools(tools);
}

/** Raises 'disk-changed' when the target is not what the plan was made for. */
function assertSameDisk(plan: PartitionPlan, now: { kind: string; sizeBytes: number; sectorSize: number; serial?: string; byId?: string }, description: string): void {
  const was = plan.disk;
  const changes: string[] = [];
  if (now.kind !== was.kind) changes.push(`it was ${was.kind === 'image' ? 'an image file' : 'a block device'}, now it is ${now.kind === 'image' ? 'an image file' : 'a block device'}`);
  if (now.sizeBytes !== was.sizeBytes) changes.push(`its size was ${formatSize(was.sizeBytes)} (${was.sizeBytes} bytes), now ${formatSize(now.sizeBytes)} (${now.sizeBytes} bytes)`);
  if (now.sectorSize !== was.sectorSize) changes.push(`its sector size was ${was.sectorSize}, now ${now.sectorSize}`);
  if (now.serial !== was.serial) changes.push(`its serial was ${was.serial ?? 'none'}, now ${now.serial ?? 'none'}`);
  if (was.byId !== undefined && now.byId !== was.byId) changes.push(`its by-id name was ${was.byId}, now ${now.byId ?? 'none'}`);
  if (changes.length > 0) {
    throw new DomainError('disk-changed', `${description} changed between plan and apply: ${changes.join('; ')}. Nothing was written.`, {
      expected: was,
      actual: now,
      hint: 'plan again against the disk as it is now, and check it is the disk you mean',
    });
  }
}

function checkCancelled(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw new CancelledError(`stopped before ${what}`);
}

export async function applyPlan(plan: PartitionPlan, target: Target, options: ApplyOptions = {}): Promise<AppliedDisk> {
  const onProgress = options.onProgress ?? ignoreProgress;
  onProgress({ kind: 'phase', phase: 'check', title: `Checking ${plan.disk.description}` });
  if (target.path !== plan.disk.path) throw new UserError(`the plan is for ${plan.disk.path}, not ${target.path}`);
  await checkRequest(plan, target, options);
  // A disk's pins and state are checked against the disk as it is right before writing (applyToBlockDevice).
  if (target.kind === 'image') assertTargetWritable(target, { ...(options.pins === undefined ? {} : { pins: options.pins }) });
  checkCancelled(options.signal, 'writing anything');
  return target.kind === 'image' ? applyToImage(plan, target, options, onProgress) : applyToBlockDevice(plan, target, options, onProgress);
}

async function writeBlocks(handle: FileHandle, plan: PartitionPlan, bootCode: readonly SectorBlock[] = []): Promise<void> {
  for (const block of [...encodePlanTable(plan), ...bootCode]) {
    await handle.write(block.bytes, 0, block.bytes.length, block.lba * plan.disk.sectorSize);
  }
}

function tableTitle(plan: PartitionPlan): string {
  return `Writing the ${plan.table === 'gpt' ? 'GPT' : 'MBR'} partition table (${plan.partitions.length} partition${plan.partitions.length === 1 ? '' : 's'})`;
}

async function createFilesystems(plan: PartitionPlan, options: ApplyOptions, onProgress: OnProgress, placeOf: (index: number) => FilesystemPlace): Promise<void> {
  const formatted = plan.partitions.filter((p) => p.filesystem !== undefined);
  onProgress({ kind: 'phase', phase: 'filesystems', title: `Creating ${formatted.length} filesystem${formatted.length === 1 ? '' : 's'}`, total: formatted.length, unit: 'items' });
  let done = 0;
  for (const partition of formatted) {
    checkCancelled(options.signal, `creating the ${partition.filesystem!.format} filesystem of partition ${partition.number} (${partition.name})`);
    const populateFrom = options.populate?.[partition.name];
    onProgress({ kind: 'log', message: `partition ${partition.number} (${partition.name}): ${partition.filesystem!.format}, UUID ${partition.filesystem!.uuid}${populateFrom === undefined ? '' : `, filled from ${populateFrom}`}` });
    await createFilesystem({
      place: placeOf(plan.partitions.indexOf(partition)),
      filesystem: partition.filesystem!,
      partitionType: partition.type,
      ...(populateFrom === undefined ? {} : { populateFrom }),
      log: (message) => onProgress({ kind: 'log', message }),
    });
    done++;
    onProgress({ kind: 'progress', phase: 'filesystems', done, total: formatted.length, unit: 'items' });
  }
}

function appliedPartitions(plan: PartitionPlan, deviceOf?: (number: number) => string): AppliedPartition[] {
  return plan.partitions.map((p) => ({
    number: p.number,
    name: p.name,
    offsetBytes: p.offsetBytes,
    sizeBytes: p.sizeBytes,
    partUuid: p.partUuid,
    ...(p.filesystem === undefined ? {} : { filesystem: p.filesystem }),
    ...(p.mountPoint === undefined ? {} : { mountPoint: p.mountPoint }),
    ...(deviceOf === undefined ? {} : { device: deviceOf(p.number) }),
  }));
}

async function applyToImage(plan: PartitionPlan, target: Extract<Target, { kind: 'image' }>, options: ApplyOptions, onProgress: OnProgress): Promise<AppliedDisk> {
  const current = await stat(target.path).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  });
  if (current !== undefined && !current.isFile()) throw new UserError(`${target.path} is no longer a regular file`);
  if (current !== undefined && current.size !== 0) {
    assertSameDisk(plan, { kind: 'image', sizeBytes: current.size, sectorSize: 512 }, plan.disk.description);
    await access(target.path, constants.W_OK).catch(() => {
      throw new UserError(`${target.path}: permission denied`, { hint: 'make the image writable by this user' });
    });
  }
  // The whole image is made anew beside the old one: a sparse file of zeros, so no stale table or
  // filesystem signature survives, and a failure leaves the old file untouched.
  const work = temporaryNameFor(target.path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(work, 'wx', current?.mode ?? 0o644);
    await truncate(work, plan.disk.sizeBytes);
    onProgress({ kind: 'phase', phase: 'table', title: tableTitle(plan) });
    await writeBlocks(handle, plan, options.bootCode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await createFilesystems(plan, options, onProgress, (i) => ({
      kind: 'image',
      image: work,
      offsetBytes: plan.partitions[i]!.offsetBytes,
      sizeBytes: plan.partitions[i]!.sizeBytes,
      sectorSize: plan.disk.sectorSize,
    }));
    checkCancelled(options.signal, `renaming the finished image to ${target.path}`);
    onProgress({ kind: 'phase', phase: 'finish', title: `Finishing ${target.path}` });
    await rename(work, target.path);
    await syncDirectory(dirname(target.path));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(work, { force: true });
    throw error;
  }
  return { path: target.path, table: plan.table, diskId: plan.diskId, partitions: appliedPartitions(plan) };
}

async function applyToBlockDevice(plan: PartitionPlan, target: Extract<Target, { kind: 'block' }>, options: ApplyOptions, onProgress: OnProgress): Promise<AppliedDisk> {
  // Read the disks again: what was planned must still be there, unmounted, and the same disk.
  const inventory = await (options.rediscover ?? (() => readDiskInventory(target.machine)))();
  const disk = findDisk(inventory, target.disk.path);
  if (disk === undefined) throw new DomainError('disk-changed', `${plan.disk.description} is gone: no disk at ${target.disk.path} any more. Nothing was written.`);
  assertSameDisk(plan, { kind: 'block', sizeBytes: disk.sizeBytes, sectorSize: disk.sectorSize, ...(disk.serial === undefined ? {} : { serial: disk.serial }), ...(disk.byId[0] === undefined ? {} : { byId: disk.byId[0] }) }, plan.disk.description);
  const now: Target = { ...target, disk, identity: identityOfDisk(disk, target.path) };
  assertTargetWritable(now, { ...(options.pins === undefined ? {} : { pins: options.pins }) });
  assertOnThisMachine(now);

  let handle: FileHandle;
  try {
    // O_EXCL on a block device fails with EBUSY while anything holds it (a mount, swap, LVM, md).
    handle = await open(disk.path, constants.O_RDWR | constants.O_EXCL);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EBUSY') throw new DomainError('mounted', `refusing to write ${describeDisk(disk)}: the kernel says it is in use (mounted, swap, LVM or RAID member)`, { hint: 'unmount and deactivate what uses it' });
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${describeDisk(disk)}: permission denied`, { hint: 'writing a disk needs root' });
    if (code === 'EROFS') throw new DomainError('read-only', `refusing to write ${describeDisk(disk)}: it is read-only`);
    throw error;
  }
  try {
    onProgress({ kind: 'phase', phase: 'table', title: tableTitle(plan) });
    // Old signatures must not survive: the first and last MiB (tables, RAID and ZFS labels) and the start
    // of every new partition (a stale superblock would confuse blkid and the installer).
    const zeros = new Uint8Array(1024 * 1024);
    const regions = [0, disk.sizeBytes - zeros.length, ...plan.partitions.map((p) => p.offsetBytes)];
    for (const offset of regions) await handle.write(zeros, 0, Math.min(zeros.length, disk.sizeBytes - offset), offset);
    await writeBlocks(handle, plan, options.bootCode);
    await handle.sync();
    await handle.close();
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw diskFailure(describeDisk(disk), 'its partition table was written', error);
  }
  try {
    await run('blockdev', ['--rereadpt', disk.path]);
  } catch (error) {
    onProgress({ kind: 'warning', message: `the kernel did not re-read the partition table of ${disk.path} (${(error as Error).message.split('\n')[0]}); reboot before using the new partitions` });
    throw new DomainError('reread-failed', `the partition table of ${describeDisk(disk)} was written, but the kernel still uses the old one, so no filesystem was created`, {
      hint: 'close what uses the disk (or reboot), then apply again',
    });
  }
  const deviceOf = (number: number) => `/dev/${partitionDeviceName(disk.name, number)}`;
  for (const p of plan.partitions) await waitForDevice(deviceOf(p.number));
  const encrypted = await openEncrypted(plan, options, onProgress, deviceOf);
  try {
    await createFilesystems(plan, options, onProgress, (i) => {
      const partition = plan.partitions[i]!;
      const inside = partition.name === encrypted?.partition ? encrypted : undefined;
      return {
        kind: 'device',
        device: inside?.mapper ?? deviceOf(partition.number),
        offsetBytes: partition.offsetBytes,
        sizeBytes: inside?.sizeBytes ?? partition.sizeBytes,
        sectorSize: plan.disk.sectorSize,
      };
    });
  } catch (error) {
    if (encrypted !== undefined) await closeLuks(encrypted.mapperName).catch(() => undefined);
    throw error;
  }
  const partitions = appliedPartitions(plan, deviceOf).map((p) => (p.name === encrypted?.partition ? { ...p, mapper: encrypted.mapper } : p));
  return { path: target.path, table: plan.table, diskId: plan.diskId, partitions };
}

/** The refusal of an encrypted image file (checked by the install plan first; here for any other caller). */
export function encryptedImageError(path: string): DomainError {
  return new DomainError('encrypted-image', `${path} is an image file, and Cairn encrypts only disks: LUKS2 needs device-mapper (root) to write the ciphertext, and Cairn does not encrypt image files rootless yet; nothing was written`, {
    hint: 'make encrypted installs from the installer ISO onto a disk, or leave encryption out for an image file',
  });
}

/** Formats and opens the partition to encrypt; its filesystem then goes into the opened container. */
async function openEncrypted(
  plan: PartitionPlan,
  options: ApplyOptions,
  onProgress: OnProgress,
  deviceOf: (number: number) => string,
): Promise<{ partition: string; mapperName: string; mapper: string; sizeBytes: number } | undefined> {
  const encrypt = options.encrypt;
  if (encrypt === undefined) return undefined;
  const partition = plan.partitions.find((p) => p.name === encrypt.partition)!;
  const device = deviceOf(partition.number);
  checkCancelled(options.signal, `encrypting partition ${partition.number} (${partition.name})`);
  onProgress({ kind: 'phase', phase: 'encrypt', title: `Encrypting partition ${partition.number} (${partition.name}): LUKS2, ${encrypt.format.cipher}, ${encrypt.format.pbkdf}` });
  // Whatever an earlier, failed run left open under this name goes first (it holds the partition).
  await closeLuks(encrypt.format.mapperName).catch(() => undefined);
  let mapper: string;
  try {
    mapper = await formatAndOpenLuks(encrypt.format, device, encrypt.passphrase, (message) => onProgress({ kind: 'log', message }));
  } catch (error) {
    await closeLuks(encrypt.format.mapperName).catch(() => undefined);
    throw error;
  }
  await waitForDevice(mapper);
  const sizeBytes = Number((await run('blockdev', ['--getsize64', mapper])).stdout.trim());
  onProgress({ kind: 'log', message: `${device}: LUKS2 UUID ${encrypt.format.uuid}, open as ${mapper} (${formatSize(sizeBytes)})` });
  return { partition: partition.name, mapperName: encrypt.format.mapperName, mapper, sizeBytes };
}

/** Closes the encrypted containers applyPlan left open (after flushDisk). */
export async function closeEncrypted(disk: AppliedDisk): Promise<void> {
  for (const partition of disk.partitions) {
    if (partition.mapper !== undefined) await closeLuks(partition.mapper.slice('/dev/mapper/'.length));
  }
}

/** The errno codes of a disk that stopped answering: an I/O error, or a device that is gone. */
const DISK_GONE_CODES = new Set(['EIO', 'ENXIO', 'ENODEV', 'ENOMEDIUM']);

/**
 * A write to a disk failed: when the disk stopped answering (its cable pulled, the device removed, the disk
 * dead), an error naming the disk and the step; anything else as it was.
 */
function diskFailure(disk: string, step: string, error: unknown): unknown {
  const code = errnoCode(error);
  if (code === undefined || !DISK_GONE_CODES.has(code)) return error;
  return new DomainError('disk-failed', `${disk} stopped answering while ${step} (${code}: it was removed, or it failed); what is on it now is unknown`, {
    hint: 'check that the disk is attached (its cable, its slot), then try again; a disk that keeps failing needs replacing',
    cause: error,
  });
}

/**
 * Makes sure what was written reached the disk before anyone is told it is done: each partition's device
 * node and the disk's own are fsynced (on a block device that writes their dirty buffers and flushes the
 * disk's write cache; an image file is fsynced like any file). Each node has its own buffers in Linux, so
 * the disk alone would not do.
 */
export async function flushDisk(disk: AppliedDisk): Promise<void> {
  const nodes = disk.partitions.flatMap((p) => [...(p.mapper === undefined ? [] : [p.mapper]), ...(p.device === undefined ? [] : [p.device])]);
  for (const path of [...nodes, disk.path]) {
    try {
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw diskFailure(path, 'what was written was flushed to it', error);
    }
  }
}

/** udev (or devtmpfs, on a live system without udev) creates partition nodes shortly after the kernel re-reads the table. */
async function waitForDevice(path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await stat(path)).isBlockDevice()) return;
    } catch {
      // not there yet
    }
    await sleep(100);
  }
  throw new UserError(`${path} did not appear within 10 s after the partition table was re-read`, { hint: 'check udev, then apply again' });
}
