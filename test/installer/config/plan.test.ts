/**
 * Planning the two files from a platform report, for the cases the recorded machines do not cover: a layout
 * given by the installer instead of mounts, a target mounted under /mnt, bind, loop, FUSE and special mounts,
 * devices without a stable name, LUKS under LVM, and the user's choices (good and bad).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planConfiguration } from '../../../installer/config/plan-configuration.js';
import { planHardwareConfiguration } from '../../../installer/config/plan-hardware-configuration.js';
import type { BlockDevice, MountedFilesystem } from '../../../partitioning/block-devices.js';
import type { PlatformReport } from '../../../installer/hardware/platform.js';
import { DomainError, ValidationError } from '../../../lib/errors.js';

function disk(name: string, overrides: Partial<BlockDevice> = {}): BlockDevice {
  return {
    name,
    path: `/dev/${name}`,
    kind: 'disk',
    majorMinor: '8:0',
    sizeBytes: 1e11,
    sectorSize: 512,
    parent: null,
    partitionNumber: null,
    model: 'Disk',
    vendor: null,
    serial: null,
    wwn: null,
    transport: 'ata',
    rotational: false,
    removable: false,
    readOnly: false,
    driver: 'sd',
    module: 'sd_mod',
    byId: [],
    links: [],
    filesystem: null,
    partitionTable: 'gpt',
    partitionEntry: null,
    holders: [],
    slaves: [],
    deviceMapper: null,
    loopBackingFile: null,
    mountPoints: [],
    activeSwap: false,
    ...overrides,
  };
}

function part(name: string, parent: string, majorMinor: string, links: string[] = [], overrides: Partial<BlockDevice> = {}): BlockDevice {
  return disk(name, { kind: 'partition', parent, majorMinor, links, byId: links.filter((l) => l.includes('/by-id/')), driver: null, module: null, partitionTable: null, ...overrides });
}

function mount(mountPoint: string, fsType: string, source: string, device: string | null, majorMinor: string, extra: Partial<MountedFilesystem> = {}): MountedFilesystem {
  return { id: 1, parentId: 0, majorMinor, root: '/', mountPoint, options: ['rw'], fsType, source, superOptions: ['rw'], device, ...extra };
}

function platform(overrides: Partial<PlatformReport> = {}): PlatformReport {
  return {
    architecture: 'x86_64',
    kernelRelease: '6.6.52',
    firmware: { type: 'uefi', efiBitness: 64, efiVariables: true, secureBoot: false },
    cpu: null,
    virtualisation: { vm: 'none', container: 'none', evidence: [] },
    pci: [],
    usb: [],
    mmcHosts: [],
    blockDevices: [],
    mounts: [],
    swaps: [],
    luks: [],
    md: [],
    lvm: false,
    problems: [],
    ...overrides,
  };
}

const sda = disk('sda', { byId: ['/dev/disk/by-id/ata-Disk_S1'], links: ['/dev/disk/by-id/ata-Disk_S1'] });
const sda1 = part('sda1', 'sda', '8:1', ['/dev/disk/by-uuid/AAAA-BBBB']);
const sda2 = part('sda2', 'sda', '8:2', ['/dev/disk/by-uuid/root-uuid', '/dev/disk/by-label/root']);
const sda3 = part('sda3', 'sda', '8:3');

test('a planned layout (an image that is not mounted) replaces the mounts', () => {
  const report = platform({ blockDevices: [sda, sda1, sda2], mounts: [mount('/', 'ext4', '/dev/sda2', 'sda2', '8:2')] });
  const { configuration, warnings } = planHardwareConfiguration(report, {
    root: '/',
    layout: {
      fileSystems: [
        { mountPoint: '/boot', device: '/dev/disk/by-uuid/1234-ABCD', fsType: 'vfat', options: ['fmask=0077', 'dmask=0077'] },
        { mountPoint: '/', device: '/dev/disk/by-uuid/0f0e-root', fsType: 'ext4' },
      ],
      swapDevices: [{ device: '/dev/disk/by-uuid/swap-uuid' }],
      luksDevices: [{ name: 'cryptroot', device: '/dev/disk/by-uuid/luks-uuid' }],
    },
  });
  assert.equal(configuration.fileSystems, {
    '/': { device: '/dev/disk/by-uuid/0f0e-root', fsType: 'ext4' },
    '/boot': { device: '/dev/disk/by-uuid/1234-ABCD', fsType: 'vfat', options: ['fmask=0077', 'dmask=0077'] },
  });
  assert.equal(configuration.swapDevices, [{ device: '/dev/disk/by-uuid/swap-uuid' }]);
  assert.equal(configuration.boot.initrd.luks, { devices: { cryptroot: { device: '/dev/disk/by-uuid/luks-uuid' } } });
  assert.equal(warnings, []);
  try {
    planHardwareConfiguration(report, { root: '/', layout: { fileSystems: [{ mountPoint: '/', device: 'a', fsType: 'ext4' }, { mountPoint: '/', device: 'b', fsType: 'xfs' }] } });
    assert.unreachable('two filesystems at / were accepted');
  } catch (error) {
    assert.instance(error, DomainError);
    assert.is((error as DomainError).code, 'duplicate-mount-point');
  }
});

test('a target mounted under /mnt: only its mounts, without the prefix; special filesystems left out', () => {
  const report = platform({
    blockDevices: [sda, sda1, sda2, sda3, disk('loop0', { kind: 'loop', majorMinor: '7:0', loopBackingFile: '/srv/images/data.img', module: null, driver: null })],
    mounts: [
      mount('/', 'overlay', 'overlay', null, '0:30'),
      mount('/mnt', 'ext4', '/dev/sda2', 'sda2', '8:2'),
      mount('/mnt/boot', 'vfat', '/dev/sda1', 'sda1', '8:1', { superOptions: ['rw', 'fmask=0022', 'dmask=0022', 'codepage=437'] }),
      mount('/mnt/proc', 'proc', 'proc', null, '0:5'),
      mount('/mnt/tmp', 'tmpfs', 'tmpfs', null, '0:31'),
      mount('/mnt/nix/store', 'ext4', '/dev/sda2', 'sda2', '8:2', { root: '/nix/store', options: ['ro'] }),
      mount('/mnt/srv/www', 'ext4', '/dev/sda2', 'sda2', '8:2', { root: '/var/www' }),
      mount('/mnt/data', 'ext4', '/dev/loop0', 'loop0', '7:0'),
      mount('/mnt/scratch', 'ext4', '/dev/sda3', 'sda3', '8:3'),
      mount('/mnt/remote', 'fuse.sshfs', 'me@host:/', null, '0:40'),
      mount('/mnt2', 'ext4', '/dev/sda3', 'sda3', '8:3'),
    ],
  });
  const { configuration, warnings } = planHardwareConfiguration(report, { root: '/mnt/' });
  assert.equal(configuration.fileSystems, {
    '/': { device: '/dev/disk/by-uuid/root-uuid', fsType: 'ext4' },
    '/boot': { device: '/dev/disk/by-uuid/AAAA-BBBB', fsType: 'vfat', options: ['fmask=0022', 'dmask=0022'] },
    '/data': { device: '/srv/images/data.img', fsType: 'ext4', options: ['loop'] },
    '/scratch': { device: '/dev/sda3', fsType: 'ext4' },
    '/srv/www': { device: '/var/www', fsType: 'none', options: ['bind'] },
  });
  assert.equal(warnings, [
    '/scratch: /dev/sda3 has no UUID or label; its kernel name may change between boots',
    '/mnt/remote: FUSE filesystem (fuse.sshfs) left out: it cannot be described as a device to mount',
  ]);
});

test('btrfs: subvolumes of one filesystem are separate entries; a directory inside one is a bind mount', () => {
  const btrfs = part('sda2', 'sda', '8:2', ['/dev/disk/by-uuid/fs-uuid']);
  const opts = (subvol: string) => ['rw', 'ssd', `subvol=${subvol}`];
  const report = platform({
    blockDevices: [sda, btrfs],
    mounts: [
      mount('/', 'btrfs', '/dev/sda2', 'sda2', '0:33', { root: '/@', superOptions: opts('/@') }),
      mount('/home', 'btrfs', '/dev/sda2', 'sda2', '0:33', { root: '/@home', superOptions: opts('/@home') }),
      mount('/var/lib/db', 'btrfs', '/dev/sda2', 'sda2', '0:33', { root: '/@/srv/db', superOptions: opts('/@') }),
      mount('/top', 'btrfs', '/dev/sda2', 'sda2', '0:33', { root: '/', superOptions: ['rw', 'subvolid=5', 'subvol=/'] }),
    ],
  });
  assert.equal(planHardwareConfiguration(report, { root: '/' }).configuration.fileSystems, {
    '/': { device: '/dev/disk/by-uuid/fs-uuid', fsType: 'btrfs', options: ['subvol=@'] },
    '/home': { device: '/dev/disk/by-uuid/fs-uuid', fsType: 'btrfs', options: ['subvol=@home'] },
    '/top': { device: '/dev/disk/by-uuid/fs-uuid', fsType: 'btrfs' },
    '/var/lib/db': { device: '/@/srv/db', fsType: 'none', options: ['bind'] },
  });
});

test('LUKS under LVM: the initrd opens the LUKS device and loads dm-snapshot; swap on LVM too', () => {
  const luksPart = part('sda2', 'sda', '8:2', ['/dev/disk/by-uuid/luks-uuid'], { holders: ['dm-0'] });
  const luks = disk('dm-0', { kind: 'dm', majorMinor: '254:0', slaves: ['sda2'], holders: ['dm-1', 'dm-2'], deviceMapper: { name: 'crypt', uuid: 'CRYPT-LUKS2-0123456789abcdef0123456789abcdef-crypt' }, module: null, driver: null });
  const root = disk('dm-1', { kind: 'dm', majorMinor: '254:1', slaves: ['dm-0'], deviceMapper: { name: 'vg-root', uuid: 'LVM-abc' }, links: ['/dev/disk/by-uuid/root-uuid'], module: null, driver: null });
  const swap = disk('dm-2', { kind: 'dm', majorMinor: '254:2', slaves: ['dm-0'], deviceMapper: { name: 'vg-swap', uuid: 'LVM-def' }, module: null, driver: null });
  const report = platform({
    blockDevices: [sda, luksPart, luks, root, swap],
    mounts: [mount('/', 'ext4', '/dev/mapper/vg-root', 'dm-1', '254:1')],
    swaps: [
      { path: '/dev/dm-2', type: 'partition', sizeBytes: 1e9, priority: -2, device: 'dm-2' },
      { path: '/dev/zram0', type: 'partition', sizeBytes: 1e9, priority: 100, device: 'zram0' },
      { path: '/swapfile', type: 'file', sizeBytes: 1e9, priority: -3, device: null },
    ],
    luks: [{ name: 'crypt', device: 'dm-0', backingDevice: 'sda2', uuid: '01234567-89ab-cdef-0123-456789abcdef', version: 'LUKS2' }],
    lvm: true,
  });
  const { configuration, warnings } = planHardwareConfiguration(report, { root: '/' });
  assert.equal(configuration.fileSystems, { '/': { device: '/dev/disk/by-uuid/root-uuid', fsType: 'ext4' } });
  // No UUID on the swap volume: its device-mapper name is stable.
  assert.equal(configuration.swapDevices, [{ device: '/dev/mapper/vg-swap' }]);
  assert.equal(configuration.boot.initrd.luks, { devices: { crypt: { device: '/dev/disk/by-uuid/luks-uuid' } } });
  assert.equal(configuration.boot.initrd.kernelModules, ['dm-snapshot']);
  assert.equal(warnings, []);
});

test('the configuration takes the installer\'s choices, and reports bad ones with their key paths', () => {
  const report = platform({ firmware: { type: 'bios', efiBitness: null, efiVariables: false, secureBoot: null }, blockDevices: [sda, sda1, sda2], mounts: [mount('/', 'ext4', '/dev/sda2', 'sda2', '8:2')] });
  const hardware = planHardwareConfiguration(report, { root: '/' }).configuration;
  const defaults = planConfiguration(report, hardware, {});
  assert.equal(defaults.configuration.boot, { loader: 'grub', grubDevice: '/dev/disk/by-id/ata-Disk_S1', kernelParams: [] });
  assert.is(defaults.grubDeviceSource, 'by-id');
  assert.equal([defaults.configuration.hostName, defaults.configuration.timeZone, defaults.configuration.locale, defaults.configuration.keyMap], ['cairn', 'UTC', 'en_US.UTF-8', 'us']);

  const hash = '$6$saltsalt$Oq3l1iTQ2pGwQnG6v3Y0xg0oJdRk5ubVvB6c0e0F3vE1eJ9XoYb8xVt0wq5u5cGm9hB6n9T6s4o7c2g1k0aZ1';
  const chosen = planConfiguration(report, hardware, {
    hostName: 'box',
    timeZone: 'Europe/Berlin',
    locale: 'de_DE.UTF-8',
    keyMap: 'de-latin1',
    users: [{ name: 'alice', description: 'Alice', passwordHash: hash, groups: ['wheel'] }],
    bootLoader: 'grub',
    grubDevice: '/dev/disk/by-id/ata-Other_S2',
    kernelParams: ['console=ttyS0,115200', 'quiet'],
    packages: ['htop'],
  });
  assert.equal(chosen.configuration, {
    version: 1,
    imports: ['hardware-configuration.yaml'],
    hostName: 'box',
    timeZone: 'Europe/Berlin',
    locale: 'de_DE.UTF-8',
    keyMap: 'de-latin1',
    boot: { loader: 'grub', grubDevice: '/dev/disk/by-id/ata-Other_S2', kernelParams: ['console=ttyS0,115200', 'quiet'] },
    users: [{ name: 'alice', description: 'Alice', passwordHash: hash, groups: ['wheel'], authorizedKeys: [] }],
    packages: ['htop'],
  });
  assert.is(chosen.grubDeviceSource, 'chosen');

  try {
    planConfiguration(report, hardware, { hostName: 'my box', users: [{ name: 'Alice', passwordHash: 'hunter2' }], kernelParams: ['init="/bin/sh x"'] }, '/target/etc/cairn/configuration.yaml');
    assert.unreachable('bad choices were accepted');
  } catch (error) {
    assert.instance(error, ValidationError);
    const lines = (error as ValidationError).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
    assert.equal(lines, [
      '/target/etc/cairn/configuration.yaml: hostName: expected a host name: letters, digits and -, at most 63 characters, not starting or ending with - (got "my box")',
      '/target/etc/cairn/configuration.yaml: boot.kernelParams[0]: expected a kernel parameter without spaces, quotes or backslashes (got "init=\\"/bin/sh x\\"")',
      '/target/etc/cairn/configuration.yaml: users[0].name: expected a login name: lower-case letters, digits, _ and -, starting with a letter or _, at most 32 characters (got "Alice")',
      '/target/etc/cairn/configuration.yaml: users[0].passwordHash: expected a crypt(3) hash such as $6$... (make one with: openssl passwd -6), never the password itself (got "hunter2")',
    ]);
  }
});

test('UEFI defaults to systemd-boot; GRUB chosen on UEFI gets no guessed BIOS disk', () => {
  const report = platform({ blockDevices: [sda, sda1, sda2], mounts: [mount('/', 'ext4', '/dev/sda2', 'sda2', '8:2')] });
  const hardware = planHardwareConfiguration(report, { root: '/' }).configuration;
  assert.equal(planConfiguration(report, hardware, {}).configuration.boot, { loader: 'systemd-boot', kernelParams: [] });
  const grub = planConfiguration(report, hardware, { bootLoader: 'grub' });
  assert.equal(grub.configuration.boot, { loader: 'grub', kernelParams: [] });
  assert.is(grub.grubDeviceSource, 'none');
});

test.run();
