/**
 * The disks a person could install to, with what is on each now: the data behind the installer's disk
 * selection and `cairn detect`'s disk lines. Derived from the platform report alone.
 */
import type { BlockDevice, Transport } from '../../partitioning/block-devices.js';
import type { PlatformReport } from './platform.js';

export interface DiskContent {
  /** Kernel name of the partition, or of the disk itself when it has no partitions. */
  readonly name: string;
  readonly sizeBytes: number;
  /** Filesystem (or `swap`, `crypto_LUKS`, `linux_raid_member`, ...) found by udev or from the mount. */
  readonly filesystem: string | null;
  readonly label: string | null;
  /** An MBR extended partition, which only holds logical partitions. */
  readonly extended: boolean;
  readonly mountPoints: readonly string[];
  readonly activeSwap: boolean;
  /** What is built on it: `/dev/mapper/<name>` for device-mapper, `md127` for RAID. */
  readonly usedBy: readonly string[];
}

export interface DiskEntry {
  readonly name: string;
  readonly path: string;
  /** Stable names; the first is the one to show and to pin an install to. */
  readonly byId: readonly string[];
  readonly model: string | null;
  readonly serial: string | null;
  readonly sizeBytes: number;
  readonly transport: Transport;
  readonly rotational: boolean | null;
  readonly removable: boolean;
  readonly partitionTable: string | null;
  /** Its partitions in order, or the disk itself when it holds a filesystem directly; empty when blank. */
  readonly contents: readonly DiskContent[];
  /** Nothing found on it: no partition table, filesystem, mount or user. */
  readonly blank: boolean;
  /** Something on it is mounted, swapped on, or used by RAID/LUKS/LVM right now. */
  readonly inUse: boolean;
}

/** MBR partition types of extended partitions. */
const EXTENDED_PARTITION_TYPES = new Set(['0x5', '0xf', '0x85']);

export function diskInventory(platform: PlatformReport): DiskEntry[] {
  const byName = new Map(platform.blockDevices.map((d) => [d.name, d]));
  const usedBy = (device: BlockDevice) =>
    device.holders.map((h) => {
      const mapper = byName.get(h)?.deviceMapper;
      return mapper === null || mapper === undefined ? h : `/dev/mapper/${mapper.name}`;
    });
  const contentOf = (device: BlockDevice): DiskContent => ({
    name: device.name,
    sizeBytes: device.sizeBytes,
    filesystem: device.filesystem?.type ?? null,
    label: device.filesystem?.label ?? null,
    extended: EXTENDED_PARTITION_TYPES.has(device.partitionEntry?.type ?? ''),
    mountPoints: device.mountPoints,
    activeSwap: device.activeSwap,
    usedBy: usedBy(device),
  });
  return platform.blockDevices
    .filter((d) => d.kind === 'disk')
    .map((disk) => {
      const partitions = platform.blockDevices.filter((d) => d.parent === disk.name).sort((a, b) => (a.partitionNumber ?? 0) - (b.partitionNumber ?? 0));
      const whole = contentOf(disk);
      const blank = partitions.length === 0 && whole.filesystem === null && whole.mountPoints.length === 0 && whole.usedBy.length === 0 && disk.partitionTable === null;
      const contents = partitions.length > 0 ? partitions.map(contentOf) : blank ? [] : [whole];
      return {
        name: disk.name,
        path: disk.path,
        byId: disk.byId,
        model: disk.model,
        serial: disk.serial,
        sizeBytes: disk.sizeBytes,
        transport: disk.transport,
        rotational: disk.rotational,
        removable: disk.removable,
        partitionTable: disk.partitionTable,
        contents,
        blank,
        inUse: [whole, ...contents].some((c) => c.mountPoints.length > 0 || c.activeSwap || c.usedBy.length > 0),
      };
    });
}
