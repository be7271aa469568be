/**
 * A 1U server: Supermicro SYS-120U-TNR (X12DPU-6), two Xeon Silver 4309Y (Ice Lake-SP), UEFI. Intel VMD is
 * enabled on one root complex, so two of the four Samsung PM9A3 NVMe drives sit behind the VMD controller in
 * PCI domain 10000 and need the `vmd` driver in the initrd. The system is on md RAID 1 over partitions of the
 * two VMD drives (ESP on the first, a spare ESP on the second); the two directly attached drives form a
 * second RAID 1 for /srv (xfs). The BMC offers a virtual keyboard and mouse and a virtual CD-ROM over USB;
 * the graphics is the BMC's ASPEED chip; two X550 10GbE ports. Supermicro leaves placeholder DMI strings.
 */
import type { MachineTree } from './machine-tree.js';
import { GPT_TYPES, content, nvmeDisk, partition, usbDevice, usbDisk, usbRootHub } from './disk-parts.js';
import {
  dmi,
  efi,
  kernel,
  mdstat,
  mountinfo,
  netInterfaces,
  swaps,
  systemdMounts,
  type CpuSpec,
} from './system-parts.js';
import {
  siBaseboard,
  siBios,
  siChassis,
  siCpu,
  siGraphicsController,
  siLoopback,
  siMem,
  siMemModule,
  siNetworkInterface,
  siSystem,
} from './systeminformation-parts.js';

const CPU: CpuSpec = {
  vendorId: 'GenuineIntel',
  family: 6,
  model: 106,
  modelName: 'Intel(R) Xeon(R) Silver 4309Y CPU @ 2.80GHz',
  stepping: 6,
  microcode: '0xd0003b9',
  mhz: '2800.000',
  cacheKb: 12288,
  sockets: 2,
  coresPerSocket: 8,
  threadsPerCore: 2,
  cpuidLevel: 27,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l3 invpcid_single intel_ppin ssbd mba ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb intel_pt avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local split_lock_detect wbnoinvd dtherm ida arat pln pts vnmi avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg tme avx512_vpopcntdq la57 rdpid sgx_lc fsrm md_clear pconfig flush_l1d arch_capabilities',
  bugs: 'spectre_v1 spectre_v2 spec_store_bypass swapgs mmio_stale_data eibrs_pbrsb gds bhi',
  bogomips: '5600.00',
  addressSizes: '46 bits physical, 57 bits virtual',
};

const MEMORY_KB = 263708276;
const ROOT_ARRAY = { uuid: '1d8a53b2:7a4c2ee9:8c8f1c84:2c0d1b5e', dashed: '1d8a53b2-7a4c-2ee9-8c8f-1c842c0d1b5e', name: 'server1:root' };
const SRV_ARRAY = { uuid: '6e2f9a41:0b7d3c58:a4e1f926:5c8b0d37', dashed: '6e2f9a41-0b7d-3c58-a4e1-f9265c8b0d37', name: 'server1:srv' };
const PM9A3 = 'SAMSUNG MZQL21T9HCJR-00A07';
const SECTORS = 3750748848;

export function buildServerVmdRaid(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'tsc hpet acpi_pm' });
  dmi(tree, {
    sys_vendor: 'Supermicro',
    product_name: 'SYS-120U-TNR',
    product_version: '0123456789',
    product_family: 'Family',
    product_sku: 'To be filled by O.E.M.',
    bios_vendor: 'American Megatrends International, LLC.',
    bios_version: '1.4',
    bios_date: '09/22/2022',
    board_vendor: 'Supermicro',
    board_name: 'X12DPU-6',
    board_version: '1.01A',
    chassis_vendor: 'Supermicro',
    chassis_type: '23',
    chassis_version: '0123456789',
  });
  efi(tree, { bitness: 64, secureBoot: false });

  const smc = { subsystemVendor: '0x15d9', subsystemDevice: '0x1c48' };
  const pch = '/sys/devices/pci0000:00';
  tree.pci({ parent: pch, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x8086', device: '0x09a2', ...smc, revision: '0x04' });
  const xhci = tree.pci({ parent: pch, address: '0000:00:14.0', classCode: '0x0c0330', vendor: '0x8086', device: '0xa1af', ...smc, revision: '0x09', driver: 'xhci_hcd', module: 'xhci_pci' });
  tree.pci({ parent: pch, address: '0000:00:16.0', classCode: '0x078000', vendor: '0x8086', device: '0xa1ba', ...smc, revision: '0x09', driver: 'mei_me', module: 'mei_me' });
  tree.pci({ parent: pch, address: '0000:00:17.0', classCode: '0x010601', vendor: '0x8086', device: '0xa182', ...smc, revision: '0x09', driver: 'ahci', module: 'ahci' });
  const bmcPort = tree.pci({ parent: pch, address: '0000:00:1c.0', classCode: '0x060400', vendor: '0x8086', device: '0xa190', ...smc, revision: '0xf9', driver: 'pcieport' });
  tree.pci({ parent: pch, address: '0000:00:1f.0', classCode: '0x060100', vendor: '0x8086', device: '0xa1cb', ...smc, revision: '0x09' });
  tree.pci({ parent: pch, address: '0000:00:1f.4', classCode: '0x0c0500', vendor: '0x8086', device: '0xa1a3', ...smc, revision: '0x09', driver: 'i801_smbus', module: 'i2c_i801' });
  const aspeedBridge = tree.pci({ parent: bmcPort, address: '0000:01:00.0', classCode: '0x060400', vendor: '0x1a03', device: '0x1150', subsystemVendor: '0x1a03', revision: '0x06' });
  tree.pci({ parent: aspeedBridge, address: '0000:02:00.0', classCode: '0x030000', vendor: '0x1a03', device: '0x2000', ...smc, revision: '0x52', driver: 'ast', module: 'ast' });

  const nicPort = tree.pci({ parent: '/sys/devices/pci0000:17', address: '0000:17:02.0', classCode: '0x060400', vendor: '0x8086', device: '0x347a', ...smc, driver: 'pcieport' });
  const eno1 = tree.pci({ parent: nicPort, address: '0000:18:00.0', classCode: '0x020000', vendor: '0x8086', device: '0x1563', ...smc, revision: '0x01', driver: 'ixgbe', module: 'ixgbe' });
  const eno2 = tree.pci({ parent: nicPort, address: '0000:18:00.1', classCode: '0x020000', vendor: '0x8086', device: '0x1563', ...smc, revision: '0x01', driver: 'ixgbe', module: 'ixgbe' });
  netInterfaces(tree, { eno1, eno2 });

  // Two NVMe drives on CPU lanes.
  const direct = ['0000:30:02.0', '0000:30:03.0'].map((address, i) => {
    const port = tree.pci({ parent: '/sys/devices/pci0000:30', address, classCode: '0x060400', vendor: '0x8086', device: '0x347a', ...smc, driver: 'pcieport' });
    return tree.pci({ parent: port, address: `0000:3${i + 1}:00.0`, classCode: '0x010802', vendor: '0x144d', device: '0xa824', subsystemVendor: '0x144d', subsystemDevice: '0xa801', driver: 'nvme', module: 'nvme' });
  });
  // Intel VMD: its NVMe drives appear in PCI domain 10000, below the VMD endpoint.
  const vmd = tree.pci({ parent: '/sys/devices/pci0000:64', address: '0000:64:00.5', classCode: '0x010400', vendor: '0x8086', device: '0x28c0', ...smc, revision: '0x04', driver: 'vmd', module: 'vmd' });
  const behindVmd = ['10000:00:02.0', '10000:00:03.0'].map((address, i) => {
    const port = tree.pci({ parent: `${vmd}/pci10000:00`, address, classCode: '0x060400', vendor: '0x8086', device: '0x347a', ...smc, driver: 'pcieport' });
    return tree.pci({ parent: port, address: `10000:0${i + 1}:00.0`, classCode: '0x010802', vendor: '0x144d', device: '0xa824', subsystemVendor: '0x144d', subsystemDevice: '0xa801', driver: 'nvme', module: 'nvme' });
  });

  const serials = ['S64FNA0T701234', 'S64FNA0T701235', 'S64FNA0T701236', 'S64FNA0T701237'];
  const controllers = [...direct, ...behindVmd];
  const majors = ['259:0', '259:1', '259:2', '259:5'];
  const disks = controllers.map((controller, i) => nvmeDisk(tree, { controller, index: i, majorMinor: majors[i]!, sectors: SECTORS, model: PM9A3, serial: serials[i]!, firmware: 'GDC5902Q' }));
  const diskId = (i: number) => `nvme-${PM9A3.replace(/ /g, '_')}_${serials[i]}`;
  const eui = (i: number) => `nvme-eui.36344630547012${34 + i}002538000000`;

  // nvme2 and nvme3 (behind VMD): ESP + RAID member each.
  for (const [i, first] of [
    [2, 3],
    [3, 6],
  ] as const) {
    partition(tree, disks[i]!, { name: `nvme${i}n1p1`, number: 1, start: 2048, sectors: 1048576, majorMinor: `259:${first}` });
    partition(tree, disks[i]!, { name: `nvme${i}n1p2`, number: 2, start: 1050624, sectors: 3749697536, majorMinor: `259:${first + 1}` });
  }
  tree.virtualBlock('md126', '9:126', 3750481920, ['nvme0n1', 'nvme1n1'], { 'md/level': 'raid1', 'md/metadata_version': '1.2', 'md/array_state': 'clean', 'md/raid_disks': '2' });
  tree.virtualBlock('md127', '9:127', 3749429248, ['nvme2n1p2', 'nvme3n1p2'], { 'md/level': 'raid1', 'md/metadata_version': '1.2', 'md/array_state': 'clean', 'md/raid_disks': '2' });
  tree.link('/dev/md/srv', '/dev/md126');
  tree.link('/dev/md/root', '/dev/md127');

  const identity = (i: number) => ({ ID_SERIAL_SHORT: serials[i]!, ID_SERIAL: `${PM9A3}_${serials[i]}` });
  for (const i of [0, 1]) {
    content(tree, {
      device: `nvme${i}n1`,
      majorMinor: majors[i]!,
      model: PM9A3,
      ids: [diskId(i), eui(i)],
      byPath: `pci-0000:3${i + 1}:00.0-nvme-1`,
      fs: { type: 'linux_raid_member', uuid: SRV_ARRAY.dashed, label: SRV_ARRAY.name, version: '1.2', usage: 'raid' },
      identity: { ...identity(i), ID_FS_UUID_SUB: `0c9e7a5${i}-3b1d-4f9e-8a7c-5e3b1d9f7a0${i}` },
    });
  }
  for (const [i, first] of [
    [2, 3],
    [3, 6],
  ] as const) {
    content(tree, { device: `nvme${i}n1`, majorMinor: majors[i]!, model: PM9A3, ids: [diskId(i), eui(i)], byPath: `pci-10000:0${i - 1}:00.0-nvme-1`, table: { type: 'gpt', uuid: `7e5c3a1${i}-9f7d-4b5e-8c3a-1f9d7b5e3c1${i}` }, identity: identity(i) });
    content(tree, {
      device: `nvme${i}n1p1`,
      majorMinor: `259:${first}`,
      fs: { type: 'vfat', uuid: i === 2 ? '3E4F-5A6B' : '3E4F-5A6C', label: i === 2 ? 'EFI' : 'EFI2', version: 'FAT32' },
      entry: { scheme: 'gpt', type: GPT_TYPES.esp, uuid: `a1b2c3d${i}-e5f6-4a7b-8c9d-0e1f2a3b4c5${i}`, name: 'EFI system partition', number: 1, disk: majors[i]! },
      ids: [`${diskId(i)}-part1`, `${eui(i)}-part1`],
    });
    content(tree, {
      device: `nvme${i}n1p2`,
      majorMinor: `259:${first + 1}`,
      fs: { type: 'linux_raid_member', uuid: ROOT_ARRAY.dashed, label: ROOT_ARRAY.name, version: '1.2', usage: 'raid' },
      entry: { scheme: 'gpt', type: GPT_TYPES.raid, uuid: `b2c3d4e${i}-f6a7-4b8c-9d0e-1f2a3b4c5d6${i}`, name: 'raid', number: 2, disk: majors[i]! },
      ids: [`${diskId(i)}-part2`, `${eui(i)}-part2`],
    });
  }
  const mdProps = (array: typeof ROOT_ARRAY, devname: string) => ({ MD_LEVEL: 'raid1', MD_DEVICES: '2', MD_METADATA: '1.2', MD_UUID: array.uuid, MD_DEVNAME: devname, MD_NAME: array.name });
  content(tree, {
    device: 'md127',
    majorMinor: '9:127',
    fs: { type: 'ext4', uuid: '2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5e7a', label: 'root', version: '1.0' },
    ids: [`md-uuid-${ROOT_ARRAY.uuid}`, `md-name-${ROOT_ARRAY.name}`],
    identity: mdProps(ROOT_ARRAY, 'root'),
  });
  content(tree, {
    device: 'md126',
    majorMinor: '9:126',
    fs: { type: 'xfs', uuid: '8f0b2d4e-6a8c-4e0f-b2d4-6f8a0c2e4b6d', label: 'srv' },
    ids: [`md-uuid-${SRV_ARRAY.uuid}`, `md-name-${SRV_ARRAY.name}`],
    identity: mdProps(SRV_ARRAY, 'srv'),
  });
  mdstat(
    tree,
    [
      'md126 : active raid1 nvme1n1[1] nvme0n1[0]',
      '      1875240960 blocks super 1.2 [2/2] [UU]',
      '      bitmap: 1/14 pages [4KB], 65536KB chunk',
      '',
      'md127 : active raid1 nvme3n1p2[1] nvme2n1p2[0]',
      '      1874714624 blocks super 1.2 [2/2] [UU]',
      '      bitmap: 2/14 pages [8KB], 65536KB chunk',
      '',
      '',
    ].join('\n'),
    '[raid1] ',
  );

  // The BMC: virtual keyboard and mouse, virtual CD-ROM.
  usbRootHub(tree, xhci, 1, 480);
  usbRootHub(tree, xhci, 2, 5000);
  usbDevice(tree, {
    hub: `${xhci}/usb1`,
    id: '1-3',
    vendor: '046b',
    product: 'ff10',
    manufacturer: 'American Megatrends Inc.',
    productName: 'Virtual Keyboard and Mouse',
    speed: 480,
    interfaces: [
      { number: 0, interfaceClass: '03', subClass: '01', protocol: '01', driver: 'usbhid', module: 'usbhid' },
      { number: 1, interfaceClass: '03', subClass: '01', protocol: '02', driver: 'usbhid', module: 'usbhid' },
    ],
  });
  const media = usbDevice(tree, {
    hub: `${xhci}/usb1`,
    id: '1-4',
    vendor: '046b',
    product: 'ff20',
    manufacturer: 'American Megatrends Inc.',
    productName: 'Virtual Cdrom Device',
    serial: 'AAAABBBBCCCC1',
    speed: 480,
    interfaces: [{ number: 0, interfaceClass: '08', subClass: '06', protocol: '50', driver: 'usb-storage', module: 'usb_storage' }],
  });
  usbDisk(tree, { usbInterface: `${media}/1-4:1.0`, host: 6, name: 'sr0', majorMinor: '11:0', sectors: 0, vendor: 'AMI', model: 'Virtual CDROM0', optical: true });
  content(tree, {
    device: 'sr0',
    majorMinor: '11:0',
    ids: ['usb-AMI_Virtual_CDROM0_AAAABBBBCCCC1-0:0'],
    identity: { ID_CDROM: '1', ID_BUS: 'usb', ID_MODEL: 'Virtual_CDROM0', ID_SERIAL_SHORT: 'AAAABBBBCCCC1' },
  });

  mountinfo(tree, [
    { majorMinor: '9:127', mountPoint: '/', options: 'rw,relatime', fsType: 'ext4', source: '/dev/md127', superOptions: 'rw' },
    ...systemdMounts({ efivars: true, memoryKb: MEMORY_KB }),
    {
      majorMinor: '259:3',
      mountPoint: '/boot',
      options: 'rw,relatime',
      fsType: 'vfat',
      source: '/dev/nvme2n1p1',
      superOptions: 'rw,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
    },
    { majorMinor: '9:126', mountPoint: '/srv', options: 'rw,relatime', fsType: 'xfs', source: '/dev/md126', superOptions: 'rw,attr2,inode64,logbufs=8,logbsize=32k,noquota' },
  ]);
  swaps(tree, []);

  tree.systemInformation('system', siSystem({ manufacturer: 'Supermicro', model: 'SYS-120U-TNR', version: '0123456789', serial: 'S123456X1A23456', uuid: '00000000-0000-0000-0000-3cecef123456', sku: 'To be filled by O.E.M.', virtual: false }));
  tree.systemInformation('bios', siBios({ vendor: 'American Megatrends International, LLC.', version: '1.4', releaseDate: '2022-09-22', revision: '5.22', features: ['PCI', 'PNP', 'BOOT', 'UEFI'] }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: 'Supermicro', model: 'X12DPU-6', version: '1.01A', serial: 'HM22AS012345', assetTag: 'To be filled by O.E.M.', memMax: 4398046511104, memSlots: 32 }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'Supermicro', model: '', type: 'Rack Mount Chassis', version: '0123456789', serial: 'C119UAK12A34567', assetTag: 'To be filled by O.E.M.', sku: 'To be filled by O.E.M.' }));
  tree.systemInformation('cpu', siCpu(CPU, { manufacturer: 'Intel', brand: 'Xeon® Silver 4309Y', speed: 2.8, speedMin: 0.8, speedMax: 3.6, governor: 'performance', socket: 'LGA4189', cache: { l1d: 786432, l1i: 524288, l2: 20971520, l3: 25165824 } }));
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.05, 0));
  tree.systemInformation(
    'memLayout',
    ['P1-DIMMA1', 'P1-DIMMC1', 'P1-DIMME1', 'P1-DIMMG1', 'P2-DIMMA1', 'P2-DIMMC1', 'P2-DIMME1', 'P2-DIMMG1'].map((bank, i) =>
      siMemModule({ size: 34359738368, bank, type: 'DDR4', ecc: true, clockSpeed: 3200, formFactor: 'DIMM', manufacturer: 'Samsung', partNum: 'M393A4K40EB3-CWE', serialNum: `H0${i}1A2B3C`, voltage: 1.2 }),
    ),
  );
  tree.systemInformation('graphics', {
    controllers: [siGraphicsController({ vendor: 'ASPEED Technology, Inc.', subVendor: 'Super Micro Computer Inc', vendorId: '1a03', model: 'ASPEED Graphics Family', deviceId: '2000', bus: 'PCI', busAddress: '02:00.0', vram: 64, vramDynamic: false })],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'eno1', mac: '3c:ec:ef:12:34:56', ip4: '10.20.0.11', ip6: 'fe80::3eec:efff:fe12:3456', type: 'wired', speed: 10000, operstate: 'up', dhcp: false, default: true }),
    siNetworkInterface({ iface: 'eno2', mac: '3c:ec:ef:12:34:57', ip4: '', ip6: '', type: 'wired', speed: null, operstate: 'down', dhcp: false }),
  ]);
  return 'hand-made from public documentation of a Supermicro X12 server with Intel VMD, four NVMe drives and md RAID 1; see fixtures/machines/README.md';
}
