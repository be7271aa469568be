/**
 * El Torito for the ISO (pure): the boot record (sector 17) pointing at the boot catalog, and the catalog
 * with the BIOS image (isolinux.bin, loaded as 4 virtual sectors, no emulation) and a UEFI section
 * (platform 0xEF) naming the FAT ESP, as a `BootCatalog` value the writer encodes. The catalog's 16-bit
 * sector count cannot describe an ESP of 32 MiB or more; as xorriso does, such an ESP gets 0 there, which
 * UEFI firmware reads as "up to the end of the medium" (the FAT inside says how large it really is).
 */
import { MEDIA_NO_EMULATION, PLATFORM, type BootCatalog, type BootImageEntry } from '../el-torito/boot-catalog.js';
import { BOOT_INFO_TABLE } from '../el-torito/boot-info-table.js';
import { DomainError } from '../../lib/errors.js';
import type { ElToritoRequest } from './iso-layout.js';
import type { NodeShape } from './plan-nodes.js';
import { findNode } from './plan-nodes.js';

/** isolinux is loaded as 4 virtual (512-byte) sectors; it loads the rest of itself. */
export const ISOLINUX_LOAD_SECTORS = 4;
const MAX_SECTOR_COUNT = 0xffff;

/** The sector count the catalog gives an image of `size` bytes: exact, or 0 beyond what 16 bits hold. */
function elToritoSectorCount(size: number): number {
  const sectors = Math.ceil(size / 512);
  return sectors > MAX_SECTOR_COUNT ? 0 : sectors;
}

/** The node of the BIOS boot image, checked: a regular file, large enough for a boot info table if it gets one. */
export function elToritoBiosFile(request: ElToritoRequest, nodes: readonly NodeShape[]): number | undefined {
  if (request.bios === undefined) return undefined;
  const { file, bootInfoTable } = request.bios;
  const index = findNode(nodes, file);
  if (index === undefined || nodes[index]!.kind !== 'file') throw new DomainError('layout-extension', `El Torito's BIOS image ${file} is not a regular file of the image`);
  if (bootInfoTable && nodes[index]!.size! < BOOT_INFO_TABLE.checksumStart) {
    throw new DomainError('layout-extension', `El Torito's BIOS image ${file} is ${nodes[index]!.size} bytes; a boot info table needs at least ${BOOT_INFO_TABLE.checksumStart}`);
  }
  return index;
}

/** The catalog, once the BIOS image's sector and the UEFI image's place are known. */
export function planBootCatalog(request: ElToritoRequest, places: { readonly biosLba: number | undefined; readonly uefi: { readonly lba: number; readonly size: number } | undefined }): BootCatalog {
  const entry = (loadRba: number, sectorCount: number): BootImageEntry => ({ bootable: true, mediaType: MEDIA_NO_EMULATION, loadSegment: 0, systemType: 0, sectorCount, loadRba });
  const bios = request.bios === undefined || places.biosLba === undefined ? undefined : entry(places.biosLba, request.bios.loadSectors);
  const uefi = places.uefi === undefined ? undefined : entry(places.uefi.lba, elToritoSectorCount(places.uefi.size));
  if (bios !== undefined) {
    return { platform: PLATFORM.x86, id: '', defaultEntry: bios, sections: uefi === undefined ? [] : [{ platform: PLATFORM.efi, id: '', entries: [uefi] }] };
  }
  if (uefi === undefined) throw new DomainError('layout-extension', 'an El Torito catalog needs a BIOS or a UEFI image');
  return { platform: PLATFORM.efi, id: '', defaultEntry: uefi, sections: [] };
}
