/**
 * The partition tables that make the ISO boot when written raw to a USB stick, in the layout the most used
 * hybrid ISOs (made by xorriso's -isohybrid-mbr with -isohybrid-gpt-basdat) have proven on real firmware:
 *
 *   MBR  boot code: isolinux's isohdpfx (BIOS stick boot), with the LBA of isolinux.bin at byte 432
 *        partition 1: bootable, type 0x00, the whole image (type 0 keeps UEFI firmware from mounting it
 *                     and lets BIOSes that want a bootable partition find one)
 *        partition 2: type 0xEF, the ESP (what UEFI firmware boots from a stick)
 *   GPT  the ESP as an EFI System partition, primary table in the system area and backup at the very end
 *        (the MBR is not protective, so firmware and Linux use the MBR; partitioning tools see both)
 *
 * Sizes and places come from the final ISO layout; ids come from a seed, so rebuilding gives the same bytes.
 */
import { GPT, encodeGpt, entryArraySectors, newGptTable, type GptTable } from '../../partitioning/gpt.js';
import { deriveGuid, deriveUint32 } from '../../lib/guid.js';
import { encodeMbr } from '../../partitioning/mbr.js';
import { gptTypeGuid } from '../../system/partition-types.js';
import type { IsoLayout } from '../layout/iso-layout.js';

export const SYSTEM_AREA_SIZE = 32 * 1024;
const SECTOR = 512;
const ISO_SECTOR = 2048;
/** Partitions end on whole cylinders of 64 heads x 32 sectors (1 MiB), as isohybrid images always have. */
export const HYBRID_IMAGE_ALIGNMENT = 1024 * 1024;

export interface HybridTablesInput {
  readonly seed: string;
  /** isohdpfx.bin (432 bytes) when the image boots BIOS sticks. */
  readonly mbrBootCode?: Uint8Array;
  /** Finds isolinux.bin's first ISO sector in the final layout (for the MBR boot code). */
  readonly isolinuxLba?: (layout: IsoLayout) => number;
  /** Finds the ESP in the final layout: its first ISO sector and size in bytes. */
  readonly esp?: (layout: IsoLayout) => { readonly lba: number; readonly size: number };
}

/** The GPT's backup (entry array and header) goes after the volume: this many bytes of tail. */
export function hybridTailSize(): number {
  return (entryArraySectors(GPT.defaultEntryCount, GPT.entrySize, SECTOR) + 1) * SECTOR;
}

export function hybridSystemArea(input: HybridTablesInput) {
  return (layout: IsoLayout): Uint8Array => {
    const area = new Uint8Array(SYSTEM_AREA_SIZE);
    const diskSectors = layout.imageSize / SECTOR;
    const esp = input.esp?.(layout);
    let bootCode: Uint8Array | undefined;
    if (input.mbrBootCode !== undefined && input.isolinuxLba !== undefined) {
      if (input.mbrBootCode.length !== 432) throw new Error(`isohdpfx.bin is ${input.mbrBootCode.length} bytes, expected 432`);
      bootCode = new Uint8Array(440);
      bootCode.set(input.mbrBootCode, 0);
      // isohdpfx loads isolinux.bin from this 64-bit address, counted in 512-byte blocks.
      new DataView(bootCode.buffer).setBigUint64(432, BigInt(input.isolinuxLba(layout) * (ISO_SECTOR / SECTOR)), true);
    }
    area.set(
      encodeMbr({
        ...(bootCode === undefined ? {} : { bootCode }),
        diskSignature: deriveUint32(input.seed, 'mbr-signature'),
        partitions: [
          { number: 1, bootable: input.mbrBootCode !== undefined, type: 0x00, firstLba: 0, sectors: diskSectors },
          ...(esp === undefined ? [] : [{ number: 2, bootable: false, type: 0xef, firstLba: esp.lba * (ISO_SECTOR / SECTOR), sectors: Math.ceil(esp.size / SECTOR) }]),
        ],
      }),
      0,
    );
    if (esp !== undefined) {
      const primary = encodeGpt(gptFor(diskSectors, esp, input.seed)).primary;
      area.set(primary.bytes, primary.lba * SECTOR);
    }
    return area;
  };
}

/** The tail: the GPT's backup entry array and header, ending the image. */
export function hybridTail(input: HybridTablesInput) {
  return (layout: IsoLayout): Uint8Array => {
    const esp = input.esp?.(layout);
    if (esp === undefined) return new Uint8Array(hybridTailSize());
    const backup = encodeGpt(gptFor(layout.imageSize / SECTOR, esp, input.seed)).backup;
    if (backup.lba * SECTOR !== layout.tail!.offset) throw new Error(`the backup GPT belongs at byte ${backup.lba * SECTOR}, the tail is at ${layout.tail!.offset}`);
    return backup.bytes;
  };
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
