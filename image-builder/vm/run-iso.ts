/**
 * `cairn iso run`: boots an image in QEMU with its first serial port on the user's terminal, to try it.
 * The image is inspected first, so that asking for a way it cannot boot (UEFI on a BIOS-only image, a USB
 * stick without an MBR) is a clear error rather than a firmware screen that never changes.
 *
 * With a target disk (`--disk FILE`) the machine gets a disk to install onto, created sparse when missing;
 * with the disk alone it boots that disk, as the machine would after the install.
 */
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DomainError, UserError, errnoCode } from '../../lib/errors.js';
import { checkAccelerator, prepareFirmwareFiles, qemuArguments, type DiskBus, type QemuOptions } from '../../lib/qemu.js';
import { runAttached } from '../../lib/run.js';
import { formatSize } from '../../lib/size.js';
import { inspectIsoImage } from '../read/inspect.js';
import { bootModeSupport, bootSectionsOf, describeBootMode, qemuMediaKind, type BootMode } from './boot-modes.js';

/** The size of a target disk `iso run` creates when none is given. */
export const DEFAULT_RUN_DISK_BYTES = 8 * 1024 ** 3;

export interface RunDisk {
  readonly path: string;
  readonly bus: DiskBus;
  /** `--disk-size`: the size to create it with (a file that exists must have it). */
  readonly sizeBytes?: number;
}

export interface IsoRunOptions extends BootMode {
  readonly accel: 'tcg' | 'kvm';
  readonly memoryMiB: number;
  readonly disk?: RunDisk;
}

/** What `cairn iso run` starts: the machine, and a disk file to create first (sparse) when it is missing. */
export interface IsoRun {
  readonly machine: QemuOptions;
  readonly create?: { readonly path: string; readonly sizeBytes: number };
  /** One line saying what boots, for the user. */
  readonly description: string;
}

/**
 * Plans a run: the ISO (checked to boot in the mode asked for), the target disk (found, or to be created),
 * or without an ISO the disk alone. Nothing is written.
 */
export async function planIsoRun(image: string | undefined, options: IsoRunOptions): Promise<IsoRun> {
  checkAccelerator(options.accel);
  const disk = options.disk === undefined ? undefined : await checkRunDisk(options.disk, image !== undefined);
  const common = { accel: options.accel, memoryMiB: options.memoryMiB };
  if (image === undefined) {
    if (disk === undefined) throw new UserError('nothing to boot: give an ISO, or --disk with an installed disk image', { hint: 'cairn iso run IMAGE.iso [--disk FILE], or cairn iso run --disk FILE' });
    // Cairn installs its boot loaders as UEFI programs (see Known limits), so an installed disk boots under OVMF.
    return {
      machine: { ...common, firmware: 'uefi', disks: [{ path: disk.path, bus: disk.bus, bootIndex: 0 }] },
      description: `${disk.path} (${disk.bus}) under OVMF`,
    };
  }
  const report = await inspectIsoImage(image);
  const support = bootModeSupport(bootSectionsOf(report), options);
  if (!support.ok) {
    throw new UserError(`${image} cannot boot under ${describeBootMode(options)}: ${support.reason}`, {
      hint:
        options.firmware === 'secure-boot'
          ? 'build it with boot.secureBoot: true, or run it without --secure-boot'
          : options.firmware === 'uefi'
            ? 'build it with boot.uefi: true, or run it without --uefi'
            : 'build it with boot.bios: true, or run it with --uefi',
    });
  }
  const machine: QemuOptions = {
    ...common,
    firmware: options.firmware,
    media: { kind: qemuMediaKind(options.media), path: image },
    ...(disk === undefined ? {} : { disks: [{ path: disk.path, bus: disk.bus }] }),
  };
  const target = disk === undefined ? '' : `, with ${disk.creates ? 'a new' : 'the'} ${disk.bus} disk ${disk.path} (${formatSize(disk.sizeBytes)})`;
  return {
    machine,
    ...(disk?.creates === true ? { create: { path: disk.path, sizeBytes: disk.sizeBytes } } : {}),
    description: `${image} under ${describeBootMode(options)}${target}`,
  };
}

/** The disk as it is (or will be): an existing regular file, or a new one of `sizeBytes` when an ISO installs onto it. */
async function checkRunDisk(disk: RunDisk, withImage: boolean): Promise<{ path: string; bus: DiskBus; sizeBytes: number; creates: boolean }> {
  const path = resolve(disk.path);
  const info = await stat(path).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw new UserError(`--disk ${disk.path}: cannot inspect it: ${(error as Error).message}`);
  });
  if (info === undefined) {
    if (!withImage) {
      throw new UserError(`--disk ${disk.path} does not exist: there is nothing to boot`, { hint: 'install onto it first: cairn iso run IMAGE.iso --disk FILE (it is created, 8G unless --disk-size says otherwise)' });
    }
    const parent = await stat(dirname(path)).catch(() => undefined);
    if (parent?.isDirectory() !== true) throw new UserError(`--disk ${disk.path}: the directory ${dirname(path)} does not exist`);
    return { path, bus: disk.bus, sizeBytes: disk.sizeBytes ?? DEFAULT_RUN_DISK_BYTES, creates: true };
  }
  if (!info.isFile()) throw new UserError(`--disk ${disk.path} is not a regular file: give a disk image file`);
  if (disk.sizeBytes !== undefined && info.size !== disk.sizeBytes) {
    throw new DomainError('image-size-differs', `--disk ${disk.path} is ${formatSize(info.size)} (${info.size} bytes), --disk-size says ${formatSize(disk.sizeBytes)}: Cairn does not resize disks`, {
      expected: disk.sizeBytes,
      actual: info.size,
      hint: 'drop --disk-size to use the disk as it is, or remove the file to create it anew',
    });
  }
  if (info.size === 0) throw new UserError(`--disk ${disk.path} is empty`, { hint: 'remove it, and give --disk-size to create it anew' });
  return { path, bus: disk.bus, sizeBytes: info.size, creates: false };
}

/** Creates the run's disk (sparse), when it is new. */
export async function createRunDisk(run: IsoRun): Promise<void> {
  if (run.create === undefined) return;
  const handle = await open(run.create.path, 'wx');
  try {
    await handle.truncate(run.create.sizeBytes);
  } finally {
    await handle.close();
  }
}

/** Runs QEMU attached to this terminal until the guest powers off or the user quits; QEMU's exit code. */
export async function runIsoAttached(machine: QemuOptions): Promise<number> {
  const files = await prepareFirmwareFiles(machine.firmware);
  try {
    return await runAttached('qemu-system-x86_64', qemuArguments(machine, files.varsCopy));
  } finally {
    await files.remove();
  }
}
