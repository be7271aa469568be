import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeCpuinfo } from '../../../installer/hardware/cpuinfo.js';
import { decodeMdstat } from '../../../installer/hardware/mdstat.js';
import { decodeMountinfo, unescapeMountField } from '../../../partitioning/mountinfo.js';
import { decodePciClass, isFireWireOrUsbClass, isStorageClass } from '../../../installer/hardware/pci-classes.js';
import { decodeSwaps } from '../../../partitioning/proc-swaps.js';
import { decodeUdevData } from '../../../partitioning/udev-data.js';

const CPUINFO = [
  'processor\t: 0',
  'vendor_id\t: GenuineIntel',
  'cpu family\t: 6',
  'model\t\t: 154',
  'model name\t: 12th Gen Intel(R) Core(TM) i7-12700H',
  'stepping\t: 3',
  'microcode\t: 0x432',
  'physical id\t: 0',
  'flags\t\t: fpu vme lm vmx hypervisor sse2',
  '',
  'processor\t: 1',
  'vendor_id\t: GenuineIntel',
  'physical id\t: 1',
  'flags\t\t: fpu vme lm vmx hypervisor sse2',
  '',
].join('\n');

test('cpuinfo: vendor, model, microcode, counts and the flags that matter', () => {
  const cpu = decodeCpuinfo(CPUINFO)!;
  assert.is(cpu.vendor, 'intel');
  assert.is(cpu.modelName, '12th Gen Intel(R) Core(TM) i7-12700H');
  assert.equal([cpu.family, cpu.model, cpu.stepping], [6, 154, 3]);
  assert.is(cpu.microcode, '0x432');
  assert.is(cpu.logicalCpus, 2);
  assert.is(cpu.sockets, 2);
  assert.is(cpu.hardwareVirtualisation, 'vmx');
  assert.is(cpu.hypervisor, true);
  assert.is(cpu.longMode, true);
  assert.equal(cpu.flags, ['fpu', 'hypervisor', 'lm', 'sse2', 'vme', 'vmx']);
  const amd = decodeCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: svm lm\n')!;
  assert.is(amd.vendor, 'amd');
  assert.is(amd.hardwareVirtualisation, 'svm');
  assert.is(amd.microcode, null);
  assert.is(decodeCpuinfo('garbage\n'), undefined);
});

test('mountinfo: optional fields, escapes, btrfs subvolumes; malformed lines reported, not fatal', () => {
  const text = [
    '22 1 0:33 /@ / rw,relatime shared:1 - btrfs /dev/mapper/cryptroot rw,compress=zstd:3,subvolid=256,subvol=/@',
    '40 22 259:1 / /boot rw,relatime shared:27 master:3 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077',
    '41 22 0:45 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw',
    'this is not a mount',
  ].join('\n');
  const { mounts, malformed } = decodeMountinfo(text);
  assert.is(mounts.length, 3);
  assert.equal(mounts[0], {
    id: 22,
    parentId: 1,
    majorMinor: '0:33',
    root: '/@',
    mountPoint: '/',
    options: ['rw', 'relatime'],
    fsType: 'btrfs',
    source: '/dev/mapper/cryptroot',
    superOptions: ['rw', 'compress=zstd:3', 'subvolid=256', 'subvol=/@'],
  });
  assert.is(mounts[1]!.fsType, 'vfat');
  assert.is(mounts[2]!.mountPoint, '/mnt/my disk');
  assert.equal(malformed, ['this is not a mount']);
  assert.is(unescapeMountField('a\\011b\\134c'), 'a\tb\\c');
});

test('/proc/swaps: partitions and files, sizes in bytes', () => {
  const { swaps, malformed } = decodeSwaps(
    'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda3                               partition\t16777212\t0\t\t-2\n/var/swap\\040file file 1024 0 -3\nbroken\n',
  );
  assert.equal(swaps, [
    { path: '/dev/sda3', type: 'partition', sizeBytes: 16777212 * 1024, priority: -2 },
    { path: '/var/swap file', type: 'file', sizeBytes: 1024 * 1024, priority: -3 },
  ]);
  assert.equal(malformed, ['broken']);
});

test('mdstat: level, members in slot order, failed and spare members, inactive arrays', () => {
  const arrays = decodeMdstat(
    [
      'Personalities : [raid1] [raid6] [raid5] [raid4]',
      'md127 : active raid1 nvme1n1p3[1] nvme0n1p3[0]',
      '      1000 blocks super 1.2 [2/2] [UU]',
      '',
      'md0 : active (auto-read-only) raid5 sdd1[3](S) sdc1[2] sdb1[1](F) sda1[0]',
      '      2000 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [U_U]',
      '',
      'md1 : inactive sde1[0](S)',
      'unused devices: <none>',
    ].join('\n'),
  );
  assert.equal(arrays, [
    { name: 'md0', state: 'active', level: 'raid5', members: ['sda1', 'sdc1'], failed: ['sdb1'], spares: ['sdd1'] },
    { name: 'md1', state: 'inactive', level: null, members: [], failed: [], spares: ['sde1'] },
    { name: 'md127', state: 'active', level: 'raid1', members: ['nvme0n1p3', 'nvme1n1p3'], failed: [], spares: [] },
  ]);
});

test('udev database records: properties and links', () => {
  const record = decodeUdevData('S:disk/by-uuid/abc\nS:disk/by-id/ata-X\nI:123\nE:ID_FS_TYPE=ext4\nE:ID_FS_LABEL_ENC=my\\x20disk\nG:systemd\n');
  assert.equal(record.links, ['/dev/disk/by-id/ata-X', '/dev/disk/by-uuid/abc']);
  assert.is(record.properties.get('ID_FS_TYPE'), 'ext4');
  assert.is(record.properties.get('ID_FS_LABEL_ENC'), 'my\\x20disk');
});

test('PCI classes: names from the specification, unknown base classes, malformed values', () => {
  assert.equal(decodePciClass('0x010601\n'), { code: 0x010601, hex: '0x010601', name: 'SATA controller (AHCI)' });
  assert.is(decodePciClass('0x010400')!.name, 'RAID bus controller');
  assert.is(decodePciClass('0x0c0340')!.name, 'USB controller');
  assert.is(decodePciClass('0xffff00')!.name, 'unassigned class (vendor specific)');
  assert.is(decodePciClass('0x550000')!.name, undefined);
  assert.is(decodePciClass('0x12'), undefined);
  assert.is(decodePciClass('ahci'), undefined);
  assert.ok(isStorageClass(0x010802) && isStorageClass(0x010400));
  assert.ok(isFireWireOrUsbClass(0x0c0330) && isFireWireOrUsbClass(0x0c0010));
  assert.not.ok(isFireWireOrUsbClass(0x0c0500) || isStorageClass(0x020000));
});

test.run();
