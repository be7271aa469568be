/**
 * The FAT32 FSInfo sector: a hint of the free cluster count and of where to look for a free cluster, so
 * that a driver need not scan the whole FAT at mount. Its three signatures are what fsck.fat checks.
 */

const FS_INFO_SIZE = 512;

const FS_INFO = {
  leadSignatureOffset: 0,
  leadSignature: 0x41615252, // "RRaA"
  structSignatureOffset: 484,
  structSignature: 0x61417272, // "rrAa"
  freeCountOffset: 488,
  nextFreeOffset: 492,
  trailSignatureOffset: 508,
  trailSignature: 0xaa550000,
  /** "Unknown" for both hints. */
  unknown: 0xffffffff,
} as const;

export interface FsInfo {
  readonly leadSignature: number;
  readonly structSignature: number;
  /** Free clusters, or 0xFFFFFFFF when unknown. */
  readonly freeClusterCount: number;
  /** A cluster to start searching for free ones from, or 0xFFFFFFFF. */
  readonly nextFreeCluster: number;
  readonly trailSignature: number;
}

/** An FSInfo sector with valid signatures. */
export function makeFsInfo(freeClusterCount: number, nextFreeCluster: number): FsInfo {
  return {
    leadSignature: FS_INFO.leadSignature,
    structSignature: FS_INFO.structSignature,
    freeClusterCount,
    nextFreeCluster,
    trailSignature: FS_INFO.trailSignature,
  };
}

/** The reserved areas are written as zeros, as the specification asks (and as mkfs.fat writes them). */
export function encodeFsInfo(info: FsInfo): Uint8Array {
  const bytes = new Uint8Array(FS_INFO_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(FS_INFO.leadSignatureOffset, info.leadSignature >>> 0, true);
  view.setUint32(FS_INFO.structSignatureOffset, info.structSignature >>> 0, true);
  view.setUint32(FS_INFO.freeCountOffset, info.freeClusterCount >>> 0, true);
  view.setUint32(FS_INFO.nextFreeOffset, info.nextFreeCluster >>> 0, true);
  view.setUint32(FS_INFO.trailSignatureOffset, info.trailSignature >>> 0, true);
  return bytes;
}

export function decodeFsInfo(bytes: Uint8Array, offset = 0): FsInfo {
  if (bytes.length - offset < FS_INFO_SIZE) throw new RangeError(`an FSInfo sector is ${FS_INFO_SIZE} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FS_INFO_SIZE);
  return {
    leadSignature: view.getUint32(FS_INFO.leadSignatureOffset, true),
    structSignature: view.getUint32(FS_INFO.structSignatureOffset, true),
    freeClusterCount: view.getUint32(FS_INFO.freeCountOffset, true),
    nextFreeCluster: view.getUint32(FS_INFO.nextFreeOffset, true),
    trailSignature: view.getUint32(FS_INFO.trailSignatureOffset, true),
  };
}

export function hasValidFsInfoSignatures(info: FsInfo): boolean {
  return (
    info.leadSignature === FS_INFO.leadSignature &&
    info.structSignature === FS_INFO.structSignature &&
    info.trailSignature === FS_INFO.trailSignature
  );
}
