/**
 * ECMA-119 stores most numbers twice, little-endian then big-endian ("both-byte orders", 7.2.3 and 7.3.3).
 * Writers fill both halves; readers take the little-endian half, the one every implementation trusts.
 * Plain byte arithmetic rather than a DataView per call: these run for every directory record.
 */

/** Path tables come in a little-endian (type L) and a big-endian (type M) copy. */
export type ByteOrder = 'little' | 'big';

export function writeUint16Both(bytes: Uint8Array, offset: number, value: number): void {
  checkRange(value, 0xffff);
  putLittle16(bytes, offset, value);
  putBig16(bytes, offset + 2, value);
}

export function writeUint32Both(bytes: Uint8Array, offset: number, value: number): void {
  checkRange(value, 0xffff_ffff);
  putLittle32(bytes, offset, value);
  putBig32(bytes, offset + 4, value);
}

export function readUint16Both(bytes: Uint8Array, offset: number): number {
  return readUint16(bytes, offset, 'little');
}

export function readUint32Both(bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset, 'little');
}

export function writeUint16(bytes: Uint8Array, offset: number, value: number, order: ByteOrder): void {
  checkRange(value, 0xffff);
  if (order === 'little') putLittle16(bytes, offset, value);
  else putBig16(bytes, offset, value);
}

export function writeUint32(bytes: Uint8Array, offset: number, value: number, order: ByteOrder): void {
  checkRange(value, 0xffff_ffff);
  if (order === 'little') putLittle32(bytes, offset, value);
  else putBig32(bytes, offset, value);
}

export function readUint16(bytes: Uint8Array, offset: number, order: ByteOrder): number {
  checkBounds(bytes, offset, 2);
  return order === 'little' ? bytes[offset]! | (bytes[offset + 1]! << 8) : (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function readUint32(bytes: Uint8Array, offset: number, order: ByteOrder): number {
  checkBounds(bytes, offset, 4);
  if (order === 'little') return bytes[offset + 3]! * 0x100_0000 + ((bytes[offset + 2]! << 16) | (bytes[offset + 1]! << 8) | bytes[offset]!);
  return bytes[offset]! * 0x100_0000 + ((bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!);
}

function putLittle16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = value >>> 8;
}

function putBig16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value & 0xff;
}

function putLittle32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = value >>> 24;
}

function putBig32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

function checkRange(value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${value} does not fit an unsigned field of maximum ${max}`);
  }
}

function checkBounds(bytes: Uint8Array, offset: number, width: number): void {
  if (offset < 0 || offset + width > bytes.length) throw new RangeError(`reading ${width} bytes at ${offset} past the end of ${bytes.length}`);
}
