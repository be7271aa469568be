/**
 * hardware-configuration.yaml from a platform report, deriving what nixos-generate-config derives:
 *
 * - initrd modules: the drivers of PCI storage (class 0x01, which includes Intel VMD and RAID), FireWire and USB
 *   controllers, of USB mass storage and boot keyboards, of the block devices and MMC hosts themselves, and
 *   virtio_scsi for virtio SCSI controllers (1af4:1004, 1af4:1048); dm-snapshot when LVM is present;
 * - kvm-intel or kvm-amd from the CPU's vmx/svm flag; microcode updates and redistributable firmware on bare
 *   metal only;
 * - the virtualisation guest support (qemu, virtualbox, hyperv, ...);
 * - fileSystems from the mounts under the target root (stable device names, btrfs subvolumes, vfat masks, bind
 *   and loop mounts), or from a planned layout; swap partitions; the LUKS devices under them; md RAID.
 *
 * Pure: the report holds everything read from the machine.
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import type { FileSystemEntry, GuestSupport, HardwareConfiguration, VmKind } from '../../system/hardware-configuration.js';
import { compareCodePoints } from '../../lib/code-point-order.js';
import type { PlatformReport } from '../hardware/platform.js';
import { isFireWireOrUsbClass, isStorageClass, decodePciClass } from '../hardware/pci-classes.js';
import { isBootKeyboard, isMassStorage } from '../hardware/usb.js';
import { deviceStack, stableDevicePath } from './stable-device.js';
import type { TargetLayout } from './target-layout.js';

export interface HardwareConfigurationPlan {
  readonly configuration: HardwareConfiguration;
  /** What the user should know: a filesystem without a stable name, a FUSE mount left out. */
  readonly warnings: readonly string[];
}

export interface HardwareConfigurationOptions {
  /** The target's root as mounted on the machine the report is of (`/`, `/mnt`): mounts under it are its filesystems. */
  readonly root: string;
  /** The target's filesystems, given instead of reading the mounts (an image that is not mounted). */
  readonly layout?: TargetLayout;
}

/** virtio SCSI controllers (legacy and modern ids), whose driver the guest cannot do without. */
const VIRTIO_SCSI = new Set(['0x1af4:0x1004', '0x1af4:0x1048']);

const GUEST_OF: Readonly<Partial<Record<VmKind, GuestSupport>>> = {
  kvm: 'qemu',
  qemu: 'qemu',
  bochs: 'qemu',
  oracle: 'virtualbox',
  vmware: 'vmware',
  microsoft: 'hyperv',
  xen: 'xen',
  parallels: 'parallels',
};

export function planHardwareConfiguration(platform: PlatformReport, options: HardwareConfigurationOptions): HardwareConfigurationPlan {
  const warnings: string[] = [];
  const targets = options.layout === undefined ? targetFromMounts(platform, options.root, warnings) : targetFromLayout(options.layout);
  const bareMetal = platform.virtualisation.vm === 'none' && platform.virtualisation.container === 'none';
  const cpuVendor = platform.cpu?.vendor ?? 'other';
  const arrays = platform.md.filter((array) => targets.devices.some((name) => deviceStack(platform, name).some((d) => d.name === array.name)));

  const configuration: HardwareConfiguration = {
    version: 1,
    system: systemOf(platform),
    firmware: {
      type: platform.firmware.type,
      ...(platform.firmware.efiBitness === null ? {} : { efiBitness: platform.firmware.efiBitness }),
    },
    boot: {
      initrd: {
        availableKernelModules: initrdModules(platform),
        kernelModules: platform.lvm ? ['dm-snapshot'] : [],
        ...(Object.keys(targets.luks).length === 0 ? {} : { luks: { devices: targets.luks } }),
      },
      kernelModules: platform.cpu?.hardwareVirtualisation === 'vmx' ? ['kvm-intel'] : platform.cpu?.hardwareVirtualisation === 'svm' ? ['kvm-amd'] : [],
      ...(arrays.length === 0
        ? {}
        : {
            swraid: {
              enable: true,
              arrays: arrays.map((a) => ({
                name: a.arrayName ?? a.name,
                ...(a.level === null ? {} : { level: a.level }),
                ...(a.uuid === null ? {} : { uuid: a.uuid }),
              })),
            },
          }),
    },
    hardware: {
      cpu: { vendor: cpuVendor, updateMicrocode: bareMetal && cpuVendor !== 'other' },
      enableRedistributableFirmware: bareMetal,
    },
    virtualisation: {
      vm: platform.virtualisation.vm,
      container: platform.virtualisation.container,
      guest: GUEST_OF[platform.virtualisation.vm] ?? 'none',
    },
    fileSystems: targets.fileSystems,
    swapDevices: targets.swapDevices,
  };
  return { configuration, warnings };
}

/** `x86_64-linux` on a CPU with long mode even under a 32-bit kernel: the installed system can be 64-bit. */
function systemOf(platform: PlatformReport): string {
  const arch = platform.architecture ?? (platform.cpu?.longMode ? 'x86_64' : 'i686');
  return /^i[3-6]86$/.test(arch) && platform.cpu?.longMode ? 'x86_64-linux' : `${arch}-linux`;
}

function initrdModules(platform: PlatformReport): string[] {
  const modules = new Set<string>();
  for (const device of platform.pci) {
    const code = decodePciClass(device.classCode)?.code;
    if (device.module !== null && code !== undefined && (isStorageClass(code) || isFireWireOrUsbClass(code))) modules.add(device.module);
    if (VIRTIO_SCSI.has(`${device.vendorId}:${device.deviceId}`)) modules.add('virtio_scsi');
  }
  for (const usb of platform.usb) {
    for (const usbInterface of usb.interfaces) {
      if (usbInterface.module !== null && (isMassStorage(usbInterface) || isBootKeyboard(usbInterface))) modules.add(usbInterface.module);
    }
  }
  for (const device of platform.blockDevices) if (device.module !== null) modules.add(device.module);
  for (const host of platform.mmcHosts) if (host.module !== null) modules.add(host.module);
  if (platform.blockDevices.some((d) => /^bcache\d+$/.test(d.name))) modules.add('bcache');
  return [...modules].sort();
}

interface Targets {
  readonly fileSystems: Record<string, FileSystemEntry>;
  readonly swapDevices: { device: string }[];
  readonly luks: Record<string, { device: string }>;
  /** Block devices the target's filesystems and swaps are on (for LUKS and RAID). */
  readonly devices: readonly string[];
}

function targetFromLayout(layout: TargetLayout): Targets {
  const fileSystems: Record<string, FileSystemEntry> = {};
  for (const fs of [...layout.fileSystems].sort((a, b) => compareCodePoints(a.mountPoint, b.mountPoint))) {
    if (fs.mountPoint in fileSystems) {
      throw new DomainError('duplicate-mount-point', `the planned layout mounts two filesystems at ${fs.mountPoint}`, {
        hint: 'give each mount point once',
        actual: fs.mountPoint,
      });
    }
    fileSystems[fs.mountPoint] = { device: fs.device, fsType: fs.fsType, ...(fs.options === undefined || fs.options.length === 0 ? {} : { options: [...fs.options] }) };
  }
  const luks = Object.fromEntries((layout.luksDevices ?? []).map((l) => [l.name, { device: l.device }]));
  return { fileSystems, swapDevices: (layout.swapDevices ?? []).map((s) => ({ device: s.device })), luks, devices: [] };
}

/** Is `path` the directory `dir` or inside it? */
function inside(path: string, dir: string): boolean {
  return dir === '' || dir === '/' ? path.startsWith('/') : path === dir || path.startsWith(`${dir}/`);
}

const SPECIAL_TREES = ['/proc', '/dev', '/sys', '/run'];

function targetFromMounts(platform: PlatformReport, root: string, warnings: string[]): Targets {
  const rootDir = posix.normalize(root).replace(/\/+$/, '');
  const fileSystems: Record<string, FileSystemEntry> = {};
  const devices: string[] = [];
  const firstMountOf = new Map<string, string>();
  for (const mount of platform.mounts) {
    if (!inside(mount.mountPoint, rootDir)) continue;
    const mountPoint = mount.mountPoint.slice(rootDir.length) || '/';
    if (SPECIAL_TREES.some((t) => inside(mountPoint, t)) || mountPoint === '/var/lib/nfs/rpc_pipefs') continue;
    // The read-only bind mount NixOS puts over /nix/store is the store's own business.
    if (mountPoint === '/nix/store' && mount.superOptions.includes('rw') && mount.options.includes('ro')) continue;
    // /tmp on tmpfs comes from the system's own configuration, not from the hardware.
    if (mountPoint === '/tmp' && mount.fsType === 'tmpfs') continue;
    if (mount.fsType === 'fuse' || mount.fsType === 'fuseblk' || mount.fsType.startsWith('fuse.')) {
      warnings.push(`${mount.mountPoint}: FUSE filesystem (${mount.fsType}) left out: it cannot be described as a device to mount`);
      continue;
    }
    const subvolume = mount.fsType === 'btrfs' ? (optionValue(mount.superOptions, 'subvol') ?? '/') : undefined;
    const earlier = firstMountOf.get(mount.majorMinor);
    // A second mount of the same filesystem is a bind mount, unless it is another btrfs subvolume's own root.
    const isBind = earlier !== undefined && (subvolume === undefined || mount.root !== subvolume);
    if (isBind) {
      fileSystems[mountPoint] = { device: `${earlier === '/' ? '' : earlier}${mount.root === '/' ? '' : mount.root}` || '/', fsType: 'none', options: ['bind'] };
      continue;
    }
    if (earlier === undefined) firstMountOf.set(mount.majorMinor, mountPoint);

    const options: string[] = [];
    let device = mount.source;
    const blockDevice = mount.device === null ? undefined : platform.blockDevices.find((d) => d.name === mount.device);
    if (blockDevice?.kind === 'loop' && blockDevice.loopBackingFile !== null) {
      device = blockDevice.loopBackingFile;
      options.push('loop');
    } else if (mount.device !== null) {
      const stable = stableDevicePath(platform, mount.device);
      if (!stable.stable) warnings.push(`${mountPoint}: ${stable.path} has no UUID or label; its kernel name may change between boots`);
      device = stable.path;
      devices.push(mount.device);
    }
    if (subvolume !== undefined && subvolume !== '/') options.push(`subvol=${subvolume.replace(/^\//, '')}`);
    if (mount.fsType === 'vfat') {
      // Keep the permission masks the ESP was mounted with (a world-readable ESP exposes the random seed).
      for (const key of ['fmask', 'dmask']) {
        const value = optionValue(mount.superOptions, key);
        if (value !== undefined) options.push(`${key}=${value}`);
      }
    }
    fileSystems[mountPoint] = { device, fsType: mount.fsType, ...(options.length === 0 ? {} : { options }) };
  }

  const swapDevices: { device: string }[] = [];
  for (const swap of platform.swaps) {
    // Swap files and zram are the system configuration's business, not the hardware's.
    if (swap.type !== 'partition' || swap.device === null || swap.device.startsWith('zram')) continue;
    const stable = stableDevicePath(platform, swap.device);
    if (!stable.stable) warnings.push(`swap ${swap.path}: no UUID or label; its kernel name may change between boots`);
    swapDevices.push({ device: stable.path });
    devices.push(swap.device);
  }

  const luks: Record<string, { device: string }> = {};
  for (const name of devices) {
    for (const layer of deviceStack(platform, name)) {
      const open = platform.luks.find((l) => l.device === layer.name);
      if (open === undefined || open.backingDevice === null || open.name in luks) continue;
      luks[open.name] = { device: stableDevicePath(platform, open.backingDevice).path };
    }
  }
  const sorted = Object.fromEntries(Object.entries(fileSystems).sort(([a], [b]) => compareCodePoints(a, b)));
  return { fileSystems: sorted, swapDevices, luks: Object.fromEntries(Object.entries(luks).sort(([a], [b]) => compareCodePoints(a, b))), devices };
}

function optionValue(options: readonly string[], key: string): string | undefined {
  const found = options.find((o) => o.startsWith(`${key}=`));
  return found?.slice(key.length + 1);
}
