/**
 * The FAT volume id (serial number): 32 bits in the boot sector, shown by blkid, mtools and Windows as
 * `XXXX-XXXX` (upper-case hex, high half first), and used as `UUID=XXXX-XXXX` in fstab and on kernel
 * command lines. Cairn derives it from a seed so that the same input always gives the same id.
 */
import { createHash } from 'node:crypto';

/** 32 bits of SHA-256 of the seed. */
export function deriveVolumeId(seed: string): number {
  return createHash('sha256').update('cairn-fat-volume-id\0').update(seed).digest().readUInt32LE(0);
}

/** `0x1234abcd` -> `1234-ABCD`, as blkid prints a FAT UUID. */
export function formatVolumeId(id: number): string {
  const hex = (id >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** `1234-ABCD` (or `1234abcd`) -> `0x1234abcd`; undefined for anything else. */
export function parseVolumeId(text: string): number | undefined {
  const match = /^([0-9a-f]{4})-?([0-9a-f]{4})$/i.exec(text.trim());
  return match ? Number.parseInt(match[1]! + match[2]!, 16) : undefined;
}
