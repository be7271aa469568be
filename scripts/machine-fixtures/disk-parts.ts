/**
 * Building blocks of the hand-made machine recordings (make-machine-fixtures.ts): disks on their buses (SATA, NVMe,
 * virtio, USB) and partitions in /sys, filesystems with their /dev/disk links and udev records.
 */
import type { MachineTree } from './machine-tree.js';

/** The SCSI unit serial number VPD page (0x80) as the kernel exposes it: 4-byte header, then the serial. */
function vpdSerialPage(serial: string): Uint8Array {
  const bytes = new TextEncoder().encode(serial);
  return new Uint8Array([0x00, 0x80, 0x00, bytes.length, ...bytes]);
}

export interface AtaDiskSpec {
  /** The controller's PCI directory (AHCI or ata_piix). */
  readonly controller: string;
  readonly port: number;
  readonly host: number;
  readonly name: string;
  readonly majorMinor: string;
  readonly sectors: number;
  /** As ATA IDENTIFY gives it (SCSI `model` is its first 16 characters). */
  readonly model: string;
  readonly serial: string;
  readonly revision: string;
  readonly rotational: boolean;
  /** A CD/DVD drive (sr) rather than a disk (sd). */
  readonly optical?: boolean;
  readonly removable?: boolean;
}

/** A disk on libata: <controller>/ataN/hostH/targetH:0:0/H:0:0:0/block/<name>, driven by sd (or sr). */
export function ataDisk(tree: MachineTree, spec: AtaDiskSpec): string {
  const scsi = `${spec.controller}/ata${spec.port}/host${spec.host}/target${spec.host}:0:0/${spec.host}:0:0:0`;
  tree.attribute(`${scsi}/model`, spec.model.slice(0, 16).padEnd(16));
  tree.attribute(`${scsi}/vendor`, 'ATA     ');
  tree.attribute(`${scsi}/rev`, spec.revision.slice(0, 4));
  tree.attribute(`${scsi}/type`, spec.optical ? 5 : 0);
  tree.file(`${scsi}/vpd_pg80`, vpdSerialPage(spec.serial));
  tree.driver(scsi, 'scsi', spec.optical ? 'sr' : 'sd', spec.optical ? 'sr_mod' : 'sd_mod');
  return tree.block({
    name: spec.name,
    parentDirectory: scsi,
    majorMinor: spec.majorMinor,
    sectors: spec.sectors,
    rotational: spec.rotational,
    removable: spec.removable ?? spec.optical ?? false,
    deviceDirectory: scsi,
  });
}

export interface NvmeSpec {
  readonly controller: string;
  readonly index: number;
  readonly majorMinor: string;
  readonly sectors: number;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
}

/** An NVMe namespace: <pci>/nvme/nvmeN/nvmeNn1, whose `device` is the controller (a class device, no driver). */
export function nvmeDisk(tree: MachineTree, spec: NvmeSpec): string {
  const controller = `${spec.controller}/nvme/nvme${spec.index}`;
  tree.attribute(`${controller}/model`, spec.model.padEnd(40));
  tree.attribute(`${controller}/serial`, spec.serial.padEnd(20));
  tree.attribute(`${controller}/firmware_rev`, spec.firmware.padEnd(8));
  tree.attribute(`${controller}/transport`, 'pcie');
  tree.link(`${controller}/device`, spec.controller);
  tree.link(`/sys/class/nvme/nvme${spec.index}`, controller);
  return tree.block({
    name: `nvme${spec.index}n1`,
    parentDirectory: controller,
    majorMinor: spec.majorMinor,
    sectors: spec.sectors,
    rotational: false,
    deviceDirectory: controller,
  });
}

/** A virtio-blk disk: <pci>/virtioN/block/vdX; its `serial` is its own attribute. */
export function virtioDisk(tree: MachineTree, spec: { readonly controller: string; readonly index: number; readonly name: string; readonly majorMinor: string; readonly sectors: number; readonly serial: string }): string {
  const virtio = `${spec.controller}/virtio${spec.index}`;
  tree.attribute(`${virtio}/vendor`, '0x1af4');
  tree.attribute(`${virtio}/device`, '0x0002');
  tree.driver(virtio, 'virtio', 'virtio_blk', 'virtio_blk');
  tree.link(`/sys/bus/virtio/devices/virtio${spec.index}`, virtio);
  return tree.block({
    name: spec.name,
    parentDirectory: virtio,
    majorMinor: spec.majorMinor,
    sectors: spec.sectors,
    rotational: true,
    deviceDirectory: virtio,
    extra: { serial: spec.serial === '' ? '\n' : `${spec.serial}\n` },
  });
}

export interface UsbInterfaceSpec {
  readonly number: number;
  readonly interfaceClass: string;
  readonly subClass: string;
  readonly protocol: string;
  readonly driver?: string;
  readonly module?: string;
}

export interface UsbDeviceSpec {
  /** Root hub directory, e.g. <xhci>/usb2. */
  readonly hub: string;
  readonly id: string;
  readonly vendor: string;
  readonly product: string;
  readonly manufacturer?: string;
  readonly productName?: string;
  readonly serial?: string;
  readonly speed: number;
  readonly interfaces: readonly UsbInterfaceSpec[];
}

export function usbRootHub(tree: MachineTree, controller: string, bus: number, speed: number): string {
  const hub = `${controller}/usb${bus}`;
  tree.attribute(`${hub}/idVendor`, '1d6b');
  tree.attribute(`${hub}/idProduct`, speed >= 5000 ? '0003' : '0002');
  tree.attribute(`${hub}/speed`, speed);
  tree.attribute(`${hub}/product`, speed >= 5000 ? 'xHCI Host Controller' : 'EHCI Host Controller');
  tree.link(`/sys/bus/usb/devices/usb${bus}`, hub);
  const hubInterface = `${hub}/${bus}-0:1.0`;
  tree.attribute(`${hubInterface}/bInterfaceClass`, '09');
  tree.attribute(`${hubInterface}/bInterfaceSubClass`, '00');
  tree.attribute(`${hubInterface}/bInterfaceProtocol`, '00');
  tree.driver(hubInterface, 'usb', 'hub');
  tree.link(`/sys/bus/usb/devices/${bus}-0:1.0`, hubInterface);
  return hub;
}

export function usbDevice(tree: MachineTree, spec: UsbDeviceSpec): string {
  const device = `${spec.hub}/${spec.id}`;
  tree.attribute(`${device}/idVendor`, spec.vendor);
  tree.attribute(`${device}/idProduct`, spec.product);
  if (spec.manufacturer !== undefined) tree.attribute(`${device}/manufacturer`, spec.manufacturer);
  if (spec.productName !== undefined) tree.attribute(`${device}/product`, spec.productName);
  if (spec.serial !== undefined) tree.attribute(`${device}/serial`, spec.serial);
  tree.attribute(`${device}/speed`, spec.speed);
  tree.driver(device, 'usb', 'usb');
  tree.link(`/sys/bus/usb/devices/${spec.id}`, device);
  for (const i of spec.interfaces) {
    const name = `${spec.id}:1.${i.number}`;
    const directory = `${device}/${name}`;
    tree.attribute(`${directory}/bInterfaceClass`, i.interfaceClass);
    tree.attribute(`${directory}/bInterfaceSubClass`, i.subClass);
    tree.attribute(`${directory}/bInterfaceProtocol`, i.protocol);
    if (i.driver !== undefined) tree.driver(directory, 'usb', i.driver, i.module);
    tree.link(`/sys/bus/usb/devices/${name}`, directory);
  }
  return device;
}

/** A disk behind USB mass storage: <interface>/hostH/targetH:0:0/H:0:0:0/block/<name>. */
export function usbDisk(
  tree: MachineTree,
  spec: {
    readonly usbInterface: string;
    readonly host: number;
    readonly name: string;
    readonly majorMinor: string;
    readonly sectors: number;
    readonly vendor: string;
    readonly model: string;
    readonly optical?: boolean;
    /** USB flash drives usually claim to rotate; the kernel takes their word for it. */
    readonly rotational?: boolean;
  },
): string {
  const scsi = `${spec.usbInterface}/host${spec.host}/target${spec.host}:0:0/${spec.host}:0:0:0`;
  tree.attribute(`${scsi}/vendor`, spec.vendor.padEnd(8));
  tree.attribute(`${scsi}/model`, spec.model.padEnd(16));
  tree.attribute(`${scsi}/type`, spec.optical ? 5 : 0);
  tree.driver(scsi, 'scsi', spec.optical ? 'sr' : 'sd', spec.optical ? 'sr_mod' : 'sd_mod');
  return tree.block({ name: spec.name, parentDirectory: scsi, majorMinor: spec.majorMinor, sectors: spec.sectors, rotational: spec.rotational ?? true, removable: true, deviceDirectory: scsi });
}

export interface PartitionSpec {
  readonly name: string;
  readonly number: number;
  readonly start: number;
  readonly sectors: number;
  readonly majorMinor: string;
}

export function partition(tree: MachineTree, disk: string, spec: PartitionSpec): string {
  return tree.block({ name: spec.name, parentDirectory: disk, majorMinor: spec.majorMinor, sectors: spec.sectors, partition: spec.number, start: spec.start });
}

export interface ContentSpec {
  readonly device: string;
  readonly majorMinor: string;
  /** udev's ID_FS_* (absent for an empty partition). */
  readonly fs?: { readonly type: string; readonly uuid?: string; readonly label?: string; readonly version?: string; readonly usage?: string };
  /** ID_PART_ENTRY_* for a partition. */
  readonly entry?: { readonly scheme: 'gpt' | 'dos'; readonly type: string; readonly uuid: string; readonly name?: string; readonly number: number; readonly disk: string };
  /** ID_PART_TABLE_* for a disk. */
  readonly table?: { readonly type: 'gpt' | 'dos'; readonly uuid: string };
  /** /dev/disk/by-id names and udev's identity of a whole disk. */
  readonly ids?: readonly string[];
  /** The disk's full model name (udev's ID_MODEL and ID_MODEL_ENC). */
  readonly model?: string;
  readonly identity?: Readonly<Record<string, string>>;
  readonly byPath?: string;
}

/** The /dev/disk links udev makes for a device and its database record. */
export function content(tree: MachineTree, spec: ContentSpec): void {
  const links: string[] = [];
  const add = (kind: string, name: string) => {
    tree.diskLink(kind, name, spec.device);
    links.push(`disk/${kind}/${name}`);
  };
  const props: Record<string, string> = { DEVTYPE: spec.entry === undefined ? 'disk' : 'partition', ...(spec.identity ?? {}) };
  // udev keeps the model twice: ID_MODEL with _ for spaces, ID_MODEL_ENC with \x20.
  if (spec.model !== undefined) {
    props.ID_MODEL = spec.model.trim().replace(/ +/g, '_');
    props.ID_MODEL_ENC = spec.model.replace(/ /g, '\\x20');
  }
  for (const id of spec.ids ?? []) add('by-id', id);
  if (spec.byPath !== undefined) add('by-path', spec.byPath);
  if (spec.table !== undefined) {
    props.ID_PART_TABLE_UUID = spec.table.uuid;
    props.ID_PART_TABLE_TYPE = spec.table.type;
  }
  if (spec.fs !== undefined) {
    // udev names filesystems, swap and LUKS by UUID and label; RAID members (usage "raid") get no such link.
    const named = spec.fs.usage !== 'raid';
    if (spec.fs.uuid !== undefined) {
      props.ID_FS_UUID = spec.fs.uuid;
      props.ID_FS_UUID_ENC = spec.fs.uuid;
      if (named) add('by-uuid', spec.fs.uuid);
    }
    if (spec.fs.label !== undefined) {
      props.ID_FS_LABEL = spec.fs.label.replace(/ /g, '_');
      props.ID_FS_LABEL_ENC = spec.fs.label.replace(/ /g, '\\x20');
      if (named) add('by-label', spec.fs.label.replace(/ /g, '\\x20'));
    }
    if (spec.fs.version !== undefined) props.ID_FS_VERSION = spec.fs.version;
    props.ID_FS_TYPE = spec.fs.type;
    props.ID_FS_USAGE = spec.fs.usage ?? 'filesystem';
  }
  if (spec.entry !== undefined) {
    props.ID_PART_ENTRY_SCHEME = spec.entry.scheme;
    if (spec.entry.name !== undefined) props.ID_PART_ENTRY_NAME = spec.entry.name;
    props.ID_PART_ENTRY_UUID = spec.entry.uuid;
    props.ID_PART_ENTRY_TYPE = spec.entry.type;
    props.ID_PART_ENTRY_NUMBER = String(spec.entry.number);
    props.ID_PART_ENTRY_DISK = spec.entry.disk;
    add('by-partuuid', spec.entry.uuid);
    if (spec.entry.name !== undefined) add('by-partlabel', spec.entry.name.replace(/ /g, '\\x20'));
  }
  tree.udev(spec.majorMinor, props, links.sort());
}

export const GPT_TYPES = {
  esp: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  linux: '0fc63daf-8483-4772-8e79-3d69d8477de4',
  swap: '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f',
  root: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
  raid: 'a19d880f-05fc-4d3b-a006-743f0f84911e',
  microsoft: 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7',
} as const;
