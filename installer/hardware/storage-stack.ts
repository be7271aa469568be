/**
 * What is built on top of the disks: LUKS containers and LVM volumes (device-mapper), and md RAID arrays.
 * Derived from the block devices and /proc/mdstat; nothing is opened or probed.
 */
import type { BlockDevice } from '../../partitioning/block-devices.js';
import type { MdstatArray } from './mdstat.js';

export interface LuksDevice {
  /** The device-mapper name: `/dev/mapper/<name>`, and the name the initrd opens it as. */
  readonly name: string;
  /** The opened device, `dm-0`. */
  readonly device: string;
  /** The encrypted device it is opened from, `nvme0n1p2`; null when not exactly one. */
  readonly backingDevice: string | null;
  /** The LUKS header's UUID (also the backing device's by-uuid name). */
  readonly uuid: string | null;
  /** `LUKS1` or `LUKS2`. */
  readonly version: string;
}

export interface MdArray {
  /** `md127` */
  readonly name: string;
  /** `raid1`, ...; null for an inactive array. */
  readonly level: string | null;
  readonly state: string;
  /** Active members in slot order. */
  readonly members: readonly string[];
  readonly failed: readonly string[];
  readonly spares: readonly string[];
  /** The array UUID as mdadm writes it (`1d8a53b2:7a4c2ee9:8c8f1c84:2c0d1b5e`), from its by-id link. */
  readonly uuid: string | null;
  /** `host:name` from its by-id link (`md-name-...`). */
  readonly arrayName: string | null;
}

/** dm-crypt's UUID for LUKS is `CRYPT-LUKS<version>-<uuid without dashes>-<name>`. */
const LUKS_DM_UUID = /^CRYPT-(LUKS\d)-([0-9a-f]{32})-/i;

export function findLuksDevices(devices: readonly BlockDevice[]): LuksDevice[] {
  const luks: LuksDevice[] = [];
  for (const device of devices) {
    const match = LUKS_DM_UUID.exec(device.deviceMapper?.uuid ?? '');
    if (device.deviceMapper === null || match === null) continue;
    const hex = match[2]!.toLowerCase();
    luks.push({
      name: device.deviceMapper.name,
      device: device.name,
      backingDevice: device.slaves.length === 1 ? device.slaves[0]! : null,
      uuid: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      version: match[1]!.toUpperCase(),
    });
  }
  return luks;
}

export function hasLvm(devices: readonly BlockDevice[]): boolean {
  return devices.some((d) => d.deviceMapper?.uuid?.startsWith('LVM-') === true);
}

export function describeMdArrays(arrays: readonly MdstatArray[], devices: readonly BlockDevice[]): MdArray[] {
  return arrays.map((array) => {
    const byId = devices.find((d) => d.name === array.name)?.byId ?? [];
    const uuid = byId.map((l) => /\/md-uuid-(.+)$/.exec(l)?.[1]).find((u) => u !== undefined);
    const arrayName = byId.map((l) => /\/md-name-(.+)$/.exec(l)?.[1]).find((n) => n !== undefined);
    return { ...array, uuid: uuid ?? null, arrayName: arrayName ?? null };
  });
}
