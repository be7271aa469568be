/**
 * Whether the system runs in a virtual machine or a container, named as systemd-detect-virt names them
 * (`kvm`, `qemu`, `oracle`, `vmware`, `microsoft`, `xen`, `docker`, ...) so users can compare the two.
 *
 * systemd-detect-virt asks the CPU (CPUID leaf 0x40000000) for the hypervisor's name, which a Node program
 * cannot; the same answers are read here from files: the DMI strings the hypervisor's firmware sets, the
 * paravirtual clock the guest kernel offers (kvm-clock, hyperv_clocksource_*, xen), Xen's own entries, and
 * the CPU's `hypervisor` flag as the last resort. As in systemd, a VirtualBox, Xen or Amazon DMI string wins
 * over the clock (VirtualBox offers kvm-clock too), and a container is looked for separately.
 */
import type { ContainerKind, VmKind } from '../../system/hardware-configuration.js';
import type { CpuInfo } from './cpuinfo.js';
import type { HostFiles } from '../../system/machine/host-files.js';

export interface Virtualisation {
  readonly vm: VmKind;
  readonly container: ContainerKind;
  /** What the verdict rests on, e.g. `/sys/class/dmi/id/sys_vendor is "QEMU"`. */
  readonly evidence: readonly string[];
}

/** DMI vendor prefixes of hypervisors (the strings systemd-detect-virt matches too). */
const DMI_VENDORS: readonly (readonly [string, VmKind])[] = [
  ['KVM', 'kvm'],
  ['OpenStack', 'kvm'],
  ['KubeVirt', 'kvm'],
  ['Amazon EC2', 'amazon'],
  ['QEMU', 'qemu'],
  ['VMware', 'vmware'],
  ['VMW', 'vmware'],
  ['innotek GmbH', 'oracle'],
  ['VirtualBox', 'oracle'],
  ['Oracle Corporation', 'oracle'],
  ['Xen', 'xen'],
  ['Bochs', 'bochs'],
  ['Parallels', 'parallels'],
  ['BHYVE', 'bhyve'],
  ['Hyper-V', 'microsoft'],
  ['Apple Virtualization', 'apple'],
  ['Google Compute Engine', 'google'],
];

const DMI_FIELDS = ['product_name', 'sys_vendor', 'board_vendor', 'bios_vendor', 'product_version'] as const;

/** Paravirtual clock sources, offered only to guests of the named hypervisor. */
const CLOCKSOURCES: readonly (readonly [RegExp, VmKind])[] = [
  [/^kvm-clock$/, 'kvm'],
  [/^hyperv_clocksource/, 'microsoft'],
  [/^xen$/, 'xen'],
];

const CONTAINER_NAMES: Readonly<Record<string, ContainerKind>> = {
  docker: 'docker',
  podman: 'podman',
  lxc: 'lxc',
  'lxc-libvirt': 'lxc-libvirt',
  'systemd-nspawn': 'systemd-nspawn',
  wsl: 'wsl',
  openvz: 'openvz',
};

export async function detectVirtualisation(files: HostFiles, cpu: CpuInfo | undefined): Promise<Virtualisation> {
  const evidence: string[] = [];
  const vm = await detectVm(files, cpu, evidence);
  const container = await detectContainer(files, evidence);
  return { vm, container, evidence };
}

async function detectVm(files: HostFiles, cpu: CpuInfo | undefined, evidence: string[]): Promise<VmKind> {
  let dmi: VmKind | undefined;
  for (const field of DMI_FIELDS) {
    const path = `/sys/class/dmi/id/${field}`;
    const value = await files.attribute(path);
    if (value === undefined) continue;
    const found = DMI_VENDORS.find(([prefix]) => value.startsWith(prefix));
    if (found !== undefined) {
      dmi = found[1];
      evidence.push(`${path} is "${value}"`);
      break;
    }
    // Hyper-V's firmware says Microsoft, as do Surface laptops; only the product name tells them apart.
    if (field === 'sys_vendor' && value === 'Microsoft Corporation' && (await files.attribute('/sys/class/dmi/id/product_name')) === 'Virtual Machine') {
      dmi = 'microsoft';
      evidence.push(`${path} is "${value}" and product_name is "Virtual Machine"`);
      break;
    }
  }
  if (dmi === 'oracle' || dmi === 'xen' || dmi === 'amazon') return dmi;

  const xenType = await files.attribute('/sys/hypervisor/type');
  if (xenType === 'xen') {
    evidence.push('/sys/hypervisor/type is "xen"');
    return 'xen';
  }
  const clocksources = (await files.attribute('/sys/devices/system/clocksource/clocksource0/available_clocksource'))?.split(/\s+/) ?? [];
  for (const [pattern, kind] of CLOCKSOURCES) {
    const clock = clocksources.find((c) => pattern.test(c));
    if (clock !== undefined) {
      evidence.push(`the kernel offers the ${clock} clock source`);
      return kind;
    }
  }
  if (dmi !== undefined) return dmi;
  if (cpu?.hypervisor) {
    evidence.push('the CPU has the hypervisor flag, but no hypervisor names itself');
    return 'vm-other';
  }
  return 'none';
}

async function detectContainer(files: HostFiles, evidence: string[]): Promise<ContainerKind> {
  if ((await files.exists('/proc/vz')) && !(await files.exists('/proc/bc'))) {
    evidence.push('/proc/vz exists without /proc/bc');
    return 'openvz';
  }
  const osRelease = await files.attribute('/proc/sys/kernel/osrelease');
  if (osRelease !== undefined && /Microsoft|WSL/.test(osRelease)) {
    evidence.push(`the kernel release is "${osRelease}"`);
    return 'wsl';
  }
  for (const path of ['/run/host/container-manager', '/run/systemd/container']) {
    const name = await files.attribute(path);
    if (name !== undefined) {
      evidence.push(`${path} says "${name}"`);
      return CONTAINER_NAMES[name] ?? 'container-other';
    }
  }
  if (await files.exists('/run/.containerenv')) {
    evidence.push('/run/.containerenv exists');
    return 'podman';
  }
  if (await files.exists('/.dockerenv')) {
    evidence.push('/.dockerenv exists');
    return 'docker';
  }
  return 'none';
}
