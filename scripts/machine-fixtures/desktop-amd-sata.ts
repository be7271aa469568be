/**
 * A self-built AMD desktop: Ryzen 7 5800X on a Gigabyte B550 AORUS ELITE V2 (AMI UEFI, Secure Boot off),
 * Radeon RX 6700 XT (amdgpu), Realtek RTL8125 2.5GbE, a Samsung 870 EVO SATA SSD (ESP, ext4 root, swap) and
 * a WD Blue 2 TB SATA hard disk (one ext4 data partition), a USB keyboard and mouse. /tmp is a tmpfs.
 * The board's firmware leaves several DMI strings at "Default string".
 */
import type { MachineTree } from './machine-tree.js';
import { GPT_TYPES, ataDisk, content, partition, usbDevice, usbRootHub } from './disk-parts.js';
import {
  dmi,
  efi,
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
  microcode: '0xa201205',
  mhz: '3800.000',
  cacheKb: 512,
  sockets: 1,
  coresPerSocket: 8,
  threadsPerCore: 2,
  cpuidLevel: 16,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt tce topoext perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 cdp_l3 hw_pstate ssbd mba ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves cqm_llc cqm_occup_llc cqm_mbm_total cqm_mbm_local user_shstk clzero irperf xsaveerptr rdpru wbnoinvd arat npt lbrv svm_lock nrip_save tsc_scale vmcb_clean flushbyasid decodeassists pausefilter pfthreshold avic v_vmsave_vmload vgif v_spec_ctrl umip pku ospke vaes vpclmulqdq rdpid overflow_recov succor smca fsrm debug_swap',
  bugs: 'sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso',
  bogomips: '7600.37',
  addressSizes: '48 bits physical, 48 bits virtual',
  powerManagement: 'ts ttp tm hwpstate cpb eff_freq_ro [13] [14]',
};

const MEMORY_KB = 32790420;
const SSD_ID = 'ata-Samsung_SSD_870_EVO_500GB_S62ANJ0R123456A';
const HDD_ID = 'ata-WDC_WD20EZBX-00AYRA0_WD-WX12D1234567';

export function buildDesktopAmdSata(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'tsc hpet acpi_pm' });
  dmi(tree, {
    sys_vendor: 'Gigabyte Technology Co., Ltd.',
    product_name: 'B550 AORUS ELITE V2',
    product_version: 'Default string',
    product_family: 'B550 MB',
    bios_vendor: 'American Megatrends International, LLC.',
    bios_version: 'F16d',
    bios_date: '03/22/2023',
    board_vendor: 'Gigabyte Technology Co., Ltd.',
    board_name: 'B550 AORUS ELITE V2',
    board_version: 'x.x',
    chassis_vendor: 'Default string',
    chassis_type: '3',
  });
  efi(tree, { bitness: 64, secureBoot: false });

  const host = '/sys/devices/pci0000:00';
  const amd = { subsystemVendor: '0x1022' };
  tree.pci({ parent: host, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x1022', device: '0x1480', ...amd, subsystemDevice: '0x1480' });
  tree.pci({ parent: host, address: '0000:00:00.2', classCode: '0x080600', vendor: '0x1022', device: '0x1481', ...amd, subsystemDevice: '0x1481' });
  const chipsetPort = tree.pci({ parent: host, address: '0000:00:01.2', classCode: '0x060400', vendor: '0x1022', device: '0x1483', ...amd, driver: 'pcieport' });
  const gpuPort = tree.pci({ parent: host, address: '0000:00:03.1', classCode: '0x060400', vendor: '0x1022', device: '0x1483', ...amd, driver: 'pcieport' });
  const internalPort = tree.pci({ parent: host, address: '0000:00:08.1', classCode: '0x060400', vendor: '0x1022', device: '0x1484', ...amd, driver: 'pcieport' });
  tree.pci({ parent: host, address: '0000:00:14.0', classCode: '0x0c0500', vendor: '0x1022', device: '0x790b', subsystemVendor: '0x1458', subsystemDevice: '0x5001', revision: '0x61', driver: 'piix4_smbus', module: 'i2c_piix4' });
  tree.pci({ parent: host, address: '0000:00:14.3', classCode: '0x060100', vendor: '0x1022', device: '0x790e', subsystemVendor: '0x1458', subsystemDevice: '0x5001', revision: '0x51' });
  const chipsetXhci = tree.pci({ parent: chipsetPort, address: '0000:02:00.0', classCode: '0x0c0330', vendor: '0x1022', device: '0x43ee', subsystemVendor: '0x1b21', subsystemDevice: '0x1142', driver: 'xhci_hcd', module: 'xhci_pci' });
  const ahci = tree.pci({ parent: chipsetPort, address: '0000:02:00.1', classCode: '0x010601', vendor: '0x1022', device: '0x43eb', subsystemVendor: '0x1b21', subsystemDevice: '0x1062', driver: 'ahci', module: 'ahci' });
  const chipsetBridge = tree.pci({ parent: chipsetPort, address: '0000:02:00.2', classCode: '0x060400', vendor: '0x1022', device: '0x43e9', subsystemVendor: '0x1b21', subsystemDevice: '0x0201', driver: 'pcieport' });
  const lanPort = tree.pci({ parent: chipsetBridge, address: '0000:03:09.0', classCode: '0x060400', vendor: '0x1022', device: '0x43ea', subsystemVendor: '0x1b21', subsystemDevice: '0x3308', driver: 'pcieport' });
  const lan = tree.pci({ parent: lanPort, address: '0000:05:00.0', classCode: '0x020000', vendor: '0x10ec', device: '0x8125', subsystemVendor: '0x1458', subsystemDevice: '0xe000', revision: '0x05', driver: 'r8169', module: 'r8169' });
  tree.pci({ parent: gpuPort, address: '0000:07:00.0', classCode: '0x030000', vendor: '0x1002', device: '0x73df', subsystemVendor: '0x1da2', subsystemDevice: '0xe445', revision: '0xc5', driver: 'amdgpu', module: 'amdgpu' });
  tree.pci({ parent: gpuPort, address: '0000:07:00.1', classCode: '0x040300', vendor: '0x1002', device: '0xab28', subsystemVendor: '0x1002', subsystemDevice: '0xab28', driver: 'snd_hda_intel', module: 'snd_hda_intel' });
  tree.pci({ parent: internalPort, address: '0000:0a:00.0', classCode: '0x130000', vendor: '0x1022', device: '0x148a', ...amd, subsystemDevice: '0x148a' });
  tree.pci({ parent: internalPort, address: '0000:0a:00.1', classCode: '0x108000', vendor: '0x1022', device: '0x1486', ...amd, subsystemDevice: '0x1486', driver: 'ccp', module: 'ccp' });
  const cpuXhci = tree.pci({ parent: internalPort, address: '0000:0a:00.3', classCode: '0x0c0330', vendor: '0x1022', device: '0x149c', subsystemVendor: '0x1458', subsystemDevice: '0x5007', driver: 'xhci_hcd', module: 'xhci_pci' });
  tree.pci({ parent: internalPort, address: '0000:0a:00.4', classCode: '0x040300', vendor: '0x1022', device: '0x1487', subsystemVendor: '0x1458', subsystemDevice: '0xa0c3', driver: 'snd_hda_intel', module: 'snd_hda_intel' });
  netInterfaces(tree, { enp5s0: lan });

  usbRootHub(tree, chipsetXhci, 1, 480);
  usbRootHub(tree, chipsetXhci, 2, 10000);
  usbRootHub(tree, cpuXhci, 3, 480);
  usbRootHub(tree, cpuXhci, 4, 10000);
  usbDevice(tree, {
    hub: `${cpuXhci}/usb3`,
    id: '3-2',
    vendor: '046d',
    product: 'c31c',
    manufacturer: 'Logitech',
    productName: 'USB Keyboard',
    speed: 1.5,
    interfaces: [
      { number: 0, interfaceClass: '03', subClass: '01', protocol: '01', driver: 'usbhid', module: 'usbhid' },
      { number: 1, interfaceClass: '03', subClass: '00', protocol: '00', driver: 'usbhid', module: 'usbhid' },
    ],
  });
  usbDevice(tree, {
    hub: `${cpuXhci}/usb3`,
    id: '3-3',
    vendor: '046d',
    product: 'c077',
    manufacturer: 'Logitech',
    productName: 'USB Optical Mouse',
    speed: 1.5,
    interfaces: [{ number: 0, interfaceClass: '03', subClass: '01', protocol: '02', driver: 'usbhid', module: 'usbhid' }],
  });

  const sda = ataDisk(tree, { controller: ahci, port: 1, host: 0, name: 'sda', majorMinor: '8:0', sectors: 976773168, model: 'Samsung SSD 870 EVO 500GB', serial: 'S62ANJ0R123456A', revision: 'SVT02B6Q', rotational: false });
  partition(tree, sda, { name: 'sda1', number: 1, start: 2048, sectors: 1048576, majorMinor: '8:1' });
  partition(tree, sda, { name: 'sda2', number: 2, start: 1050624, sectors: 942145536, majorMinor: '8:2' });
  partition(tree, sda, { name: 'sda3', number: 3, start: 943196160, sectors: 33554432, majorMinor: '8:3' });
  const sdb = ataDisk(tree, { controller: ahci, port: 2, host: 1, name: 'sdb', majorMinor: '8:16', sectors: 3907029168, model: 'WDC WD20EZBX-00AYRA0', serial: 'WD-WX12D1234567', revision: '01.01A01', rotational: true });
  partition(tree, sdb, { name: 'sdb1', number: 1, start: 2048, sectors: 3907026944, majorMinor: '8:17' });

  const ssdIdentity = { ID_ATA: '1', ID_BUS: 'ata', ID_SERIAL: 'Samsung_SSD_870_EVO_500GB_S62ANJ0R123456A', ID_SERIAL_SHORT: 'S62ANJ0R123456A', ID_WWN: '0x5002538f4312abcd', ID_ATA_ROTATION_RATE_RPM: '0' };
  content(tree, { device: 'sda', majorMinor: '8:0', model: 'Samsung SSD 870 EVO 500GB', ids: [SSD_ID, 'wwn-0x5002538f4312abcd'], byPath: 'pci-0000:02:00.1-ata-1', table: { type: 'gpt', uuid: 'e4c2a0b8-6f4d-4b2a-9e8c-7a5f3d1b9c06' }, identity: ssdIdentity });
  content(tree, {
    device: 'sda1',
    majorMinor: '8:1',
    fs: { type: 'vfat', uuid: '5C2E-9B14', version: 'FAT32' },
    entry: { scheme: 'gpt', type: GPT_TYPES.esp, uuid: '2b4d6f8a-0c2e-4a6b-8d0f-1e3a5c7b9d24', name: 'EFI', number: 1, disk: '8:0' },
    ids: [`${SSD_ID}-part1`, 'wwn-0x5002538f4312abcd-part1'],
  });
  content(tree, {
    device: 'sda2',
    majorMinor: '8:2',
    fs: { type: 'ext4', uuid: 'b7e3c9a1-5d2f-4e8b-a6c4-0f9d8e7a6b51', label: 'root', version: '1.0' },
    entry: { scheme: 'gpt', type: GPT_TYPES.linux, uuid: '8d0f2b4a-6c8e-4a0b-9d2f-3e5a7c9b1d46', name: 'root', number: 2, disk: '8:0' },
    ids: [`${SSD_ID}-part2`, 'wwn-0x5002538f4312abcd-part2'],
  });
  content(tree, {
    device: 'sda3',
    majorMinor: '8:3',
    fs: { type: 'swap', uuid: 'c1a9e7f5-3b2d-4c6e-8f0a-9d7b5e3c1a82', version: '1', usage: 'other' },
    entry: { scheme: 'gpt', type: GPT_TYPES.swap, uuid: '4f6b8d0a-2c4e-4b6a-8e0c-5f7a9b1d3e68', name: 'swap', number: 3, disk: '8:0' },
    ids: [`${SSD_ID}-part3`, 'wwn-0x5002538f4312abcd-part3'],
  });
  const hddIdentity = { ID_ATA: '1', ID_BUS: 'ata', ID_SERIAL: 'WDC_WD20EZBX-00AYRA0_WD-WX12D1234567', ID_SERIAL_SHORT: 'WD-WX12D1234567', ID_WWN: '0x50014ee2bd123456', ID_ATA_ROTATION_RATE_RPM: '7200' };
  content(tree, { device: 'sdb', majorMinor: '8:16', model: 'WDC WD20EZBX-00AYRA0', ids: [HDD_ID, 'wwn-0x50014ee2bd123456'], byPath: 'pci-0000:02:00.1-ata-2', table: { type: 'gpt', uuid: 'a0c8e6d4-2b0f-4e8d-9c6a-4b2f0e8d6c17' }, identity: hddIdentity });
  content(tree, {
    device: 'sdb1',
    majorMinor: '8:17',
    fs: { type: 'ext4', uuid: 'f3d1b9e7-7c5a-4d3b-b1f9-2e0c8a6d4b93', label: 'data', version: '1.0' },
    entry: { scheme: 'gpt', type: GPT_TYPES.linux, uuid: '6b8d0f2a-4c6e-4a8b-8c0e-7f9a1b3d5e80', name: 'data', number: 1, disk: '8:16' },
    ids: [`${HDD_ID}-part1`, 'wwn-0x50014ee2bd123456-part1'],
  });

  mountinfo(tree, [
    { majorMinor: '8:2', mountPoint: '/', options: 'rw,noatime', fsType: 'ext4', source: '/dev/sda2', superOptions: 'rw' },
    ...systemdMounts({ efivars: true, memoryKb: MEMORY_KB }),
    { majorMinor: '0:40', mountPoint: '/tmp', options: 'rw,nosuid,nodev', fsType: 'tmpfs', source: 'tmpfs', superOptions: `rw,size=${MEMORY_KB / 2}k,nr_inodes=1048576` },
    {
      majorMinor: '8:1',
      mountPoint: '/boot',
      options: 'rw,relatime',
      fsType: 'vfat',
      source: '/dev/sda1',
      superOptions: 'rw,fmask=0022,dmask=0022,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
    },
    { majorMinor: '8:17', mountPoint: '/data', options: 'rw,relatime', fsType: 'ext4', source: '/dev/sdb1', superOptions: 'rw' },
    runUserMount(MEMORY_KB),
  ]);
  swaps(tree, [{ path: '/dev/sda3', type: 'partition', kb: 16777212, priority: -2 }]);
  mdstat(tree, '', '');

  tree.systemInformation('system', siSystem({ manufacturer: 'Gigabyte Technology Co., Ltd.', model: 'B550 AORUS ELITE V2', version: 'Default string', serial: 'Default string', uuid: '03d502e0-045e-05f2-8a06-ba0700080009', sku: 'Default string', virtual: false }));
  tree.systemInformation('bios', siBios({ vendor: 'American Megatrends International, LLC.', version: 'F16d', releaseDate: '2023-03-22', revision: '5.17', features: ['PCI', 'BOOT', 'UEFI'] }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: 'Gigabyte Technology Co., Ltd.', model: 'B550 AORUS ELITE V2', version: 'x.x', serial: 'Default string', assetTag: 'Default string', memMax: 137438953472, memSlots: 4 }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'Default string', model: '', type: 'Desktop', version: 'Default string', serial: 'Default string', assetTag: 'Default string', sku: 'Default string' }));
  tree.systemInformation('cpu', siCpu(CPU, { manufacturer: 'AMD', brand: 'Ryzen 7 5800X', speed: 3.8, speedMin: 2.2, speedMax: 4.85, governor: 'schedutil', socket: 'AM4', cache: { l1d: 262144, l1i: 262144, l2: 4194304, l3: 33554432 } }));
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.25, 17179865088));
  tree.systemInformation(
    'memLayout',
    ['DIMM 0', 'DIMM 1', 'DIMM 0', 'DIMM 1'].map((bank, i) =>
      i % 2 === 0
        ? siMemModule({ size: 0, bank, type: 'Empty', ecc: false, clockSpeed: 0, formFactor: '', manufacturer: '', partNum: '', serialNum: '', voltage: null })
        : siMemModule({ size: 17179869184, bank, type: 'DDR4', ecc: false, clockSpeed: 3200, formFactor: 'DIMM', manufacturer: 'Corsair', partNum: 'CMK32GX4M2E3200C16', serialNum: '00000000', voltage: 1.35 }),
    ),
  );
  tree.systemInformation('graphics', {
    controllers: [
      siGraphicsController({ vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', subVendor: 'Sapphire Technology Limited', vendorId: '1002', model: 'Navi 22 [Radeon RX 6700/6700 XT/6750 XT / 6800M/6850M XT]', deviceId: '73df', bus: 'PCIe', busAddress: '07:00.0', vram: 12288, vramDynamic: false }),
    ],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'enp5s0', mac: '18:c0:4d:9a:2b:7e', ip4: '192.168.1.20', ip6: 'fe80::1ac0:4dff:fe9a:2b7e', type: 'wired', speed: 2500, operstate: 'up', dhcp: true, default: true }),
  ]);
  return 'hand-made from public documentation of a Ryzen 5000 / B550 desktop with SATA SSD and HDD and an AMD GPU; see fixtures/machines/README.md';
}
