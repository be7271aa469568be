/**
 * A VirtualBox 7 guest with the default settings for a Linux VM: PIIX3 chipset, BIOS firmware, the disk on
 * the AHCI (ICH8M) controller and the DVD drive on the PIIX4 IDE controller, VMSVGA graphics, an e1000 NIC,
 * OHCI and EHCI USB with the VirtualBox USB tablet, the VirtualBox Guest Service device; an AMD Ryzen host
 * (VirtualBox passes no AMD-V to guests) and its KVM paravirtualisation interface (so kvm-clock exists, but
 * the DMI strings say VirtualBox). The disk is MBR: ext4 root and a swap partition.
 */
import type { MachineTree } from './machine-tree.js';
import { ataDisk, content, partition, usbDevice, usbRootHub } from './disk-parts.js';
import {
  dmi,
  kernel,
  mdstat,
  mountinfo,
  netInterfaces,
  runUserMount,
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
  vendorId: 'AuthenticAMD',
  family: 25,
  model: 33,
  modelName: 'AMD Ryzen 7 5800X 8-Core Processor',
  stepping: 0,
  mhz: '3799.998',
  cacheKb: 512,
  sockets: 1,
  coresPerSocket: 2,
  threadsPerCore: 1,
  cpuidLevel: 13,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch ssbd vmmcall fsgsbase bmi1 avx2 bmi2 invpcid rdseed adx clflushopt sha_ni arat',
  bugs: 'sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso',
  bogomips: '7599.99',
  addressSizes: '48 bits physical, 48 bits virtual',
};

const MEMORY_KB = 4026380;

export function buildVirtualboxAhci(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'kvm-clock tsc acpi_pm' });
  dmi(tree, {
    sys_vendor: 'innotek GmbH',
    product_name: 'VirtualBox',
    product_version: '1.2',
    product_family: 'Virtual Machine',
    bios_vendor: 'innotek GmbH',
    bios_version: 'VirtualBox',
    bios_date: '12/01/2006',
    board_vendor: 'Oracle Corporation',
    board_name: 'VirtualBox',
    board_version: '1.2',
    chassis_vendor: 'Oracle Corporation',
    chassis_type: '1',
  });

  const host = '/sys/devices/pci0000:00';
  tree.pci({ parent: host, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x8086', device: '0x1237', subsystemVendor: '0x0000', revision: '0x02' });
  tree.pci({ parent: host, address: '0000:00:01.0', classCode: '0x060100', vendor: '0x8086', device: '0x7000', subsystemVendor: '0x0000' });
  const ide = tree.pci({ parent: host, address: '0000:00:01.1', classCode: '0x01018a', vendor: '0x8086', device: '0x7111', subsystemVendor: '0x0000', revision: '0x01', driver: 'ata_piix', module: 'ata_piix' });
  tree.pci({ parent: host, address: '0000:00:02.0', classCode: '0x030000', vendor: '0x15ad', device: '0x0405', subsystemVendor: '0x15ad', subsystemDevice: '0x0405', driver: 'vmwgfx', module: 'vmwgfx' });
  const nic = tree.pci({ parent: host, address: '0000:00:03.0', classCode: '0x020000', vendor: '0x8086', device: '0x100e', subsystemVendor: '0x8086', subsystemDevice: '0x001e', revision: '0x02', driver: 'e1000', module: 'e1000' });
  tree.pci({ parent: host, address: '0000:00:04.0', classCode: '0x088000', vendor: '0x80ee', device: '0xcafe', subsystemVendor: '0x0000' });
  tree.pci({ parent: host, address: '0000:00:05.0', classCode: '0x040100', vendor: '0x8086', device: '0x2415', subsystemVendor: '0x8086', revision: '0x01', driver: 'snd_intel8x0', module: 'snd_intel8x0' });
  const ohci = tree.pci({ parent: host, address: '0000:00:06.0', classCode: '0x0c0310', vendor: '0x106b', device: '0x003f', subsystemVendor: '0x0000', driver: 'ohci-pci', module: 'ohci_pci' });
  tree.pci({ parent: host, address: '0000:00:07.0', classCode: '0x068000', vendor: '0x8086', device: '0x7113', subsystemVendor: '0x0000', revision: '0x08', driver: 'piix4_smbus', module: 'i2c_piix4' });
  const ehci = tree.pci({ parent: host, address: '0000:00:0b.0', classCode: '0x0c0320', vendor: '0x8086', device: '0x265c', subsystemVendor: '0x0000', driver: 'ehci-pci', module: 'ehci_pci' });
  const ahci = tree.pci({ parent: host, address: '0000:00:0d.0', classCode: '0x010601', vendor: '0x8086', device: '0x2829', subsystemVendor: '0x0000', revision: '0x02', driver: 'ahci', module: 'ahci' });
  netInterfaces(tree, { enp0s3: nic });

  usbRootHub(tree, ohci, 1, 12);
  usbRootHub(tree, ehci, 2, 480);
  usbDevice(tree, {
    hub: `${ohci}/usb1`,
    id: '1-1',
    vendor: '80ee',
    product: '0021',
    manufacturer: 'VirtualBox',
    productName: 'USB Tablet',
    speed: 12,
    interfaces: [{ number: 0, interfaceClass: '03', subClass: '00', protocol: '00', driver: 'usbhid', module: 'usbhid' }],
  });

  const sda = ataDisk(tree, {
    controller: ahci,
    port: 3,
    host: 2,
    name: 'sda',
    majorMinor: '8:0',
    sectors: 52428800,
    model: 'VBOX HARDDISK',
    serial: 'VB3f1c2b7a-5e4d9c21',
    revision: '1.0',
    rotational: true,
  });
  partition(tree, sda, { name: 'sda1', number: 1, start: 2048, sectors: 50329600, majorMinor: '8:1' });
  partition(tree, sda, { name: 'sda2', number: 2, start: 50331648, sectors: 2097152, majorMinor: '8:2' });
  const diskIds = ['ata-VBOX_HARDDISK_VB3f1c2b7a-5e4d9c21'];
  content(tree, {
    device: 'sda',
    majorMinor: '8:0',
    model: 'VBOX HARDDISK',
    ids: diskIds,
    byPath: 'pci-0000:00:0d.0-ata-1',
    table: { type: 'dos', uuid: '7c1e4b2a' },
    identity: { ID_ATA: '1', ID_BUS: 'ata', ID_SERIAL: 'VBOX_HARDDISK_VB3f1c2b7a-5e4d9c21', ID_SERIAL_SHORT: 'VB3f1c2b7a-5e4d9c21', ID_REVISION: '1.0' },
  });
  content(tree, {
    device: 'sda1',
    majorMinor: '8:1',
    fs: { type: 'ext4', uuid: 'd2b6a9f4-1e7c-4a3b-8f5d-6c0e9a1b2d3f', version: '1.0' },
    entry: { scheme: 'dos', type: '0x83', uuid: '7c1e4b2a-01', number: 1, disk: '8:0' },
    ids: [`${diskIds[0]}-part1`],
    byPath: 'pci-0000:00:0d.0-ata-1-part1',
  });
  content(tree, {
    device: 'sda2',
    majorMinor: '8:2',
    fs: { type: 'swap', uuid: '5e8c1a7d-3f2b-4d6e-9a0c-b4f7e1d2c3a9', version: '1', usage: 'other' },
    entry: { scheme: 'dos', type: '0x82', uuid: '7c1e4b2a-02', number: 2, disk: '8:0' },
    ids: [`${diskIds[0]}-part2`],
    byPath: 'pci-0000:00:0d.0-ata-1-part2',
  });
  ataDisk(tree, { controller: ide, port: 2, host: 1, name: 'sr0', majorMinor: '11:0', sectors: 0, model: 'VBOX CD-ROM', serial: 'VB2-01700376', revision: '1.0', rotational: true, optical: true });
  content(tree, {
    device: 'sr0',
    majorMinor: '11:0',
    ids: ['ata-VBOX_CD-ROM_VB2-01700376'],
    byPath: 'pci-0000:00:01.1-ata-2',
    identity: { ID_CDROM: '1', ID_BUS: 'ata', ID_MODEL: 'VBOX_CD-ROM', ID_SERIAL_SHORT: 'VB2-01700376' },
  });

  mountinfo(tree, [
    { majorMinor: '8:1', mountPoint: '/', options: 'rw,relatime', fsType: 'ext4', source: '/dev/sda1', superOptions: 'rw' },
    ...systemdMounts({ efivars: false, memoryKb: MEMORY_KB }),
    runUserMount(MEMORY_KB),
  ]);
  swaps(tree, [{ path: '/dev/sda2', type: 'partition', kb: 1048572, priority: -2 }]);
  mdstat(tree, '', '');

  tree.systemInformation('system', siSystem({ manufacturer: 'innotek GmbH', model: 'VirtualBox', version: '1.2', serial: '0', uuid: '9b6d2f1a-4c3e-4b8a-a1d7-5e0f2c9b8a14', sku: '', virtual: true, virtualHost: 'VirtualBox' }));
  tree.systemInformation('bios', siBios({ vendor: 'innotek GmbH', version: 'VirtualBox', releaseDate: '2006-12-01', revision: '' }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: 'Oracle Corporation', model: 'VirtualBox', version: '1.2', serial: '0', assetTag: '', memMax: null, memSlots: null }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'Oracle Corporation', model: '', type: 'Other', version: '', serial: '', assetTag: '', sku: '' }));
  tree.systemInformation('cpu', siCpu(CPU, { manufacturer: 'AMD', brand: 'Ryzen 7 5800X', speed: 3.8, speedMin: 3.8, speedMax: 3.8, governor: '', socket: '', cache: { l1d: 65536, l1i: 65536, l2: 1048576, l3: 33554432 } }));
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.15, 1073737728));
  tree.systemInformation('memLayout', [siMemModule({ size: 4294967296, bank: '', type: 'DRAM', ecc: false, clockSpeed: 0, formFactor: 'DIMM', manufacturer: '', partNum: '', serialNum: '', voltage: null })]);
  tree.systemInformation('graphics', {
    controllers: [siGraphicsController({ vendor: 'VMware', subVendor: 'VMware', vendorId: '15ad', model: 'SVGA II Adapter', deviceId: '0405', bus: 'PCI', busAddress: '00:02.0', vram: 16, vramDynamic: false })],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'enp0s3', mac: '08:00:27:4e:66:a1', ip4: '10.0.2.15', ip6: 'fe80::a00:27ff:fe4e:66a1', type: 'wired', speed: 1000, operstate: 'up', dhcp: true, default: true }),
  ]);
  return 'hand-made from public documentation of a VirtualBox 7 Linux guest (PIIX3, BIOS, AHCI disk); see fixtures/machines/README.md';
}
