/**
 * Which firmware a disk is made to boot on: `uefi` (a loader on the ESP), `bios` (GRUB in the first sector
 * and a BIOS boot partition or the gap after the MBR) or `both` (a disk that boots anywhere). The answers
 * file, `cairn install` and `cairn boot` share these names.
 */
export const FIRMWARE_CHOICES = ['uefi', 'bios', 'both'] as const;
export type FirmwareChoice = (typeof FIRMWARE_CHOICES)[number];

export function bootsOnUefi(choice: FirmwareChoice): boolean {
  return choice !== 'bios';
}

export function bootsOnBios(choice: FirmwareChoice): boolean {
  return choice !== 'uefi';
}

/** The choice that boots on what `uefi` and `bios` say. */
export function firmwareChoiceOf(uefi: boolean, bios: boolean): FirmwareChoice {
  return uefi && bios ? 'both' : bios ? 'bios' : 'uefi';
}

/** How messages name a choice: "UEFI", "BIOS", "BIOS and UEFI". */
export function describeFirmwareChoice(choice: FirmwareChoice): string {
  return { uefi: 'UEFI', bios: 'BIOS', both: 'BIOS and UEFI' }[choice];
}

/**
 * The firmware a disk is made for when neither a flag nor the answers say: a recorded machine's own (it
 * stands for the machine the disk is for); both for an image file, which may be written to any machine;
 * else the firmware of the machine the install runs on, which the disk is in.
 */
export function defaultFirmwareChoice(facts: { readonly machine: 'uefi' | 'bios'; readonly recorded: boolean; readonly image: boolean }): FirmwareChoice {
  return !facts.recorded && facts.image ? 'both' : facts.machine;
}

/** The boot loaders of an install, for summaries: "systemd-boot (UEFI) and GRUB (BIOS)". */
export function describeBootLoaders(choice: FirmwareChoice, uefiLoader: 'systemd-boot' | 'grub'): string {
  const uefi = `${uefiLoader === 'grub' ? 'GRUB' : uefiLoader} (UEFI)`;
  return { uefi, bios: 'GRUB (BIOS)', both: `${uefi} and GRUB (BIOS)` }[choice];
}
