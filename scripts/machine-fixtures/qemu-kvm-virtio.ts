/**
 * A QEMU/KVM guest as libvirt makes it: Q35 chipset, OVMF (UEFI, Secure Boot off), `-cpu host` on an Intel
 * host with nested virtualisation (so the guest sees vmx), virtio-gpu, virtio-net and two virtio-blk disks on
 * PCIe root ports, qemu-xhci with a USB tablet, the ICH9 AHCI controller with the empty DVD drive. The system
 * disk has a serial (`cairn-root`, so udev names it virtio-cairn-root); the data disk has none, hence no
 * by-id name, and is empty.
 */
import type { MachineTree } from './machine-tree.js';
import { GPT_TYPES, ataDisk, content, partition, usbDevice, usbRootHub, virtioDisk } from './disk-parts.js';
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
  model: 183,
  modelName: '13th Gen Intel(R) Core(TM) i7-13700',
  stepping: 1,
  microcode: '0x1',
  mhz: '2111.998',
  cacheKb: 16384,
  sockets: 1,
  coresPerSocket: 4,
  threadsPerCore: 1,
  cpuidLevel: 32,
  flags:
    'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq vmx ssse3 fma cx16 pdcm pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves avx_vnni arat vnmi umip pku ospke waitpkg gfni vaes vpclmulqdq rdpid movdiri movdir64b fsrm md_clear serialize arch_lbr flush_l1d arch_capabilities',
  bugs: 'spectre_v1 spectre_v2 spec_store_bypass swapgs eibrs_pbrsb bhi',
  bogomips: '4223.99',
  addressSizes: '39 bits physical, 48 bits virtual',
};

const MEMORY_KB = 8131856;

export function buildQemuKvmVirtio(tree: MachineTree): string {
  kernel(tree, CPU, { release: '6.6.52', clocksources: 'kvm-clock tsc acpi_pm' });
  dmi(tree, {
    sys_vendor: 'QEMU',
    product_name: 'Standard PC (Q35 + ICH9, 2009)',
    product_version: 'pc-q35-8.2',
    bios_vendor: 'EFI Development Kit II / OVMF',
    bios_version: '0.0.0',
    bios_date: '02/06/2015',
    chassis_vendor: 'QEMU',
    chassis_type: '1',
    chassis_version: 'pc-q35-8.2',
  });
  efi(tree, { bitness: 64, secureBoot: false });

  const host = '/sys/devices/pci0000:00';
  tree.pci({ parent: host, address: '0000:00:00.0', classCode: '0x060000', vendor: '0x8086', device: '0x29c0', subsystemVendor: '0x1af4', subsystemDevice: '0x1100' });
  tree.pci({ parent: host, address: '0000:00:01.0', classCode: '0x030000', vendor: '0x1af4', device: '0x1050', subsystemDevice: '0x1100', revision: '0x01', driver: 'virtio-pci', module: 'virtio_pci' });
  const ports = [0, 1, 2, 3].map((fn) =>
    tree.pci({ parent: host, address: `0000:00:02.${fn}`, classCode: '0x060400', vendor: '0x1b36', device: '0x000c', subsystemVendor: '0x1b36', driver: 'pcieport' }),
  );
  const net = tree.pci({ parent: ports[0]!, address: '0000:01:00.0', classCode: '0x020000', vendor: '0x1af4', device: '0x1041', subsystemDevice: '0x1100', revision: '0x01', driver: 'virtio-pci', module: 'virtio_pci' });
  const xhci = tree.pci({ parent: ports[1]!, address: '0000:02:00.0', classCode: '0x0c0330', vendor: '0x1b36', device: '0x000d', subsystemDevice: '0x1100', revision: '0x01', driver: 'xhci_hcd', module: 'xhci_pci' });
  const blk0 = tree.pci({ parent: ports[2]!, address: '0000:03:00.0', classCode: '0x010000', vendor: '0x1af4', device: '0x1042', subsystemDevice: '0x1100', revision: '0x01', driver: 'virtio-pci', module: 'virtio_pci' });
  const blk1 = tree.pci({ parent: ports[3]!, address: '0000:04:00.0', classCode: '0x010000', vendor: '0x1af4', device: '0x1042', subsystemDevice: '0x1100', revision: '0x01', driver: 'virtio-pci', module: 'virtio_pci' });
  tree.pci({ parent: host, address: '0000:00:1f.0', classCode: '0x060100', vendor: '0x8086', device: '0x2918', subsystemVendor: '0x1af4', subsystemDevice: '0x1100', revision: '0x02', driver: 'lpc_ich', module: 'lpc_ich' });
  const ahci = tree.pci({ parent: host, address: '0000:00:1f.2', classCode: '0x010601', vendor: '0x8086', device: '0x2922', subsystemVendor: '0x1af4', subsystemDevice: '0x1100', revision: '0x02', driver: 'ahci', module: 'ahci' });
  tree.pci({ parent: host, address: '0000:00:1f.3', classCode: '0x0c0500', vendor: '0x8086', device: '0x2930', subsystemVendor: '0x1af4', subsystemDevice: '0x1100', revision: '0x02', driver: 'i801_smbus', module: 'i2c_i801' });

  tree.attribute(`${net}/virtio0/vendor`, '0x1af4');
  tree.driver(`${net}/virtio0`, 'virtio', 'virtio_net', 'virtio_net');
  netInterfaces(tree, { enp1s0: `${net}/virtio0` });

  usbRootHub(tree, xhci, 1, 480);
  usbRootHub(tree, xhci, 2, 5000);
  usbDevice(tree, {
    hub: `${xhci}/usb1`,
    id: '1-1',
    vendor: '0627',
    product: '0001',
    manufacturer: 'QEMU',
    productName: 'QEMU USB Tablet',
    serial: '28754-0000:00:02.1:00.0-1',
    speed: 480,
    interfaces: [{ number: 0, interfaceClass: '03', subClass: '00', protocol: '00', driver: 'usbhid', module: 'usbhid' }],
  });

  // vda: the system disk (GPT: ESP + ext4 root); vdb: an empty data disk without a serial.
  const vda = virtioDisk(tree, { controller: blk0, index: 2, name: 'vda', majorMinor: '253:0', sectors: 67108864, serial: 'cairn-root' });
  partition(tree, vda, { name: 'vda1', number: 1, start: 2048, sectors: 2097152, majorMinor: '253:1' });
  partition(tree, vda, { name: 'vda2', number: 2, start: 2099200, sectors: 65007616, majorMinor: '253:2' });
  virtioDisk(tree, { controller: blk1, index: 3, name: 'vdb', majorMinor: '253:16', sectors: 33554432, serial: '' });
  content(tree, {
    device: 'vda',
    majorMinor: '253:0',
    ids: ['virtio-cairn-root'],
    byPath: 'pci-0000:03:00.0',
    table: { type: 'gpt', uuid: '6d0f6a5e-3c8b-4b7e-9a51-8f2d1c0b4e77' },
    identity: { ID_SERIAL: 'cairn-root' },
  });
  content(tree, {
    device: 'vda1',
    majorMinor: '253:1',
    fs: { type: 'vfat', uuid: '8C6F-3A21', label: 'ESP', version: 'FAT32' },
    entry: { scheme: 'gpt', type: GPT_TYPES.esp, uuid: '0b1e8d5c-6a4f-4c3e-8e7d-2f9a1b3c5d71', name: 'esp', number: 1, disk: '253:0' },
    ids: ['virtio-cairn-root-part1'],
    byPath: 'pci-0000:03:00.0-part1',
  });
  content(tree, {
    device: 'vda2',
    majorMinor: '253:2',
    fs: { type: 'ext4', uuid: '4a3f8e2b-9c1d-4f6e-b7a8-5d2c1e0f9b3a', label: 'root', version: '1.0' },
    entry: { scheme: 'gpt', type: GPT_TYPES.root, uuid: 'a7c4e2f1-3b5d-4e8a-9f6c-1d0b2e4a6c88', name: 'root', number: 2, disk: '253:0' },
    ids: ['virtio-cairn-root-part2'],
    byPath: 'pci-0000:03:00.0-part2',
  });
  content(tree, { device: 'vdb', majorMinor: '253:16', byPath: 'pci-0000:04:00.0' });

  ataDisk(tree, { controller: ahci, port: 1, host: 0, name: 'sr0', majorMinor: '11:0', sectors: 0, model: 'QEMU DVD-ROM', serial: 'QM00001', revision: '2.5+', rotational: true, optical: true });
  content(tree, {
    device: 'sr0',
    majorMinor: '11:0',
    ids: ['ata-QEMU_DVD-ROM_QM00001'],
    byPath: 'pci-0000:00:1f.2-ata-1',
    identity: { ID_CDROM: '1', ID_CDROM_DVD: '1', ID_MODEL: 'QEMU_DVD-ROM', ID_SERIAL: 'QEMU_DVD-ROM_QM00001', ID_SERIAL_SHORT: 'QM00001', ID_BUS: 'ata' },
  });

  mountinfo(tree, [
    { majorMinor: '253:2', mountPoint: '/', options: 'rw,relatime', fsType: 'ext4', source: '/dev/vda2', superOptions: 'rw' },
    ...systemdMounts({ efivars: true, memoryKb: MEMORY_KB }),
    {
      majorMinor: '253:1',
      mountPoint: '/boot',
      options: 'rw,relatime',
      fsType: 'vfat',
      source: '/dev/vda1',
      superOptions: 'rw,fmask=0077,dmask=0077,codepage=437,iocharset=iso8859-1,shortname=mixed,errors=remount-ro',
    },
    runUserMount(MEMORY_KB),
  ]);
  // A swap file: the system configuration's business, so the hardware file leaves it out.
  swaps(tree, [{ path: '/var/swapfile', type: 'file', kb: 2097148, priority: -2 }]);
  mdstat(tree, '', '');

  tree.systemInformation('system', siSystem({ manufacturer: 'QEMU', model: 'Standard PC (Q35 + ICH9, 2009)', version: 'pc-q35-8.2', serial: '', uuid: '3f2a7c1e-5b8d-4e6f-a9c0-7d1e2b3f4a5c', sku: '', virtual: true, virtualHost: 'QEMU' }));
  tree.systemInformation('bios', siBios({ vendor: 'EFI Development Kit II / OVMF', version: '0.0.0', releaseDate: '2015-02-06', revision: '0.0' }));
  tree.systemInformation('baseboard', siBaseboard({ manufacturer: '', model: '', version: '', serial: '', assetTag: '', memMax: null, memSlots: null }));
  tree.systemInformation('chassis', siChassis({ manufacturer: 'QEMU', model: '', type: 'Other', version: 'pc-q35-8.2', serial: '', assetTag: '', sku: '' }));
  tree.systemInformation('cpu', siCpu(CPU, { manufacturer: 'Intel', brand: 'Core™ i7-13700', speed: 2.11, speedMin: 2.11, speedMax: 2.11, governor: '', socket: '', cache: { l1d: 196608, l1i: 131072, l2: 8388608, l3: 16777216 } }));
  tree.systemInformation('mem', siMem(MEMORY_KB * 1024, 0.12, 0));
  tree.systemInformation('memLayout', [siMemModule({ size: 8589934592, bank: '', type: 'RAM', ecc: false, clockSpeed: 0, formFactor: 'DIMM', manufacturer: 'QEMU', partNum: '', serialNum: '', voltage: null })]);
  tree.systemInformation('graphics', {
    controllers: [siGraphicsController({ vendor: 'Red Hat, Inc.', subVendor: 'Red Hat, Inc.', vendorId: '1af4', model: 'Virtio 1.0 GPU', deviceId: '1050', bus: 'PCI', busAddress: '00:01.0', vram: null, vramDynamic: false })],
    displays: [],
  });
  tree.systemInformation('networkInterfaces', [
    siLoopback(),
    siNetworkInterface({ iface: 'enp1s0', mac: '52:54:00:8a:1c:3e', ip4: '192.168.122.57', ip6: 'fe80::5054:ff:fe8a:1c3e', type: 'wired', speed: null, operstate: 'up', dhcp: true, default: true }),
  ]);
  return 'hand-made from public documentation of a libvirt Q35 guest with OVMF and virtio disks; see fixtures/machines/README.md';
}
