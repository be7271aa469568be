/**
 * Building blocks of the hand-made machine recordings: procfs texts, DMI, EFI, disks on their buses (SATA,
 * NVMe, virtio, USB), filesystems with their /dev/disk links and udev records, and systeminformation results
 * in the shapes systeminformation 5 returns them.
 */
import type { MachineTree } from './machine-tree.js';

// ---------------------------------------------------------------------------------------------- procfs

export interface CpuSpec {
  readonly vendorId: string;
  readonly family: number;
  readonly model: number;
  readonly modelName: string;
  readonly stepping: number;
  readonly microcode?: string;
  readonly mhz: string;
  readonly cacheKb: number;
  readonly sockets: number;
  readonly coresPerSocket: number;
  readonly threadsPerCore: number;
  /** The `cpu cores` field when it differs from coresPerSocket (hybrid CPUs: P-cores with two threads, E-cores with one). */
  readonly cpuCores?: number;
  readonly cpuidLevel: number;
  readonly flags: string;
  readonly bugs: string;
  readonly bogomips: string;
  readonly addressSizes: string;
  readonly powerManagement?: string;
}

/** /proc/cpuinfo: one block per logical CPU, keys padded with tabs as the kernel prints them. */
export function cpuinfo(spec: CpuSpec): string {
  const field = (key: string, value: string | number) => `${key}${key.length < 8 ? '\t\t' : '\t'}: ${value}`;
  const blocks: string[] = [];
  const siblings = spec.coresPerSocket * spec.threadsPerCore;
  let processor = 0;
  for (let thread = 0; thread < spec.threadsPerCore; thread++) {
    for (let socket = 0; socket < spec.sockets; socket++) {
      for (let core = 0; core < spec.coresPerSocket; core++) {
        const apic = socket * 64 + core * 2 + thread;
        blocks.push(
          [
            field('processor', processor++),
            field('vendor_id', spec.vendorId),
            field('cpu family', spec.family),
            field('model', spec.model),
            field('model name', spec.modelName),
            field('stepping', spec.stepping),
            ...(spec.microcode === undefined ? [] : [field('microcode', spec.microcode)]),
            field('cpu MHz', spec.mhz),
            field('cache size', `${spec.cacheKb} KB`),
            field('physical id', socket),
            field('siblings', siblings),
            field('core id', core),
            field('cpu cores', spec.cpuCores ?? spec.coresPerSocket),
            field('apicid', apic),
            field('initial apicid', apic),
            field('fpu', 'yes'),
            field('fpu_exception', 'yes'),
            field('cpuid level', spec.cpuidLevel),
            field('wp', 'yes'),
            field('flags', spec.flags),
            field('bugs', spec.bugs),
            field('bogomips', spec.bogomips),
            field('clflush size', 64),
            field('cache_alignment', 64),
            field('address sizes', spec.addressSizes),
            `power management:${spec.powerManagement === undefined ? '' : ` ${spec.powerManagement}`}`,
          ].join('\n'),
        );
      }
    }
  }
  return `${blocks.join('\n\n')}\n\n`;
}

export interface KernelSpec {
  readonly release: string;
  readonly clocksources: string;
}

export function kernel(tree: MachineTree, cpu: CpuSpec, spec: KernelSpec): void {
  tree.file('/proc/cpuinfo', cpuinfo(cpu));
  tree.attribute('/proc/sys/kernel/arch', 'x86_64');
  tree.attribute('/proc/sys/kernel/osrelease', spec.release);
  tree.attribute('/sys/devices/system/clocksource/clocksource0/available_clocksource', `${spec.clocksources} `);
  tree.attribute('/sys/devices/system/clocksource/clocksource0/current_clocksource', spec.clocksources.split(' ')[0]!);
}

/** SMBIOS strings in /sys/class/dmi/id (a link to /sys/devices/virtual/dmi/id). */
export function dmi(tree: MachineTree, fields: Readonly<Record<string, string>>): void {
  tree.link('/sys/class/dmi/id', '/sys/devices/virtual/dmi/id');
  for (const [name, value] of Object.entries(fields)) tree.attribute(`/sys/devices/virtual/dmi/id/${name}`, value);
}

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c';

/** UEFI: fw_platform_size and efivarfs variables (4 bytes of attributes, then the value). */
export function efi(tree: MachineTree, spec: { readonly bitness: 32 | 64; readonly secureBoot: boolean }): void {
  tree.attribute('/sys/firmware/efi/fw_platform_size', spec.bitness);
  tree.attribute('/sys/firmware/efi/systab', 'ACPI20=0x7ffbe014\nACPI=0x7ffbe000\nSMBIOS3=0x7fc0f000');
  const attributes = [0x06, 0x00, 0x00, 0x00];
  tree.file(`/sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL}`, new Uint8Array([...attributes, spec.secureBoot ? 1 : 0]));
  tree.file(`/sys/firmware/efi/efivars/SetupMode-${EFI_GLOBAL}`, new Uint8Array([...attributes, 0]));
}

/** A line of /proc/self/mountinfo. */
export interface MountSpec {
  readonly majorMinor: string;
  readonly root?: string;
  readonly mountPoint: string;
  readonly options: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
  /** Mount point of the parent mount (default: the closest earlier one above it). */
  readonly parent?: string;
}

export function mountinfo(tree: MachineTree, mounts: readonly MountSpec[]): void {
  const ids = new Map<string, number>();
  const lines = mounts.map((m, i) => {
    const id = 22 + i;
    const parentPath =
      m.parent ??
      [...ids.keys()]
        .filter((p) => p !== m.mountPoint && (p === '/' || m.mountPoint.startsWith(`${p}/`)))
        .sort((a, b) => b.length - a.length)[0];
    const parent = parentPath === undefined ? 1 : ids.get(parentPath)!;
    ids.set(m.mountPoint, id);
    const escape = (s: string) => s.replace(/ /g, '\\040');
    return `${id} ${parent} ${m.majorMinor} ${escape(m.root ?? '/')} ${escape(m.mountPoint)} ${m.options} shared:${i + 1} - ${m.fsType} ${escape(m.source)} ${m.superOptions}`;
  });
  tree.file('/proc/self/mountinfo', `${lines.join('\n')}\n`);
}

/** The virtual filesystems systemd mounts on every system, after the root. */
export function systemdMounts(options: { readonly efivars: boolean; readonly memoryKb: number; readonly devMinor?: number }): MountSpec[] {
  const runKb = Math.floor(options.memoryKb / 10);
  return [
    { majorMinor: '0:21', mountPoint: '/proc', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'proc', source: 'proc', superOptions: 'rw' },
    { majorMinor: '0:22', mountPoint: '/sys', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'sysfs', source: 'sysfs', superOptions: 'rw' },
    {
      majorMinor: `0:${options.devMinor ?? 5}`,
      mountPoint: '/dev',
      options: 'rw,nosuid',
      fsType: 'devtmpfs',
      source: 'devtmpfs',
      superOptions: `rw,size=${Math.floor(options.memoryKb / 2)}k,nr_inodes=${Math.floor(options.memoryKb / 8)},mode=755`,
    },
    { majorMinor: '0:6', mountPoint: '/sys/kernel/security', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'securityfs', source: 'securityfs', superOptions: 'rw' },
    { majorMinor: '0:23', mountPoint: '/dev/shm', options: 'rw,nosuid,nodev', fsType: 'tmpfs', source: 'tmpfs', superOptions: 'rw' },
    { majorMinor: '0:24', mountPoint: '/dev/pts', options: 'rw,nosuid,noexec,relatime', fsType: 'devpts', source: 'devpts', superOptions: 'rw,gid=3,mode=620,ptmxmode=666' },
    { majorMinor: '0:25', mountPoint: '/run', options: 'rw,nosuid,nodev', fsType: 'tmpfs', source: 'tmpfs', superOptions: `rw,size=${runKb}k,mode=755` },
    { majorMinor: '0:26', mountPoint: '/sys/fs/cgroup', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'cgroup2', source: 'cgroup2', superOptions: 'rw,nsdelegate,memory_recursiveprot' },
    { majorMinor: '0:27', mountPoint: '/sys/fs/pstore', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'pstore', source: 'pstore', superOptions: 'rw' },
    ...(options.efivars
      ? [{ majorMinor: '0:28', mountPoint: '/sys/firmware/efi/efivars', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'efivarfs', source: 'efivarfs', superOptions: 'rw' }]
      : []),
    { majorMinor: '0:29', mountPoint: '/sys/fs/bpf', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'bpf', source: 'bpf', superOptions: 'rw,mode=700' },
    { majorMinor: '0:20', mountPoint: '/dev/mqueue', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'mqueue', source: 'mqueue', superOptions: 'rw' },
    { majorMinor: '0:30', mountPoint: '/dev/hugepages', options: 'rw,relatime', fsType: 'hugetlbfs', source: 'hugetlbfs', superOptions: 'rw,pagesize=2M' },
    { majorMinor: '0:7', mountPoint: '/sys/kernel/debug', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'debugfs', source: 'debugfs', superOptions: 'rw' },
    { majorMinor: '0:31', mountPoint: '/sys/kernel/config', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'configfs', source: 'configfs', superOptions: 'rw' },
    { majorMinor: '0:32', mountPoint: '/sys/fs/fuse/connections', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'fusectl', source: 'fusectl', superOptions: 'rw' },
  ];
}

export function runUserMount(memoryKb: number): MountSpec {
  return {
    majorMinor: '0:45',
    mountPoint: '/run/user/1000',
    options: 'rw,nosuid,nodev,relatime',
    fsType: 'tmpfs',
    source: 'tmpfs',
    superOptions: `rw,size=${Math.floor(memoryKb / 10)}k,nr_inodes=${Math.floor(memoryKb / 40)},mode=700,uid=1000,gid=100`,
  };
}

/** /proc/swaps: sizes in KiB. */
export function swaps(tree: MachineTree, entries: readonly { readonly path: string; readonly type: string; readonly kb: number; readonly used?: number; readonly priority: number }[]): void {
  const lines = entries.map((e) => `${e.path.padEnd(40)}${e.type.padEnd(16)}${String(e.kb).padEnd(16)}${String(e.used ?? 0).padEnd(16)}${e.priority}`);
  tree.file('/proc/swaps', `${['Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority', ...lines].join('\n')}\n`);
}

export function mdstat(tree: MachineTree, body: string, personalities: string): void {
  tree.file('/proc/mdstat', `Personalities : ${personalities}\n${body}unused devices: <none>\n`);
}

/** Network interfaces: /sys/class/net links to each interface under its device (lo is virtual). */
export function netInterfaces(tree: MachineTree, interfaces: Readonly<Record<string, string>>): void {
  tree.link('/sys/class/net/lo', '/sys/devices/virtual/net/lo');
  tree.attribute('/sys/devices/virtual/net/lo/address', '00:00:00:00:00:00');
  for (const [name, deviceDirectory] of Object.entries(interfaces)) {
    tree.link(`/sys/class/net/${name}`, `${deviceDirectory}/net/${name}`);
  }
}

// ---------------------------------------------------------------------------------------------- disks

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

// ---------------------------------------------------------------------------------------- systeminformation

export function siSystem(fields: { manufacturer: string; model: string; version: string; serial: string; uuid: string; sku: string; virtual: boolean; virtualHost?: string }): unknown {
  return { ...fields };
}

export function siBios(fields: { vendor: string; version: string; releaseDate: string; revision: string; serial?: string; language?: string; features?: string[] }): unknown {
  return { vendor: fields.vendor, version: fields.version, releaseDate: fields.releaseDate, revision: fields.revision, serial: fields.serial ?? '', language: fields.language ?? 'en', features: fields.features ?? [] };
}

export function siBaseboard(fields: { manufacturer: string; model: string; version: string; serial: string; assetTag: string; memMax: number | null; memSlots: number | null }): unknown {
  return { ...fields };
}

export function siChassis(fields: { manufacturer: string; model: string; type: string; version: string; serial: string; assetTag: string; sku: string }): unknown {
  return { ...fields };
}

export function siCpu(spec: CpuSpec, fields: { manufacturer: string; brand: string; speed: number; speedMin: number; speedMax: number; governor: string; socket: string; cache: { l1d: number; l1i: number; l2: number; l3: number }; performanceCores?: number; efficiencyCores?: number }): unknown {
  const cores = spec.sockets * spec.coresPerSocket * spec.threadsPerCore;
  return {
    manufacturer: fields.manufacturer,
    brand: fields.brand,
    vendor: spec.vendorId,
    family: String(spec.family),
    model: String(spec.model),
    stepping: String(spec.stepping),
    revision: '',
    voltage: '',
    speed: fields.speed,
    speedMin: fields.speedMin,
    speedMax: fields.speedMax,
    governor: fields.governor,
    cores,
    physicalCores: spec.sockets * (spec.cpuCores ?? spec.coresPerSocket),
    performanceCores: fields.performanceCores ?? spec.sockets * spec.coresPerSocket,
    efficiencyCores: fields.efficiencyCores ?? 0,
    processors: spec.sockets,
    socket: fields.socket,
    flags: spec.flags,
    virtualization: / (vmx|svm)( |$)/.test(` ${spec.flags}`),
    cache: fields.cache,
  };
}

export function siMem(totalBytes: number, usedFraction: number, swapBytes: number): unknown {
  const used = Math.round(totalBytes * usedFraction);
  const cached = Math.round(totalBytes * 0.2);
  return {
    total: totalBytes,
    free: totalBytes - used - cached,
    used,
    active: Math.round(used * 0.8),
    available: totalBytes - used,
    buffers: Math.round(totalBytes * 0.01),
    cached,
    slab: Math.round(totalBytes * 0.02),
    buffcache: cached + Math.round(totalBytes * 0.03),
    reclaimable: Math.round(totalBytes * 0.015),
    swaptotal: swapBytes,
    swapused: 0,
    swapfree: swapBytes,
    writeback: 0,
    dirty: 4096,
  };
}

export function siMemModule(fields: { size: number; bank: string; type: string; ecc: boolean; clockSpeed: number; formFactor: string; manufacturer: string; partNum: string; serialNum: string; voltage: number | null }): unknown {
  return {
    size: fields.size,
    bank: fields.bank,
    type: fields.type,
    ecc: fields.ecc,
    clockSpeed: fields.clockSpeed,
    formFactor: fields.formFactor,
    manufacturer: fields.manufacturer,
    partNum: fields.partNum,
    serialNum: fields.serialNum,
    voltageConfigured: fields.voltage,
    voltageMin: fields.voltage,
    voltageMax: fields.voltage,
  };
}

export function siGraphicsController(fields: { vendor: string; subVendor: string; vendorId: string; model: string; deviceId: string; bus: string; busAddress: string; vram: number | null; vramDynamic: boolean }): unknown {
  return { ...fields, external: false, pciID: '' };
}

export function siNetworkInterface(fields: { iface: string; mac: string; ip4: string; ip6: string; type: string; speed: number | null; operstate: string; dhcp: boolean; default?: boolean; virtual?: boolean; duplex?: string; mtu?: number }): unknown {
  return {
    iface: fields.iface,
    ifaceName: fields.iface,
    default: fields.default ?? false,
    ip4: fields.ip4,
    ip4subnet: fields.ip4 === '' ? '' : '255.255.255.0',
    ip6: fields.ip6,
    ip6subnet: fields.ip6 === '' ? '' : 'ffff:ffff:ffff:ffff::',
    mac: fields.mac,
    internal: false,
    virtual: fields.virtual ?? false,
    operstate: fields.operstate,
    type: fields.type,
    duplex: fields.duplex ?? (fields.type === 'wired' ? 'full' : ''),
    mtu: fields.mtu ?? 1500,
    speed: fields.speed,
    dhcp: fields.dhcp,
    dnsSuffix: 'Unknown',
    ieee8021xAuth: 'Not defined',
    ieee8021xState: 'Disabled',
    carrierChanges: 2,
  };
}

export function siLoopback(): unknown {
  return {
    iface: 'lo',
    ifaceName: 'lo',
    default: false,
    ip4: '127.0.0.1',
    ip4subnet: '255.0.0.0',
    ip6: '::1',
    ip6subnet: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    mac: '00:00:00:00:00:00',
    internal: true,
    virtual: false,
    operstate: 'unknown',
    type: 'virtual',
    duplex: '',
    mtu: 65536,
    speed: null,
    dhcp: false,
    dnsSuffix: 'Unknown',
    ieee8021xAuth: 'Not defined',
    ieee8021xState: 'Disabled',
    carrierChanges: 0,
  };
}
