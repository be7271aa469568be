/**
 * The rules that keep Cairn from wiping the wrong disk. Each refusal names the disk by its by-id name,
 * model and serial, says why, and says what to do. Pure: the inventory is data.
 */
import { DomainError } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import { describeDisk, volumesOf, type Disk } from './disks.js';

/** Mount points that mean the disk carries the running system. */
const SYSTEM_MOUNTS = ['/', '/boot', '/boot/efi', '/efi', '/usr', '/var', '/home', '/nix', '/nix/store', '/cairn', '/cairn/store', '[SWAP]'];

/** Where live systems mount their boot medium (Debian live, Arch, dracut, casper, Cairn's ISO). */
const LIVE_MEDIUM_MOUNTS = ['/run/live/medium', '/run/archiso/bootmnt', '/run/initramfs/live', '/cdrom', '/iso', '/run/cairn/medium', '/lib/live/mount/medium'];

export type RefusalCode = 'system-disk' | 'live-medium' | 'mounted' | 'read-only' | 'too-small' | 'serial-mismatch' | 'size-mismatch' | 'not-a-disk';

export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
}

export interface DiskExpectations {
  /** The disk's serial must be this (`--expect-serial`). */
  readonly serial?: string;
  /** The disk's size must be this many bytes (`--expect-size`). */
  readonly sizeBytes?: number;
  /** The layout's minimum size in bytes. */
  readonly minimumBytes?: number;
}

/** Everything that forbids writing to a disk; empty when it may be written. */
export function diskRefusals(disk: Disk, expect: DiskExpectations = {}): Refusal[] {
  const refusals: Refusal[] = [];
  if (/^(zram|ram)\d/.test(disk.name)) refusals.push({ code: 'not-a-disk', reason: 'it is a RAM-backed block device (zram or ramdisk), not storage' });
  else if (disk.sizeBytes === 0) refusals.push({ code: 'too-small', reason: 'it has no medium (0 bytes): an empty card reader or drive' });
  const mounted = [
    ...disk.mountpoints.map((m) => ({ device: disk.path, mountpoint: m, fstype: disk.fstype })),
    ...volumesOf(disk).flatMap((v) => v.mountpoints.map((m) => ({ device: v.path, mountpoint: m, fstype: v.fstype }))),
  ];
  const isLive =
    disk.fstype === 'iso9660' ||
    volumesOf(disk).some((v) => v.fstype === 'iso9660') ||
    mounted.some((m) => LIVE_MEDIUM_MOUNTS.some((live) => m.mountpoint === live || m.mountpoint.startsWith(`${live}/`)));
  if (isLive) {
    refusals.push({ code: 'live-medium', reason: 'it is the live medium this system booted from (or holds an ISO 9660 filesystem)' });
  }
  const system = mounted.filter((m) => SYSTEM_MOUNTS.includes(m.mountpoint));
  if (system.length > 0) {
    refusals.push({ code: 'system-disk', reason: `it backs the running system: ${system.map((m) => `${m.device} is ${m.mountpoint === '[SWAP]' ? 'swap in use' : `mounted at ${m.mountpoint}`}`).join(', ')}` });
  }
  const other = mounted.filter((m) => !SYSTEM_MOUNTS.includes(m.mountpoint) && !(isLive && LIVE_MEDIUM_MOUNTS.some((l) => m.mountpoint.startsWith(l))));
  if (other.length > 0) {
    refusals.push({ code: 'mounted', reason: `${other.map((m) => `${m.device} is mounted at ${m.mountpoint}`).join(', ')}; unmount it first` });
  }
  if (disk.readOnly) refusals.push({ code: 'read-only', reason: 'it is read-only (a write-protect switch, or the kernel marked it so)' });
  if (expect.serial !== undefined && disk.serial !== expect.serial) {
    refusals.push({ code: 'serial-mismatch', reason: `its serial is ${disk.serial === undefined ? 'unknown' : `"${disk.serial}"`}, but "${expect.serial}" was expected` });
  }
  if (expect.sizeBytes !== undefined && disk.sizeBytes !== expect.sizeBytes) {
    refusals.push({ code: 'size-mismatch', reason: `its size is ${formatSize(disk.sizeBytes)} (${disk.sizeBytes} bytes), but ${formatSize(expect.sizeBytes)} (${expect.sizeBytes} bytes) was expected` });
  }
  if (expect.minimumBytes !== undefined && disk.sizeBytes < expect.minimumBytes) {
    refusals.push({ code: 'too-small', reason: `it is ${formatSize(disk.sizeBytes)}, the layout needs at least ${formatSize(expect.minimumBytes)}` });
  }
  return refusals;
}

/** Throws a DomainError listing every refusal, or returns when the disk may be written. */
export function assertDiskWritable(disk: Disk, expect: DiskExpectations = {}): void {
  const refusals = diskRefusals(disk, expect);
  if (refusals.length === 0) return;
  const lines = refusals.map((r) => `  - ${r.reason}`).join('\n');
  throw new DomainError(refusals[0]!.code, `refusing to write ${describeDisk(disk)}:\n${lines}`, {
    hint: refusals.some((r) => r.code === 'serial-mismatch' || r.code === 'size-mismatch')
      ? 'check that this is the disk you mean (cairn partition disks lists them by by-id name and serial)'
      : 'choose another disk (cairn partition disks lists them), or unmount what is mounted from this one',
    actual: refusals.map((r) => r.code),
  });
}
