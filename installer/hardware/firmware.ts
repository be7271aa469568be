/**
 * How the machine booted: UEFI when the kernel exposes /sys/firmware/efi (it does only when started by UEFI
 * firmware), with the firmware's word size from fw_platform_size (32 on some tablets and old Macs, which
 * need a 32-bit EFI boot loader even with a 64-bit kernel).
 */
import type { HostFiles } from '../../system/machine/host-files.js';

export interface Firmware {
  readonly type: 'uefi' | 'bios';
  /** 64 or 32 on UEFI; null on BIOS, or when the kernel does not say (before Linux 4.0). */
  readonly efiBitness: 32 | 64 | null;
  /** EFI variables are available (efivarfs), so boot entries can be written into the firmware. */
  readonly efiVariables: boolean;
  /** Secure Boot state from the SecureBoot EFI variable; null when unknown (BIOS, or no variable). */
  readonly secureBoot: boolean | null;
}

const EFI_GLOBAL_VARIABLE = '8be4df61-93ca-11d2-aa0d-00e098032b8c';

export async function detectFirmware(files: HostFiles): Promise<Firmware> {
  if (!(await files.exists('/sys/firmware/efi'))) {
    return { type: 'bios', efiBitness: null, efiVariables: false, secureBoot: null };
  }
  const size = await files.attribute('/sys/firmware/efi/fw_platform_size');
  if (size !== undefined && size !== '32' && size !== '64') {
    files.note('/sys/firmware/efi/fw_platform_size', `expected 32 or 64, found "${size}"`);
  }
  // efivarfs files are 4 bytes of attributes followed by the value; SecureBoot's value is one byte.
  const secureBoot = await files.bytes(`/sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL_VARIABLE}`);
  return {
    type: 'uefi',
    efiBitness: size === '64' ? 64 : size === '32' ? 32 : null,
    efiVariables: await files.exists('/sys/firmware/efi/efivars'),
    secureBoot: secureBoot !== undefined && secureBoot.length >= 5 ? secureBoot[4] === 1 : null,
  };
}
