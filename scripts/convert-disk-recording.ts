/**
 * Converts a disk recording in the old format (what `cairn partition disks --record` saved before the disk
 * inventory was read from sysfs: `lsblk.json`, lsblk's JSON output, and `by-id.json`, the /dev/disk/by-id
 * links) into Cairn's one recording format (`cairn-recording.json` and `files/`: what `cairn partition disks
 * --record` saves now, and a smaller `cairn detect --record`). Run once per old recording:
 *
 *   node --import tsx scripts/convert-disk-recording.ts OLD-DIR NEW-DIR
 *
 * lsblk's output does not hold everything sysfs and udev do, so the conversion lays out what such a
 * machine shows, as scripts/make-machine-fixtures.ts does: each disk under a plausible controller for its
 * transport (NVMe on PCIe, USB behind xHCI, anything else as SATA behind AHCI), partitions with
 * their start and size, udev's records with the model, serial, WWN, filesystem, label, UUID and partition
 * entry lsblk gave, LUKS and LVM volumes as device-mapper devices on their partition, loop devices with a
 * backing file, the mounts in /proc/self/mountinfo (a root overlay when none of the devices is mounted at
 * /) and `[SWAP]` in /proc/swaps. Partition types lsblk did not record are inferred from the filesystem.
 * What the inventory reads from the new recording (disks, by-id names, sizes, sector sizes, flags,
 * partitions, what is on them, mounts, swaps, holders) is what lsblk had said.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MachineTree } from './machine-fixtures/machine-tree.js';
import { GPT_TYPES, ataDisk, content, nvmeDisk, partition, usbDevice, usbDisk, usbRootHub, type ContentSpec } from './machine-fixtures/disk-parts.js';
import { mountinfo, swaps, type MountSpec } from './machine-fixtures/system-parts.js';

/** lsblk's text columns (null where it had no value). */
type LsblkText = 'kname' | 'model' | 'serial' | 'wwn' | 'tran' | 'mountpoint' | 'fstype' | 'label' | 'uuid' | 'partuuid' | 'partlabel';

/** A device of lsblk's JSON tree, with the columns the old recordings held. */
interface LsblkDevice extends Partial<Readonly<Record<LsblkText, string | null>>> {
  readonly name: string;
  readonly type: string;
  readonly size: number | string | null;
  readonly 'log-sec'?: number | string | null;
  readonly start?: number | string | null;
  readonly rm?: boolean | string | null;
  readonly ro?: boolean | string | null;
  readonly mountpoints?: readonly (string | null)[] | null;
  readonly children?: readonly LsblkDevice[];
}

const SATA_CONTROLLER = '/sys/devices/pci0000:00/0000:00:17.0';
const XHCI_CONTROLLER = '/sys/devices/pci0000:00/0000:00:14.0';
const NVME_PORT = '/sys/devices/pci0000:00/0000:00:1d.0';

const flag = (value: boolean | string | null | undefined) => value === true || value === '1';
const text = (value: string | null | undefined) => (value === null || value === undefined || value.trim() === '' ? undefined : value.trim());
const sectorsOf = (device: LsblkDevice) => Math.floor(Number(device.size ?? 0) / 512);
const mountsOf = (device: LsblkDevice) => (device.mountpoints ?? (device.mountpoint === undefined ? [] : [device.mountpoint])).filter((m): m is string => m !== null && m !== '');

/** Converts the old recording in `from` into a new one in `to` (which must not exist or be empty); returns its entry count. */
async function convertDiskRecording(from: string, to: string): Promise<number> {
  const lsblk = JSON.parse(await readFile(resolve(from, 'lsblk.json'), 'utf8')) as { blockdevices?: LsblkDevice[] };
  const byId = JSON.parse(await readFile(resolve(from, 'by-id.json'), 'utf8')) as Record<string, string>;
  const existing = await stat(to).catch(() => undefined);
  if (existing !== undefined) throw new Error(`${to} exists: give a new directory`);
  const tree = new MachineTree(to);
  const idsOf = (name: string) => Object.keys(byId).filter((link) => basename(byId[link]!) === name).sort();
  const mounts: MountSpec[] = [];
  const swapAreas: { path: string; type: string; kb: number; priority: number }[] = [];
  const numbers = { sd: 0, nvme: 0, nvmeMinor: 0, dm: 0, loop: 0, usb: 0, ata: 0 };

  /** Mounts, swap, udev's content record of one device. */
  const describe = (device: LsblkDevice, majorMinor: string, extra: Partial<ContentSpec>) => {
    const name = device.kname ?? device.name;
    const fstype = text(device.fstype);
    const source = extra.identity?.DM_NAME === undefined ? `/dev/${name}` : `/dev/mapper/${extra.identity.DM_NAME}`;
    for (const mountPoint of mountsOf(device)) {
      if (mountPoint === '[SWAP]') swapAreas.push({ path: `/dev/${name}`, type: 'partition', kb: Math.floor(Number(device.size ?? 0) / 1024), priority: -2 });
      else mounts.push({ majorMinor, mountPoint, options: 'rw,relatime', fsType: fstype ?? 'auto', source, superOptions: 'rw' });
    }
    const uuid = text(device.uuid);
    const label = text(device.label);
    content(tree, {
      device: name,
      majorMinor,
      ids: idsOf(name),
      ...(fstype === undefined ? {} : { fs: { type: fstype, ...(uuid === undefined ? {} : { uuid }), ...(label === undefined ? {} : { label }), ...usageOf(fstype) } }),
      ...extra,
    });
  };

  const addVolumes = (parent: LsblkDevice, children: readonly LsblkDevice[]) => {
    for (const child of children) {
      const name = child.kname ?? child.name;
      const majorMinor = `254:${numbers.dm++}`;
      const mapperName = idsOf(name).find((l) => l.startsWith('dm-name-'))?.slice('dm-name-'.length) ?? child.name;
      const parentUuid = (text(parent.uuid) ?? '').replaceAll('-', '');
      const dmUuid = child.type === 'crypt' ? `CRYPT-LUKS2-${parentUuid}-${mapperName}` : `LVM-${parentUuid}`;
      tree.virtualBlock(name, majorMinor, sectorsOf(child), [parent.kname ?? parent.name], { 'dm/name': mapperName, 'dm/uuid': dmUuid });
      tree.link(`/dev/mapper/${mapperName}`, `/dev/${name}`);
      describe(child, majorMinor, { identity: { DM_NAME: mapperName, DM_UUID: dmUuid } });
      addVolumes(child, child.children ?? []);
    }
  };

  for (const device of lsblk.blockdevices ?? []) {
    const name = device.kname ?? device.name;
    if (device.type === 'loop') {
      const majorMinor = `7:${numbers.loop++}`;
      tree.virtualBlock(name, majorMinor, sectorsOf(device), [], { 'loop/backing_file': '/run/live/medium/live/filesystem.squashfs' });
      if (flag(device.ro)) tree.attribute(`/sys/devices/virtual/block/${name}/ro`, 1);
      describe(device, majorMinor, {});
      continue;
    }
    if (device.type !== 'disk') throw new Error(`${name}: lsblk type ${device.type} at the top is not converted (disks and loop devices are)`);
    const model = text(device.model) ?? 'unknown';
    const serial = text(device.serial) ?? '';
    let directory: string;
    let majorMinor: string;
    const partitionMajorMinor: (n: number) => string = (() => {
      if (device.tran === 'nvme') {
        majorMinor = `259:${numbers.nvmeMinor++}`;
        directory = nvmeDisk(tree, { controller: `${NVME_PORT}/0000:${String(0x3d + numbers.nvme).padStart(2, '0')}:00.0`, index: numbers.nvme++, majorMinor, sectors: sectorsOf(device), model, serial, firmware: '1B2QEXM7' });
        return () => `259:${numbers.nvmeMinor++}`;
      }
      const index = numbers.sd++;
      majorMinor = `8:${index * 16}`;
      if (device.tran === 'usb') {
        const bus = 2 + numbers.usb;
        const hub = usbRootHub(tree, XHCI_CONTROLLER, bus, 5000);
        const [vendor, product] = usbNames(idsOf(name), model);
        const usb = usbDevice(tree, { hub, id: `${bus}-1`, vendor: '0781', product: '5583', manufacturer: vendor, productName: product, serial, speed: 5000, interfaces: [{ number: 0, interfaceClass: '08', subClass: '06', protocol: '50', driver: 'usb-storage', module: 'usb_storage' }] });
        directory = usbDisk(tree, { usbInterface: `${usb}/${bus}-1:1.0`, host: 6 + numbers.usb++, name, majorMinor, sectors: sectorsOf(device), vendor, model: product });
      } else {
        directory = ataDisk(tree, { controller: SATA_CONTROLLER, port: 1 + numbers.ata, host: numbers.ata++, name, majorMinor, sectors: sectorsOf(device), model, serial, revision: '1B6Q', rotational: false, removable: flag(device.rm) });
      }
      return (n: number) => `8:${index * 16 + n}`;
    })();
    if (flag(device.ro)) tree.attribute(`${directory!}/ro`, 1);
    const sectorSize = Number(device['log-sec'] ?? 512);
    if (sectorSize !== 512) tree.attribute(`${directory!}/queue/logical_block_size`, sectorSize);
    const partitions = (device.children ?? []).filter((c) => c.type === 'part');
    const scheme = partitions.some((p) => /^[0-9a-f]{8}-[0-9a-f]{2}$/i.test(text(p.partuuid) ?? '')) ? 'dos' : 'gpt';
    const wwn = text(device.wwn);
    describe(device, majorMinor!, {
      model,
      identity: { ...(serial === '' ? {} : { ID_SERIAL_SHORT: serial }), ...(wwn === undefined ? {} : { ID_WWN: wwn }) },
      ...(partitions.length === 0 ? {} : { table: { type: scheme, uuid: scheme === 'dos' ? text(partitions[0]!.partuuid)!.slice(0, 8) : '00000000-0000-4000-8000-000000000000' } }),
    });
    for (const part of partitions) {
      const partName = part.kname ?? part.name;
      const number = Number(/(\d+)$/.exec(partName)![1]);
      const partMajorMinor = partitionMajorMinor(number);
      partition(tree, directory!, { name: partName, number, start: Number(part.start ?? 2048), sectors: sectorsOf(part), majorMinor: partMajorMinor });
      const partLabel = text(part.partlabel);
      describe(part, partMajorMinor, {
        entry: { scheme, type: partitionType(scheme, text(part.fstype), partLabel), uuid: text(part.partuuid) ?? '', ...(partLabel === undefined ? {} : { name: partLabel }), number, disk: majorMinor! },
      });
      addVolumes(part, (part.children ?? []).filter((c) => c.type !== 'part'));
    }
    addVolumes(device, (device.children ?? []).filter((c) => c.type !== 'part'));
  }
  if (!mounts.some((m) => m.mountPoint === '/')) mounts.unshift({ majorMinor: '0:30', mountPoint: '/', options: 'rw,noatime', fsType: 'overlay', source: 'overlay', superOptions: 'rw' });
  mountinfo(tree, [...mounts].sort((a, b) => (a.mountPoint === '/' ? -1 : b.mountPoint === '/' ? 1 : 0)));
  swaps(tree, swapAreas);
  return tree.write(`converted by scripts/convert-disk-recording.ts from the old disk recording format (lsblk.json, by-id.json) of ${basename(resolve(from))}`);
}

/** udev's ID_FS_USAGE of a filesystem type. */
function usageOf(fstype: string): { usage?: string; version?: string } {
  if (fstype === 'crypto_LUKS') return { usage: 'crypto', version: '2' };
  if (fstype === 'linux_raid_member' || fstype === 'LVM2_member') return { usage: 'raid' };
  if (fstype === 'swap') return { usage: 'other' };
  return {};
}

/** A plausible partition type for what is on the partition (lsblk's record did not hold it). */
function partitionType(scheme: 'gpt' | 'dos', fstype: string | undefined, name: string | undefined): string {
  if (scheme === 'dos') {
    switch (fstype) {
      case 'vfat':
        return '0xc';
      case 'ntfs':
      case 'exfat':
        return '0x7';
      case 'swap':
        return '0x82';
      case 'iso9660':
        return '0x0';
      default:
        return '0x83';
    }
  }
  if (fstype === 'vfat' && (name === undefined || /esp|efi/i.test(name))) return GPT_TYPES.esp;
  if (fstype === 'swap') return GPT_TYPES.swap;
  if (fstype === 'ntfs') return 'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7';
  return GPT_TYPES.linux;
}

/** A USB disk's vendor and product from its by-id name (`usb-<vendor>_<product>_<serial>-0:0`), else from lsblk's model. */
function usbNames(ids: readonly string[], model: string): [string, string] {
  const usb = ids.find((l) => l.startsWith('usb-') && !/-part\d+$/.test(l));
  const words = usb?.slice(4).replace(/-\d+:\d+$/, '').split('_') ?? [];
  if (words.length >= 3) return [words[0]!.replace(/-$/, ''), words.slice(1, -1).join(' ')];
  return ['Generic', model];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (from === undefined || to === undefined) {
    process.stderr.write('usage: node --import tsx scripts/convert-disk-recording.ts OLD-DIR NEW-DIR\n');
    process.exit(2);
  }
  const entries = await convertDiskRecording(from, to);
  process.stdout.write(`${to}: ${entries} entries\n`);
}
