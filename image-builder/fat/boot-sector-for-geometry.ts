/** The boot sector (and FAT32's FSInfo) Cairn writes for a geometry. */
import { BOOT_SIGNATURE, EXTENDED_BOOT_SIGNATURE, FAT32_RESERVED_LENGTH, MEDIA_FIXED, type BootSector } from './boot-sector.js';
import { FAT32_BACKUP_BOOT_SECTOR, FAT32_FS_INFO_SECTOR, FAT32_ROOT_CLUSTER, FAT32_AUTO_SIZE, type FatGeometry } from './geometry.js';

/** What the boot sector says when there is no label (as mkfs.fat and Windows write it). */
export const NO_LABEL = 'NO NAME    ';
/** The OEM name Microsoft's specification recommends: some old drivers look at it, none at anything else. */
const OEM_NAME = 'MSWIN4.1';

/**
 * The boot code of a volume that is not bootable by BIOS: `int 18h` (the BIOS's "boot failed, try the next
 * device"), then `hlt` in a loop if the BIOS returns.
 */
const NOT_BOOTABLE_CODE = [0xcd, 0x18, 0xf4, 0xeb, 0xfd] as const;

export interface VolumeIdentity {
  readonly volumeId: number;
  /** 11 characters, space padded, or undefined for none. */
  readonly volumeLabel: string | undefined;
  /** Sectors before the volume on its disk (its partition's first LBA); 0 for a bare image. */
  readonly hiddenSectors: number;
}

/**
 * CHS geometry is meaningless for LBA media but mtools refuses a volume whose sector count is not a
 * multiple of the sectors per track; mkfs.fat's values (32/64 below 512 MiB, 63/255 above) are used when
 * they divide the size, otherwise the largest number of sectors per track below them that does.
 */
function trackGeometry(totalSectors: number): { sectorsPerTrack: number; headCount: number } {
  const large = totalSectors * 512 >= FAT32_AUTO_SIZE;
  const preferred = large ? 63 : 32;
  const headCount = large ? 255 : 64;
  for (let sectorsPerTrack = preferred; sectorsPerTrack > 1; sectorsPerTrack--) {
    if (totalSectors % sectorsPerTrack === 0) return { sectorsPerTrack, headCount };
  }
  return { sectorsPerTrack: 1, headCount };
}

export function bootSectorFor(geometry: FatGeometry, identity: VolumeIdentity): BootSector {
  const isFat32 = geometry.type === 32;
  const codeAt = isFat32 ? 0x5a : 0x3e;
  const bootCode = new Uint8Array(0x1fe - codeAt);
  bootCode.set(NOT_BOOTABLE_CODE);
  const small = !isFat32 && geometry.totalSectors < 0x10000;
  return {
    jump: Uint8Array.of(0xeb, codeAt - 2, 0x90),
    oemName: OEM_NAME,
    bytesPerSector: geometry.sectorSize,
    sectorsPerCluster: geometry.sectorsPerCluster,
    reservedSectors: geometry.reservedSectors,
    fatCount: geometry.fatCount,
    rootEntryCount: geometry.rootEntryCount,
    totalSectors16: small ? geometry.totalSectors : 0,
    media: MEDIA_FIXED,
    sectorsPerFat16: isFat32 ? 0 : geometry.sectorsPerFat,
    ...trackGeometry(geometry.totalSectors),
    hiddenSectors: identity.hiddenSectors,
    totalSectors32: small ? 0 : geometry.totalSectors,
    fat32: isFat32
      ? {
          sectorsPerFat: geometry.sectorsPerFat,
          extendedFlags: 0,
          version: 0,
          rootCluster: FAT32_ROOT_CLUSTER,
          fsInfoSector: FAT32_FS_INFO_SECTOR,
          backupBootSector: FAT32_BACKUP_BOOT_SECTOR,
          reserved: new Uint8Array(FAT32_RESERVED_LENGTH),
        }
      : undefined,
    extended: {
      driveNumber: 0x80,
      reserved: 0,
      bootSignature: EXTENDED_BOOT_SIGNATURE,
      volumeId: identity.volumeId >>> 0,
      volumeLabel: identity.volumeLabel ?? NO_LABEL,
      fsType: `FAT${geometry.type}   `,
    },
    bootCode,
    signature: BOOT_SIGNATURE,
  };
}
