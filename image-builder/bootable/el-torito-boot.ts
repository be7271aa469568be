/**
 * El Torito for the ISO: the boot record (sector 17) pointing at the boot catalog, and the catalog with the
 * BIOS image (isolinux.bin, loaded as 4 virtual sectors, no emulation) and a UEFI section (platform 0xEF)
 * naming the FAT ESP. The catalog's 16-bit sector count cannot describe an ESP of 32 MiB or more; as
 * xorriso does, such an ESP gets 0 there, which UEFI firmware reads as "up to the end of the medium" (the FAT
 * inside says how large it really is).
 */
import { encodeBootCatalog, MEDIA_NO_EMULATION, PLATFORM, type BootImageEntry } from '../el-torito/boot-catalog.js';
import { encodeBootRecord } from '../el-torito/boot-record.js';
import { extentById, type ExtraVolumeDescriptor, type HiddenExtent, type IsoLayout } from '../layout/iso-layout.js';

export const BOOT_CATALOG_ID = 'el-torito-catalog';
/** isolinux is loaded as 4 virtual (512-byte) sectors; it loads the rest of itself. */
export const ISOLINUX_LOAD_SECTORS = 4;
const MAX_SECTOR_COUNT = 0xffff;

export interface ElToritoInput {
  readonly bios?: (layout: IsoLayout) => number;
  readonly uefi?: (layout: IsoLayout) => { readonly lba: number; readonly size: number };
}

export function elToritoBootRecord(): ExtraVolumeDescriptor {
  return { id: 'el-torito-boot-record', compute: (layout) => encodeBootRecord({ catalogLba: extentById(layout, BOOT_CATALOG_ID).lba }) };
}

/** The sector count the catalog gives an image of `size` bytes: exact, or 0 beyond what 16 bits hold. */
export function elToritoSectorCount(size: number): number {
  const sectors = Math.ceil(size / 512);
  return sectors > MAX_SECTOR_COUNT ? 0 : sectors;
}

export function elToritoCatalog(input: ElToritoInput): HiddenExtent {
  return {
    id: BOOT_CATALOG_ID,
    origin: 'the El Torito boot catalog',
    content: {
      kind: 'computed',
      size: 2048,
      compute: (layout) => {
        const entry = (loadRba: number, sectorCount: number): BootImageEntry => ({ bootable: true, mediaType: MEDIA_NO_EMULATION, loadSegment: 0, systemType: 0, sectorCount, loadRba });
        const bios = input.bios === undefined ? undefined : entry(input.bios(layout), ISOLINUX_LOAD_SECTORS);
        const esp = input.uefi?.(layout);
        const uefi = esp === undefined ? undefined : entry(esp.lba, elToritoSectorCount(esp.size));
        if (bios !== undefined) {
          return encodeBootCatalog({ platform: PLATFORM.x86, id: '', defaultEntry: bios, sections: uefi === undefined ? [] : [{ platform: PLATFORM.efi, id: '', entries: [uefi] }] });
        }
        if (uefi === undefined) throw new Error('an El Torito catalog needs a BIOS or a UEFI image');
        return encodeBootCatalog({ platform: PLATFORM.efi, id: '', defaultEntry: uefi, sections: [] });
      },
    },
  };
}
