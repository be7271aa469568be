/**
 * Building blocks of the hand-made machine recordings (make-machine-fixtures.ts): procfs texts (cpuinfo, mounts,
 * swaps, mdstat), the kernel's identity, DMI, EFI variables and network interfaces.
 */
import type { MachineTree } from './machine-tree.js';

export interface CpuSpec {
  readonly vendorId: string;
  readonly family: number;
  readonly model: number;
  readonly modelName: string;
  readonly stepping: number;
  readonly microcode?: string;
  readonly mhz: string;
  readonly cacheKb: number;
  readonly sockets: number;
  readonly coresPerSocket: number;
  readonly threadsPerCore: number;
  /** The `cpu cores` field when it differs from coresPerSocket (hybrid CPUs: P-cores with two threads, E-cores with one). */
  readonly cpuCores?: number;
  readonly cpuidLevel: number;
  readonly flags: string;
  readonly bugs: string;
  readonly bogomips: string;
  readonly addressSizes: string;
  readonly powerManagement?: string;
}

/** /proc/cpuinfo: one block per logical CPU, keys padded with tabs as the kernel prints them. */
function cpuinfo(spec: CpuSpec): string {
  const field = (key: string, value: string | number) => `${key}${key.length < 8 ? '\t\t' : '\t'}: ${value}`;
  const blocks: string[] = [];
  const siblings = spec.coresPerSocket * spec.threadsPerCore;
  let processor = 0;
  for (let thread = 0; thread < spec.threadsPerCore; thread++) {
    for (let socket = 0; socket < spec.sockets; socket++) {
      for (let core = 0; core < spec.coresPerSocket; core++) {
        const apic = socket * 64 + core * 2 + thread;
        blocks.push(
          [
            field('processor', processor++),
            field('vendor_id', spec.vendorId),
            field('cpu family', spec.family),
            field('model', spec.model),
            field('model name', spec.modelName),
            field('stepping', spec.stepping),
            ...(spec.microcode === undefined ? [] : [field('microcode', spec.microcode)]),
            field('cpu MHz', spec.mhz),
            field('cache size', `${spec.cacheKb} KB`),
            field('physical id', socket),
            field('siblings', siblings),
            field('core id', core),
            field('cpu cores', spec.cpuCores ?? spec.coresPerSocket),
            field('apicid', apic),
            field('initial apicid', apic),
            field('fpu', 'yes'),
            field('fpu_exception', 'yes'),
            field('cpuid level', spec.cpuidLevel),
            field('wp', 'yes'),
            field('flags', spec.flags),
            field('bugs', spec.bugs),
            field('bogomips', spec.bogomips),
            field('clflush size', 64),
            field('cache_alignment', 64),
            field('address sizes', spec.addressSizes),
            `power management:${spec.powerManagement === undefined ? '' : ` ${spec.powerManagement}`}`,
          ].join('\n'),
        );
      }
    }
  }
  return `${blocks.join('\n\n')}\n\n`;
}

export interface KernelSpec {
  readonly release: string;
  readonly clocksources: string;
}

export function kernel(tree: MachineTree, cpu: CpuSpec, spec: KernelSpec): void {
  tree.file('/proc/cpuinfo', cpuinfo(cpu));
  tree.attribute('/proc/sys/kernel/arch', 'x86_64');
  tree.attribute('/proc/sys/kernel/osrelease', spec.release);
  tree.attribute('/sys/devices/system/clocksource/clocksource0/available_clocksource', `${spec.clocksources} `);
  tree.attribute('/sys/devices/system/clocksource/clocksource0/current_clocksource', spec.clocksources.split(' ')[0]!);
}

/** SMBIOS strings in /sys/class/dmi/id (a link to /sys/devices/virtual/dmi/id). */
export function dmi(tree: MachineTree, fields: Readonly<Record<string, string>>): void {
  tree.link('/sys/class/dmi/id', '/sys/devices/virtual/dmi/id');
  for (const [name, value] of Object.entries(fields)) tree.attribute(`/sys/devices/virtual/dmi/id/${name}`, value);
}

const EFI_GLOBAL = '8be4df61-93ca-11d2-aa0d-00e098032b8c';

/** UEFI: fw_platform_size and efivarfs variables (4 bytes of attributes, then the value). */
export function efi(tree: MachineTree, spec: { readonly bitness: 32 | 64; readonly secureBoot: boolean }): void {
  tree.attribute('/sys/firmware/efi/fw_platform_size', spec.bitness);
  tree.attribute('/sys/firmware/efi/systab', 'ACPI20=0x7ffbe014\nACPI=0x7ffbe000\nSMBIOS3=0x7fc0f000');
  const attributes = [0x06, 0x00, 0x00, 0x00];
  tree.file(`/sys/firmware/efi/efivars/SecureBoot-${EFI_GLOBAL}`, new Uint8Array([...attributes, spec.secureBoot ? 1 : 0]));
  tree.file(`/sys/firmware/efi/efivars/SetupMode-${EFI_GLOBAL}`, new Uint8Array([...attributes, 0]));
}

/** A line of /proc/self/mountinfo. */
export interface MountSpec {
  readonly majorMinor: string;
  readonly root?: string;
  readonly mountPoint: string;
  readonly options: string;
  readonly fsType: string;
  readonly source: string;
  readonly superOptions: string;
  /** Mount point of the parent mount (default: the closest earlier one above it). */
  readonly parent?: string;
}

export function mountinfo(tree: MachineTree, mounts: readonly MountSpec[]): void {
  const ids = new Map<string, number>();
  const lines = mounts.map((m, i) => {
    const id = 22 + i;
    const parentPath =
      m.parent ??
      [...ids.keys()]
        .filter((p) => p !== m.mountPoint && (p === '/' || m.mountPoint.startsWith(`${p}/`)))
        .sort((a, b) => b.length - a.length)[0];
    const parent = parentPath === undefined ? 1 : ids.get(parentPath)!;
    ids.set(m.mountPoint, id);
    const escape = (s: string) => s.replace(/ /g, '\\040');
    return `${id} ${parent} ${m.majorMinor} ${escape(m.root ?? '/')} ${escape(m.mountPoint)} ${m.options} shared:${i + 1} - ${m.fsType} ${escape(m.source)} ${m.superOptions}`;
  });
  tree.file('/proc/self/mountinfo', `${lines.join('\n')}\n`);
}

/** The virtual filesystems systemd mounts on every system, after the root. */
export function systemdMounts(options: { readonly efivars: boolean; readonly memoryKb: number; readonly devMinor?: number }): MountSpec[] {
  const runKb = Math.floor(options.memoryKb / 10);
  return [
    { majorMinor: '0:21', mountPoint: '/proc', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'proc', source: 'proc', superOptions: 'rw' },
    { majorMinor: '0:22', mountPoint: '/sys', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'sysfs', source: 'sysfs', superOptions: 'rw' },
    {
      majorMinor: `0:${options.devMinor ?? 5}`,
      mountPoint: '/dev',
      options: 'rw,nosuid',
      fsType: 'devtmpfs',
      source: 'devtmpfs',
      superOptions: `rw,size=${Math.floor(options.memoryKb / 2)}k,nr_inodes=${Math.floor(options.memoryKb / 8)},mode=755`,
    },
    { majorMinor: '0:6', mountPoint: '/sys/kernel/security', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'securityfs', source: 'securityfs', superOptions: 'rw' },
    { majorMinor: '0:23', mountPoint: '/dev/shm', options: 'rw,nosuid,nodev', fsType: 'tmpfs', source: 'tmpfs', superOptions: 'rw' },
    { majorMinor: '0:24', mountPoint: '/dev/pts', options: 'rw,nosuid,noexec,relatime', fsType: 'devpts', source: 'devpts', superOptions: 'rw,gid=3,mode=620,ptmxmode=666' },
    { majorMinor: '0:25', mountPoint: '/run', options: 'rw,nosuid,nodev', fsType: 'tmpfs', source: 'tmpfs', superOptions: `rw,size=${runKb}k,mode=755` },
    { majorMinor: '0:26', mountPoint: '/sys/fs/cgroup', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'cgroup2', source: 'cgroup2', superOptions: 'rw,nsdelegate,memory_recursiveprot' },
    { majorMinor: '0:27', mountPoint: '/sys/fs/pstore', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'pstore', source: 'pstore', superOptions: 'rw' },
    ...(options.efivars
      ? [{ majorMinor: '0:28', mountPoint: '/sys/firmware/efi/efivars', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'efivarfs', source: 'efivarfs', superOptions: 'rw' }]
      : []),
    { majorMinor: '0:29', mountPoint: '/sys/fs/bpf', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'bpf', source: 'bpf', superOptions: 'rw,mode=700' },
    { majorMinor: '0:20', mountPoint: '/dev/mqueue', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'mqueue', source: 'mqueue', superOptions: 'rw' },
    { majorMinor: '0:30', mountPoint: '/dev/hugepages', options: 'rw,relatime', fsType: 'hugetlbfs', source: 'hugetlbfs', superOptions: 'rw,pagesize=2M' },
    { majorMinor: '0:7', mountPoint: '/sys/kernel/debug', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'debugfs', source: 'debugfs', superOptions: 'rw' },
    { majorMinor: '0:31', mountPoint: '/sys/kernel/config', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'configfs', source: 'configfs', superOptions: 'rw' },
    { majorMinor: '0:32', mountPoint: '/sys/fs/fuse/connections', options: 'rw,nosuid,nodev,noexec,relatime', fsType: 'fusectl', source: 'fusectl', superOptions: 'rw' },
  ];
}

export function runUserMount(memoryKb: number): MountSpec {
  return {
    majorMinor: '0:45',
    mountPoint: '/run/user/1000',
    options: 'rw,nosuid,nodev,relatime',
    fsType: 'tmpfs',
    source: 'tmpfs',
    superOptions: `rw,size=${Math.floor(memoryKb / 10)}k,nr_inodes=${Math.floor(memoryKb / 40)},mode=700,uid=1000,gid=100`,
  };
}

/** /proc/swaps: sizes in KiB. */
export function swaps(tree: MachineTree, entries: readonly { readonly path: string; readonly type: string; readonly kb: number; readonly used?: number; readonly priority: number }[]): void {
  const lines = entries.map((e) => `${e.path.padEnd(40)}${e.type.padEnd(16)}${String(e.kb).padEnd(16)}${String(e.used ?? 0).padEnd(16)}${e.priority}`);
  tree.file('/proc/swaps', `${['Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority', ...lines].join('\n')}\n`);
}

export function mdstat(tree: MachineTree, body: string, personalities: string): void {
  tree.file('/proc/mdstat', `Personalities : ${personalities}\n${body}unused devices: <none>\n`);
}

/** Network interfaces: /sys/class/net links to each interface under its device (lo is virtual). */
export function netInterfaces(tree: MachineTree, interfaces: Readonly<Record<string, string>>): void {
  tree.link('/sys/class/net/lo', '/sys/devices/virtual/net/lo');
  tree.attribute('/sys/devices/virtual/net/lo/address', '00:00:00:00:00:00');
  for (const [name, deviceDirectory] of Object.entries(interfaces)) {
    tree.link(`/sys/class/net/${name}`, `${deviceDirectory}/net/${name}`);
  }
}
