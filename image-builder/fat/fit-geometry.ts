/**
 * Sizing a FAT volume to what it must hold. With an exact size, the size's format (geometry.ts) either
 * holds the content or the error says how large the volume must be. Without one, the volume is the
 * smallest whose format holds the content (and at least `minimumSize`): starting small, each step jumps to
 * the size at which the current format would have enough clusters, where the format may change again
 * (a larger volume may get larger clusters, which hold fewer small files); the jump across the FAT32
 * threshold stops at the threshold, where FAT32's smaller clusters may already suffice. The result ends
 * exactly at the last cluster (no slack sectors), unless a minimum size asks for more.
 */
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import type { FatType } from './fat-table.js';
import {
  CLUSTER_LIMITS,
  FAT32_AUTO_SIZE,
  MAX_TOTAL_SECTORS,
  SECTOR_SIZE,
  chooseFatFormat,
  isClusterCountValid,
  layoutFat,
  sectorsForClusters,
  type FatFormat,
  type FatGeometry,
  type FatLayoutRules,
} from './geometry.js';

export interface FatSizeRequest {
  /** Exact volume size in bytes (a multiple of 512). */
  readonly size?: number | undefined;
  /** Without `size`: at least this many bytes. */
  readonly minimumSize?: number | undefined;
  readonly type?: FatType | undefined;
  /** Bytes per cluster (a power of two, 512 to 65536). */
  readonly clusterSize?: number | undefined;
  readonly rules: FatLayoutRules;
  /** Clusters the content needs with a given format (directories, files, requested free space). */
  readonly clustersNeeded: (format: FatFormat) => number;
}

const MAX_STEPS = 200;

export function fitFatGeometry(request: FatSizeRequest): FatGeometry {
  if (request.size !== undefined) return exactGeometry(request, request.size);
  return smallestGeometry(request, Math.max(1, Math.ceil((request.minimumSize ?? 0) / SECTOR_SIZE)));
}

function exactGeometry(request: FatSizeRequest, size: number): FatGeometry {
  const totalSectors = size / SECTOR_SIZE;
  const format = chooseFatFormat(totalSectors, request, request.rules);
  const geometry = layoutFat(format, totalSectors, request.rules);
  const needed = request.clustersNeeded(format);
  const inRange = geometry !== undefined && isClusterCountValid(format.type, geometry.clusterCount);
  if (inRange && geometry.clusterCount >= needed) return geometry;
  const fitting = smallestGeometry(request, 1);
  const works = `${fitting.size} bytes (${formatSize(fitting.size)}, FAT${fitting.type} with ${formatSize(fitting.clusterSize)} clusters)`;
  const clusterSize = formatSize(format.sectorsPerCluster * SECTOR_SIZE);
  if (inRange) {
    throw new DomainError(
      'fat-too-small',
      `the files need ${needed} clusters of ${clusterSize} but a FAT${format.type} image of ${size} bytes (${formatSize(size)}) has ${geometry.clusterCount}; the smallest image that holds them is ${works}`,
      { expected: fitting.size, actual: size, hint: 'give a larger size, or leave the size out to size the image to its files' },
    );
  }
  const count = geometry === undefined ? 0 : geometry.clusterCount;
  const limits = CLUSTER_LIMITS[format.type];
  throw new DomainError(
    'fat-unusable-size',
    `a FAT image of ${size} bytes (${formatSize(size)}) cannot be FAT${format.type} with ${clusterSize} clusters: it would have ${count} clusters, FAT${format.type} needs ${limits.min} to ${limits.max}`,
    { expected: fitting.size, actual: size, hint: `choose another size (${works} holds the files) or another FAT type or cluster size` },
  );
}

function smallestGeometry(request: FatSizeRequest, startSectors: number): FatGeometry {
  let sectors = startSectors;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (sectors > MAX_TOTAL_SECTORS) break;
    const format = chooseFatFormat(sectors, request, request.rules);
    const geometry = layoutFat(format, sectors, request.rules);
    const needed = request.clustersNeeded(format);
    if (geometry !== undefined && isClusterCountValid(format.type, geometry.clusterCount) && geometry.clusterCount >= needed) {
      return trimmed(request, geometry, startSectors);
    }
    const limits = CLUSTER_LIMITS[format.type];
    if (geometry !== undefined && geometry.clusterCount > limits.max) {
      // Only a forced type or cluster size gets here: growing the volume would only add clusters.
      throw new DomainError(
        'fat-unusable-size',
        `a FAT image of ${formatSize(sectors * SECTOR_SIZE)} cannot be FAT${format.type} with ${formatSize(format.sectorsPerCluster * SECTOR_SIZE)} clusters: it would have ${geometry.clusterCount} clusters, more than the ${limits.max} FAT${format.type} allows`,
        { expected: limits.max, actual: geometry.clusterCount, hint: 'use a larger cluster size, another FAT type, or a smaller size' },
      );
    }
    const target = Math.max(needed, limits.min);
    const canGrowClusters = request.clusterSize === undefined && format.sectorsPerCluster < 128;
    if (target > limits.max && request.type !== undefined && !canGrowClusters) {
      throw new DomainError(
        'fat-too-large',
        `the files need ${target} clusters of ${format.sectorsPerCluster * SECTOR_SIZE} bytes; FAT${format.type} has at most ${limits.max}`,
        { expected: limits.max, actual: target, hint: 'use a larger cluster size or another FAT type (or leave both out)' },
      );
    }
    let next = sectorsForClusters(format, target, request.rules);
    if (request.type === undefined && sectors * SECTOR_SIZE < FAT32_AUTO_SIZE && next * SECTOR_SIZE > FAT32_AUTO_SIZE) {
      next = FAT32_AUTO_SIZE / SECTOR_SIZE;
    }
    sectors = Math.max(next, sectors + 1);
  }
  throw new DomainError('fat-too-large', 'the files do not fit in any FAT volume Cairn can make (at most 2 TiB)', {
    hint: 'put fewer or smaller files in the image',
  });
}

/** The same geometry without the sectors after the last cluster, if the format stays the same. */
function trimmed(request: FatSizeRequest, geometry: FatGeometry, startSectors: number): FatGeometry {
  const end = geometry.dataOffset / SECTOR_SIZE + geometry.clusterCount * geometry.sectorsPerCluster;
  const sectors = Math.max(end, startSectors);
  if (sectors >= geometry.totalSectors) return geometry;
  const format = chooseFatFormat(sectors, request, request.rules);
  const candidate = layoutFat(format, sectors, request.rules);
  if (
    candidate !== undefined &&
    format.type === geometry.type &&
    format.sectorsPerCluster === geometry.sectorsPerCluster &&
    isClusterCountValid(format.type, candidate.clusterCount) &&
    candidate.clusterCount >= request.clustersNeeded(format)
  ) {
    return candidate;
  }
  return geometry;
}
