/**
 * The partition tables that make the ISO boot when written raw to a USB stick (pure), in the layout the most
 * used hybrid ISOs (made by xorriso's -isohybrid-mbr with -isohybrid-gpt-basdat) have proven on real
 * firmware:
 *
 *   MBR  boot code: isolinux's isohdpfx (BIOS stick boot), with the 512-byte block of isolinux.bin at byte 432
 *        partition 1: bootable, type 0x00, the whole image (type 0 keeps UEFI firmware from mounting it
 *                     and lets BIOSes that want a bootable partition find one)
 *        partition 2: type 0xEF, the ESP (what UEFI firmware boots from a stick)
 *   GPT  the ESP as an EFI System partition, primary table in the system area and backup at the very end
 *        (the MBR is not protective, so firmware and Linux use the MBR; partitioning tools see both)
 *
 * Sizes and places come from the final layout; ids come from a seed, so rebuilding gives the same bytes. The
 * result is values (`MbrTable`, `GptTable`) the writer encodes.
 */
import { GPT, entryArraySectors, newGptTable, type GptTable } from '../../partitioning/gpt.js';
import { deriveGuid, deriveUint32 } from '../../lib/guid.js';
import { gptTypeGuid } from '../../system/partition-types.js';
import { DomainError } from '../../lib/errors.js';
import type { HybridTablesRequest } from './iso-layout.js';
import type { PlannedSystemArea } from './iso-plan.js';

export const SYSTEM_AREA_SIZE = 32 * 1024;
const SECTOR = 512;
const ISO_SECTOR = 2048;
/** Partitions end on whole cylinders of 64 heads x 32 sectors (1 MiB), as isohybrid images always have. */
export const HYBRID_IMAGE_ALIGNMENT = 1024 * 1024;
/** isohdpfx.bin's size: the 8 bytes after it (to 440) hold the block isolinux.bin is loaded from. */
const ISOHYBRID_CODE_SIZE = 432;

/** The GPT's backup (entry array and header) goes after the volume: this many bytes of tail. */
export function hybridTailSize(request: HybridTablesRequest): number {
  return request.esp === undefined ? 0 : (entryArraySectors(GPT.defaultEntryCount, GPT.entrySize, SECTOR) + 1) * SECTOR;
}

export interface HybridPlaces {
  readonly imageSize: number;
  /** isolinux.bin's first ISO sector. */
  readonly loaderLba: number | undefined;
  /** The ESP's first ISO sector and size in bytes. */
  readonly esp: { readonly lba: number; readonly size: number } | undefined;
}

export function planHybridTables(request: HybridTablesRequest, places: HybridPlaces): PlannedSystemArea {
  const diskSectors = places.imageSize / SECTOR;
  const { esp } = places;
  let isohybrid: PlannedSystemArea['isohybrid'];
  if (request.bootCode !== undefined && places.loaderLba !== undefined) {
    if (request.bootCode.code.length !== ISOHYBRID_CODE_SIZE) {
      throw new DomainError('layout-extension', `isohdpfx.bin is ${request.bootCode.code.length} bytes, expected ${ISOHYBRID_CODE_SIZE}`);
    }
    // isohdpfx loads isolinux.bin from this 64-bit address, counted in 512-byte blocks.
    isohybrid = { code: request.bootCode.code, loaderBlock: places.loaderLba * (ISO_SECTOR / SECTOR) };
  }
  const mbr = {
    diskSignature: deriveUint32(request.seed, 'mbr-signature'),
    partitions: [
      { number: 1, bootable: request.bootCode !== undefined, type: 0x00, firstLba: 0, sectors: diskSectors },
      ...(esp === undefined ? [] : [{ number: 2, bootable: false, type: 0xef, firstLba: esp.lba * (ISO_SECTOR / SECTOR), sectors: Math.ceil(esp.size / SECTOR) }]),
    ],
  };
  return { mbr, ...(isohybrid === undefined ? {} : { isohybrid }), ...(esp === undefined ? {} : { gpt: gptFor(diskSectors, esp, request.seed) }) };
}

/** isohdpfx.bin followed by the block it loads isolinux.bin from: the MBR's boot code. */
export function encodeIsohybridBootCode(isohybrid: NonNullable<PlannedSystemArea['isohybrid']>): Uint8Array {
  const bootCode = new Uint8Array(440);
  bootCode.set(isohybrid.code, 0);
  new DataView(bootCode.buffer).setBigUint64(ISOHYBRID_CODE_SIZE, BigInt(isohybrid.loaderBlock), true);
  return bootCode;
}

function gptFor(diskSectors: number, esp: { lba: number; size: number }, seed: string): GptTable {
  const first = esp.lba * (ISO_SECTOR / SECTOR);
  return newGptTable({
    diskSectors,
    diskGuid: deriveGuid(seed, 'gpt-disk'),
    partitions:
      esp.size === 0
        ? []
        : [{ number: 1, typeGuid: gptTypeGuid('esp')!, guid: deriveGuid(seed, 'gpt-esp'), firstLba: first, lastLba: first + Math.ceil(esp.size / SECTOR) - 1, attributes: 0n, name: 'EFI System' }],
  });
}
