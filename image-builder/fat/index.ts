/**
 * Cairn's FAT12/16/32 writer and reader (pure TypeScript). Plan an image from a tree (planFatImage), write
 * it to a file or into a disk image (writeFatImage), or stream its regions into another image (the plan's
 * `regions` with readImageChunks); read volumes back with openFatImage.
 */
export { planFatImage, type FatPlan, type FatPlannedDirectory, type FatPlannedFile } from './plan.js';
export type { FatImageOptions } from './plan-options.js';
export { assembleRegions, type FatRegion } from './regions.js';
export { readImageChunks, DEFAULT_CHUNK_SIZE, type ImageChunk, type ImageChunkOptions } from './region-stream.js';
export { writeFatImage, FAT_WRITE_PHASE, type WriteFatImageOptions } from './write.js';
export { buildFatImageFromDirectory, readFatTreeFromDirectory } from './from-directory.js';
export { FatImageReader, openFatImage, openFatImageBytes, type FatByteSource, type FatEntryInfo, type FatVolumeInfo } from './read.js';
export { fatDirectory, fatFileFromBytes, fatFileFromPath, type FatFileSource, type FatTreeDirectory, type FatTreeFile, type FatTreeNode } from './tree.js';
export { chooseFatFormat, layoutFat, clusterOffset, CLUSTER_LIMITS, FAT32_AUTO_SIZE, SECTOR_SIZE, type FatGeometry, type FatFormat } from './geometry.js';
export { deriveVolumeId, formatVolumeId, parseVolumeId } from './volume-id.js';
export type { FatType } from './fat-table.js';
