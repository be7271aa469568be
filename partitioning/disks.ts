/**
 * The disk inventory: the whole disks of a machine, each with its stable names, model, serial, size and
 * sector size, and everything on it now (partitions and what is built on them: LUKS, LVM, md RAID, with
 * their mounts and active swap). One model, read from the machine's files (sysfs, udev's database and
 * /dev/disk/by-*, /proc/self/mountinfo and /proc/swaps: block-devices.ts), so this machine and a recording
 * of another one are read alike. `cairn partition disks`, `cairn detect`, the safety rules (safety.ts) and
 * the installer's disk choices all use it.
 */
import { compareCodePoints } from '../lib/code-point-order.js';
import { formatSize } from '../lib/size.js';
import { HostFiles, type HardwareProblem } from '../system/machine/host-files.js';
import { thisMachine, type Machine } from '../system/machine/recording.js';
import { readBlockDevices, type BlockDevice, type BlockDeviceKind, type Transport } from './block-devices.js';

/** A partition of a disk, or a volume built on a disk or partition (a LUKS container, an LVM volume, an md array). */
export interface DiskVolume {
  /** Kernel name: sda2, nvme0n1p2, dm-0, md127. */
  readonly name: string;
  /** `/dev/<name>`. */
  readonly path: string;
  readonly kind: BlockDeviceKind;
  readonly sizeBytes: number;
  /** A partition's number in its table. */
  readonly partitionNumber?: number;
  /** What is on it (udev's ID_FS_TYPE, or the type it is mounted as): ext4, vfat, swap, crypto_LUKS, LVM2_member, ... */
  readonly fstype?: string;
  readonly label?: string;
  readonly uuid?: string;
  /** A partition's own UUID (GPT) or `<disk id>-<n>` (MBR). */
  readonly partUuid?: string;
  /** A GPT partition's name. */
  readonly partLabel?: string;
  /** A partition's GPT type GUID or MBR type byte (`0x83`). */
  readonly partType?: string;
  /** A device-mapper volume's name: it is also /dev/mapper/<name>. */
  readonly mapperName?: string;
  /** Where it is mounted now (sorted). */
  readonly mountpoints: readonly string[];
  /** It is an active swap area. */
  readonly activeSwap: boolean;
  /** What is built on it now (holders), with their own mounts. */
  readonly children: readonly DiskVolume[];
}

export interface Disk {
  /** Kernel name: sda, nvme0n1, vda, mmcblk0. */
  readonly name: string;
  /** `/dev/<name>`. Kernel names can change between boots: name a disk by `byId[0]`. */
  readonly path: string;
  /** Its /dev/disk/by-id names, the preferred first (preferByIdNames); empty when udev made none. */
  readonly byId: readonly string[];
  readonly model?: string;
  readonly vendor?: string;
  readonly serial?: string;
  readonly wwn?: string;
  readonly sizeBytes: number;
  /** Logical sector size: 512, or 4096 on 4Kn disks. */
  readonly sectorSize: number;
  readonly transport: Transport;
  readonly rotational?: boolean;
  readonly removable: boolean;
  readonly readOnly: boolean;
  /** `gpt` or `dos` when udev found a partition table. */
  readonly partitionTable?: string;
  /** A filesystem on the whole disk (an ISO written to a stick shows iso9660 here). */
  readonly fstype?: string;
  readonly label?: string;
  readonly uuid?: string;
  readonly mountpoints: readonly string[];
  readonly activeSwap: boolean;
  /** Its partitions in order, then what is built on the whole disk (an md array over whole disks). */
  readonly children: readonly DiskVolume[];
}

export interface DiskInventory {
  /** In name order, numbers by value (sda, sdb, nvme0n1, nvme1n1, nvme10n1). */
  readonly disks: readonly Disk[];
  /** Where it came from: `this machine`, or the recording's directory. */
  readonly source: string;
  /** Read from a recording: it describes another machine, so nothing is ever written from it. */
  readonly recorded: boolean;
  /** What could not be read (the disks are listed with what could). */
  readonly problems: readonly HardwareProblem[];
}

/** Block device kinds that are never a disk one installs to: they are built on disks or are not storage. */
const NOT_DISKS: ReadonlySet<BlockDeviceKind> = new Set(['partition', 'dm', 'md', 'loop', 'rom']);

/** The disks of a machine: this one, or a recording's. */
export async function readDiskInventory(machine: Machine): Promise<DiskInventory> {
  const files = new HostFiles(machine.files);
  const { devices } = await readBlockDevices(files);
  return { disks: disksOf(devices), source: machine.origin, recorded: machine.recorded, problems: files.problems() };
}

/** The disks of this machine. */
export function discoverDisks(): Promise<DiskInventory> {
  return readDiskInventory(thisMachine());
}

/** The disks among a machine's block devices, each with what is on it (pure). */
export function disksOf(devices: readonly BlockDevice[]): Disk[] {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const volumeOf = (device: BlockDevice, seen: ReadonlySet<string>): DiskVolume => {
    const inside = new Set([...seen, device.name]);
    return {
      name: device.name,
      path: device.path,
      kind: device.kind,
      sizeBytes: device.sizeBytes,
      ...(device.partitionNumber === null ? {} : { partitionNumber: device.partitionNumber }),
      ...contentOf(device),
      ...optional('partUuid', device.partitionEntry?.uuid),
      ...optional('partLabel', device.partitionEntry?.name),
      ...optional('partType', device.partitionEntry?.type),
      ...optional('mapperName', device.deviceMapper?.name),
      mountpoints: device.mountPoints,
      activeSwap: device.activeSwap,
      children: holdersOf(device, inside),
    };
  };
  const holdersOf = (device: BlockDevice, seen: ReadonlySet<string>): DiskVolume[] =>
    device.holders.flatMap((name) => {
      const holder = byName.get(name);
      return holder === undefined || seen.has(name) ? [] : [volumeOf(holder, seen)];
    });
  return devices
    .filter((d) => !NOT_DISKS.has(d.kind))
    .sort((a, b) => compareKernelNames(a.name, b.name))
    .map((disk): Disk => {
      const partitions = devices
        .filter((d) => d.kind === 'partition' && d.parent === disk.name)
        .sort((a, b) => (a.partitionNumber ?? 0) - (b.partitionNumber ?? 0) || compareKernelNames(a.name, b.name));
      const seen = new Set([disk.name]);
      return {
        name: disk.name,
        path: disk.path,
        byId: preferByIdNames(disk.byId),
        ...optional('model', disk.model),
        ...optional('vendor', disk.vendor),
        ...optional('serial', disk.serial),
        ...optional('wwn', disk.wwn),
        sizeBytes: disk.sizeBytes,
        sectorSize: disk.sectorSize,
        transport: disk.transport,
        ...(disk.rotational === null ? {} : { rotational: disk.rotational }),
        removable: disk.removable,
        readOnly: disk.readOnly,
        ...optional('partitionTable', disk.partitionTable),
        ...contentOf(disk),
        mountpoints: disk.mountPoints,
        activeSwap: disk.activeSwap,
        children: [...partitions.map((p) => volumeOf(p, seen)), ...holdersOf(disk, seen)],
      };
    });
}

function contentOf(device: BlockDevice): { fstype?: string; label?: string; uuid?: string } {
  return {
    ...optional('fstype', device.filesystem?.type),
    ...optional('label', device.filesystem?.label),
    ...optional('uuid', device.filesystem?.uuid),
  };
}

function optional<K extends string>(key: K, value: string | null | undefined): { [P in K]?: string } {
  return value === null || value === undefined || value === '' ? {} : ({ [key]: value } as { [P in K]?: string });
}

/** Kernel names in the order people count them: numbers by value (nvme2n1 before nvme10n1). */
function compareKernelNames(a: string, b: string): number {
  const split = (name: string) => name.split(/(\d+)/);
  const [x, y] = [split(a), split(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = i % 2 === 1 ? Number(x[i]) - Number(y[i]) : compareCodePoints(x[i]!, y[i]!);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/**
 * The one rule for the name a disk is shown and pinned by: by-id names made of the model and serial
 * (`ata-...`, `nvme-<model>_<serial>`, `usb-...`, `virtio-...`, `scsi-S...`) come before names made of a
 * world wide name or EUI (`wwn-`, `nvme-eui.`, `nvme-nvme.`, `scsi-3...`), which say nothing to a person;
 * within each group code-point order, so the shorter of two names sharing a start (`..._1` namespace
 * variants) comes first.
 */
export function preferByIdNames(paths: readonly string[]): string[] {
  const rank = (path: string) => (/^(wwn-|nvme-eui\.|nvme-nvme\.|scsi-3|eui\.)/.test(path.slice(path.lastIndexOf('/') + 1)) ? 1 : 0);
  return [...paths].sort((a, b) => rank(a) - rank(b) || compareCodePoints(a, b));
}

/**
 * The kernel's name of partition `number` of a disk: a `p` between them when the disk's name ends in a
 * digit (nvme0n1p2, mmcblk0p1, loop0p1, md127p1), none otherwise (sda2, vda1, xvda1).
 */
export function partitionDeviceName(diskName: string, number: number): string {
  return `${diskName}${/\d$/.test(diskName) ? 'p' : ''}${number}`;
}

/** How messages name a disk: by-id name, model, serial and size; the kernel path when there is no by-id name. */
export function describeDisk(disk: Disk): string {
  const details = [disk.model, disk.serial === undefined ? undefined : `serial ${disk.serial}`, formatSize(disk.sizeBytes)].filter((d) => d !== undefined);
  const name = disk.byId[0] ?? disk.path;
  return `${name} (${name === disk.path ? '' : `${disk.path}, `}${details.join(', ')})`;
}

/** Every volume on a disk (or volume), depth first (partitions, then what is stacked on them). */
export function volumesOf(disk: Pick<Disk, 'children'>): DiskVolume[] {
  const out: DiskVolume[] = [];
  const visit = (volume: DiskVolume) => {
    out.push(volume);
    volume.children.forEach(visit);
  };
  disk.children.forEach(visit);
  return out;
}

/** The disk a path names: its kernel path or one of its by-id links. */
export function findDisk(inventory: DiskInventory, path: string): Disk | undefined {
  return inventory.disks.find((d) => d.path === path || d.byId.includes(path));
}

/** The disk holding a partition path (so "a partition, not a disk" can name the disk). */
export function findDiskOfVolume(inventory: DiskInventory, path: string): { disk: Disk; volume: DiskVolume } | undefined {
  for (const disk of inventory.disks) {
    const volume = volumesOf(disk).find((v) => v.path === path);
    if (volume !== undefined) return { disk, volume };
  }
  return undefined;
}
