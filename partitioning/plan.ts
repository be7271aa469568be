/**
 * The partition planner (pure): a layout and the facts of a disk give every partition's place (1 MiB
 * aligned), its identifiers (derived from a seed, so the same layout on the same disk gives the same
 * GUIDs and UUIDs every time, and re-applying a plan reproduces the same disk) and its filesystem. A plan is
 * a plain object: printed for a dry run, sent as JSON, and given to applyPlan() (apply.ts).
 */
import { DomainError } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import { FORMAT_LIMITS, defaultMountPoint, type FilesystemFormat, type Layout } from '../system/layout.js';
import { GPT, entryArraySectors } from './gpt.js';
import { deriveGuid, deriveUint32 } from '../lib/guid.js';
import { gptTypeGuid, mbrTypeByte } from '../system/partition-types.js';

export const ALIGNMENT_BYTES = 1024 * 1024;

/** What the planner needs to know of the target and what apply checks again before writing. */
export interface DiskIdentity {
  readonly kind: 'image' | 'block';
  /** The path the user named (an image file, /dev/sdX or a /dev/disk/by-id link). */
  readonly path: string;
  readonly sizeBytes: number;
  /** Logical sector size: 512, or 4096 on 4Kn disks. */
  readonly sectorSize: number;
  readonly serial?: string;
  readonly model?: string;
  /** The preferred /dev/disk/by-id name. */
  readonly byId?: string;
  /** How every message names this disk: its by-id name, model, serial and size. */
  readonly description: string;
}

export interface PlannedFilesystem {
  readonly format: FilesystemFormat;
  /** The filesystem UUID as blkid and /dev/disk/by-uuid show it (`XXXX-XXXX` for vfat): root=UUID=... */
  readonly uuid: string;
  readonly label?: string;
}

export interface PlannedPartition {
  /** The partition number (1-based). */
  readonly number: number;
  readonly name: string;
  /** The layout's type (esp, root, a GUID, 0xNN). */
  readonly type: string;
  /** GPT: the type GUID. */
  readonly typeGuid?: string;
  /** MBR: the type byte. */
  readonly mbrType?: number;
  readonly firstLba: number;
  readonly lastLba: number;
  readonly sectors: number;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  /** GPT: the partition's unique GUID; MBR: the kernel's PARTUUID (`<disk signature>-<NN>`). */
  readonly partUuid: string;
  readonly bootable: boolean;
  readonly filesystem?: PlannedFilesystem;
  readonly mountPoint?: string;
}

export interface PartitionPlan {
  readonly table: 'gpt' | 'mbr';
  readonly disk: DiskIdentity;
  readonly diskSectors: number;
  readonly seed: string;
  /** GPT: the disk GUID. MBR: the disk signature as 8 hex digits. */
  readonly diskId: string;
  readonly alignmentSectors: number;
  readonly firstUsableLba: number;
  readonly lastUsableLba: number;
  readonly partitions: readonly PlannedPartition[];
  /** Sectors left unused after the last partition (fixed sizes only). */
  readonly freeSectorsAtEnd: number;
}

/** The smallest disk (bytes) a layout fits on, for "too small" messages and the installer's disk list. */
export function minimumDiskBytes(layout: Layout, sectorSize = 512): number {
  const grain = ALIGNMENT_BYTES;
  let bytes = grain; // the first partition starts at 1 MiB
  for (const p of layout.partitions) {
    if (p.size.kind === 'bytes') bytes += Math.ceil(p.size.bytes / grain) * grain;
    else bytes += Math.max(grain, p.format === undefined ? 0 : Math.ceil(FORMAT_LIMITS[p.format].minimumBytes / grain) * grain);
  }
  const tail = layout.table === 'gpt' ? (entryArraySectors(GPT.defaultEntryCount, GPT.entrySize, sectorSize) + 1) * sectorSize : 0;
  return bytes + Math.ceil(tail / grain) * grain;
}

function alignUp(value: number, grain: number): number {
  return Math.ceil(value / grain) * grain;
}

/** Plans a layout on a disk. Throws a DomainError naming the disk and the partition when it cannot fit. */
export function planPartitions(layout: Layout, disk: DiskIdentity, options: { readonly seed: string }): PartitionPlan {
  const { sectorSize } = disk;
  if (sectorSize !== 512 && sectorSize !== 4096) {
    throw new DomainError('unsupported-sector-size', `${disk.description}: logical sector size ${sectorSize} is not supported (512 or 4096)`, { expected: [512, 4096], actual: sectorSize });
  }
  const diskSectors = Math.floor(disk.sizeBytes / sectorSize);
  const grain = ALIGNMENT_BYTES / sectorSize;
  const arraySectors = entryArraySectors(GPT.defaultEntryCount, GPT.entrySize, sectorSize);
  const firstUsableLba = layout.table === 'gpt' ? GPT.defaultEntriesLba + arraySectors : 1;
  const lastUsableLba = layout.table === 'gpt' ? diskSectors - 2 - arraySectors : diskSectors - 1;
  const start = alignUp(firstUsableLba, grain);
  const available = Math.max(0, lastUsableLba + 1 - start);

  const tooSmall = () =>
    new DomainError(
      'disk-too-small',
      `the layout does not fit on ${disk.description}: it needs at least ${formatSize(minimumDiskBytes(layout, sectorSize))}, the disk has ${formatSize(disk.sizeBytes)}`,
      { expected: minimumDiskBytes(layout, sectorSize), actual: disk.sizeBytes, hint: 'choose a larger disk (or --size for an image), or make fixed sizes smaller' },
    );

  const fixedSectors = layout.partitions.map((p) => (p.size.kind === 'bytes' ? alignUp(Math.ceil(p.size.bytes / sectorSize), grain) : 0));
  const fixedTotal = fixedSectors.reduce((a, b) => a + b, 0);
  if (fixedTotal > available) throw tooSmall();
  const leftGrains = Math.floor((available - fixedTotal) / grain);
  const percentIndexes = layout.partitions.flatMap((p, i) => (p.size.kind === 'percent' ? [i] : []));
  const percentTotal = percentIndexes.reduce((sum, i) => sum + (layout.partitions[i]!.size as { percent: number }).percent, 0);
  const givesAll = percentIndexes.length > 0 && Math.abs(percentTotal - 100) < 1e-9;
  if (percentTotal > 100 + 1e-9) {
    throw new DomainError('percent-over-100', `the layout gives out ${percentTotal}% of what is left; at most 100%`, { expected: 100, actual: percentTotal });
  }

  const sectorsOf: number[] = fixedSectors.slice();
  let given = 0;
  for (const [k, i] of percentIndexes.entries()) {
    const percent = (layout.partitions[i]!.size as { percent: number }).percent;
    const last = k === percentIndexes.length - 1;
    const grains = last && givesAll ? leftGrains - given : Math.floor((leftGrains * percent) / 100);
    given += grains;
    sectorsOf[i] = grains * grain;
  }
  // The partition that takes the last of the disk also takes the part-grain at the end.
  const lastIndex = layout.partitions.length - 1;
  if (givesAll && percentIndexes.includes(lastIndex)) {
    sectorsOf[lastIndex] = sectorsOf[lastIndex]! + (available - fixedTotal - leftGrains * grain);
  }

  const diskSignature = deriveUint32(options.seed, 'disk');
  const diskId = layout.table === 'gpt' ? deriveGuid(options.seed, 'disk') : diskSignature.toString(16).padStart(8, '0');
  let cursor = start;
  const partitions: PlannedPartition[] = layout.partitions.map((p, i) => {
    const sectors = sectorsOf[i]!;
    const where = `partitions[${i}] (${p.name})`;
    if (sectors === 0) {
      throw new DomainError('partition-empty', `${where}: ${(p.size as { percent: number }).percent}% of what is left on ${disk.description} is less than 1 MiB`, {
        hint: 'choose a larger disk, or make fixed sizes smaller',
        actual: 0,
      });
    }
    if (p.format !== undefined && sectors * sectorSize < FORMAT_LIMITS[p.format].minimumBytes) {
      throw new DomainError('partition-too-small', `${where}: ${formatSize(sectors * sectorSize)} on ${disk.description} is too small for ${p.format}, which needs at least ${formatSize(FORMAT_LIMITS[p.format].minimumBytes)}`, {
        expected: FORMAT_LIMITS[p.format].minimumBytes,
        actual: sectors * sectorSize,
        hint: 'choose a larger disk, or make fixed sizes smaller',
      });
    }
    const firstLba = cursor;
    const lastLba = cursor + sectors - 1;
    cursor += sectors;
    if (layout.table === 'mbr' && lastLba > 0xffffffff) {
      throw new DomainError('mbr-too-large', `${where} ends at sector ${lastLba} of ${disk.description}; an MBR addresses only the first 2^32 sectors (${formatSize(0x100000000 * sectorSize)})`, {
        hint: 'use table: gpt',
      });
    }
    const number = i + 1;
    const mountPoint = p.mountPoint ?? defaultMountPoint(p);
    const filesystem: PlannedFilesystem | undefined =
      p.format === undefined
        ? undefined
        : {
            format: p.format,
            uuid: p.format === 'vfat' ? vfatVolumeId(deriveUint32(options.seed, `filesystem ${p.name}`)) : deriveGuid(options.seed, `filesystem ${p.name}`).toLowerCase(),
            ...(p.label === undefined ? {} : { label: p.label }),
          };
    const typeGuid = layout.table === 'gpt' ? gptTypeGuid(p.type) : undefined;
    const mbrType = layout.table === 'mbr' ? mbrTypeByte(p.type) : undefined;
    return {
      number,
      name: p.name,
      type: p.type,
      ...(typeGuid === undefined ? {} : { typeGuid }),
      ...(mbrType === undefined ? {} : { mbrType }),
      firstLba,
      lastLba,
      sectors,
      offsetBytes: firstLba * sectorSize,
      sizeBytes: sectors * sectorSize,
      partUuid: layout.table === 'gpt' ? deriveGuid(options.seed, `partition ${p.name}`) : `${diskId}-${number.toString(16).padStart(2, '0')}`,
      bootable: p.bootable,
      ...(filesystem === undefined ? {} : { filesystem }),
      ...(mountPoint === undefined || mountPoint === 'none' ? {} : { mountPoint }),
    };
  });

  return {
    table: layout.table,
    disk,
    diskSectors,
    seed: options.seed,
    diskId,
    alignmentSectors: grain,
    firstUsableLba,
    lastUsableLba,
    partitions,
    freeSectorsAtEnd: lastUsableLba + 1 - cursor,
  };
}

/** A FAT volume id as blkid prints it: `1234-ABCD`. */
function vfatVolumeId(value: number): string {
  const hex = (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** The partition a mount point or name refers to, for installers (`partitionFor(plan, '/')`). */
export function partitionMountedAt(plan: PartitionPlan, mountPoint: string): PlannedPartition | undefined {
  return plan.partitions.find((p) => p.mountPoint === mountPoint);
}
