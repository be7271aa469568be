/**
 * Disk discovery: the block devices of this machine (`lsblk --json`, which reads /sys) with model, serial,
 * size, transport, removable and read-only flags, their /dev/disk/by-id names, partitions and everything
 * mounted from them. The same inventory can be recorded to a directory and read back, so the safety rules
 * are tested against machines that cannot be had here (a mounted disk, the live USB stick, ...).
 *
 * A recorded directory holds `lsblk.json` (the output of the command below) and `by-id.json` (link name ->
 * link target, as `ls -l /dev/disk/by-id` shows them).
 */
import { mkdir, readFile, readdir, readlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import { run } from '../lib/run.js';
import { writeFileAtomic } from '../lib/atomic-file.js';
import { formatSize } from '../lib/size.js';

/** The columns Cairn asks lsblk for (util-linux 2.37 or later for MOUNTPOINTS). */
export const LSBLK_ARGS = ['--json', '--bytes', '--tree', '--output', 'NAME,KNAME,PATH,TYPE,SIZE,LOG-SEC,MODEL,SERIAL,WWN,TRAN,RM,HOTPLUG,RO,MOUNTPOINTS,FSTYPE,LABEL,UUID,PARTUUID,PARTLABEL,START'] as const;

export const BY_ID_DIRECTORY = '/dev/disk/by-id';

export interface DiskVolume {
  /** Kernel name (sda2, nvme0n1p2, dm-0). */
  readonly name: string;
  readonly path: string;
  readonly type: string;
  readonly sizeBytes: number;
  readonly fstype?: string;
  readonly label?: string;
  readonly uuid?: string;
  readonly partUuid?: string;
  readonly partLabel?: string;
  /** Start of a partition, in 512-byte sectors (lsblk's START). */
  readonly start?: number;
  readonly mountpoints: readonly string[];
  /** Devices stacked on this one (LVM, LUKS, md), with their own mounts. */
  readonly children: readonly DiskVolume[];
}

export interface Disk {
  readonly name: string;
  readonly path: string;
  readonly type: string;
  /** Full /dev/disk/by-id/... paths that point at this disk, sorted, preferred first. */
  readonly byId: readonly string[];
  readonly model?: string;
  readonly serial?: string;
  readonly wwn?: string;
  readonly sizeBytes: number;
  readonly sectorSize: number;
  readonly transport?: string;
  readonly removable: boolean;
  readonly readOnly: boolean;
  /** A filesystem on the whole disk (an ISO written to a stick shows iso9660 here). */
  readonly fstype?: string;
  readonly label?: string;
  readonly mountpoints: readonly string[];
  /** Partitions and whatever else is stacked on the disk. */
  readonly children: readonly DiskVolume[];
}

export interface DiskInventory {
  readonly disks: readonly Disk[];
  /** Where it came from: "this machine" or the recorded directory. */
  readonly source: string;
  /** True when read from a recording: it describes another machine, so nothing may be written from it. */
  readonly recorded: boolean;
}

/** The raw inputs of an inventory, as recorded. */
export interface DiskInventoryRecord {
  readonly lsblk: string;
  readonly byId: Readonly<Record<string, string>>;
}

interface LsblkDevice {
  name: string;
  kname?: string;
  path?: string;
  type: string;
  size: number | string | null;
  'log-sec'?: number | string | null;
  model?: string | null;
  serial?: string | null;
  wwn?: string | null;
  tran?: string | null;
  rm?: boolean | string | null;
  hotplug?: boolean | string | null;
  ro?: boolean | string | null;
  mountpoints?: (string | null)[] | null;
  mountpoint?: string | null;
  fstype?: string | null;
  label?: string | null;
  uuid?: string | null;
  partuuid?: string | null;
  partlabel?: string | null;
  start?: number | string | null;
  children?: LsblkDevice[];
}

function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function flag(value: boolean | string | null | undefined): boolean {
  return value === true || value === '1';
}

function number(value: number | string | null | undefined): number {
  return typeof value === 'number' ? value : value === null || value === undefined ? 0 : Number(value);
}

function mountsOf(device: LsblkDevice): string[] {
  const list = device.mountpoints ?? (device.mountpoint === undefined ? [] : [device.mountpoint]);
  return list.filter((m): m is string => m !== null && m !== '').sort();
}

function volumeOf(device: LsblkDevice): DiskVolume {
  const fstype = text(device.fstype);
  const label = text(device.label);
  const uuid = text(device.uuid);
  const partUuid = text(device.partuuid);
  const partLabel = text(device.partlabel);
  return {
    name: device.kname ?? device.name,
    path: device.path ?? `/dev/${device.name}`,
    type: device.type,
    sizeBytes: number(device.size),
    ...(fstype === undefined ? {} : { fstype }),
    ...(label === undefined ? {} : { label }),
    ...(uuid === undefined ? {} : { uuid }),
    ...(partUuid === undefined ? {} : { partUuid }),
    ...(partLabel === undefined ? {} : { partLabel }),
    ...(device.start === undefined || device.start === null ? {} : { start: number(device.start) }),
    mountpoints: mountsOf(device),
    children: (device.children ?? []).map(volumeOf),
  };
}

/** by-id names that identify a disk best come first: vendor and serial names, then wwn-/eui. names. */
function byIdRank(name: string): number {
  if (/^(wwn-|nvme-eui\.|nvme-nvme\.)/.test(name)) return 1;
  return 0;
}

/** Builds an inventory from lsblk's JSON and a by-id map (pure). */
export function parseDiskInventory(record: DiskInventoryRecord, source: string, recorded: boolean): DiskInventory {
  let parsed: { blockdevices?: LsblkDevice[] };
  try {
    parsed = JSON.parse(record.lsblk) as { blockdevices?: LsblkDevice[] };
  } catch (error) {
    throw new UserError(`${source}: lsblk output is not JSON: ${(error as Error).message}`);
  }
  const byIdOf = new Map<string, string[]>();
  for (const [link, target] of Object.entries(record.byId)) {
    const kernelName = basename(target);
    byIdOf.set(kernelName, [...(byIdOf.get(kernelName) ?? []), link]);
  }
  const disks = (parsed.blockdevices ?? [])
    .filter((d) => d.type === 'disk')
    .map((device): Disk => {
      const volume = volumeOf(device);
      const names = (byIdOf.get(volume.name) ?? []).sort((a, b) => byIdRank(a) - byIdRank(b) || a.localeCompare(b));
      const model = text(device.model);
      const serial = text(device.serial);
      const wwn = text(device.wwn);
      const transport = text(device.tran);
      return {
        name: volume.name,
        path: volume.path,
        type: device.type,
        byId: names.map((n) => `${BY_ID_DIRECTORY}/${n}`),
        ...(model === undefined ? {} : { model }),
        ...(serial === undefined ? {} : { serial }),
        ...(wwn === undefined ? {} : { wwn }),
        sizeBytes: volume.sizeBytes,
        sectorSize: number(device['log-sec']) || 512,
        ...(transport === undefined ? {} : { transport }),
        removable: flag(device.rm) || flag(device.hotplug),
        readOnly: flag(device.ro),
        ...(volume.fstype === undefined ? {} : { fstype: volume.fstype }),
        ...(volume.label === undefined ? {} : { label: volume.label }),
        mountpoints: volume.mountpoints,
        children: volume.children,
      };
    });
  return { disks, source, recorded };
}

async function readByIdLinks(directory: string): Promise<Record<string, string>> {
  let names: string[];
  try {
    names = (await readdir(directory)).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return {}; // no udev (containers): disks are named by path and serial only
    throw error;
  }
  const links: Record<string, string> = {};
  for (const name of names) {
    try {
      links[name] = await readlink(join(directory, name));
    } catch {
      // not a link: skip it
    }
  }
  return links;
}

/** Reads the raw inputs on this machine. */
export async function recordDiskInventory(): Promise<DiskInventoryRecord> {
  const { stdout } = await run('lsblk', LSBLK_ARGS);
  return { lsblk: stdout, byId: await readByIdLinks(BY_ID_DIRECTORY) };
}

/** The disks of this machine. */
export async function discoverDisks(): Promise<DiskInventory> {
  return parseDiskInventory(await recordDiskInventory(), 'this machine', false);
}

/** Writes a recording that loadDiskInventory() reads back. */
export async function saveDiskInventory(directory: string, record: DiskInventoryRecord): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(join(directory, 'lsblk.json'), record.lsblk.endsWith('\n') ? record.lsblk : `${record.lsblk}\n`);
  await writeFileAtomic(join(directory, 'by-id.json'), `${JSON.stringify(record.byId, null, 2)}\n`);
}

/** Reads a recorded inventory directory. */
export async function loadDiskInventory(directory: string): Promise<DiskInventory> {
  const read = async (name: string) => {
    try {
      return await readFile(join(directory, name), 'utf8');
    } catch (error) {
      throw new UserError(`${join(directory, name)}: cannot read the recorded disk inventory (${errnoCode(error) ?? (error as Error).message})`, {
        hint: 'a recording holds lsblk.json and by-id.json; make one with `cairn partition disks --record DIR`',
      });
    }
  };
  const lsblk = await read('lsblk.json');
  let byId: Record<string, string>;
  try {
    byId = JSON.parse(await read('by-id.json')) as Record<string, string>;
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${join(directory, 'by-id.json')}: not JSON: ${(error as Error).message}`);
  }
  return parseDiskInventory({ lsblk, byId }, resolve(directory), true);
}

/** How messages name a disk: by-id name, model, serial and size; the kernel path when there is no by-id name. */
export function describeDisk(disk: Disk): string {
  const details = [disk.model, disk.serial === undefined ? undefined : `serial ${disk.serial}`, formatSize(disk.sizeBytes)].filter((d) => d !== undefined);
  const name = disk.byId[0] ?? disk.path;
  return `${name} (${name === disk.path ? '' : `${disk.path}, `}${details.join(', ')})`;
}

/** Every volume on a disk, depth first (partitions, then what is stacked on them). */
export function volumesOf(disk: Pick<Disk, 'children'>): DiskVolume[] {
  const out: DiskVolume[] = [];
  const visit = (volume: DiskVolume) => {
    out.push(volume);
    volume.children.forEach(visit);
  };
  disk.children.forEach(visit);
  return out;
}

/** The disk a path names: its kernel path, a by-id link, or its kernel name. */
export function findDisk(inventory: DiskInventory, path: string): Disk | undefined {
  return inventory.disks.find((d) => d.path === path || d.byId.includes(path) || `/dev/${d.name}` === path);
}

/** The disk holding a partition path (so "a partition, not a disk" can name the disk). */
export function findDiskOfVolume(inventory: DiskInventory, path: string): { disk: Disk; volume: DiskVolume } | undefined {
  for (const disk of inventory.disks) {
    const volume = volumesOf(disk).find((v) => v.path === path);
    if (volume !== undefined) return { disk, volume };
  }
  return undefined;
}
