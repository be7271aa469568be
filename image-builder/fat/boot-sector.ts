/**
 * The FAT boot sector: the BIOS parameter block (BPB) every FAT volume starts with, the FAT32 extension
 * (FAT size, root cluster, FSInfo and backup boot sector locations) and the extended boot record (volume id,
 * label, type string). Offsets are those of Microsoft's FAT specification (fatgen103).
 *
 * The codec is exact: decoding any boot sector and encoding the result gives the same 512 bytes, including
 * the jump instruction, OEM name and boot code, so it can be tested against what mkfs.fat writes.
 */
import { readLatin1Field, writeLatin1Field } from './latin1-field.js';

export const BOOT_SECTOR_SIZE = 512;
export const BOOT_SIGNATURE = 0xaa55;
/** Extended boot signature: volume id, label and type string follow. */
export const EXTENDED_BOOT_SIGNATURE = 0x29;
/** Media descriptor for fixed (non-floppy) media; FAT[0] repeats it. */
export const MEDIA_FIXED = 0xf8;

/** Byte offsets of the BPB fields. */
const BPB = {
  jump: 0x00,
  oemName: 0x03,
  bytesPerSector: 0x0b,
  sectorsPerCluster: 0x0d,
  reservedSectors: 0x0e,
  fatCount: 0x10,
  rootEntryCount: 0x11,
  totalSectors16: 0x13,
  media: 0x15,
  sectorsPerFat16: 0x16,
  sectorsPerTrack: 0x18,
  headCount: 0x1a,
  hiddenSectors: 0x1c,
  totalSectors32: 0x20,
  /** Where the extended boot record starts on FAT12/16; FAT32 puts its own fields here. */
  extended16: 0x24,
  fat32SectorsPerFat: 0x24,
  fat32ExtendedFlags: 0x28,
  fat32Version: 0x2a,
  fat32RootCluster: 0x2c,
  fat32FsInfoSector: 0x30,
  fat32BackupBootSector: 0x32,
  fat32Reserved: 0x34,
  extended32: 0x40,
  signature: 0x1fe,
} as const;

/** Offsets inside the extended boot record, relative to its start. */
const EXTENDED = {
  driveNumber: 0,
  reserved: 1,
  bootSignature: 2,
  volumeId: 3,
  volumeLabel: 7,
  fsType: 18,
  end: 26,
} as const;

export const FAT32_RESERVED_LENGTH = 12;

export interface ExtendedBootRecord {
  /** 0x80 for a hard disk, as mkfs.fat writes for media 0xF8. */
  readonly driveNumber: number;
  readonly reserved: number;
  /** 0x29 when the id, label and type string are valid. */
  readonly bootSignature: number;
  readonly volumeId: number;
  /** 11 characters, space padded; "NO NAME    " when the volume has no label. */
  readonly volumeLabel: string;
  /** "FAT12   ", "FAT16   " or "FAT32   ": informative only, never used to tell the type. */
  readonly fsType: string;
}

export interface Fat32Parameters {
  readonly sectorsPerFat: number;
  /** Bit 7 clear: the FATs are mirrored; bits 0-3 name the active FAT otherwise. */
  readonly extendedFlags: number;
  readonly version: number;
  readonly rootCluster: number;
  readonly fsInfoSector: number;
  readonly backupBootSector: number;
  /** 12 reserved bytes, kept so that decoding and encoding is exact. */
  readonly reserved: Uint8Array;
}

export interface BootSector {
  /** The 3-byte jump to the boot code (EB xx 90). */
  readonly jump: Uint8Array;
  /** 8 characters (Latin-1). */
  readonly oemName: string;
  readonly bytesPerSector: number;
  readonly sectorsPerCluster: number;
  readonly reservedSectors: number;
  readonly fatCount: number;
  /** Entries of the fixed root directory; 0 on FAT32. */
  readonly rootEntryCount: number;
  /** Total sectors when below 65536 (and not FAT32), else 0. */
  readonly totalSectors16: number;
  readonly media: number;
  /** Sectors per FAT on FAT12/16; 0 on FAT32, which is how FAT32 is recognised. */
  readonly sectorsPerFat16: number;
  readonly sectorsPerTrack: number;
  readonly headCount: number;
  /** Sectors before the volume on its disk (the partition's start), 0 for a bare image. */
  readonly hiddenSectors: number;
  /** Total sectors when totalSectors16 is 0. */
  readonly totalSectors32: number;
  /** Present exactly when sectorsPerFat16 is 0. */
  readonly fat32: Fat32Parameters | undefined;
  readonly extended: ExtendedBootRecord;
  /** 448 bytes on FAT12/16, 420 on FAT32. */
  readonly bootCode: Uint8Array;
  readonly signature: number;
}

export function encodeBootSector(sector: BootSector): Uint8Array {
  const bytes = new Uint8Array(BOOT_SECTOR_SIZE);
  const view = new DataView(bytes.buffer);
  expectLength('jump', sector.jump, 3);
  bytes.set(sector.jump, BPB.jump);
  writeLatin1Field(bytes, BPB.oemName, sector.oemName, 8, 'oemName');
  view.setUint16(BPB.bytesPerSector, sector.bytesPerSector, true);
  view.setUint8(BPB.sectorsPerCluster, sector.sectorsPerCluster);
  view.setUint16(BPB.reservedSectors, sector.reservedSectors, true);
  view.setUint8(BPB.fatCount, sector.fatCount);
  view.setUint16(BPB.rootEntryCount, sector.rootEntryCount, true);
  view.setUint16(BPB.totalSectors16, sector.totalSectors16, true);
  view.setUint8(BPB.media, sector.media);
  view.setUint16(BPB.sectorsPerFat16, sector.sectorsPerFat16, true);
  view.setUint16(BPB.sectorsPerTrack, sector.sectorsPerTrack, true);
  view.setUint16(BPB.headCount, sector.headCount, true);
  view.setUint32(BPB.hiddenSectors, sector.hiddenSectors, true);
  view.setUint32(BPB.totalSectors32, sector.totalSectors32, true);
  let extendedAt: number = BPB.extended16;
  if (sector.fat32 !== undefined) {
    if (sector.sectorsPerFat16 !== 0) throw new RangeError('a FAT32 boot sector must have sectorsPerFat16 = 0');
    const f = sector.fat32;
    view.setUint32(BPB.fat32SectorsPerFat, f.sectorsPerFat, true);
    view.setUint16(BPB.fat32ExtendedFlags, f.extendedFlags, true);
    view.setUint16(BPB.fat32Version, f.version, true);
    view.setUint32(BPB.fat32RootCluster, f.rootCluster, true);
    view.setUint16(BPB.fat32FsInfoSector, f.fsInfoSector, true);
    view.setUint16(BPB.fat32BackupBootSector, f.backupBootSector, true);
    expectLength('fat32.reserved', f.reserved, FAT32_RESERVED_LENGTH);
    bytes.set(f.reserved, BPB.fat32Reserved);
    extendedAt = BPB.extended32;
  } else if (sector.sectorsPerFat16 === 0) {
    throw new RangeError('a FAT12/16 boot sector needs sectorsPerFat16 > 0 (0 means FAT32)');
  }
  const e = sector.extended;
  view.setUint8(extendedAt + EXTENDED.driveNumber, e.driveNumber);
  view.setUint8(extendedAt + EXTENDED.reserved, e.reserved);
  view.setUint8(extendedAt + EXTENDED.bootSignature, e.bootSignature);
  view.setUint32(extendedAt + EXTENDED.volumeId, e.volumeId >>> 0, true);
  writeLatin1Field(bytes, extendedAt + EXTENDED.volumeLabel, e.volumeLabel, 11, 'volumeLabel');
  writeLatin1Field(bytes, extendedAt + EXTENDED.fsType, e.fsType, 8, 'fsType');
  const codeAt = extendedAt + EXTENDED.end;
  expectLength('bootCode', sector.bootCode, BPB.signature - codeAt);
  bytes.set(sector.bootCode, codeAt);
  view.setUint16(BPB.signature, sector.signature, true);
  return bytes;
}

export function decodeBootSector(bytes: Uint8Array, offset = 0): BootSector {
  if (bytes.length - offset < BOOT_SECTOR_SIZE) {
    throw new RangeError(`a boot sector is ${BOOT_SECTOR_SIZE} bytes, only ${bytes.length - offset} given`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BOOT_SECTOR_SIZE);
  const at = (start: number, length: number) => bytes.slice(offset + start, offset + start + length);
  const sectorsPerFat16 = view.getUint16(BPB.sectorsPerFat16, true);
  const isFat32 = sectorsPerFat16 === 0;
  const extendedAt = isFat32 ? BPB.extended32 : BPB.extended16;
  const codeAt = extendedAt + EXTENDED.end;
  return {
    jump: at(BPB.jump, 3),
    oemName: readLatin1Field(bytes, offset + BPB.oemName, 8),
    bytesPerSector: view.getUint16(BPB.bytesPerSector, true),
    sectorsPerCluster: view.getUint8(BPB.sectorsPerCluster),
    reservedSectors: view.getUint16(BPB.reservedSectors, true),
    fatCount: view.getUint8(BPB.fatCount),
    rootEntryCount: view.getUint16(BPB.rootEntryCount, true),
    totalSectors16: view.getUint16(BPB.totalSectors16, true),
    media: view.getUint8(BPB.media),
    sectorsPerFat16,
    sectorsPerTrack: view.getUint16(BPB.sectorsPerTrack, true),
    headCount: view.getUint16(BPB.headCount, true),
    hiddenSectors: view.getUint32(BPB.hiddenSectors, true),
    totalSectors32: view.getUint32(BPB.totalSectors32, true),
    fat32: isFat32
      ? {
          sectorsPerFat: view.getUint32(BPB.fat32SectorsPerFat, true),
          extendedFlags: view.getUint16(BPB.fat32ExtendedFlags, true),
          version: view.getUint16(BPB.fat32Version, true),
          rootCluster: view.getUint32(BPB.fat32RootCluster, true),
          fsInfoSector: view.getUint16(BPB.fat32FsInfoSector, true),
          backupBootSector: view.getUint16(BPB.fat32BackupBootSector, true),
          reserved: at(BPB.fat32Reserved, FAT32_RESERVED_LENGTH),
        }
      : undefined,
    extended: {
      driveNumber: view.getUint8(extendedAt + EXTENDED.driveNumber),
      reserved: view.getUint8(extendedAt + EXTENDED.reserved),
      bootSignature: view.getUint8(extendedAt + EXTENDED.bootSignature),
      volumeId: view.getUint32(extendedAt + EXTENDED.volumeId, true),
      volumeLabel: readLatin1Field(bytes, offset + extendedAt + EXTENDED.volumeLabel, 11),
      fsType: readLatin1Field(bytes, offset + extendedAt + EXTENDED.fsType, 8),
    },
    bootCode: at(codeAt, BPB.signature - codeAt),
    signature: view.getUint16(BPB.signature, true),
  };
}

/** Total sectors of the volume, from whichever field holds it. */
export function bootSectorTotalSectors(sector: BootSector): number {
  return sector.totalSectors16 !== 0 ? sector.totalSectors16 : sector.totalSectors32;
}

/** Sectors per FAT, from whichever field holds it. */
export function bootSectorSectorsPerFat(sector: BootSector): number {
  return sector.fat32 !== undefined ? sector.fat32.sectorsPerFat : sector.sectorsPerFat16;
}

function expectLength(field: string, value: Uint8Array, length: number): void {
  if (value.length !== length) throw new RangeError(`${field} must be ${length} bytes, got ${value.length}`);
}
