/**
 * The first sector of a disk that GRUB boots from a BIOS: GRUB's `boot.img` (440 bytes of code that load
 * the first sector of `core.img`) with the fields `grub-bios-setup` sets, followed by the disk's own MBR
 * fields (disk signature, partition entries, 0x55AA), which are kept. A pure codec on Cairn's MBR codec:
 *
 *   0x003-0x059  the BIOS parameter block, copied from the sector it replaces (a FAT boot sector's BPB)
 *   0x05C        u64 LE: LBA of core.img's first sector
 *   0x064        the boot drive: 0xFF = use the drive the BIOS passed in DL
 *   0x066        2 bytes: GRUB's drive check (a jump over it, EB 05), replaced by two NOPs (90 90) on hard
 *                disks, for BIOSes that pass a wrong DL
 *   0x1B8-0x1FF  disk signature, reserved word, partition entries and signature: the MBR codec's fields
 *
 * Offsets from GRUB's include/grub/i386/pc/boot.h; the values grub-bios-setup writes from util/setup.c,
 * checked against the real grub-bios-setup in the tests.
 */
import { MBR, MbrDecodeError, decodeMbr, encodeMbr, type MbrTable } from '../../partitioning/mbr.js';

export const GRUB_BOOT_SECTOR = {
  size: 512,
  bpbStart: 0x03,
  bpbEnd: 0x5a,
  kernelSectorOffset: 0x5c,
  bootDriveOffset: 0x64,
  driveCheckOffset: 0x66,
  /** "Use the drive the BIOS booted from" (DL). */
  bootDriveFromBios: 0xff,
  /** Two NOPs over the drive check's jump. */
  driveCheckSkipped: [0x90, 0x90],
  /** A marker boot.img carries in its messages, which tells GRUB's boot sector from others. */
  signatureText: 'GRUB ',
} as const;

export interface GrubBootSector {
  /** The first 440 bytes: boot.img's code (the fields below are written over it). */
  readonly code: Uint8Array;
  /** Bytes 0x03-0x59: the BIOS parameter block of the sector GRUB's replaced. */
  readonly bpb: Uint8Array;
  /** LBA of core.img's first sector. */
  readonly kernelSector: number;
  /** 0xFF: the drive the BIOS booted from. */
  readonly bootDrive: number;
  /** Whether GRUB's check of the boot drive number runs (`kept`) or is replaced by NOPs (`skipped`, hard disks). */
  readonly driveCheck: 'kept' | 'skipped';
  /** The disk's MBR fields: signature, reserved word, partitions. */
  readonly table: Omit<MbrTable, 'bootCode'>;
}

export function encodeGrubBootSector(sector: GrubBootSector): Uint8Array {
  if (sector.code.length !== MBR.bootCodeSize) throw new RangeError(`the boot code is ${sector.code.length} bytes; GRUB's boot sector code is ${MBR.bootCodeSize}`);
  const bpbLength = GRUB_BOOT_SECTOR.bpbEnd - GRUB_BOOT_SECTOR.bpbStart;
  if (sector.bpb.length !== bpbLength) throw new RangeError(`the BIOS parameter block is ${sector.bpb.length} bytes; it is ${bpbLength}`);
  if (!Number.isSafeInteger(sector.kernelSector) || sector.kernelSector < 0) throw new RangeError(`core.img's sector ${sector.kernelSector} is not an LBA`);
  const code = Uint8Array.from(sector.code);
  code.set(sector.bpb, GRUB_BOOT_SECTOR.bpbStart);
  const view = new DataView(code.buffer);
  view.setBigUint64(GRUB_BOOT_SECTOR.kernelSectorOffset, BigInt(sector.kernelSector), true);
  code[GRUB_BOOT_SECTOR.bootDriveOffset] = sector.bootDrive;
  if (sector.driveCheck === 'skipped') code.set(GRUB_BOOT_SECTOR.driveCheckSkipped, GRUB_BOOT_SECTOR.driveCheckOffset);
  return encodeMbr({ ...sector.table, bootCode: code });
}

/** Decodes a boot sector written by grub-bios-setup (or Cairn); the MBR codec's errors for a sector without 0x55AA. */
export function decodeGrubBootSector(bytes: Uint8Array, offset = 0): GrubBootSector {
  const { bootCode: _, ...table } = decodeMbr(bytes, offset);
  const sector = bytes.subarray(offset, offset + GRUB_BOOT_SECTOR.size);
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  const kernelSector = view.getBigUint64(GRUB_BOOT_SECTOR.kernelSectorOffset, true);
  const check = sector.subarray(GRUB_BOOT_SECTOR.driveCheckOffset, GRUB_BOOT_SECTOR.driveCheckOffset + 2);
  return {
    code: sector.slice(0, MBR.bootCodeSize),
    bpb: sector.slice(GRUB_BOOT_SECTOR.bpbStart, GRUB_BOOT_SECTOR.bpbEnd),
    kernelSector: safeLba(kernelSector),
    bootDrive: sector[GRUB_BOOT_SECTOR.bootDriveOffset]!,
    driveCheck: check[0] === GRUB_BOOT_SECTOR.driveCheckSkipped[0] && check[1] === GRUB_BOOT_SECTOR.driveCheckSkipped[1] ? 'skipped' : 'kept',
    table,
  };
}

function safeLba(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new MbrDecodeError(`core.img's sector ${value} at byte 0x5c is not a plausible LBA`);
  return Number(value);
}

/** Whether a sector's code is GRUB's boot.img (it carries GRUB's messages). */
export function isGrubBootSector(bytes: Uint8Array, offset = 0): boolean {
  const code = bytes.subarray(offset, offset + MBR.bootCodeSize);
  return Buffer.from(code.buffer, code.byteOffset, code.byteLength).includes(GRUB_BOOT_SECTOR.signatureText, 0, 'latin1');
}

/**
 * What grub-bios-setup writes to sector 0 of a hard disk: boot.img with core.img's LBA, the boot drive
 * from the BIOS and the drive check skipped, the BPB and the partition table of the sector it replaces.
 */
export function grubBootSectorFor(bootImage: Uint8Array, previous: Uint8Array, coreLba: number): Uint8Array {
  if (bootImage.length !== GRUB_BOOT_SECTOR.size) throw new RangeError(`boot.img is ${bootImage.length} bytes; GRUB's is ${GRUB_BOOT_SECTOR.size}`);
  const { bootCode: _, ...table } = decodeMbr(previous);
  return encodeGrubBootSector({
    code: bootImage.slice(0, MBR.bootCodeSize),
    bpb: previous.slice(GRUB_BOOT_SECTOR.bpbStart, GRUB_BOOT_SECTOR.bpbEnd),
    kernelSector: coreLba,
    bootDrive: GRUB_BOOT_SECTOR.bootDriveFromBios,
    driveCheck: 'skipped',
    table,
  });
}
