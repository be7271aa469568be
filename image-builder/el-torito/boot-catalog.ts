/**
 * The El Torito boot catalog (El Torito 1.0, section 2): 32-byte records in one 2048-byte sector. A validation
 * entry, the initial/default entry (BIOS), then section headers each followed by their section entries (the
 * UEFI image is a section with platform 0xEF). Every field is kept so that decoding a catalog made by another
 * tool and encoding it again gives the same bytes.
 */

export const CATALOG_SIZE = 2048;
const RECORD = 32;

export const PLATFORM = { x86: 0x00, powerpc: 0x01, mac: 0x02, efi: 0xef } as const;
export const MEDIA_NO_EMULATION = 0;
const BOOTABLE = 0x88;
const HEADER_MORE = 0x90;
const HEADER_FINAL = 0x91;
const EXTENSION = 0x44;

/** One boot image: where it is and how much the firmware loads. */
export interface BootImageEntry {
  readonly bootable: boolean;
  /** Media type in bits 0-3 (0 = no emulation); for section entries bits 5-7 are flags. */
  readonly mediaType: number;
  /** Real-mode segment to load at; 0 means the default 0x7C0. */
  readonly loadSegment: number;
  readonly systemType: number;
  /** Virtual 512-byte sectors to load. 0 (or 1) means "the whole image" to UEFI firmware. */
  readonly sectorCount: number;
  /** 2048-byte sector where the image starts. */
  readonly loadRba: number;
  /** Section entries only: selection criteria type and the 19 vendor bytes after it. */
  readonly selectionCriteria?: Uint8Array;
}

export interface BootSection {
  readonly platform: number;
  /** 28 bytes, zero-padded. */
  readonly id: string;
  readonly entries: readonly BootImageEntry[];
}

export interface BootCatalog {
  readonly platform: number;
  /** Manufacturer id string of the validation entry, 24 bytes, zero-padded. */
  readonly id: string;
  readonly defaultEntry: BootImageEntry;
  readonly sections: readonly BootSection[];
}

export function encodeBootCatalog(catalog: BootCatalog): Uint8Array {
  const records = 2 + catalog.sections.reduce((n, s) => n + 1 + s.entries.length, 0);
  if (records * RECORD > CATALOG_SIZE) throw new RangeError(`a boot catalog holds at most ${CATALOG_SIZE / RECORD} records, got ${records}`);
  const bytes = new Uint8Array(CATALOG_SIZE);
  const view = new DataView(bytes.buffer);

  bytes[0] = 0x01;
  bytes[1] = catalog.platform;
  bytes.set(fixedAscii(catalog.id, 24, 'validation id'), 4);
  bytes[30] = 0x55;
  bytes[31] = 0xaa;
  let sum = 0;
  for (let i = 0; i < RECORD; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff;
  view.setUint16(28, (0x10000 - sum) & 0xffff, true);

  encodeImageEntry(bytes, RECORD, catalog.defaultEntry, false);
  let offset = 2 * RECORD;
  catalog.sections.forEach((section, index) => {
    bytes[offset] = index === catalog.sections.length - 1 ? HEADER_FINAL : HEADER_MORE;
    bytes[offset + 1] = section.platform;
    view.setUint16(offset + 2, section.entries.length, true);
    bytes.set(fixedAscii(section.id, 28, 'section id'), offset + 4);
    offset += RECORD;
    for (const entry of section.entries) {
      encodeImageEntry(bytes, offset, entry, true);
      offset += RECORD;
    }
  });
  return bytes;
}

function encodeImageEntry(bytes: Uint8Array, offset: number, entry: BootImageEntry, inSection: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  if (!Number.isInteger(entry.sectorCount) || entry.sectorCount < 0 || entry.sectorCount > 0xffff) {
    throw new RangeError(`El Torito sector count must fit 16 bits, got ${entry.sectorCount}`);
  }
  bytes[offset] = entry.bootable ? BOOTABLE : 0x00;
  bytes[offset + 1] = entry.mediaType;
  view.setUint16(offset + 2, entry.loadSegment, true);
  bytes[offset + 4] = entry.systemType;
  view.setUint16(offset + 6, entry.sectorCount, true);
  view.setUint32(offset + 8, entry.loadRba, true);
  if (inSection && entry.selectionCriteria !== undefined) bytes.set(entry.selectionCriteria.subarray(0, 20), offset + 12);
}

/** Decodes a catalog sector; throws a RangeError naming what is wrong if it is not one. */
export function decodeBootCatalog(bytes: Uint8Array, offset = 0): BootCatalog {
  const sector = bytes.subarray(offset, offset + CATALOG_SIZE);
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  if (sector[0] !== 0x01 || sector[30] !== 0x55 || sector[31] !== 0xaa) throw new RangeError('not an El Torito boot catalog: bad validation entry');
  let sum = 0;
  for (let i = 0; i < RECORD; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff;
  if (sum !== 0) throw new RangeError('El Torito validation entry checksum does not add up to zero');
  const defaultEntry = decodeImageEntry(sector, RECORD, false);
  const sections: BootSection[] = [];
  let position = 2 * RECORD;
  while (position + RECORD <= CATALOG_SIZE) {
    const indicator = sector[position]!;
    if (indicator !== HEADER_MORE && indicator !== HEADER_FINAL) break;
    const count = view.getUint16(position + 2, true);
    const platform = sector[position + 1]!;
    const id = zeroPadded(sector, position + 4, 28);
    position += RECORD;
    const entries: BootImageEntry[] = [];
    for (let i = 0; i < count && position + RECORD <= CATALOG_SIZE; i++) {
      entries.push(decodeImageEntry(sector, position, true));
      position += RECORD;
      while (position + RECORD <= CATALOG_SIZE && sector[position] === EXTENSION) position += RECORD;
    }
    sections.push({ platform, id, entries });
    if (indicator === HEADER_FINAL) break;
  }
  return { platform: sector[1]!, id: zeroPadded(sector, 4, 24), defaultEntry, sections };
}

function decodeImageEntry(sector: Uint8Array, offset: number, inSection: boolean): BootImageEntry {
  const view = new DataView(sector.buffer, sector.byteOffset);
  const criteria = sector.slice(offset + 12, offset + 32);
  return {
    bootable: sector[offset] === BOOTABLE,
    mediaType: sector[offset + 1]!,
    loadSegment: view.getUint16(offset + 2, true),
    systemType: sector[offset + 4]!,
    sectorCount: view.getUint16(offset + 6, true),
    loadRba: view.getUint32(offset + 8, true),
    ...(inSection && criteria.some((b) => b !== 0) ? { selectionCriteria: criteria } : {}),
  };
}

/** Every boot image of a catalog with its platform, in catalog order. */
export function bootImagesOf(catalog: BootCatalog): { platform: number; entry: BootImageEntry }[] {
  return [
    { platform: catalog.platform, entry: catalog.defaultEntry },
    ...catalog.sections.flatMap((s) => s.entries.map((entry) => ({ platform: s.platform, entry }))),
  ];
}

export function platformName(platform: number): string {
  const names: Record<number, string> = { 0x00: 'BIOS', 0x01: 'PowerPC', 0x02: 'Mac', 0xef: 'UEFI' };
  return names[platform] ?? `0x${platform.toString(16).padStart(2, '0')}`;
}

function fixedAscii(value: string, length: number, what: string): Uint8Array {
  if (value.length > length || !/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`El Torito ${what} must be at most ${length} printable ASCII characters`);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  return bytes;
}

function zeroPadded(bytes: Uint8Array, start: number, length: number): string {
  const raw = bytes.subarray(start, start + length);
  const end = raw.indexOf(0);
  return String.fromCharCode(...raw.subarray(0, end === -1 ? length : end));
}
