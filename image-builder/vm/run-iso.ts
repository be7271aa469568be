/**
 * `cairn iso run`: boots an image in QEMU with its first serial port on the user's terminal, to try it.
 * The image is inspected first, so that asking for a way it cannot boot (UEFI on a BIOS-only image, a USB
 * stick without an MBR) is a clear error rather than a firmware screen that never changes.
 */
import { UserError } from '../../lib/errors.js';
import { checkAccelerator, prepareFirmwareFiles, qemuArguments, type QemuOptions } from '../../lib/qemu.js';
import { runAttached } from '../../lib/run.js';
import { inspectIsoImage } from '../read/inspect.js';
import { bootModeSupport, bootSectionsOf, describeBootMode, qemuMediaKind, type BootMode } from './boot-modes.js';

export interface IsoRunOptions extends BootMode {
  readonly accel: 'tcg' | 'kvm';
  readonly memoryMiB: number;
}

/** The machine `cairn iso run` starts, once the image is known to boot that way. */
export async function planIsoRun(image: string, options: IsoRunOptions): Promise<QemuOptions> {
  checkAccelerator(options.accel);
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
  return { firmware: options.firmware, media: { kind: qemuMediaKind(options.media), path: image }, accel: options.accel, memoryMiB: options.memoryMiB };
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
