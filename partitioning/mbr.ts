/**
 * The master boot record: 440 bytes of boot code, a 32-bit disk signature, two reserved bytes, four
 * 16-byte partition entries and the 0x55AA signature. A pure codec: `encodeMbr(table)` gives the 512-byte
 * sector, `decodeMbr(bytes, offset)` reads one back, and the two round-trip exactly, CHS fields included.
 *
 * The same codec writes the protective MBR in front of a GPT and, for hybrid ISOs, a caller-made MBR
 * with boot code (isohdpfx.bin) and its own entries.
 */

export const MBR = {
  size: 512,
  bootCodeSize: 440,
  diskSignatureOffset: 440,
  reservedOffset: 444,
  entriesOffset: 446,
  entrySize: 16,
  entryCount: 4,
  signatureOffset: 510,
  signature: [0x55, 0xaa],
  statusBootable: 0x80,
  /** Type byte of the single partition of a protective MBR (UEFI 2.10, 5.2.3). */
  protectiveType: 0xee,
  /** The geometry every current tool assumes when it computes CHS fields. */
  heads: 255,
  sectorsPerTrack: 63,
  maxCylinder: 1023,
} as const;

/** A cylinder/head/sector address as stored in an MBR entry (10-bit cylinder, 8-bit head, 6-bit sector). */
export interface Chs {
  readonly cylinder: number;
  readonly head: number;
  readonly sector: number;
}

export interface MbrPartition {
  /** Slot 1 to 4. */
  readonly number: number;
  readonly bootable: boolean;
  readonly type: number;
  readonly firstLba: number;
  readonly sectors: number;
  /** CHS of the first sector; computed from firstLba (255 heads, 63 sectors) when absent. */
  readonly firstChs?: Chs;
  /** CHS of the last sector; computed when absent. */
  readonly lastChs?: Chs;
}

export interface MbrTable {
  /** Up to 440 bytes of boot code (zeros after it); none for a data disk. */
  readonly bootCode?: Uint8Array;
  readonly diskSignature: number;
  /** The two bytes after the signature (0x5A5A marks "copy protected" in Windows); 0 normally. */
  readonly reserved?: number;
  /** Used entries only, in any order; a slot not named is written as zeros. */
  readonly partitions: readonly MbrPartition[];
}

/** CHS address of an LBA in the 255-head, 63-sector geometry; past 1023 cylinders the 1023/254/63 marker. */
function chsOfLba(lba: number): Chs {
  const perCylinder = MBR.heads * MBR.sectorsPerTrack;
  const cylinder = Math.floor(lba / perCylinder);
  if (cylinder > MBR.maxCylinder) return { cylinder: MBR.maxCylinder, head: MBR.heads - 1, sector: MBR.sectorsPerTrack };
  const rest = lba % perCylinder;
  return { cylinder, head: Math.floor(rest / MBR.sectorsPerTrack), sector: (rest % MBR.sectorsPerTrack) + 1 };
}

function writeChs(target: Uint8Array, offset: number, chs: Chs): void {
  target[offset] = chs.head & 0xff;
  target[offset + 1] = (chs.sector & 0x3f) | ((chs.cylinder >> 2) & 0xc0);
  target[offset + 2] = chs.cylinder & 0xff;
}

function readChs(source: Uint8Array, offset: number): Chs {
  const head = source[offset]!;
  const second = source[offset + 1]!;
  return { head, sector: second & 0x3f, cylinder: ((second & 0xc0) << 2) | source[offset + 2]! };
}

export function encodeMbr(table: MbrTable): Uint8Array {
  const out = new Uint8Array(MBR.size);
  const view = new DataView(out.buffer);
  if (table.bootCode !== undefined) {
    if (table.bootCode.length > MBR.bootCodeSize) {
      throw new RangeError(`MBR boot code is ${table.bootCode.length} bytes; at most ${MBR.bootCodeSize} fit`);
    }
    out.set(table.bootCode, 0);
  }
  view.setUint32(MBR.diskSignatureOffset, table.diskSignature >>> 0, true);
  view.setUint16(MBR.reservedOffset, table.reserved ?? 0, true);
  const used = new Set<number>();
  for (const partition of table.partitions) {
    if (!Number.isInteger(partition.number) || partition.number < 1 || partition.number > MBR.entryCount) {
      throw new RangeError(`MBR partition number ${partition.number} is not 1 to 4`);
    }
    if (used.has(partition.number)) throw new RangeError(`MBR partition ${partition.number} given twice`);
    used.add(partition.number);
    if (partition.firstLba < 0 || partition.firstLba > 0xffffffff || partition.sectors < 0 || partition.sectors > 0xffffffff) {
      throw new RangeError(`MBR partition ${partition.number} does not fit 32-bit LBA fields (an MBR addresses 2 TiB of 512-byte sectors)`);
    }
    const at = MBR.entriesOffset + (partition.number - 1) * MBR.entrySize;
    out[at] = partition.bootable ? MBR.statusBootable : 0;
    writeChs(out, at + 1, partition.firstChs ?? chsOfLba(partition.firstLba));
    out[at + 4] = partition.type;
    writeChs(out, at + 5, partition.lastChs ?? chsOfLba(partition.firstLba + partition.sectors - 1));
    view.setUint32(at + 8, partition.firstLba, true);
    view.setUint32(at + 12, partition.sectors, true);
  }
  out[MBR.signatureOffset] = MBR.signature[0];
  out[MBR.signatureOffset + 1] = MBR.signature[1];
  return out;
}

/** Why a sector is not an MBR; thrown by decodeMbr. */
export class MbrDecodeError extends Error {
  override readonly name: string = 'MbrDecodeError';
}

function hasMbrSignature(bytes: Uint8Array, offset = 0): boolean {
  return bytes[offset + MBR.signatureOffset] === MBR.signature[0] && bytes[offset + MBR.signatureOffset + 1] === MBR.signature[1];
}

/**
 * Decodes the MBR in the 512 bytes at `offset`. An entry of type 0 without sectors is an empty slot and
 * left out; one of type 0 with sectors is kept, as Linux and sfdisk keep it (isohybrid images mark the
 * whole image so, typed 0 to keep firmware from mounting it).
 */
export function decodeMbr(bytes: Uint8Array, offset = 0): MbrTable {
  if (bytes.length < offset + MBR.size) throw new MbrDecodeError(`an MBR needs ${MBR.size} bytes, got ${bytes.length - offset}`);
  if (!hasMbrSignature(bytes, offset)) throw new MbrDecodeError('no 0x55AA boot signature at byte 510');
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, MBR.size);
  const sector = bytes.subarray(offset, offset + MBR.size);
  const partitions: MbrPartition[] = [];
  for (let slot = 0; slot < MBR.entryCount; slot++) {
    const at = MBR.entriesOffset + slot * MBR.entrySize;
    const type = sector[at + 4]!;
    const sectors = view.getUint32(at + 12, true);
    if (type === 0 && sectors === 0) continue;
    const status = sector[at]!;
    if (status !== 0 && status !== MBR.statusBootable) {
      throw new MbrDecodeError(`partition entry ${slot + 1} has status byte 0x${status.toString(16)} (expected 0x00 or 0x80)`);
    }
    partitions.push({
      number: slot + 1,
      bootable: status === MBR.statusBootable,
      type,
      firstLba: view.getUint32(at + 8, true),
      sectors,
      firstChs: readChs(sector, at + 1),
      lastChs: readChs(sector, at + 5),
    });
  }
  const bootCode = sector.slice(0, MBR.bootCodeSize);
  return {
    ...(bootCode.some((b) => b !== 0) ? { bootCode } : {}),
    diskSignature: view.getUint32(MBR.diskSignatureOffset, true),
    reserved: view.getUint16(MBR.reservedOffset, true),
    partitions,
  };
}

/**
 * The protective MBR in front of a GPT: one partition of type 0xEE from LBA 1 to the end of the disk (or
 * 2^32 - 1 sectors), start CHS 0/0/2 and end CHS 0xFFFFFF, as sfdisk writes it.
 */
export function protectiveMbr(diskSectors: number, options: { bootCode?: Uint8Array; diskSignature?: number } = {}): MbrTable {
  return {
    ...(options.bootCode === undefined ? {} : { bootCode: options.bootCode }),
    diskSignature: options.diskSignature ?? 0,
    reserved: 0,
    partitions: [
      {
        number: 1,
        bootable: false,
        type: MBR.protectiveType,
        firstLba: 1,
        sectors: Math.min(diskSectors - 1, 0xffffffff),
        firstChs: { cylinder: 0, head: 0, sector: 2 },
        lastChs: { cylinder: 1023, head: 255, sector: 63 },
      },
    ],
  };
}
