/**
 * Naming devices so the name survives a reboot: kernel names (`sda`, `nvme0n1`) can swap between boots, so
 * configuration files name filesystems by UUID or label and disks by their by-id name.
 */
import type { BlockDevice } from '../../partitioning/block-devices.js';
import type { PlatformReport } from '../hardware/platform.js';

export interface StableName {
  readonly path: string;
  /** False when only the kernel name was available. */
  readonly stable: boolean;
}

/** A filesystem's device: by-uuid, else /dev/mapper/<name>, else by-label, else the kernel name (as nixos-generate-config chooses). */
export function stableDevicePath(platform: PlatformReport, name: string): StableName {
  const device = platform.blockDevices.find((d) => d.name === name);
  if (device === undefined) return { path: `/dev/${name}`, stable: false };
  const byUuid = device.links.find((l) => l.startsWith('/dev/disk/by-uuid/'));
  if (byUuid !== undefined) return { path: byUuid, stable: true };
  if (device.deviceMapper !== null) return { path: `/dev/mapper/${device.deviceMapper.name}`, stable: true };
  const byLabel = device.links.find((l) => l.startsWith('/dev/disk/by-label/'));
  if (byLabel !== undefined) return { path: byLabel, stable: true };
  return { path: device.path, stable: false };
}

/** A whole disk's name: its first by-id link (sorted, so stable), else the kernel name. */
export function stableDiskPath(disk: BlockDevice): StableName {
  const byId = disk.byId[0];
  return byId === undefined ? { path: disk.path, stable: false } : { path: byId, stable: true };
}

/** The device and every device under it (a filesystem on LVM on LUKS on a partition: all four), depth first. */
export function deviceStack(platform: PlatformReport, name: string): BlockDevice[] {
  const stack: BlockDevice[] = [];
  const visit = (current: string, depth: number) => {
    const device = platform.blockDevices.find((d) => d.name === current);
    if (device === undefined || depth > 16 || stack.includes(device)) return;
    stack.push(device);
    for (const slave of device.slaves) visit(slave, depth + 1);
    if (device.parent !== null) visit(device.parent, depth + 1);
  };
  visit(name, 0);
  return stack;
}

/** The whole disks a device lives on (one for a partition, several for RAID). */
export function disksUnder(platform: PlatformReport, name: string): BlockDevice[] {
  return deviceStack(platform, name).filter((d) => d.kind === 'disk');
}
