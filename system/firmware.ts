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
