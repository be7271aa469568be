/**
 * The four ways a hybrid ISO boots (BIOS or UEFI firmware; burnt to a CD or written raw to a USB stick) and
 * what an image needs for each, read from its inspect report: a BIOS boot image in the El Torito catalog (CD,
 * BIOS), boot code in the MBR (stick, BIOS), a UEFI boot image in the catalog (CD, UEFI), an ESP partition
 * (stick, UEFI).
 */
import type { Firmware, MediaKind } from '../../lib/qemu.js';
import { PLATFORM } from '../el-torito/boot-catalog.js';
import type { ElToritoReport } from '../read/el-torito-section.js';
import type { InspectReport } from '../read/inspect.js';
import { espPartitionOf, type PartitionTablesReport } from '../read/partition-section.js';
import type { BootMenusReport } from '../read/boot-menu-section.js';

export type BootMedia = 'cd' | 'usb';
export const BOOT_MEDIA: readonly BootMedia[] = ['cd', 'usb'];
export const FIRMWARES: readonly Firmware[] = ['bios', 'uefi'];

export interface BootMode {
  readonly firmware: Firmware;
  readonly media: BootMedia;
}

/** Every mode, in the order reports list them. */
export const BOOT_MODES: readonly BootMode[] = FIRMWARES.flatMap((firmware) => BOOT_MEDIA.map((media) => ({ firmware, media })));

/** The QEMU device a medium is attached as. */
export function qemuMediaKind(media: BootMedia): MediaKind {
  return media === 'cd' ? 'cdrom' : 'usb';
}

export function firmwareName(firmware: Firmware): string {
  return firmware === 'bios' ? 'SeaBIOS' : 'OVMF';
}

export function describeBootMode(mode: BootMode): string {
  return `${firmwareName(mode.firmware)} from a ${mode.media === 'cd' ? 'CD' : 'USB stick'}`;
}

/** The sections of an inspect report the boot modes are read from. */
export interface BootSections {
  readonly elTorito: ElToritoReport | undefined;
  readonly partitions: PartitionTablesReport | undefined;
  readonly bootMenus: BootMenusReport | undefined;
}

export function bootSectionsOf(report: InspectReport): BootSections {
  return {
    elTorito: report.sections.elTorito as ElToritoReport | undefined,
    partitions: report.sections.partitions as PartitionTablesReport | undefined,
    bootMenus: report.sections.bootMenus as BootMenusReport | undefined,
  };
}

/** Whether the image can boot in `mode`, and if not, why (a sentence naming what is missing). */
export function bootModeSupport(sections: BootSections, mode: BootMode): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const platform = mode.firmware === 'bios' ? PLATFORM.x86 : PLATFORM.efi;
  if (mode.media === 'cd') {
    if (sections.elTorito === undefined) return { ok: false, reason: 'it has no El Torito boot record, so no CD boots it' };
    if (!sections.elTorito.images.some((i) => i.platform === platform && i.bootable)) {
      return { ok: false, reason: `its El Torito catalog has no bootable ${mode.firmware === 'bios' ? 'BIOS' : 'UEFI'} image` };
    }
    return { ok: true };
  }
  if (mode.firmware === 'bios') {
    return sections.partitions?.mbr?.bootCode === true ? { ok: true } : { ok: false, reason: 'its MBR holds no boot code (it is not an isohybrid image), so BIOS firmware cannot boot it from a USB stick' };
  }
  return sections.partitions !== undefined && espPartitionOf(sections.partitions) !== undefined
    ? { ok: true }
    : { ok: false, reason: 'it has no EFI System partition in its MBR or GPT, so UEFI firmware cannot boot it from a USB stick' };
}
