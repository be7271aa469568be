/**
 * Planning GRUB's BIOS boot code for a disk (pure): where core.img goes (the BIOS boot partition of a GPT
 * disk, or the gap between an MBR and its first partition), the early configuration embedded in core.img
 * (find the ESP by its FAT volume id, read `grub/grub.cfg` there) and the sectors to write: core.img with
 * its block list, then sector 0 with boot.img's fields and the partition table kept. The same plan serves
 * a disk being partitioned (the installer: from its partition plan, before anything is written) and a disk
 * as it is (`cairn boot install --firmware bios`: from the table read back).
 *
 * Refusals name the disk and what to change: no BIOS boot partition (or MBR gap), one too small for
 * core.img, an MBR disk over 2 TiB, sectors other than 512 bytes.
 */
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import type { SectorBlock } from '../../partitioning/gpt.js';
import { GPT_TYPE_GUIDS, MBR_TYPE_BYTES } from '../../system/partition-types.js';
import { encodePlanTable } from '../../partitioning/plan-table.js';
import type { PartitionPlan } from '../../partitioning/plan.js';
import type { CurrentTable } from '../../partitioning/read-table.js';
import { GRUB_PREFIX } from '../grub.js';
import { grubBootSectorFor } from './boot-sector.js';
import { GRUB_CORE_IMAGE, coreImageSectors, placeCoreImage } from './core-image.js';

/** The largest disk an MBR describes: 2^32 sectors of 512 bytes. */
const MBR_MAX_SECTORS = 2 ** 32;

export type DiskPartitionKind = 'bios-boot' | 'esp' | 'other';

/** What BIOS boot needs to know of a disk's table. */
export interface BiosBootDisk {
  /** How messages name the disk. */
  readonly description: string;
  readonly table: 'gpt' | 'mbr';
  readonly sectorSize: number;
  readonly diskSectors: number;
  /** Sector 0 as it is (or will be) written: the protective MBR or the MBR, whose table GRUB keeps. */
  readonly sector0: Uint8Array;
  readonly partitions: readonly { readonly number: number; readonly firstLba: number; readonly lastLba: number; readonly kind: DiskPartitionKind }[];
}

/** Where core.img goes. */
export interface CoreImagePlace {
  readonly kind: 'bios-boot-partition' | 'mbr-gap';
  readonly firstLba: number;
  /** Sectors available from `firstLba`. */
  readonly sectors: number;
  /** The BIOS boot partition's number. */
  readonly partition?: number;
}

export function biosBootDiskOfPlan(plan: PartitionPlan): BiosBootDisk {
  const sector0 = encodePlanTable(plan).find((block) => block.lba === 0)!.bytes;
  return {
    description: plan.disk.description,
    table: plan.table,
    sectorSize: plan.disk.sectorSize,
    diskSectors: plan.diskSectors,
    sector0,
    partitions: plan.partitions.map((p) => ({ number: p.number, firstLba: p.firstLba, lastLba: p.lastLba, kind: kindOf(p.typeGuid, p.mbrType) })),
  };
}

/** The facts of a disk as read back (readPartitionTable and its sector 0). */
export function biosBootDiskOfTable(description: string, table: CurrentTable, sector0: Uint8Array, sizeBytes: number, sectorSize: number): BiosBootDisk {
  const base = { description, sectorSize, diskSectors: Math.floor(sizeBytes / sectorSize), sector0 };
  if (table.kind === 'gpt') {
    return { ...base, table: 'gpt', partitions: table.gpt.partitions.map((p) => ({ number: p.number, firstLba: p.firstLba, lastLba: p.lastLba, kind: kindOf(p.typeGuid, undefined) })) };
  }
  if (table.kind === 'mbr') {
    return { ...base, table: 'mbr', partitions: table.mbr.partitions.map((p) => ({ number: p.number, firstLba: p.firstLba, lastLba: p.firstLba + p.sectors - 1, kind: kindOf(undefined, p.type) })) };
  }
  throw new DomainError('no-partition-table', `${description} has ${table.kind === 'none' ? 'no partition table' : `a damaged partition table (${table.problem})`}; BIOS boot needs GPT with a BIOS boot partition, or MBR`, {
    hint: 'partition the disk first (cairn partition apply guided --bios-boot ...)',
  });
}

function kindOf(typeGuid: string | undefined, mbrType: number | undefined): DiskPartitionKind {
  if (typeGuid !== undefined) return typeGuid.toUpperCase() === GPT_TYPE_GUIDS['bios-boot'] ? 'bios-boot' : typeGuid.toUpperCase() === GPT_TYPE_GUIDS.esp ? 'esp' : 'other';
  return mbrType === MBR_TYPE_BYTES.esp ? 'esp' : 'other';
}

/**
 * Where core.img goes on a disk, whatever its size: refused, naming the change to make, when the disk has
 * no place for it. `core` sectors are checked by `planGrubPcBootCode` once core.img is built.
 */
export function findCoreImagePlace(disk: BiosBootDisk): CoreImagePlace {
  if (disk.sectorSize !== GRUB_CORE_IMAGE.sectorSize) {
    throw new DomainError('bios-boot-sector-size', `${disk.description} has ${disk.sectorSize}-byte sectors; GRUB's BIOS boot code reads 512-byte sectors`, {
      hint: 'boot this disk with UEFI (--firmware uefi)',
      expected: GRUB_CORE_IMAGE.sectorSize,
      actual: disk.sectorSize,
    });
  }
  if (disk.table === 'gpt') {
    const partition = disk.partitions.find((p) => p.kind === 'bios-boot');
    if (partition === undefined) {
      throw new DomainError('no-bios-boot-partition', `${disk.description} has a GPT without a BIOS boot partition, where GRUB's core.img goes for BIOS boot`, {
        hint: 'add a 1 MiB partition of type bios-boot to the layout ({ name: bios-boot, type: bios-boot, size: 1M }; the guided layout has one with --firmware bios or both), or boot it with UEFI only (--firmware uefi)',
        expected: 'a partition of type bios-boot (21686148-6449-6E6F-744E-656564454649)',
        actual: 'none',
      });
    }
    return { kind: 'bios-boot-partition', firstLba: partition.firstLba, sectors: partition.lastLba - partition.firstLba + 1, partition: partition.number };
  }
  if (disk.diskSectors > MBR_MAX_SECTORS) {
    throw new DomainError('mbr-disk-too-large', `${disk.description} is larger than 2 TiB, and an MBR partition table describes only its first 2 TiB (${formatSize(MBR_MAX_SECTORS * disk.sectorSize)})`, {
      hint: 'use table: gpt; the guided layout (GPT with a BIOS boot partition) boots on BIOS machines too',
      expected: MBR_MAX_SECTORS,
      actual: disk.diskSectors,
    });
  }
  const first = Math.min(...disk.partitions.map((p) => p.firstLba), disk.diskSectors);
  return { kind: 'mbr-gap', firstLba: 1, sectors: first - 1 };
}

/** The ESP the BIOS menu is read from: its partition number. */
export function findEsp(disk: BiosBootDisk): number {
  const esps = disk.partitions.filter((p) => p.kind === 'esp');
  if (esps.length !== 1) {
    throw new DomainError('bios-boot-esp', `${disk.description} has ${esps.length === 0 ? 'no EFI system partition' : `${esps.length} EFI system partitions`}; GRUB for BIOS reads its menu and the kernels from the one ESP`, {
      hint: 'give the layout exactly one partition of type esp with format vfat',
      expected: 1,
      actual: esps.length,
    });
  }
  return esps[0]!.number;
}

export interface GrubPcCoreConfig {
  /** The prefix built into core.img: the ESP on the drive the BIOS booted from, e.g. `(,gpt2)/grub`. */
  readonly prefix: string;
  /** The configuration embedded in core.img: find the ESP by its volume id, wherever the BIOS numbers it. */
  readonly embeddedConfig: string;
}

/**
 * What core.img is built with: a prefix naming the ESP's partition on the boot drive (what GRUB falls back
 * to), and an embedded configuration that finds the ESP by its FAT volume id (so it is found when the
 * partitions are renumbered, or the BIOS numbers the disks another way) and reads `grub/grub.cfg` there.
 */
export function grubPcCoreConfig(disk: Pick<BiosBootDisk, 'table'>, esp: { readonly partition: number; readonly volumeId: string }): GrubPcCoreConfig {
  if (!/^[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}$/.test(esp.volumeId)) throw new RangeError(`${esp.volumeId} is not a FAT volume id (XXXX-XXXX)`);
  const partition = `${disk.table === 'gpt' ? 'gpt' : 'msdos'}${esp.partition}`;
  return {
    prefix: `(,${partition})${GRUB_PREFIX}`,
    // Runs before normal mode: $root is the prefix's device with the boot drive filled in (hd0,gpt2), the
    // first place searched.
    embeddedConfig: [`search.fs_uuid ${esp.volumeId} root $root`, `set prefix=($root)${GRUB_PREFIX}`, ''].join('\n'),
  };
}

export interface GrubPcBootCode {
  readonly place: CoreImagePlace;
  readonly coreSectors: number;
  /** core.img placed at its sectors, then sector 0: the order they are written in. */
  readonly blocks: readonly SectorBlock[];
}

/** The sectors GRUB's BIOS boot code takes on `disk`, refused when core.img does not fit its place. */
export function planGrubPcBootCode(disk: BiosBootDisk, images: { readonly core: Uint8Array; readonly bootImage: Uint8Array }): GrubPcBootCode {
  const place = findCoreImagePlace(disk);
  const coreSectors = coreImageSectors(images.core);
  if (coreSectors > place.sectors) {
    const where = place.kind === 'bios-boot-partition' ? `the BIOS boot partition (partition ${place.partition}, ${formatSize(place.sectors * disk.sectorSize)})` : `the gap between the MBR and the first partition (${formatSize(place.sectors * disk.sectorSize)})`;
    throw new DomainError(place.kind === 'bios-boot-partition' ? 'bios-boot-partition-too-small' : 'mbr-gap-too-small', `${where} of ${disk.description} is too small for GRUB's core.img (${formatSize(coreSectors * disk.sectorSize)})`, {
      hint: place.kind === 'bios-boot-partition' ? 'make the BIOS boot partition 1 MiB, as the guided layout does' : 'start the first partition at 1 MiB (sector 2048), as Cairn\'s layouts do, or use GPT with a BIOS boot partition',
      expected: coreSectors * disk.sectorSize,
      actual: place.sectors * disk.sectorSize,
    });
  }
  return {
    place,
    coreSectors,
    blocks: [
      { lba: place.firstLba, bytes: placeCoreImage(images.core, place.firstLba) },
      { lba: 0, bytes: grubBootSectorFor(images.bootImage, disk.sector0, place.firstLba) },
    ],
  };
}
