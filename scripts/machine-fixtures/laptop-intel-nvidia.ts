/**
 * A Dell XPS 15 9520 (2022): Core i7-12700H (Alder Lake-P, hybrid: 6 P-cores with two threads, 8 E-cores),
 * Iris Xe plus a GeForce RTX 3050 Ti Mobile (nouveau bound), Intel Wi-Fi 6E AX211 (CNVi), a Samsung PM9A1
 * NVMe disk in AHCI/NVMe mode (no VMD), Thunderbolt 4, a Realtek card reader, UEFI with Secure Boot on.
 * The NVMe disk holds the ESP and a LUKS2 container opened as `cryptroot` with btrfs subvolumes @ (/) and
 * @home; zram swap; an sshfs mount in the user's home; the Cairn live USB stick still plugged in.
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
  model: 154,
  modelName: '12th Gen Intel(R) Core(TM) i7-12700H',
  stepping: 3,
  microcode: '0x432',
  mhz: '2300.000',
  cacheKb: 24576,
  sockets: 1,
  coresPerSocket: 10,
  threadsPerCore: 2,
  cpuCores: 14,
  cpuidLevel: 32,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdt_a rdseed adx smap clflushopt clwb intel_pt sha_ni xsaveopt xsavec xgetbv1 xsaves split_lock_detect user_shstk avx_vnni dtherm ida arat pln pts hwp hwp_notify hwp_act_window hwp_epp hwp_pkg_req hfi vnmi umip pku ospke waitpkg gfni vaes vpclmulqdq rdpid movdiri movdir64b fsrm md_clear serialize arch_lbr ibt flush_l1d arch_capabilities',
  bugs: 'spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb rfds bhi',
  bogomips: '5376.00',
  addressSizes: '39 bits physical, 48 bits virtual',
};

const MEMORY_KB = 32536908;
const LUKS_UUID = '3f6b2c1e-8d4a-4b5f-9c2e-7a1d0b9c8e7f';
const ROOT_UUID = '9e1c5b7a-2d4f-4a8e-b6c3-1f0a9d8e7c6b';
const NVME_ID = 'nvme-PM9A1_NVMe_Samsung_1024GB_S64ANS0T512345';
const STICK_ID = 'usb-SanDisk_Ultra_4C530001230518113153-0:0';

export function buildLaptopIntelNvidia(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'tsc hpet acpi_pm' });
  dmi(tree, {
    sys_vendor: 'Dell Inc.',
    product_name: 'XPS 15 9520',
    product_family: 'XPS',
    product_sku: '0A1C',
    bios_vendor: 'Dell Inc.',
    bios_version: '1.14.0',
    bios_date: '05/17/2023',
    board_vendor: 'Dell Inc.',
    board_name: '0RH1JY',
    board_version: 'A00',
    chassis_vendor: 'Dell Inc.',
    chassis_type: '10',
  });
  efi(tree, { bitness: 64, secureBoot: true });

  const host = '/sys/devices/pci0000:00';
  const dell = { subsystemVendor: '0x1028', subsystemDevice: '0x0b19' };
  tree.pci({ parent: host, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x8086', device: '0x4641', ...dell, revision: '0x02', driver: 'igen6_edac', module: 'igen6_edac' });
  const peg = tree.pci({ parent: host, address: '0000:00:01.0', classCode: '0x060400', vendor: '0x8086', device: '0x460d', ...dell, revision: '0x02', driver: 'pcieport' });
  tree.pci({ parent: host, address: '0000:00:02.0', classCode: '0x030000', vendor: '0x8086', device: '0x46a6', ...dell, revision: '0x0c', driver: 'i915', module: 'i915' });
  tree.pci({ parent: host, address: '0000:00:04.0', classCode: '0x118000', vendor: '0x8086', device: '0x461d', ...dell, revision: '0x02', driver: 'proc_thermal_pci', module: 'processor_thermal_device_pci' });
  const nvmePort = tree.pci({ parent: host, address: '0000:00:06.0', classCode: '0x060400', vendor: '0x8086', device: '0x464d', ...dell, revision: '0x02', driver: 'pcieport' });
  tree.pci({ parent: host, address: '0000:00:07.0', classCode: '0x060400', vendor: '0x8086', device: '0x466e', ...dell, revision: '0x02', driver: 'pcieport' });
  tree.pci({ parent: host, address: '0000:00:0d.0', classCode: '0x0c0330', vendor: '0x8086', device: '0x461e', ...dell, revision: '0x02', driver: 'xhci_hcd', module: 'xhci_pci' });
  tree.pci({ parent: host, address: '0000:00:0d.2', classCode: '0x0c0340', vendor: '0x8086', device: '0x463e', ...dell, revision: '0x02', driver: 'thunderbolt', module: 'thunderbolt' });
  tree.pci({ parent: host, address: '0000:00:12.0', classCode: '0x070000', vendor: '0x8086', device: '0x51fc', ...dell, revision: '0x01', driver: 'intel_ish_ipc', module: 'intel_ish_ipc' });
  const xhci = tree.pci({ parent: host, address: '0000:00:14.0', classCode: '0x0c0330', vendor: '0x8086', device: '0x51ed', ...dell, revision: '0x01', driver: 'xhci_hcd', module: 'xhci_pci' });
  tree.pci({ parent: host, address: '0000:00:14.2', classCode: '0x050000', vendor: '0x8086', device: '0x51ef', ...dell, revision: '0x01' });
  const wifi = tree.pci({ parent: host, address: '0000:00:14.3', classCode: '0x028000', vendor: '0x8086', device: '0x51f0', subsystemVendor: '0x8086', subsystemDevice: '0x4090', revision: '0x01', driver: 'iwlwifi', module: 'iwlwifi' });
  tree.pci({ parent: host, address: '0000:00:15.0', classCode: '0x0c8000', vendor: '0x8086', device: '0x51e8', ...dell, revision: '0x01', driver: 'intel-lpss', module: 'intel_lpss_pci' });
  tree.pci({ parent: host, address: '0000:00:16.0', classCode: '0x078000', vendor: '0x8086', device: '0x51e0', ...dell, revision: '0x01', driver: 'mei_me', module: 'mei_me' });
  const readerPort = tree.pci({ parent: host, address: '0000:00:1c.0', classCode: '0x060400', vendor: '0x8086', device: '0x51bf', ...dell, revision: '0x01', driver: 'pcieport' });
  tree.pci({ parent: host, address: '0000:00:1f.0', classCode: '0x060100', vendor: '0x8086', device: '0x5182', ...dell, revision: '0x01' });
  tree.pci({ parent: host, address: '0000:00:1f.3', classCode: '0x040100', vendor: '0x8086', device: '0x51c8', ...dell, revision: '0x01', driver: 'sof-audio-pci-intel-tgl', module: 'snd_sof_pci_intel_tgl' });
  tree.pci({ parent: host, address: '0000:00:1f.4', classCode: '0x0c0500', vendor: '0x8086', device: '0x51a3', ...dell, revision: '0x01', driver: 'i801_smbus', module: 'i2c_i801' });
  tree.pci({ parent: host, address: '0000:00:1f.5', classCode: '0x0c8000', vendor: '0x8086', device: '0x51a4', ...dell, revision: '0x01', driver: 'intel-spi', module: 'spi_intel_pci' });
  tree.pci({ parent: peg, address: '0000:01:00.0', classCode: '0x030200', vendor: '0x10de', device: '0x25a0', subsystemVendor: '0x1028', subsystemDevice: '0x0b19', revision: '0xa1', driver: 'nouveau', module: 'nouveau' });
  const nvme = tree.pci({ parent: nvmePort, address: '0000:02:00.0', classCode: '0x010802', vendor: '0x144d', device: '0xa80a', subsystemVendor: '0x144d', subsystemDevice: '0xa801', driver: 'nvme', module: 'nvme' });
  const reader = tree.pci({ parent: readerPort, address: '0000:03:00.0', classCode: '0xff0000', vendor: '0x10ec', device: '0x5260', ...dell, revision: '0x01', driver: 'rtsx_pci', module: 'rtsx_pci' });
  netInterfaces(tree, { wlp0s20f3: wifi });

  // The card reader's SD host is a platform device below the PCI function.
  const sdmmc = `${reader}/rtsx_pci_sdmmc.0`;
  tree.driver(sdmmc, 'platform', 'rtsx_pci_sdmmc', 'rtsx_pci_sdmmc');
  tree.link(`${sdmmc}/mmc_host/mmc0/device`, sdmmc);
  tree.link('/sys/class/mmc_host/mmc0', `${sdmmc}/mmc_host/mmc0`);

  usbRootHub(tree, xhci, 1, 480);
  usbRootHub(tree, xhci, 2, 10000);
  usbDevice(tree, {
    hub: `${xhci}/usb1`,
    id: '1-6',
    vendor: '0c45',
    product: '6730',
    manufacturer: 'CN0Y3PX8LOG0027MB1PHA00',
    productName: 'Integrated_Webcam_HD',
    speed: 480,
    interfaces: [
      { number: 0, interfaceClass: '0e', subClass: '01', protocol: '00', driver: 'uvcvideo', module: 'uvcvideo' },
      { number: 1, interfaceClass: '0e', subClass: '02', protocol: '00', driver: 'uvcvideo', module: 'uvcvideo' },
    ],
  });
  usbDevice(tree, {
    hub: `${xhci}/usb1`,
    id: '1-10',
    vendor: '8087',
    product: '0033',
    speed: 12,
    interfaces: [
      { number: 0, interfaceClass: 'e0', subClass: '01', protocol: '01', driver: 'btusb', module: 'btusb' },
      { number: 1, interfaceClass: 'e0', subClass: '01', protocol: '01', driver: 'btusb', module: 'btusb' },
    ],
  });
  const stick = usbDevice(tree, {
    hub: `${xhci}/usb2`,
    id: '2-1',
    vendor: '0781',
    product: '5581',
    manufacturer: ' USB',
    productName: ' SanDisk 3.2Gen1',
    serial: '4C530001230518113153',
    speed: 5000,
    interfaces: [{ number: 0, interfaceClass: '08', subClass: '06', protocol: '50', driver: 'usb-storage', module: 'usb_storage' }],
  });

  // NVMe: ESP + LUKS2 (cryptroot) with btrfs.
  const nvme0n1 = nvmeDisk(tree, { controller: nvme, index: 0, majorMinor: '259:0', sectors: 2000409264, model: 'PM9A1 NVMe Samsung 1024GB', serial: 'S64ANS0T512345', firmware: '47304107' });
  partition(tree, nvme0n1, { name: 'nvme0n1p1', number: 1, start: 2048, sectors: 2097152, majorMinor: '259:1' });
  partition(tree, nvme0n1, { name: 'nvme0n1p2', number: 2, start: 2099200, sectors: 1998309376, majorMinor: '259:2' });
  tree.virtualBlock('dm-0', '254:0', 1998276608, ['nvme0n1p2'], {
    'dm/name': 'cryptroot',
    'dm/uuid': `CRYPT-LUKS2-${LUKS_UUID.replaceAll('-', '')}-cryptroot`,
  });
  tree.link('/dev/mapper/cryptroot', '/dev/dm-0');
  content(tree, {
    device: 'nvme0n1',
    majorMinor: '259:0',
    model: 'PM9A1 NVMe Samsung 1024GB',
    ids: [NVME_ID, 'nvme-eui.002538b511a12345'],
    byPath: 'pci-0000:02:00.0-nvme-1',
    table: { type: 'gpt', uuid: 'c3b1d9e7-5f2a-4e8b-9d6c-0a1f3e5b7c92' },
    identity: { ID_SERIAL_SHORT: 'S64ANS0T512345', ID_SERIAL: 'PM9A1 NVMe Samsung 1024GB_S64ANS0T512345', ID_WWN: 'eui.002538b511a12345' },
  });
  content(tree, {
    device: 'nvme0n1p1',
    majorMinor: '259:1',
    fs: { type: 'vfat', uuid: 'A1B2-C3D4', label: 'SYSTEM', version: 'FAT32' },
    entry: { scheme: 'gpt', type: GPT_TYPES.esp, uuid: '1f3e5a7c-9b2d-4c6e-8a0f-2d4b6e8f0a13', name: 'EFI system partition', number: 1, disk: '259:0' },
    ids: [`${NVME_ID}-part1`, 'nvme-eui.002538b511a12345-part1'],
    byPath: 'pci-0000:02:00.0-nvme-1-part1',
  });
  content(tree, {
    device: 'nvme0n1p2',
    majorMinor: '259:2',
    fs: { type: 'crypto_LUKS', uuid: LUKS_UUID, version: '2', usage: 'crypto' },
    entry: { scheme: 'gpt', type: GPT_TYPES.linux, uuid: '6a8c0e2f-4b6d-4f8a-ac1e-3f5b7d9e1b24', name: 'cryptroot', number: 2, disk: '259:0' },
    ids: [`${NVME_ID}-part2`, 'nvme-eui.002538b511a12345-part2'],
    byPath: 'pci-0000:02:00.0-nvme-1-part2',
  });
  content(tree, {
    device: 'dm-0',
    majorMinor: '254:0',
    fs: { type: 'btrfs', uuid: ROOT_UUID, label: 'cairn' },
    ids: ['dm-name-cryptroot', `dm-uuid-CRYPT-LUKS2-${LUKS_UUID.replaceAll('-', '')}-cryptroot`],
    identity: { DM_NAME: 'cryptroot', DM_UUID: `CRYPT-LUKS2-${LUKS_UUID.replaceAll('-', '')}-cryptroot` },
  });

  // The Cairn live stick the system was installed from: a hybrid ISO (iso9660 plus an ESP).
  const sda = usbDisk(tree, { usbInterface: `${stick}/2-1:1.0`, host: 0, name: 'sda', majorMinor: '8:0', sectors: 60063744, vendor: 'SanDisk', model: ' SanDisk 3.2Gen1' });
  partition(tree, sda, { name: 'sda1', number: 1, start: 64, sectors: 1843200, majorMinor: '8:1' });
  partition(tree, sda, { name: 'sda2', number: 2, start: 1843264, sectors: 16384, majorMinor: '8:2' });
  content(tree, {
    device: 'sda',
    majorMinor: '8:0',
    ids: [STICK_ID],
    byPath: 'pci-0000:00:14.0-usb-0:1:1.0-scsi-0:0:0:0',
    table: { type: 'dos', uuid: '5f3a2c1b' },
    fs: { type: 'iso9660', uuid: '2025-06-02-10-00-00-00', label: 'CAIRN_1_0', version: 'Joliet Extension' },
    identity: { ID_BUS: 'usb', ID_MODEL: '_SanDisk_3.2Gen1', ID_SERIAL_SHORT: '4C530001230518113153', ID_VENDOR: 'SanDisk', ID_USB_DRIVER: 'usb-storage' },
  });
  content(tree, {
    device: 'sda1',
    majorMinor: '8:1',
    fs: { type: 'iso9660', uuid: '2025-06-02-10-00-00-00', label: 'CAIRN_1_0', version: 'Joliet Extension' },
    entry: { scheme: 'dos', type: '0x0', uuid: '5f3a2c1b-01', number: 1, disk: '8:0' },
    ids: [`${STICK_ID}-part1`],
  });
  content(tree, {
    device: 'sda2',
    majorMinor: '8:2',
    fs: { type: 'vfat', uuid: '6F2E-1A3B', label: 'CAIRN_ESP', version: 'FAT12' },
    entry: { scheme: 'dos', type: '0xef', uuid: '5f3a2c1b-02', number: 2, disk: '8:0' },
    ids: [`${STICK_ID}-part2`],
  });

  tree.virtualBlock('zram0', '252:0', 16777216, []);

  const btrfsOptions = 'rw,compress=zstd:3,ssd,discard=async,space_cache=v2';
  mountinfo(tree, [
    { majorMinor: '0:33', root: '/@', mountPoint: '/', options: 'rw,relatime', fsType: 'btrfs', source: '/dev/mapper/cryptroot', superOptions: `${btrfsOptions},subvolid=256,subvol=/@` },
    ...systemdMounts({ efivars: true, memoryKb: MEMORY_KB }),
    { majorMinor: '0:33', root: '/@home', mountPoint: '/home', options: 'rw,relatime', fsType: 'btrfs', source: '/dev/mapper/cryptroot', superOptions: `${btrfsOptions},subvolid=257,subvol=/@home` },
    {
      majorMinor: '259:1',
      mountPoint: '/boot',
      options: 'rw,relatime',
      fsType: 'vfat',
      source: '/dev/nvme0n1p1',
      superOptions: 'rw,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
    },
    runUserMount(MEMORY_KB),
    { majorMinor: '0:52', mountPoint: '/run/user/1000/doc', options: 'rw,nosuid,nodev,relatime', fsType: 'fuse.portal', source: 'portal', superOptions: 'rw,user_id=1000,group_id=100' },
    { majorMinor: '0:55', mountPoint: '/home/alice/nas', options: 'rw,nosuid,nodev,relatime', fsType: 'fuse.sshfs', source: 'alice@nas:/srv/share', superOptions: 'rw,user_id=1000,group_id=100' },
  ]);
  swaps(tree, [{ path: '/dev/zram0', type: 'partition', kb: 8388604, priority: 100 }]);
  mdstat(tree, '', '');

  tree.systemInformation('system', siSystem({ manufacturer: 'Dell Inc.', model: 'XPS 15 9520', version: '', serial: '7XJ2KQ3', uuid: '4c4c4544-0058-4a10-8032-b7c04f4b5133', sku: '0A1C', virtual: false }));
  tree.systemInformation('bios', siBios({ vendor: 'Dell Inc.', version: '1.14.0', releaseDate: '2023-05-17', revision: '1.14', features: ['PCI', 'PNP', 'BOOT', 'UEFI'] }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: 'Dell Inc.', model: '0RH1JY', version: 'A00', serial: '/7XJ2KQ3/CNWSC0023P00XA/', assetTag: '', memMax: 68719476736, memSlots: 2 }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'Dell Inc.', model: '', type: 'Notebook', version: '', serial: '7XJ2KQ3', assetTag: '', sku: '' }));
  tree.systemInformation(
    'cpu',
    siCpu(CPU, { manufacturer: 'Intel', brand: 'Core™ i7-12700H', speed: 2.3, speedMin: 0.4, speedMax: 4.7, governor: 'powersave', socket: 'LGA1744', cache: { l1d: 557056, l1i: 720896, l2: 11796480, l3: 25165824 }, performanceCores: 6, efficiencyCores: 8 }),
  );
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.3, 8589930496));
  tree.systemInformation(
    'memLayout',
    ['DIMM A', 'DIMM B'].map((bank, i) =>
      siMemModule({ size: 17179869184, bank, type: 'DDR5', ecc: false, clockSpeed: 4800, formFactor: 'SODIMM', manufacturer: 'SK Hynix', partNum: 'HMCG78AGBSA092N', serialNum: `8A1C2D3${i}`, voltage: 1.1 }),
    ),
  );
  tree.systemInformation('graphics', {
    controllers: [
      siGraphicsController({ vendor: 'Intel Corporation', subVendor: 'Dell', vendorId: '8086', model: 'Alder Lake-P GT2 [Iris Xe Graphics]', deviceId: '46a6', bus: 'Onboard', busAddress: '00:02.0', vram: 256, vramDynamic: true }),
      siGraphicsController({ vendor: 'NVIDIA Corporation', subVendor: 'Dell', vendorId: '10de', model: 'GA107M [GeForce RTX 3050 Ti Mobile]', deviceId: '25a0', bus: 'PCIe', busAddress: '01:00.0', vram: 4096, vramDynamic: false }),
    ],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'wlp0s20f3', mac: 'a4:6b:b6:3c:9e:12', ip4: '192.168.1.34', ip6: 'fe80::a66b:b6ff:fe3c:9e12', type: 'wireless', speed: null, operstate: 'up', dhcp: true, default: true }),
  ]);
  return 'hand-made from public documentation of a Dell XPS 15 9520 (NVMe, LUKS2 + btrfs, Intel and NVIDIA GPUs, Wi-Fi); see fixtures/machines/README.md';
}
