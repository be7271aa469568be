/**
 * The El Torito boot record volume descriptor (El Torito 1.0, figure 7; ECMA-119 8.2): a volume descriptor of
 * type 0 at sector 17 whose "boot system use" area holds the LBA of the boot catalog.
 */

export const SECTOR_SIZE = 2048;
export const BOOT_RECORD_SECTOR = 17;
export const EL_TORITO_SYSTEM_ID = 'EL TORITO SPECIFICATION';

const OFFSETS = {
  type: 0,
  standardId: 1,
  version: 6,
  bootSystemId: 7,
  bootId: 39,
  catalogLba: 71,
} as const;

export interface BootRecord {
  /** 2048-byte sector of the boot catalog. */
  readonly catalogLba: number;
}

export function encodeBootRecord(record: BootRecord): Uint8Array {
  const bytes = new Uint8Array(SECTOR_SIZE);
  const view = new DataView(bytes.buffer);
  bytes[OFFSETS.type] = 0;
  bytes.set(ascii('CD001'), OFFSETS.standardId);
  bytes[OFFSETS.version] = 1;
  bytes.set(ascii(EL_TORITO_SYSTEM_ID), OFFSETS.bootSystemId); // the rest of the 32 bytes stays zero
  view.setUint32(OFFSETS.catalogLba, record.catalogLba, true);
  return bytes;
}

/** Decodes a boot record; returns undefined if the sector is not an El Torito boot record. */
export function decodeBootRecord(bytes: Uint8Array, offset = 0): BootRecord | undefined {
  const sector = bytes.subarray(offset, offset + SECTOR_SIZE);
  if (sector.length < SECTOR_SIZE || sector[OFFSETS.type] !== 0) return undefined;
  if (text(sector, OFFSETS.standardId, 5) !== 'CD001') return undefined;
  if (text(sector, OFFSETS.bootSystemId, 32).replace(/\0+$/, '') !== EL_TORITO_SYSTEM_ID) return undefined;
  return { catalogLba: new DataView(sector.buffer, sector.byteOffset).getUint32(OFFSETS.catalogLba, true) };
}

function ascii(value: string): Uint8Array {
  return Uint8Array.from(value, (c) => c.charCodeAt(0));
}

function text(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}
