/**
 * The facts the configuration is made from, read from /sys, /proc, /dev/disk and /run/udev only: firmware,
 * CPU, virtualisation, PCI and USB devices, block devices, mounts, swaps, LUKS, LVM and md RAID. No external
 * tool runs, so this part is fast, and it is all `cairn generate-config` needs.
 */
import { readBlockDevices, type ActiveSwap, type BlockDevice, type MountedFilesystem } from '../../partitioning/block-devices.js';
import { decodeCpuinfo, type CpuInfo } from './cpuinfo.js';
import { moduleOfDriver } from '../../system/machine/driver-module.js';
import { detectFirmware, type Firmware } from './firmware.js';
import type { HostFiles, HardwareProblem } from '../../system/machine/host-files.js';
import { decodeMdstat } from './mdstat.js';
import { detectPciDevices, type PciDevice } from './pci.js';
import { describeMdArrays, findLuksDevices, hasLvm, type LuksDevice, type MdArray } from './storage-stack.js';
import { detectUsbDevices, type UsbDevice } from './usb.js';
import { detectVirtualisation, type Virtualisation } from './virtualisation.js';

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
  const [architecture, kernelRelease, cpuText, firmware, pci, usb, mmcHosts, { devices, mounts, swaps }, mdstat] = await Promise.all([
    files.attribute('/proc/sys/kernel/arch'),
    files.attribute('/proc/sys/kernel/osrelease'),
    files.text('/proc/cpuinfo', { required: true }),
    detectFirmware(files),
    detectPciDevices(files),
    detectUsbDevices(files),
    detectMmcHosts(files),
    readBlockDevices(files),
    files.text('/proc/mdstat'),
  ]);
  const cpu = cpuText === undefined ? undefined : decodeCpuinfo(cpuText);
  if (cpuText !== undefined && cpu === undefined) files.note('/proc/cpuinfo', 'no processor entries in it');
  const virtualisation = await detectVirtualisation(files, cpu);

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
