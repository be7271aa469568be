/**
 * The facts the configuration is made from, read from /sys, /proc, /dev/disk and /run/udev only: firmware,
 * CPU, virtualisation, PCI and USB devices, block devices, mounts, swaps, LUKS, LVM and md RAID. No external
 * tool runs, so this part is fast, and it is all `cairn generate-config` needs.
 */
import { posix } from 'node:path';
import { detectBlockDevices, type BlockDevice } from './block-devices.js';
import { compareCodePoints } from '../../lib/code-point-order.js';
import { decodeCpuinfo, type CpuInfo } from './cpuinfo.js';
import { moduleOfDriver } from './driver-module.js';
import { detectFirmware, type Firmware } from './firmware.js';
import type { HostFiles, HardwareProblem } from './host-files.js';
import { decodeMdstat } from './mdstat.js';
import { decodeMountinfo, type Mount } from './mountinfo.js';
import { detectPciDevices, type PciDevice } from './pci.js';
import { decodeSwaps, type Swap } from './proc-swaps.js';
import { describeMdArrays, findLuksDevices, hasLvm, type LuksDevice, type MdArray } from './storage-stack.js';
import { detectUsbDevices, type UsbDevice } from './usb.js';
import { detectVirtualisation, type Virtualisation } from './virtualisation.js';

/** A mounted filesystem with the block device it is on (null for tmpfs, network and virtual filesystems). */
export interface MountedFilesystem extends Mount {
  readonly device: string | null;
}

/** An active swap area with its block device (null for a swap file). */
export interface ActiveSwap extends Swap {
  readonly device: string | null;
}

export interface MmcHost {
  readonly name: string;
  readonly driver: string | null;
  readonly module: string | null;
}

export interface PlatformReport {
  /** The running kernel's architecture (`x86_64`), from /proc/sys/kernel/arch. */
  readonly architecture: string | null;
  readonly kernelRelease: string | null;
  readonly firmware: Firmware;
  readonly cpu: CpuInfo | null;
  readonly virtualisation: Virtualisation;
  readonly pci: readonly PciDevice[];
  readonly usb: readonly UsbDevice[];
  readonly mmcHosts: readonly MmcHost[];
  readonly blockDevices: readonly BlockDevice[];
  readonly mounts: readonly MountedFilesystem[];
  readonly swaps: readonly ActiveSwap[];
  readonly luks: readonly LuksDevice[];
  readonly md: readonly MdArray[];
  /** LVM logical volumes exist (device-mapper devices with an `LVM-` UUID). */
  readonly lvm: boolean;
  /** What could not be read or understood. Detection carries on without it. */
  readonly problems: readonly HardwareProblem[];
}

export async function detectPlatform(files: HostFiles): Promise<PlatformReport> {
  const [architecture, kernelRelease, cpuText, firmware, pci, usb, mmcHosts, blockDevices, mountinfo, swapsText, mdstat] = await Promise.all([
    files.attribute('/proc/sys/kernel/arch'),
    files.attribute('/proc/sys/kernel/osrelease'),
    files.text('/proc/cpuinfo', { required: true }),
    detectFirmware(files),
    detectPciDevices(files),
    detectUsbDevices(files),
    detectMmcHosts(files),
    detectBlockDevices(files),
    files.text('/proc/self/mountinfo', { required: true }),
    files.text('/proc/swaps'),
    files.text('/proc/mdstat'),
  ]);
  const cpu = cpuText === undefined ? undefined : decodeCpuinfo(cpuText);
  if (cpuText !== undefined && cpu === undefined) files.note('/proc/cpuinfo', 'no processor entries in it');
  const virtualisation = await detectVirtualisation(files, cpu);

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

  return {
    architecture: architecture ?? null,
    kernelRelease: kernelRelease ?? null,
    firmware,
    cpu: cpu ?? null,
    virtualisation,
    pci,
    usb,
    mmcHosts,
    blockDevices: devices,
    mounts,
    swaps,
    luks: findLuksDevices(devices),
    md: describeMdArrays(decodeMdstat(mdstat ?? ''), devices),
    lvm: hasLvm(devices),
    problems: files.problems(),
  };
}

async function detectMmcHosts(files: HostFiles): Promise<MmcHost[]> {
  const names = await files.list('/sys/class/mmc_host');
  return Promise.all(
    names.map(async (name) => ({
      name,
      driver: (await files.linkName(`/sys/class/mmc_host/${name}/device/driver`)) ?? null,
      module: await moduleOfDriver(files, `/sys/class/mmc_host/${name}/device/driver`),
    })),
  );
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
