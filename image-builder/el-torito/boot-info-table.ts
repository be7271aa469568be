/**
 * The boot info table (mkisofs `-boot-info-table`): 56 bytes at offset 8 of a no-emulation boot image that
 * tell isolinux where it and the volume are, since it cannot ask the BIOS. Patched into Cairn's copy of
 * isolinux.bin, never into the source file.
 */

export const BOOT_INFO_TABLE = { offset: 8, length: 56, checksumStart: 64 } as const;

export interface BootInfo {
  /** LBA of the primary volume descriptor (16). */
  readonly pvdLba: number;
  /** LBA of the boot image itself. */
  readonly fileLba: number;
}

/** Returns a copy of `image` with the table filled in. The checksum covers the 32-bit words from byte 64. */
export function patchBootInfoTable(image: Uint8Array, info: BootInfo): Uint8Array {
  if (image.length < BOOT_INFO_TABLE.checksumStart) throw new RangeError(`a boot image with a boot info table must be at least 64 bytes, got ${image.length}`);
  const patched = new Uint8Array(image); // a copy, also when given a Buffer (whose slice() shares memory)
  const view = new DataView(patched.buffer);
  view.setUint32(8, info.pvdLba, true);
  view.setUint32(12, info.fileLba, true);
  view.setUint32(16, image.length, true);
  view.setUint32(20, bootImageChecksum(image), true);
  patched.fill(0, 24, 64);
  return patched;
}

/** Sum of the little-endian 32-bit words from byte 64 to the end (a partial last word is zero-padded). */
export function bootImageChecksum(image: Uint8Array): number {
  let sum = 0;
  for (let i = BOOT_INFO_TABLE.checksumStart; i < image.length; i += 4) {
    const word = (image[i] ?? 0) | ((image[i + 1] ?? 0) << 8) | ((image[i + 2] ?? 0) << 16) | ((image[i + 3] ?? 0) << 24);
    sum = (sum + (word >>> 0)) >>> 0;
  }
  return sum;
}

export function decodeBootInfoTable(image: Uint8Array): BootInfo & { readonly length: number; readonly checksum: number } {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return { pvdLba: view.getUint32(8, true), fileLba: view.getUint32(12, true), length: view.getUint32(16, true), checksum: view.getUint32(20, true) };
}
