/**
 * System Use Sharing Protocol (SUSP 1.12): the framing of the entries in a directory record's system use
 * area (two signature letters, a length, a version, data), and the protocol's own entries: SP (marks SUSP in
 * the root's "." record), CE (the rest of the entries lives in a continuation area), ER (names an extension
 * such as Rock Ridge) and ST (no more entries).
 */
import { readUint32Both, writeUint32Both } from './both-endian.js';

export interface SuspEntry {
  /** Two ASCII letters, e.g. `PX`. */
  readonly signature: string;
  readonly version: number;
  readonly data: Uint8Array;
}

/** Signature, length and version: the 4 bytes before an entry's data. */
export const SUSP_HEADER_LENGTH = 4;
export const MAX_SUSP_ENTRY_LENGTH = 255;
export const CE_ENTRY_LENGTH = 28;
export const SP_ENTRY_LENGTH = 7;

export function encodeSuspEntry(entry: SuspEntry): Uint8Array {
  const bytes = new Uint8Array(SUSP_HEADER_LENGTH + entry.data.length);
  writeSuspHeader(bytes, 0, entry.signature, bytes.length, entry.version);
  bytes.set(entry.data, SUSP_HEADER_LENGTH);
  return bytes;
}

/** Writes the header of an entry of `length` bytes (its data included) at `offset`; the data goes after it. */
export function writeSuspHeader(bytes: Uint8Array, offset: number, signature: string, length: number, version = 1): void {
  if (signature.length !== 2) throw new RangeError(`SUSP signature "${signature}" must be two letters`);
  if (length > MAX_SUSP_ENTRY_LENGTH) throw new RangeError(`SUSP entry ${signature} of ${length} bytes exceeds ${MAX_SUSP_ENTRY_LENGTH}`);
  bytes[offset] = signature.charCodeAt(0);
  bytes[offset + 1] = signature.charCodeAt(1);
  bytes[offset + 2] = length;
  bytes[offset + 3] = version;
}

/**
 * Splits a system use area (or a continuation area) into entries. Stops at an ST entry, at fewer than four
 * bytes left (the pad byte of an odd-length record) or at a length byte that cannot be right, as readers of
 * real images must: some writers leave zero padding after the last entry.
 */
export function decodeSuspEntries(bytes: Uint8Array, offset = 0, length = bytes.length - offset): SuspEntry[] {
  const entries: SuspEntry[] = [];
  const end = Math.min(bytes.length, offset + length);
  let position = offset;
  while (position + SUSP_HEADER_LENGTH <= end) {
    const entryLength = bytes[position + 2]!;
    if (entryLength < SUSP_HEADER_LENGTH || position + entryLength > end) break;
    const signature = String.fromCharCode(bytes[position]!, bytes[position + 1]!);
    if (signature === 'ST') break;
    entries.push({ signature, version: bytes[position + 3]!, data: bytes.slice(position + SUSP_HEADER_LENGTH, position + entryLength) });
    position += entryLength;
  }
  return entries;
}

/** SP: present first in the root's "." record; `skip` bytes precede the entries of every other record. */
export interface SharingProtocolIndicator {
  readonly skip: number;
}

export function encodeSharingProtocolIndicator(value: SharingProtocolIndicator): Uint8Array {
  return encodeSuspEntry({ signature: 'SP', version: 1, data: Uint8Array.of(0xbe, 0xef, value.skip) });
}

export function decodeSharingProtocolIndicator(entry: SuspEntry): SharingProtocolIndicator | undefined {
  if (entry.signature !== 'SP' || entry.data[0] !== 0xbe || entry.data[1] !== 0xef) return undefined;
  return { skip: entry.data[2] ?? 0 };
}

/** CE: where the entries continue (block, byte offset in it, length). */
export interface ContinuationArea {
  readonly block: number;
  readonly offset: number;
  readonly length: number;
}

export function encodeContinuationEntry(area: ContinuationArea): Uint8Array {
  const data = new Uint8Array(24);
  writeUint32Both(data, 0, area.block);
  writeUint32Both(data, 8, area.offset);
  writeUint32Both(data, 16, area.length);
  return encodeSuspEntry({ signature: 'CE', version: 1, data });
}

export function decodeContinuationEntry(entry: SuspEntry): ContinuationArea {
  expectLength(entry, 24);
  return { block: readUint32Both(entry.data, 0), offset: readUint32Both(entry.data, 8), length: readUint32Both(entry.data, 16) };
}

/** ER: the extension in use, e.g. Rock Ridge (`IEEE_P1282` or `RRIP_1991A`). */
export interface ExtensionReference {
  readonly identifier: string;
  readonly descriptor: string;
  readonly source: string;
  readonly version: number;
}

export function encodeExtensionReference(value: ExtensionReference): Uint8Array {
  const id = ascii(value.identifier);
  const descriptor = ascii(value.descriptor);
  const source = ascii(value.source);
  const data = new Uint8Array(4 + id.length + descriptor.length + source.length);
  data[0] = id.length;
  data[1] = descriptor.length;
  data[2] = source.length;
  data[3] = value.version;
  data.set(id, 4);
  data.set(descriptor, 4 + id.length);
  data.set(source, 4 + id.length + descriptor.length);
  return encodeSuspEntry({ signature: 'ER', version: 1, data });
}

export function decodeExtensionReference(entry: SuspEntry): ExtensionReference {
  const [idLength = 0, descriptorLength = 0, sourceLength = 0, version = 0] = entry.data;
  const text = (start: number, length: number) => String.fromCharCode(...entry.data.subarray(start, start + length));
  return {
    identifier: text(4, idLength),
    descriptor: text(4 + idLength, descriptorLength),
    source: text(4 + idLength + descriptorLength, sourceLength),
    version,
  };
}

export function expectLength(entry: SuspEntry, ...lengths: number[]): void {
  if (!lengths.includes(entry.data.length)) {
    throw new RangeError(`${entry.signature} entry with ${entry.data.length} data bytes (expected ${lengths.join(' or ')})`);
  }
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0x7f);
}
