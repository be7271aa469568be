/**
 * Block devices from /sys/class/block, with their stable names from /dev/disk/by-* and what udev knows of
 * their content (/run/udev/data), and what is mounted or swapped on from them now (/proc/self/mountinfo,
 * /proc/swaps). Disks carry model, serial, size, sector size, rotational and removable so that a person (or
 * an answers file) can tell them apart; partitions, device-mapper and md devices carry their relations
 * (`slaves`, `holders`) so LUKS, LVM and RAID stacks can be followed.
 *
 * Everything is read through a machine's files (system/machine), so the same code reads this machine and a
 * recording of another one. It is what the disk inventory (disks.ts) and hardware detection are made from.
 */
import { posix } from 'node:path';
import { compareCodePoints } from '../lib/code-point-order.js';
import { moduleOfDriver } from '../system/machine/driver-module.js';
import type { HostFiles } from '../system/machine/host-files.js';
import { decodeMountinfo, type Mount } from './mountinfo.js';
import { decodeSwaps, type Swap } from './proc-swaps.js';
import { decodeUdevData, type UdevRecord } from './udev-data.js';

export type BlockDeviceKind = 'disk' | 'partition' | 'rom' | 'dm' | 'md' | 'loop' | 'zram' | 'other';

/** How a disk is attached: libata (SATA, PATA), NVMe, SCSI/SAS (and virtio-scsi), USB, virtio-blk, MMC/SD, Xen. */
export type Transport = 'ata' | 'nvme' | 'scsi' | 'usb' | 'virtio' | 'mmc' | 'xen' | 'virtual' | 'unknown';

export interface Filesystem {
  /** `ext4`, `vfat`, `btrfs`, `swap`, `crypto_LUKS`, `linux_raid_member`, `LVM2_member`, ... */
  readonly type: string;
  readonly uuid: string | null;
  readonly label: string | null;
}

export interface PartitionEntry {
  /** The partition's own UUID (GPT) or `<disk id>-<n>` (MBR). */
  readonly uuid: string | null;
  /** GPT type GUID or MBR type byte (`0x83`). */
  readonly type: string | null;
  /** GPT partition name. */
  readonly name: string | null;
}

export interface BlockDevice {
  /** Kernel name: `sda`, `nvme0n1p2`, `dm-0`, `md127`. */
  readonly name: string;
  /** `/dev/<name>`. Kernel names can change between boots; prefer `byId` to refer to a disk. */
  readonly path: string;
  readonly kind: BlockDeviceKind;
  readonly majorMinor: string;
  readonly sizeBytes: number;
  /** Logical sector size in bytes (`queue/logical_block_size`); a partition has its disk's. */
  readonly sectorSize: number;
  /** The disk a partition is on. */
  readonly parent: string | null;
  readonly partitionNumber: number | null;
  readonly model: string | null;
  readonly vendor: string | null;
  readonly serial: string | null;
  /** World Wide Name as udev reports it (`0x5000c500c1234567`, `eui.0025385b71b21234`). */
  readonly wwn: string | null;
  readonly transport: Transport;
  /** Spinning disk (from the queue's rotational flag); a partition has its disk's value. */
  readonly rotational: boolean | null;
  readonly removable: boolean;
  readonly readOnly: boolean;
  /** Driver of the device (`sd`, `virtio_blk`, `sr`), and the module providing it (null when built in). */
  readonly driver: string | null;
  readonly module: string | null;
  /** `/dev/disk/by-id/...` names, sorted. Empty when udev made none (a virtio disk without a serial). */
  readonly byId: readonly string[];
  /** Every `/dev/disk/by-*` name (by-id, by-uuid, by-label, by-partuuid, by-partlabel, by-path), sorted. */
  readonly links: readonly string[];
  /** What udev found on the device; null when it found nothing or udev's database is not available. */
  readonly filesystem: Filesystem | null;
  /** `gpt` or `dos` when the device holds a partition table. */
  readonly partitionTable: string | null;
  readonly partitionEntry: PartitionEntry | null;
  /** Devices built on this one (`dm-0` on a LUKS partition, `md127` on a RAID member). */
  readonly holders: readonly string[];
  /** Devices this one is built on. */
  readonly slaves: readonly string[];
  /** Device-mapper name and UUID (`CRYPT-LUKS2-...`, `LVM-...`). */
  readonly deviceMapper: { readonly name: string; readonly uuid: string | null } | null;
  readonly loopBackingFile: string | null;
  /** Where its filesystem is mounted now (machine paths, sorted). */
  readonly mountPoints: readonly string[];
  /** It is an active swap area. */
  readonly activeSwap: boolean;
}

const BY_DIRECTORIES = ['by-id', 'by-uuid', 'by-label', 'by-partuuid', 'by-partlabel', 'by-path'] as const;

/** A mounted filesystem with the block device it is on (null for tmpfs, network and virtual filesystems). */
export interface MountedFilesystem extends Mount {
  readonly device: string | null;
}

/** An active swap area with its block device (null for a swap file). */
export interface ActiveSwap extends Swap {
  readonly device: string | null;
}

export interface BlockDeviceReport {
  /** In /sys/class/block order (sorted by name), each with its mount points and swap state. */
  readonly devices: readonly BlockDevice[];
  readonly mounts: readonly MountedFilesystem[];
  readonly swaps: readonly ActiveSwap[];
}

/** The block devices of a machine, what is mounted from them and which are active swap areas. */
export async function readBlockDevices(files: HostFiles): Promise<BlockDeviceReport> {
  const [blockDevices, mountinfo, swapsText] = await Promise.all([
    detectBlockDevices(files),
    files.text('/proc/self/mountinfo', { required: true }),
    files.text('/proc/swaps'),
  ]);
  const decodedMounts = decodeMountinfo(mountinfo ?? '');
  for (const line of decodedMounts.malformed) files.note('/proc/self/mountinfo', `cannot understand the line "${line}"`);
  const decodedSwaps = decodeSwaps(swapsText ?? '');
  for (const line of decodedSwaps.malformed) files.note('/proc/swaps', `cannot understand the line "${line}"`);

  const mounts = await Promise.all(
    decodedMounts.mounts.map(async (m) => ({ ...m, device: await deviceOfSource(files, m.source, m.majorMinor, blockDevices) })),
  );
  const swaps = await Promise.all(
    decodedSwaps.swaps.map(async (s) => ({ ...s, device: s.type === 'partition' ? await deviceOfSource(files, s.path, undefined, blockDevices) : null })),
  );
  const devices = blockDevices.map((d) => {
    const mountedHere = mounts.filter((m) => m.device === d.name);
    // Without udev's database (containers, some live systems) a mounted filesystem still tells its type.
    const filesystem = d.filesystem ?? (mountedHere[0] === undefined ? null : { type: mountedHere[0].fsType, uuid: null, label: null });
    return {
      ...d,
      filesystem,
      mountPoints: [...new Set(mountedHere.map((m) => m.mountPoint))].sort(compareCodePoints),
      activeSwap: swaps.some((s) => s.device === d.name),
    };
  });
  return { devices, mounts, swaps };
}

async function detectBlockDevices(files: HostFiles): Promise<BlockDevice[]> {
  const [names, links] = await Promise.all([files.list('/sys/class/block'), readDiskLinks(files)]);
  const read = await Promise.all(names.map((name) => readBlockDevice(files, name, links.get(name) ?? [])));
  const devices = read.filter((d): d is BlockDevice => d !== undefined);
  // Partitions share their disk's transport, media flags and sector size, which sysfs keeps on the disk only.
  const byName = new Map(devices.map((d) => [d.name, d]));
  return devices.map((d) => {
    const disk = d.parent === null ? undefined : byName.get(d.parent);
    return disk === undefined ? d : { ...d, transport: disk.transport, rotational: disk.rotational, removable: disk.removable, sectorSize: disk.sectorSize };
  });
}

/**
 * The block device behind a mount or swap source: `/dev/...` paths are followed through their symlinks
 * (`/dev/mapper/root` -> `dm-0`), anything else (`/dev/root`, btrfs) is matched by device number.
 */
async function deviceOfSource(files: HostFiles, source: string, majorMinor: string | undefined, devices: readonly BlockDevice[]): Promise<string | null> {
  if (source.startsWith('/dev/')) {
    let path = source;
    for (let hops = 0; hops < 8; hops++) {
      const target = await files.link(path);
      if (target === undefined) break;
      path = posix.resolve(posix.dirname(path), target);
    }
    const name = posix.basename(path);
    if (devices.some((d) => d.name === name)) return name;
  }
  return devices.find((d) => d.majorMinor === majorMinor)?.name ?? null;
}

/** Kernel name -> the /dev/disk/by-* links that point at it. */
async function readDiskLinks(files: HostFiles): Promise<Map<string, string[]>> {
  const links = new Map<string, string[]>();
  for (const directory of BY_DIRECTORIES) {
    const base = `/dev/disk/${directory}`;
    const entries = await files.list(base);
    const targets = await Promise.all(entries.map((entry) => files.link(`${base}/${entry}`)));
    entries.forEach((entry, i) => {
      const target = targets[i];
      if (target === undefined) return;
      const name = posix.basename(target);
      links.set(name, [...(links.get(name) ?? []), `${base}/${entry}`]);
    });
  }
  for (const list of links.values()) list.sort();
  return links;
}

async function readBlockDevice(files: HostFiles, name: string, links: readonly string[]): Promise<BlockDevice | undefined> {
  const path = `/sys/class/block/${name}`;
  const [devicePath, majorMinor, size, partition, removable, readOnly, rotational, logicalBlockSize, holders, slaves, loopBackingFile] = await Promise.all([
    files.link(path),
    files.attribute(`${path}/dev`, { required: true }),
    files.attribute(`${path}/size`, { required: true }),
    files.attribute(`${path}/partition`),
    files.attribute(`${path}/removable`),
    files.attribute(`${path}/ro`),
    files.attribute(`${path}/queue/rotational`),
    files.attribute(`${path}/queue/logical_block_size`),
    files.list(`${path}/holders`),
    files.list(`${path}/slaves`),
    files.attribute(`${path}/loop/backing_file`),
  ]);
  if (majorMinor === undefined || size === undefined) return undefined;
  if (!/^\d+$/.test(size)) {
    files.note(`${path}/size`, `expected a number of 512-byte sectors, found "${size}"`);
    return undefined;
  }
  const sizeBytes = Number(size) * 512;
  // Unused loop devices and RAM disks are not storage anyone installs to; lsblk hides them too.
  if ((name.startsWith('loop') && loopBackingFile === undefined) || /^ram\d+$/.test(name)) return undefined;

  const canonical = devicePath === undefined ? '' : posix.normalize(posix.join('/sys/class/block', devicePath));
  const isPartition = partition !== undefined;
  const parent = isPartition ? posix.basename(posix.dirname(canonical)) : null;
  const [udev, identity, deviceMapper, driver, module] = await Promise.all([
    readUdevRecord(files, majorMinor),
    isPartition ? Promise.resolve(NO_IDENTITY) : readIdentity(files, name),
    name.startsWith('dm-') ? readDeviceMapper(files, name) : Promise.resolve(null),
    files.linkName(`${path}/device/driver`),
    moduleOfDriver(files, `${path}/device/driver`),
  ]);
  const props = udev?.properties;
  return {
    name,
    path: `/dev/${name}`,
    kind: kindOf(name, isPartition),
    majorMinor,
    sizeBytes,
    sectorSize: logicalBlockSize !== undefined && /^\d+$/.test(logicalBlockSize) ? Number(logicalBlockSize) : 512,
    parent: parent === '' ? null : parent,
    partitionNumber: partition !== undefined && /^\d+$/.test(partition) ? Number(partition) : null,
    // udev's model is complete where sysfs cuts SCSI/ATA models at 16 characters; ID_MODEL alone has _ for spaces.
    model: (props?.has('ID_MODEL_ENC') ? udevText(props, 'ID_MODEL') : undefined) ?? identity.model ?? props?.get('ID_MODEL') ?? null,
    vendor: identity.vendor ?? null,
    serial: props?.get('ID_SERIAL_SHORT') ?? identity.serial ?? null,
    wwn: isPartition ? null : (props?.get('ID_WWN_WITH_EXTENSION') ?? props?.get('ID_WWN') ?? null),
    transport: transportOf(name, canonical),
    rotational: rotational === undefined ? null : rotational === '1',
    removable: removable === '1',
    readOnly: readOnly === '1',
    driver: driver ?? null,
    module,
    byId: links.filter((l) => l.startsWith('/dev/disk/by-id/')),
    links,
    filesystem: filesystemOf(props, links),
    partitionTable: props?.get('ID_PART_TABLE_TYPE') ?? null,
    partitionEntry: isPartition ? partitionEntryOf(props) : null,
    holders,
    slaves,
    deviceMapper,
    loopBackingFile: loopBackingFile ?? null,
    mountPoints: [],
    activeSwap: false,
  };
}

function kindOf(name: string, isPartition: boolean): BlockDeviceKind {
  if (isPartition) return 'partition';
  if (name.startsWith('dm-')) return 'dm';
  if (/^md\d+$/.test(name)) return 'md';
  if (name.startsWith('loop')) return 'loop';
  if (name.startsWith('zram')) return 'zram';
  if (/^sr\d+$/.test(name)) return 'rom';
  if (/^(sd[a-z]+|hd[a-z]+|vd[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+|nbd\d+|bcache\d+)$/.test(name)) return 'disk';
  return 'other';
}

/** The attachment, read from where the device sits in /sys/devices. */
function transportOf(name: string, canonical: string): Transport {
  if (canonical.startsWith('/sys/devices/virtual/')) return 'virtual';
  if (/\/nvme\//.test(canonical) || name.startsWith('nvme')) return 'nvme';
  if (/\/usb\d+\//.test(canonical)) return 'usb';
  if (/\/ata\d+\//.test(canonical)) return 'ata';
  if (/\/mmc_host\//.test(canonical)) return 'mmc';
  if (/\/vbd-\d+\//.test(canonical)) return 'xen';
  if (/\/host\d+\//.test(canonical)) return 'scsi';
  if (/\/virtio\d+\/block\//.test(canonical)) return 'virtio';
  return 'unknown';
}

interface Identity {
  readonly model?: string;
  readonly vendor?: string;
  readonly serial?: string;
}

const NO_IDENTITY: Identity = {};

/**
 * Model, vendor and serial as the kernel knows them: NVMe controllers and SCSI/ATA devices have `model` (and
 * `vendor`) under `device/`; NVMe has `device/serial`, virtio-blk a `serial` of its own, and SCSI/ATA disks
 * the unit serial number VPD page (0x80): a 4-byte header, then the serial in ASCII.
 */
async function readIdentity(files: HostFiles, name: string): Promise<Identity> {
  const path = `/sys/class/block/${name}`;
  const [model, vendor, nvmeSerial, virtioSerial, vpd80] = await Promise.all([
    files.attribute(`${path}/device/model`),
    files.attribute(`${path}/device/vendor`),
    name.startsWith('nvme') ? files.attribute(`${path}/device/serial`) : Promise.resolve(undefined),
    name.startsWith('vd') ? files.attribute(`${path}/serial`) : Promise.resolve(undefined),
    /^sd[a-z]+$/.test(name) ? files.bytes(`${path}/device/vpd_pg80`) : Promise.resolve(undefined),
  ]);
  const vpdSerial = vpd80 !== undefined && vpd80.length > 4 ? vpd80.subarray(4, 4 + vpd80[3]!).toString('latin1').trim() : undefined;
  const serial = nvmeSerial ?? virtioSerial ?? (vpdSerial === '' ? undefined : vpdSerial);
  // virtio devices' `vendor` is the virtio vendor id (0x1af4), not a name.
  const vendorName = vendor === undefined || /^0x[0-9a-f]+$/i.test(vendor) ? undefined : vendor;
  return {
    ...(model === undefined ? {} : { model }),
    ...(vendorName === undefined ? {} : { vendor: vendorName }),
    ...(serial === undefined ? {} : { serial }),
  };
}

async function readDeviceMapper(files: HostFiles, name: string): Promise<BlockDevice['deviceMapper']> {
  const [dmName, uuid] = await Promise.all([files.attribute(`/sys/class/block/${name}/dm/name`), files.attribute(`/sys/class/block/${name}/dm/uuid`)]);
  return dmName === undefined ? null : { name: dmName, uuid: uuid ?? null };
}

async function readUdevRecord(files: HostFiles, majorMinor: string): Promise<UdevRecord | undefined> {
  const text = await files.text(`/run/udev/data/b${majorMinor}`);
  return text === undefined ? undefined : decodeUdevData(text);
}

/** udev's `_ENC` variants keep spaces and other bytes as `\xNN`; prefer them, decoded. */
function udevText(props: ReadonlyMap<string, string> | undefined, key: string): string | undefined {
  const encoded = props?.get(`${key}_ENC`);
  if (encoded !== undefined) return encoded.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).trim();
  return props?.get(key);
}

function filesystemOf(props: ReadonlyMap<string, string> | undefined, links: readonly string[]): Filesystem | null {
  const type = props?.get('ID_FS_TYPE');
  if (type === undefined || type === '') return null;
  const uuidLink = links.find((l) => l.startsWith('/dev/disk/by-uuid/'));
  return {
    type,
    uuid: props?.get('ID_FS_UUID') ?? (uuidLink === undefined ? null : posix.basename(uuidLink)),
    label: udevText(props, 'ID_FS_LABEL') ?? null,
  };
}

function partitionEntryOf(props: ReadonlyMap<string, string> | undefined): PartitionEntry | null {
  if (props === undefined) return null;
  return {
    uuid: props.get('ID_PART_ENTRY_UUID') ?? null,
    type: props.get('ID_PART_ENTRY_TYPE') ?? null,
    name: udevText(props, 'ID_PART_ENTRY_NAME') ?? null,
  };
}
