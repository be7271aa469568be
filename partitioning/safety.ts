/**
 * The rules that keep Cairn from wiping the wrong disk, in one place: whether a disk may be written, and
 * if not, every reason why. `cairn partition disks`, `cairn detect`, the installer's disk choices and
 * every write (target.ts, apply.ts) ask these functions. Each refusal names the disk by its by-id name,
 * model and serial, says why, and says what to do. Pure: the inventory is data.
 */
import { DomainError } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import { volumesOf, type Disk, type DiskVolume } from './disks.js';

/** Mount points that mean the disk carries the running system. */
const SYSTEM_MOUNTS = ['/', '/boot', '/boot/efi', '/efi', '/usr', '/var', '/home', '/nix', '/nix/store', '/cairn', '/cairn/store'];

/** Where live systems mount their boot medium (Debian live, Arch, dracut, casper, Cairn's ISO). */
const LIVE_MEDIUM_MOUNTS = ['/run/live/medium', '/run/archiso/bootmnt', '/run/initramfs/live', '/cdrom', '/iso', '/run/cairn/medium', '/lib/live/mount/medium'];

export type RefusalCode =
  | 'not-a-disk'
  | 'no-medium'
  | 'live-medium'
  | 'system-disk'
  | 'mounted'
  | 'in-use'
  | 'read-only'
  | 'too-small'
  | 'serial-mismatch'
  | 'size-mismatch';

export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
}

/** A disk with its verdict: what `partition disks --json`, `detect --json` and the installer's disk list show. */
export interface AssessedDisk extends Disk {
  /** Cairn may write it (nothing below refuses it). */
  readonly writable: boolean;
  readonly refusals: readonly Refusal[];
}

/** Every disk of an inventory with its verdict. */
export function assessDisks(disks: readonly Disk[]): AssessedDisk[] {
  return disks.map((disk) => {
    const refusals = diskRefusals(disk);
    return { ...disk, writable: refusals.length === 0, refusals };
  });
}

interface Use {
  readonly device: string;
  /** A mount point, or null for an active swap area. */
  readonly mountpoint: string | null;
}

function usesOf(node: Pick<Disk, 'path' | 'mountpoints' | 'activeSwap'>): Use[] {
  return [...node.mountpoints.map((m) => ({ device: node.path, mountpoint: m })), ...(node.activeSwap ? [{ device: node.path, mountpoint: null }] : [])];
}

function describeUse(use: Use): string {
  return use.mountpoint === null ? `${use.device} is swap in use` : `${use.device} is mounted at ${use.mountpoint}`;
}

const isLiveMount = (mountpoint: string) => LIVE_MEDIUM_MOUNTS.some((live) => mountpoint === live || mountpoint.startsWith(`${live}/`));

/**
 * What forbids writing a disk as it is now, whatever is asked of it: empty when it may be written. A RAID
 * or LVM member whose array or volume group is not active, or a closed LUKS container, is data like any
 * other (the confirmation lists it); an active one is refused.
 */
export function diskRefusals(disk: Disk): Refusal[] {
  const refusals: Refusal[] = [];
  if (/^(zram|ram)\d/.test(disk.name)) refusals.push({ code: 'not-a-disk', reason: 'it is a RAM-backed block device (zram or ramdisk), not storage' });
  else if (disk.sizeBytes === 0) refusals.push({ code: 'no-medium', reason: 'it has no medium (0 bytes): an empty card reader or drive' });

  const volumes = volumesOf(disk);
  const uses = [...usesOf(disk), ...volumes.flatMap(usesOf)];
  const liveUses = uses.filter((u) => u.mountpoint !== null && isLiveMount(u.mountpoint));
  if (liveUses.length > 0) {
    refusals.push({ code: 'live-medium', reason: `it is the live medium this system booted from: ${liveUses.map(describeUse).join(', ')}` });
  } else if (disk.fstype === 'iso9660' || volumes.some((v) => v.fstype === 'iso9660')) {
    refusals.push({ code: 'live-medium', reason: 'it holds an ISO 9660 filesystem: a live medium (write another ISO to it with a tool made for that)' });
  }
  const system = uses.filter((u) => u.mountpoint === null || SYSTEM_MOUNTS.includes(u.mountpoint));
  if (system.length > 0) refusals.push({ code: 'system-disk', reason: `it backs the running system: ${system.map(describeUse).join(', ')}` });
  const other = uses.filter((u) => u.mountpoint !== null && !SYSTEM_MOUNTS.includes(u.mountpoint) && !isLiveMount(u.mountpoint));
  if (other.length > 0) refusals.push({ code: 'mounted', reason: `${other.map(describeUse).join(', ')}; unmount it first` });

  // Something built on the disk that is active but neither mounted nor swap: an open LUKS container, an
  // active LVM volume group, an assembled RAID array.
  const idle = [disk, ...volumes].flatMap((node) => node.children.filter((holder) => holder.kind !== 'partition' && !inUseBelow(holder)).map((holder) => `${node.path} is in use by ${holderName(holder)}`));
  if (idle.length > 0) refusals.push({ code: 'in-use', reason: `${idle.join(', ')}; close or stop it first` });

  if (disk.readOnly) refusals.push({ code: 'read-only', reason: 'it is read-only (a write-protect switch, or the kernel marked it so)' });
  return refusals;
}

function inUseBelow(volume: DiskVolume): boolean {
  return volume.mountpoints.length > 0 || volume.activeSwap || volume.children.some(inUseBelow);
}

function holderName(volume: DiskVolume): string {
  if (volume.mapperName !== undefined) return `/dev/mapper/${volume.mapperName}`;
  return volume.kind === 'md' ? `the RAID array ${volume.path}` : volume.path;
}

/** A value a target must have, and where it was asked for (`--expect-serial`, `answers.yaml: disk.expectSize`). */
export interface Pin<T> {
  readonly value: T;
  readonly from: string;
}

/** Pins for unattended runs: the target must have this serial and this size. */
export interface TargetPins {
  readonly serial?: Pin<string>;
  readonly sizeBytes?: Pin<number>;
}

/** What the pins and the layout's minimum are checked against: a disk, or an image file (no serial). */
export interface TargetFacts {
  readonly kind: 'image' | 'block';
  readonly sizeBytes: number;
  readonly serial?: string;
}

/** The refusals of what is asked of a target: its pins and the layout's minimum size (images and disks alike). */
export function requestRefusals(target: TargetFacts, pins: TargetPins = {}, minimumBytes?: number): Refusal[] {
  const refusals: Refusal[] = [];
  const { serial, sizeBytes } = pins;
  if (serial !== undefined && target.serial !== serial.value) {
    const actual = target.kind === 'image' ? 'it is an image file, which has no serial' : `its serial is ${target.serial === undefined ? 'unknown' : `"${target.serial}"`}`;
    refusals.push({ code: 'serial-mismatch', reason: `${actual}, but ${serial.from} expects "${serial.value}"` });
  }
  if (sizeBytes !== undefined && target.sizeBytes !== sizeBytes.value) {
    refusals.push({
      code: 'size-mismatch',
      reason: `its size is ${formatSize(target.sizeBytes)} (${target.sizeBytes} bytes), but ${sizeBytes.from} expects ${formatSize(sizeBytes.value)} (${sizeBytes.value} bytes)`,
    });
  }
  if (minimumBytes !== undefined && target.sizeBytes < minimumBytes) {
    refusals.push({ code: 'too-small', reason: `it is ${formatSize(target.sizeBytes)}, the layout needs at least ${formatSize(minimumBytes)}` });
  }
  return refusals;
}

/** `refusing to write <target>:` and a line per reason. */
export function describeRefusals(description: string, refusals: readonly Refusal[]): string {
  return `refusing to write ${description}:\n${refusals.map((r) => `  - ${r.reason}`).join('\n')}`;
}

/** The one error every refusal is raised as: the target named, every reason listed, nothing written. */
export function refusalError(description: string, refusals: readonly Refusal[]): DomainError {
  const mismatch = refusals.some((r) => r.code === 'serial-mismatch' || r.code === 'size-mismatch');
  const tooSmall = refusals.some((r) => r.code === 'too-small');
  return new DomainError(refusals[0]?.code ?? 'refused', `${describeRefusals(description, refusals)}\nNothing was written.`, {
    hint: mismatch
      ? 'check that this is the disk you mean (cairn partition disks lists them by by-id name and serial)'
      : tooSmall
        ? 'choose a larger disk (or --size for an image), or a layout with smaller fixed sizes'
        : 'choose another disk (cairn partition disks lists them), or unmount what is mounted from this one',
    actual: refusals.map((r) => r.code),
  });
}
