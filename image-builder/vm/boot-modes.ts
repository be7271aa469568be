/**
 * The ways a hybrid ISO boots (BIOS firmware, UEFI firmware, or UEFI firmware with Secure Boot enforced;
 * burnt to a CD or written raw to a USB stick) and what an image needs for each, read from its inspect
 * report: a BIOS boot image in the El Torito catalog (CD, BIOS), boot code in the MBR (stick, BIOS), a UEFI
 * boot image in the catalog (CD, UEFI), an ESP partition (stick, UEFI), and for Secure Boot a signed chain
 * on that ESP down to every kernel of its menu.
 */
import { isUefi, type Firmware, type MediaKind } from '../../lib/qemu.js';
import { PLATFORM } from '../el-torito/boot-catalog.js';
import type { ElToritoReport } from '../read/el-torito-section.js';
import type { InspectReport } from '../read/inspect.js';
import { espPartitionOf, type PartitionTablesReport } from '../read/partition-section.js';
import type { BootMenusReport } from '../read/boot-menu-section.js';
import type { SecureBootReport } from '../read/secure-boot-section.js';

export type BootMedia = 'cd' | 'usb';
export const BOOT_MEDIA: readonly BootMedia[] = ['cd', 'usb'];
export const FIRMWARES: readonly Firmware[] = ['bios', 'uefi', 'secure-boot'];

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
  return firmware === 'bios' ? 'SeaBIOS' : firmware === 'uefi' ? 'OVMF' : 'OVMF+SB';
}

export function describeBootMode(mode: BootMode): string {
  const firmware = mode.firmware === 'secure-boot' ? 'OVMF with Secure Boot' : firmwareName(mode.firmware);
  return `${firmware} from a ${mode.media === 'cd' ? 'CD' : 'USB stick'}`;
}

/** The sections of an inspect report the boot modes are read from. */
export interface BootSections {
  readonly elTorito: ElToritoReport | undefined;
  readonly partitions: PartitionTablesReport | undefined;
  readonly bootMenus: BootMenusReport | undefined;
  readonly secureBoot: SecureBootReport | undefined;
}

export function bootSectionsOf(report: InspectReport): BootSections {
  return {
    elTorito: report.sections.elTorito as ElToritoReport | undefined,
    partitions: report.sections.partitions as PartitionTablesReport | undefined,
    bootMenus: report.sections.bootMenus as BootMenusReport | undefined,
    secureBoot: report.sections.secureBoot as SecureBootReport | undefined,
  };
}

/** Whether the image can boot in `mode`, and if not, why (a sentence naming what is missing). */
export function bootModeSupport(sections: BootSections, mode: BootMode): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const media = mediaSupport(sections, mode);
  if (!media.ok || mode.firmware !== 'secure-boot') return media;
  const chain = sections.secureBoot;
  if (chain === undefined) return { ok: false, reason: 'its ESP could not be read, so its boot chain is not known to be signed' };
  return chain.bootable ? { ok: true } : { ok: false, reason: chain.problems[0] ?? "its boot chain is not signed" };
}

function mediaSupport(sections: BootSections, mode: BootMode): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const platform = isUefi(mode.firmware) ? PLATFORM.efi : PLATFORM.x86;
  if (mode.media === 'cd') {
    if (sections.elTorito === undefined) return { ok: false, reason: 'it has no El Torito boot record, so no CD boots it' };
    if (!sections.elTorito.images.some((i) => i.platform === platform && i.bootable)) {
      return { ok: false, reason: `its El Torito catalog has no bootable ${isUefi(mode.firmware) ? 'UEFI' : 'BIOS'} image` };
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
