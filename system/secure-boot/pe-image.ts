/**
 * PE/COFF, the format of UEFI programs (shim, GRUB, a kernel with its EFI stub), as far as Secure Boot needs
 * it (Microsoft PE Format specification): the DOS header's pointer to the PE header, the COFF header, the
 * optional header's checksum, header size and data directories, the section table, and the certificate
 * table the security directory (data directory 4) points at: a list of WIN_CERTIFICATE entries, each an
 * Authenticode signature. Pure codecs over bytes; `readPeFile` is the only I/O.
 */
import { readFile } from 'node:fs/promises';

export const PE_CONSTANTS = {
  dosMagic: 0x5a4d, // "MZ"
  peSignature: 0x00004550, // "PE\0\0"
  lfanewOffset: 0x3c,
  coffHeaderSize: 20,
  pe32Magic: 0x10b,
  pe32PlusMagic: 0x20b,
  /** In the optional header, both formats. */
  checksumOffset: 64,
  sizeOfHeadersOffset: 60,
  /** In the optional header: NumberOfRvaAndSizes, then the directories. */
  directoryCountOffset: { PE32: 92, 'PE32+': 108 },
  directoriesOffset: { PE32: 96, 'PE32+': 112 },
  dataDirectorySize: 8,
  sectionHeaderSize: 40,
  /** The security directory: a file offset (not an address) and size of the certificate table. */
  securityDirectory: 4,
  machineX64: 0x8664,
} as const;

/** WIN_CERTIFICATE: dwLength u32 (header included), wRevision u16, wCertificateType u16, then the data. */
export const WIN_CERTIFICATE = {
  headerSize: 8,
  revision2: 0x0200,
  typePkcsSignedData: 0x0002,
  /** Entries start on 8-byte boundaries. */
  alignment: 8,
} as const;

export interface PeDataDirectory {
  /** An RVA, except for the security directory, where it is a file offset. */
  readonly address: number;
  readonly size: number;
}

export interface PeSection {
  readonly name: string;
  readonly virtualSize: number;
  readonly virtualAddress: number;
  readonly sizeOfRawData: number;
  readonly pointerToRawData: number;
  readonly characteristics: number;
}

export interface PeImage {
  readonly format: 'PE32' | 'PE32+';
  readonly machine: number;
  /** File offset of "PE\0\0". */
  readonly peOffset: number;
  /** File offsets of the fields Authenticode leaves out of its hash. */
  readonly checksumOffset: number;
  readonly securityDirectoryOffset: number;
  readonly sizeOfHeaders: number;
  readonly dataDirectories: readonly PeDataDirectory[];
  readonly sections: readonly PeSection[];
}

export class PeFormatError extends Error {
  override readonly name: string = 'PeFormatError';
}

/** Decodes the headers of a PE image; `bytes` must hold at least the headers (the whole file is fine). */
export function decodePeImage(bytes: Uint8Array): PeImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number, what: string) => {
    if (end > bytes.length) throw new PeFormatError(`not a PE image: ${what} is cut off (needs ${end} bytes, have ${bytes.length})`);
  };
  need(0x40, 'the DOS header');
  if (view.getUint16(0, true) !== PE_CONSTANTS.dosMagic) throw new PeFormatError('not a PE image: no "MZ" at its start');
  const peOffset = view.getUint32(PE_CONSTANTS.lfanewOffset, true);
  need(peOffset + 4 + PE_CONSTANTS.coffHeaderSize, 'the COFF header');
  if (view.getUint32(peOffset, true) !== PE_CONSTANTS.peSignature) throw new PeFormatError(`not a PE image: no "PE" signature at byte ${peOffset}`);
  const coff = peOffset + 4;
  const machine = view.getUint16(coff, true);
  const sectionCount = view.getUint16(coff + 2, true);
  const symbolTable = view.getUint32(coff + 8, true);
  const symbolCount = view.getUint32(coff + 12, true);
  const optionalSize = view.getUint16(coff + 16, true);
  const optional = coff + PE_CONSTANTS.coffHeaderSize;
  need(optional + Math.max(optionalSize, 2), 'the optional header');
  const magic = view.getUint16(optional, true);
  if (magic !== PE_CONSTANTS.pe32Magic && magic !== PE_CONSTANTS.pe32PlusMagic) throw new PeFormatError(`not a PE image: optional header magic 0x${magic.toString(16)}`);
  const format = magic === PE_CONSTANTS.pe32Magic ? 'PE32' : 'PE32+';
  const directoryCount = view.getUint32(optional + PE_CONSTANTS.directoryCountOffset[format], true);
  const directoriesStart = optional + PE_CONSTANTS.directoriesOffset[format];
  if (directoriesStart + directoryCount * PE_CONSTANTS.dataDirectorySize > optional + optionalSize) {
    throw new PeFormatError(`not a PE image: ${directoryCount} data directories do not fit its optional header of ${optionalSize} bytes`);
  }
  const dataDirectories: PeDataDirectory[] = [];
  for (let i = 0; i < directoryCount; i++) {
    const at = directoriesStart + i * PE_CONSTANTS.dataDirectorySize;
    dataDirectories.push({ address: view.getUint32(at, true), size: view.getUint32(at + 4, true) });
  }
  const sectionTable = optional + optionalSize;
  need(sectionTable + sectionCount * PE_CONSTANTS.sectionHeaderSize, 'the section table');
  const sections: PeSection[] = [];
  for (let i = 0; i < sectionCount; i++) {
    const at = sectionTable + i * PE_CONSTANTS.sectionHeaderSize;
    sections.push({
      name: sectionName(bytes, at, symbolTable === 0 ? undefined : symbolTable + symbolCount * COFF_SYMBOL_SIZE),
      virtualSize: view.getUint32(at + 8, true),
      virtualAddress: view.getUint32(at + 12, true),
      sizeOfRawData: view.getUint32(at + 16, true),
      pointerToRawData: view.getUint32(at + 20, true),
      characteristics: view.getUint32(at + 36, true),
    });
  }
  return {
    format,
    machine,
    peOffset,
    checksumOffset: optional + PE_CONSTANTS.checksumOffset,
    securityDirectoryOffset: directoriesStart + PE_CONSTANTS.securityDirectory * PE_CONSTANTS.dataDirectorySize,
    sizeOfHeaders: view.getUint32(optional + PE_CONSTANTS.sizeOfHeadersOffset, true),
    dataDirectories,
    sections,
  };
}

/** A COFF symbol table entry; the string table follows the symbols. */
const COFF_SYMBOL_SIZE = 18;

/**
 * A section's name: up to 8 bytes in its header, or `/<offset>` into the COFF string table for longer names
 * (shim's `.vendor_cert` is stored so), read from there when the image holds it.
 */
function sectionName(bytes: Uint8Array, at: number, stringTable: number | undefined): string {
  const latin1 = (from: number, to: number) => {
    const raw = bytes.subarray(from, to);
    const end = raw.indexOf(0);
    return new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end));
  };
  const short = latin1(at, at + 8);
  const long = /^\/(\d+)$/.exec(short);
  if (long === null || stringTable === undefined) return short;
  const start = stringTable + Number(long[1]);
  if (start >= bytes.length) return short;
  return latin1(start, Math.min(bytes.length, start + 256));
}

/** The first section of this name. */
export function findSection(image: PeImage, name: string): PeSection | undefined {
  return image.sections.find((s) => s.name === name);
}

/** The certificate table's place in the file, when the image has one. */
export function certificateTableOf(image: PeImage): PeDataDirectory | undefined {
  const directory = image.dataDirectories[PE_CONSTANTS.securityDirectory];
  return directory === undefined || directory.size === 0 ? undefined : directory;
}

/** A section's raw bytes (a view). */
export function sectionBytes(bytes: Uint8Array, section: PeSection): Uint8Array {
  const end = section.pointerToRawData + section.sizeOfRawData;
  if (end > bytes.length) throw new PeFormatError(`section ${section.name} ends at byte ${end}, past the end of the image (${bytes.length})`);
  return bytes.subarray(section.pointerToRawData, end);
}

export interface WinCertificate {
  readonly revision: number;
  readonly type: number;
  /** For type 2, a PKCS#7 SignedData (DER). */
  readonly data: Uint8Array;
}

/** The entries of a certificate table. */
export function decodeWinCertificates(table: Uint8Array): WinCertificate[] {
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const entries: WinCertificate[] = [];
  let position = 0;
  while (position + WIN_CERTIFICATE.headerSize <= table.length) {
    const length = view.getUint32(position, true);
    if (length < WIN_CERTIFICATE.headerSize || position + length > table.length) {
      throw new PeFormatError(`certificate table: the entry at byte ${position} claims ${length} bytes, ${table.length - position} are left`);
    }
    entries.push({ revision: view.getUint16(position + 4, true), type: view.getUint16(position + 6, true), data: table.subarray(position + WIN_CERTIFICATE.headerSize, position + length) });
    position += align(length, WIN_CERTIFICATE.alignment);
  }
  return entries;
}

/** A certificate table of these entries, each padded with zeros to 8 bytes. */
export function encodeWinCertificates(entries: readonly WinCertificate[]): Uint8Array {
  const size = entries.reduce((sum, e) => sum + align(WIN_CERTIFICATE.headerSize + e.data.length, WIN_CERTIFICATE.alignment), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let position = 0;
  for (const entry of entries) {
    view.setUint32(position, WIN_CERTIFICATE.headerSize + entry.data.length, true);
    view.setUint16(position + 4, entry.revision, true);
    view.setUint16(position + 6, entry.type, true);
    out.set(entry.data, position + WIN_CERTIFICATE.headerSize);
    position += align(WIN_CERTIFICATE.headerSize + entry.data.length, WIN_CERTIFICATE.alignment);
  }
  return out;
}

/** The certificate table's entries, or none for an image without one. */
export function peCertificates(bytes: Uint8Array, image: PeImage = decodePeImage(bytes)): WinCertificate[] {
  const table = certificateTableOf(image);
  if (table === undefined) return [];
  if (table.address + table.size > bytes.length) throw new PeFormatError(`the certificate table (byte ${table.address}, ${table.size} bytes) runs past the end of the image (${bytes.length})`);
  return decodeWinCertificates(bytes.subarray(table.address, table.address + table.size));
}

/**
 * A copy of the image without its signatures: the security directory zeroed, the certificate table cut off
 * when it ends the file (where signing tools put it), and the checksum made right again (as
 * `osslsigncode remove-signature` leaves an image).
 */
export function withoutCertificates(bytes: Uint8Array): Uint8Array {
  const image = decodePeImage(bytes);
  const table = certificateTableOf(image);
  const end = table !== undefined && table.address + table.size === bytes.length ? table.address : bytes.length;
  const out = Uint8Array.from(bytes.subarray(0, end));
  out.fill(0, image.securityDirectoryOffset, image.securityDirectoryOffset + PE_CONSTANTS.dataDirectorySize);
  new DataView(out.buffer).setUint32(image.checksumOffset, peChecksum(out, image), true);
  return out;
}

/**
 * The optional header's CheckSum as Windows' imagehlp computes it: the file as 16-bit words (the checksum
 * field left out) added with end-around carry, plus the file's length. Firmware does not check it; signing
 * tools keep it right.
 */
export function peChecksum(bytes: Uint8Array, image: PeImage): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    if (i >= image.checksumOffset && i < image.checksumOffset + 4) continue;
    sum += bytes[i]! | ((bytes[i + 1] ?? 0) << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + bytes.length) >>> 0;
}

export async function readPeFile(path: string): Promise<{ bytes: Uint8Array; image: PeImage }> {
  const bytes = new Uint8Array(await readFile(path));
  return { bytes, image: decodePeImage(bytes) };
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
