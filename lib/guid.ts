/**
 * GUIDs as GPT stores them, and identifiers derived from a seed.
 *
 * On disk a GUID is "mixed-endian": the first three fields are little-endian, the last two are bytes in
 * order, so `C12A7328-F81F-11D2-BA4B-00A0C93EC93B` is stored as `28 73 2A C1 1F F8 D2 11 BA 4B 00 A0 ...`.
 * Text form is upper case, as sfdisk and sgdisk print it.
 */
import { createHash } from 'node:crypto';

const GUID_PATTERN = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

export function isGuid(text: string): boolean {
  return GUID_PATTERN.test(text);
}

/** Normalises a GUID's text form (upper case); throws on anything that is not one. */
export function normalizeGuid(text: string): string {
  if (!isGuid(text)) throw new RangeError(`not a GUID: "${text}"`);
  return text.toUpperCase();
}

/** Writes a GUID's 16 on-disk bytes at `offset`. */
export function writeGuid(target: Uint8Array, offset: number, guid: string): void {
  const hex = normalizeGuid(guid).replaceAll('-', '');
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  for (let i = 0; i < 16; i++) target[offset + i] = bytes[order[i]!]!;
}

/** Reads the GUID stored at `offset`. */
export function readGuid(source: Uint8Array, offset: number): string {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  const hex = order.map((i) => source[offset + i]!.toString(16).padStart(2, '0')).join('').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * 16 bytes derived from a seed and a purpose ("partition root", "filesystem root"): the same seed always
 * gives the same identifiers, different purposes give unrelated ones.
 */
function derivedBytes(seed: string, purpose: string): Buffer {
  return createHash('sha256').update(`cairn-partitioning\0${seed}\0${purpose}`).digest();
}

/**
 * A UUID derived from a seed, shaped as a version-4 (random) UUID as systemd-repart does for its derived
 * identifiers: tools and people treat it like any random UUID, yet it is reproducible.
 */
export function deriveGuid(seed: string, purpose: string): string {
  const bytes = derivedBytes(seed, purpose);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A 32-bit number derived from a seed (MBR disk signatures, FAT volume ids); never 0, which means "none". */
export function deriveUint32(seed: string, purpose: string): number {
  const value = derivedBytes(seed, purpose).readUInt32BE(0);
  return value === 0 ? 1 : value;
}
