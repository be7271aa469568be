/**
 * An office PC from 2009 that boots only with BIOS: Dell OptiPlex 780, Core 2 Duo E8400 (VT-x), Q45/ICH10
 * with the SATA controller in its legacy IDE mode (ata_piix), UHCI and EHCI USB with a Dell USB keyboard,
 * Intel GMA 4500, Intel 82567LM-3 gigabit Ethernet, a WD Blue 250 GB hard disk with an MBR: ext4 root on the
 * first primary partition, swap in a logical partition inside an extended one; a DVD writer.
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
  vendorId: 'GenuineIntel',
  family: 6,
  model: 23,
  modelName: 'Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz',
  stepping: 10,
  microcode: '0xa0b',
  mhz: '2000.000',
  cacheKb: 6144,
  sockets: 1,
  coresPerSocket: 2,
  threadsPerCore: 1,
  cpuidLevel: 13,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx lm constant_tsc arch_perfmon pebs bts rep_good nopl cpuid aperfmperf pni dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cx16 xtpr pdcm sse4_1 xsave lahf_lm pti tpr_shadow flexpriority vpid dtherm',
  bugs: 'cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit mmio_unknown bhi',
  bogomips: '5985.04',
  addressSizes: '36 bits physical, 48 bits virtual',
};

const MEMORY_KB = 3978196;
const DISK_ID = 'ata-WDC_WD2500AAKX-75U6AA0_WD-WCAYU1234567';

export function buildLegacyBios(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'tsc hpet acpi_pm' });
  dmi(tree, {
    sys_vendor: 'Dell Inc.',
    product_name: 'OptiPlex 780',
    bios_vendor: 'Dell Inc.',
    bios_version: 'A15',
    bios_date: '08/24/2012',
    board_vendor: 'Dell Inc.',
    board_name: '0200DY',
    board_version: 'A01',
    chassis_vendor: 'Dell Inc.',
    chassis_type: '3',
  });

  const host = '/sys/devices/pci0000:00';
  const dell = { subsystemVendor: '0x1028', subsystemDevice: '0x0420' };
  tree.pci({ parent: host, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x8086', device: '0x2e10', ...dell, revision: '0x03' });
  tree.pci({ parent: host, address: '0000:00:02.0', classCode: '0x030000', vendor: '0x8086', device: '0x2e12', ...dell, revision: '0x03', driver: 'i915', module: 'i915' });
  tree.pci({ parent: host, address: '0000:00:02.1', classCode: '0x038000', vendor: '0x8086', device: '0x2e13', ...dell, revision: '0x03' });
  tree.pci({ parent: host, address: '0000:00:03.0', classCode: '0x078000', vendor: '0x8086', device: '0x2e14', ...dell, revision: '0x03', driver: 'mei_me', module: 'mei_me' });
  const nic = tree.pci({ parent: host, address: '0000:00:19.0', classCode: '0x020000', vendor: '0x8086', device: '0x10de', ...dell, revision: '0x02', driver: 'e1000e', module: 'e1000e' });
  const uhci: string[] = [];
  for (const [address, device] of [
    ['0000:00:1a.0', '0x3a37'],
    ['0000:00:1a.1', '0x3a38'],
    ['0000:00:1a.2', '0x3a39'],
    ['0000:00:1d.0', '0x3a34'],
    ['0000:00:1d.1', '0x3a35'],
    ['0000:00:1d.2', '0x3a36'],
  ] as const) {
    uhci.push(tree.pci({ parent: host, address, classCode: '0x0c0300', vendor: '0x8086', device, ...dell, revision: '0x02', driver: 'uhci_hcd', module: 'uhci_hcd' }));
  }
  const ehci1 = tree.pci({ parent: host, address: '0000:00:1a.7', classCode: '0x0c0320', vendor: '0x8086', device: '0x3a3c', ...dell, revision: '0x02', driver: 'ehci-pci', module: 'ehci_pci' });
  const ehci2 = tree.pci({ parent: host, address: '0000:00:1d.7', classCode: '0x0c0320', vendor: '0x8086', device: '0x3a3a', ...dell, revision: '0x02', driver: 'ehci-pci', module: 'ehci_pci' });
  tree.pci({ parent: host, address: '0000:00:1b.0', classCode: '0x040300', vendor: '0x8086', device: '0x3a3e', ...dell, revision: '0x02', driver: 'snd_hda_intel', module: 'snd_hda_intel' });
  tree.pci({ parent: host, address: '0000:00:1e.0', classCode: '0x060401', vendor: '0x8086', device: '0x244e', subsystemVendor: '0x0000', revision: '0xa2' });
  tree.pci({ parent: host, address: '0000:00:1f.0', classCode: '0x060100', vendor: '0x8086', device: '0x3a14', ...dell, revision: '0x02', driver: 'lpc_ich', module: 'lpc_ich' });
  const ide1 = tree.pci({ parent: host, address: '0000:00:1f.2', classCode: '0x01018f', vendor: '0x8086', device: '0x3a20', ...dell, revision: '0x02', driver: 'ata_piix', module: 'ata_piix' });
  tree.pci({ parent: host, address: '0000:00:1f.3', classCode: '0x0c0500', vendor: '0x8086', device: '0x3a30', ...dell, revision: '0x02', driver: 'i801_smbus', module: 'i2c_i801' });
  const ide2 = tree.pci({ parent: host, address: '0000:00:1f.5', classCode: '0x010185', vendor: '0x8086', device: '0x3a26', ...dell, revision: '0x02', driver: 'ata_piix', module: 'ata_piix' });
  netInterfaces(tree, { eno1: nic });

  for (const [i, controller] of uhci.entries()) usbRootHub(tree, controller, i + 3, 12);
  usbRootHub(tree, ehci1, 1, 480);
  usbRootHub(tree, ehci2, 2, 480);
  usbDevice(tree, {
    hub: `${uhci[3]}/usb6`,
    id: '6-1',
    vendor: '413c',
    product: '2107',
    manufacturer: 'Dell',
    productName: 'Dell USB Entry Keyboard',
    speed: 1.5,
    interfaces: [{ number: 0, interfaceClass: '03', subClass: '01', protocol: '01', driver: 'usbhid', module: 'usbhid' }],
  });

  const sda = ataDisk(tree, { controller: ide1, port: 1, host: 0, name: 'sda', majorMinor: '8:0', sectors: 488397168, model: 'WDC WD2500AAKX-75U6AA0', serial: 'WD-WCAYU1234567', revision: '19.01H19', rotational: true });
  partition(tree, sda, { name: 'sda1', number: 1, start: 2048, sectors: 480006144, majorMinor: '8:1' });
  partition(tree, sda, { name: 'sda2', number: 2, start: 480010238, sectors: 2, majorMinor: '8:2' });
  partition(tree, sda, { name: 'sda5', number: 5, start: 480010240, sectors: 8384512, majorMinor: '8:5' });
  ataDisk(tree, { controller: ide2, port: 3, host: 2, name: 'sr0', majorMinor: '11:0', sectors: 0, model: 'TSSTcorp DVD+-RW TS-H653G', serial: 'R8966GBB312345', revision: 'DW10', rotational: true, optical: true });

  const identity = { ID_ATA: '1', ID_BUS: 'ata', ID_SERIAL: 'WDC_WD2500AAKX-75U6AA0_WD-WCAYU1234567', ID_SERIAL_SHORT: 'WD-WCAYU1234567', ID_ATA_ROTATION_RATE_RPM: '7200' };
  content(tree, { device: 'sda', majorMinor: '8:0', model: 'WDC WD2500AAKX-75U6AA0', ids: [DISK_ID], byPath: 'pci-0000:00:1f.2-ata-1', table: { type: 'dos', uuid: '0009a3f1' }, identity });
  content(tree, {
    device: 'sda1',
    majorMinor: '8:1',
    fs: { type: 'ext4', uuid: 'e8c6a4b2-0f1d-4e3c-9b7a-5d3f1e9c7a4b', version: '1.0' },
    entry: { scheme: 'dos', type: '0x83', uuid: '0009a3f1-01', number: 1, disk: '8:0' },
    ids: [`${DISK_ID}-part1`],
    byPath: 'pci-0000:00:1f.2-ata-1-part1',
  });
  content(tree, {
    device: 'sda2',
    majorMinor: '8:2',
    entry: { scheme: 'dos', type: '0x5', uuid: '0009a3f1-02', number: 2, disk: '8:0' },
    ids: [`${DISK_ID}-part2`],
    byPath: 'pci-0000:00:1f.2-ata-1-part2',
  });
  content(tree, {
    device: 'sda5',
    majorMinor: '8:5',
    fs: { type: 'swap', uuid: '1a3c5e7f-9b2d-4f6a-8c0e-2b4d6f8a0c3e', version: '1', usage: 'other' },
    entry: { scheme: 'dos', type: '0x82', uuid: '0009a3f1-05', number: 5, disk: '8:0' },
    ids: [`${DISK_ID}-part5`],
    byPath: 'pci-0000:00:1f.2-ata-1-part5',
  });
  content(tree, {
    device: 'sr0',
    majorMinor: '11:0',
    ids: ['ata-TSSTcorp_DVD+-RW_TS-H653G_R8966GBB312345'],
    byPath: 'pci-0000:00:1f.5-ata-3',
    identity: { ID_CDROM: '1', ID_BUS: 'ata', ID_MODEL: 'TSSTcorp_DVD+-RW_TS-H653G', ID_SERIAL_SHORT: 'R8966GBB312345' },
  });

  mountinfo(tree, [
    { majorMinor: '8:1', mountPoint: '/', options: 'rw,relatime', fsType: 'ext4', source: '/dev/sda1', superOptions: 'rw,errors=remount-ro' },
    ...systemdMounts({ efivars: false, memoryKb: MEMORY_KB }),
    runUserMount(MEMORY_KB),
  ]);
  swaps(tree, [{ path: '/dev/sda5', type: 'partition', kb: 4192252, used: 10240, priority: -2 }]);
  mdstat(tree, '', '');

  tree.systemInformation('system', siSystem({ manufacturer: 'Dell Inc.', model: 'OptiPlex 780', version: '', serial: '4MQ2K4J', uuid: '4c4c4544-004d-5110-8032-b4c04f4b344a', sku: '', virtual: false }));
  tree.systemInformation('bios', siBios({ vendor: 'Dell Inc.', version: 'A15', releaseDate: '2012-08-24', revision: '', features: ['PCI', 'PNP', 'APM', 'BOOT', 'EDD'] }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: 'Dell Inc.', model: '0200DY', version: 'A01', serial: '..CN7016602F0123.', assetTag: '', memMax: 17179869184, memSlots: 4 }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'Dell Inc.', model: '', type: 'Desktop', version: '', serial: '4MQ2K4J', assetTag: '', sku: '' }));
  tree.systemInformation('cpu', siCpu(CPU, { manufacturer: 'Intel', brand: 'Core™2 Duo E8400', speed: 3, speedMin: 2, speedMax: 3, governor: 'ondemand', socket: 'LGA775', cache: { l1d: 65536, l1i: 65536, l2: 6291456, l3: 0 } }));
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.3, 4292866048));
  tree.systemInformation(
    'memLayout',
    ['DIMM_1', 'DIMM_3'].map((bank, i) =>
      siMemModule({ size: 2147483648, bank, type: 'DDR3', ecc: false, clockSpeed: 1067, formFactor: 'DIMM', manufacturer: 'Hynix', partNum: 'HMT125U6BFR8C-G7', serialNum: `1234567${i}`, voltage: null }),
    ),
  );
  tree.systemInformation('graphics', {
    controllers: [siGraphicsController({ vendor: 'Intel Corporation', subVendor: 'Dell', vendorId: '8086', model: '4 Series Chipset Integrated Graphics Controller', deviceId: '2e12', bus: 'Onboard', busAddress: '00:02.0', vram: 256, vramDynamic: true })],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'eno1', mac: '00:26:b9:4a:1c:8e', ip4: '192.168.1.42', ip6: 'fe80::226:b9ff:fe4a:1c8e', type: 'wired', speed: 1000, operstate: 'up', dhcp: true, default: true }),
  ]);
  return 'hand-made from public documentation of a 2009 Dell OptiPlex 780 (BIOS only, SATA in IDE mode, MBR); see fixtures/machines/README.md';
}
