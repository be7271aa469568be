/**
 * The six recorded machines in fixtures/machines: each replays into a report without problems, and gives the
 * hardware-configuration.yaml and configuration.yaml stored beside it (golden files, reviewed by reading).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderConfigFiles } from '../../../installer/config/generate-config.js';
import { detectHardware, detectPlatformOnly } from '../../../installer/hardware/detect-hardware.js';
import { disksOf } from '../../../partitioning/disks.js';
import { assessDisks } from '../../../partitioning/safety.js';
import { openHardwareSource as openRecording } from '../../../installer/hardware/hardware-source.js';
import { formatHardwareSummary } from '../../../installer/hardware/summary.js';
import { decodeConfiguration } from '../../../system/configuration.js';
import { decodeHardwareConfiguration } from '../../../system/hardware-configuration.js';
import { repoRoot } from '../../support/cli.js';

const machines = join(repoRoot, 'fixtures', 'machines');

/** What each machine must give, as argued in fixtures/machines/README.md. */
const EXPECTED = {
  'qemu-kvm-virtio': {
    modules: ['ahci', 'sr_mod', 'virtio_blk', 'virtio_pci', 'xhci_pci'],
    kernelModules: ['kvm-intel'],
    microcode: false,
    firmware: 'uefi',
    vm: 'kvm',
    guest: 'qemu',
    loader: 'systemd-boot',
  },
  'virtualbox-ahci': {
    modules: ['ahci', 'ata_piix', 'ehci_pci', 'ohci_pci', 'sd_mod', 'sr_mod'],
    kernelModules: [],
    microcode: false,
    firmware: 'bios',
    vm: 'oracle',
    guest: 'virtualbox',
    loader: 'grub',
  },
  'laptop-intel-nvidia': {
    modules: ['nvme', 'rtsx_pci_sdmmc', 'sd_mod', 'thunderbolt', 'usb_storage', 'xhci_pci'],
    kernelModules: ['kvm-intel'],
    microcode: true,
    firmware: 'uefi',
    vm: 'none',
    guest: 'none',
    loader: 'systemd-boot',
  },
  'desktop-amd-sata': {
    modules: ['ahci', 'sd_mod', 'usbhid', 'xhci_pci'],
    kernelModules: ['kvm-amd'],
    microcode: true,
    firmware: 'uefi',
    vm: 'none',
    guest: 'none',
    loader: 'systemd-boot',
  },
  'server-vmd-raid': {
    modules: ['ahci', 'nvme', 'sr_mod', 'usb_storage', 'usbhid', 'vmd', 'xhci_pci'],
    kernelModules: ['kvm-intel'],
    microcode: true,
    firmware: 'uefi',
    vm: 'none',
    guest: 'none',
    loader: 'systemd-boot',
  },
  'legacy-bios': {
    modules: ['ata_piix', 'ehci_pci', 'sd_mod', 'sr_mod', 'uhci_hcd', 'usbhid'],
    kernelModules: ['kvm-intel'],
    microcode: true,
    firmware: 'bios',
    vm: 'none',
    guest: 'none',
    loader: 'grub',
  },
} as const;

for (const [name, expected] of Object.entries(EXPECTED)) {
  test(`${name}: replays without problems and gives the expected hardware file`, async () => {
    const recording = join(machines, name, 'recording');
    const report = await detectHardware(await openRecording(recording));
    assert.equal(report.problems, [], `problems: ${JSON.stringify(report.problems)}`);

    const platform = await detectPlatformOnly(await openRecording(recording));
    const rendered = renderConfigFiles({ platform, mountedAt: '/' });
    const hardware = decodeHardwareConfiguration(rendered.hardwareConfiguration, `${name}/hardware-configuration.yaml`);
    assert.equal(hardware.boot.initrd.availableKernelModules, [...expected.modules]);
    assert.equal(hardware.boot.kernelModules, [...expected.kernelModules]);
    assert.is(hardware.hardware.cpu.updateMicrocode, expected.microcode);
    assert.is(hardware.hardware.enableRedistributableFirmware, expected.microcode);
    assert.is(hardware.firmware.type, expected.firmware);
    assert.is(hardware.virtualisation.vm, expected.vm);
    assert.is(hardware.virtualisation.guest, expected.guest);
    assert.is(decodeConfiguration(rendered.configuration, `${name}/configuration.yaml`).boot.loader, expected.loader);

    const golden = join(machines, name, 'expected');
    assert.fixture(rendered.hardwareConfiguration, await readFile(join(golden, 'hardware-configuration.yaml'), 'utf8'));
    assert.fixture(rendered.configuration, await readFile(join(golden, 'configuration.yaml'), 'utf8'));
    assert.ok(rendered.hardwareConfiguration.startsWith('# yaml-language-server: $schema=schemas/hardware-configuration.schema.json\n'));
    assert.ok(rendered.configuration.startsWith('# yaml-language-server: $schema=schemas/configuration.schema.json\n'));

    // Same machine, same bytes.
    const again = renderConfigFiles({ platform: await detectPlatformOnly(await openRecording(recording)), mountedAt: '/' });
    assert.is(again.hardwareConfiguration, rendered.hardwareConfiguration);
    assert.is(again.configuration, rendered.configuration);
    assert.equal(await detectHardware(await openRecording(recording)), report);
  });
}

test('the reports carry what the installer shows: disks with model, size, by-id and contents', async () => {
  const qemu = await detectHardware(await openRecording(join(machines, 'qemu-kvm-virtio', 'recording')));
  const vda = qemu.blockDevices.find((d) => d.name === 'vda')!;
  assert.equal(vda.byId, ['/dev/disk/by-id/virtio-cairn-root']);
  assert.is(vda.serial, 'cairn-root');
  assert.is(vda.sizeBytes, 32 * 1024 ** 3);
  assert.is(vda.partitionTable, 'gpt');
  // A virtio disk without a serial has no by-id name: it is still listed, by kernel name.
  const vdb = qemu.blockDevices.find((d) => d.name === 'vdb')!;
  assert.equal(vdb.byId, []);
  assert.match(formatHardwareSummary(qemu), /vdb {2}16G {2}virtio rotational {2}unknown model {2}no by-id name\n {12}empty: no partition table or filesystem found/);

  const laptop = await detectHardware(await openRecording(join(machines, 'laptop-intel-nvidia', 'recording')));
  const nvme = laptop.blockDevices.find((d) => d.name === 'nvme0n1')!;
  assert.equal([nvme.model, nvme.serial, nvme.transport, nvme.rotational], ['PM9A1 NVMe Samsung 1024GB', 'S64ANS0T512345', 'nvme', false]);
  assert.equal(laptop.luks, [{ name: 'cryptroot', device: 'dm-0', backingDevice: 'nvme0n1p2', uuid: '3f6b2c1e-8d4a-4b5f-9c2e-7a1d0b9c8e7f', version: 'LUKS2' }]);
  const stick = laptop.blockDevices.find((d) => d.name === 'sda')!;
  assert.equal([stick.transport, stick.removable, stick.filesystem?.label], ['usb', true, 'CAIRN_1_0']);
  assert.equal(
    laptop.graphics.map((g) => [g.pciAddress, g.driver]),
    [
      ['0000:00:02.0', 'i915'],
      ['0000:01:00.0', 'nouveau'],
    ],
  );
  assert.equal(laptop.network.map((n) => [n.name, n.kind]), [['wlp0s20f3', 'wireless']]);
  assert.is(laptop.firmware.secureBoot, true);

  const server = await detectHardware(await openRecording(join(machines, 'server-vmd-raid', 'recording')));
  const root = server.md.find((a) => a.name === 'md127')!;
  assert.equal([root.level, root.members, root.uuid, root.arrayName], ['raid1', ['nvme2n1p2', 'nvme3n1p2'], '1d8a53b2:7a4c2ee9:8c8f1c84:2c0d1b5e', 'server1:root']);
  assert.equal(server.pci.filter((d) => d.driver === 'nvme').map((d) => d.address), ['0000:31:00.0', '0000:32:00.0', '10000:01:00.0', '10000:02:00.0']);
  assert.is(server.cpu!.sockets, 2);
  // The Supermicro placeholder strings are not names.
  assert.is(server.machine.product, 'SYS-120U-TNR');
  const desktop = await detectHardware(await openRecording(join(machines, 'desktop-amd-sata', 'recording')));
  assert.is(desktop.machine.version, null);
  assert.equal(
    desktop.blockDevices.filter((d) => d.kind === 'disk').map((d) => [d.name, d.model, d.rotational]),
    [
      ['sda', 'Samsung SSD 870 EVO 500GB', false],
      ['sdb', 'WDC WD20EZBX-00AYRA0', true],
    ],
  );
});

test('the disk inventory says what is on each disk and whether Cairn may write it', async () => {
  const inventoryOf = async (machine: string) => assessDisks(disksOf((await detectPlatformOnly(await openRecording(join(machines, machine, 'recording')))).blockDevices));
  const server = await inventoryOf('server-vmd-raid');
  assert.equal(server.map((d) => [d.name, d.byId[0], d.refusals.map((r) => r.code)]), [
    ['nvme0n1', '/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64FNA0T701234', ['mounted']],
    ['nvme1n1', '/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64FNA0T701235', ['mounted']],
    ['nvme2n1', '/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64FNA0T701236', ['system-disk']],
    ['nvme3n1', '/dev/disk/by-id/nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64FNA0T701237', ['system-disk']],
  ]);
  // md126 over the two whole disks holds /srv; md127 over partitions of the others holds /.
  assert.equal(
    [server[0]!.fstype, server[0]!.label, server[0]!.children.map((c) => [c.name, c.kind, c.mountpoints])],
    ['linux_raid_member', 'server1:srv', [['md126', 'md', ['/srv']]]],
  );
  assert.match(server[0]!.refusals[0]!.reason, /\/dev\/md126 is mounted at \/srv; unmount it first/);
  assert.equal(server[3]!.children.map((c) => [c.name, c.fstype, c.mountpoints, c.children.map((h) => h.name)]), [
    ['nvme3n1p1', 'vfat', [], []],
    ['nvme3n1p2', 'linux_raid_member', [], ['md127']],
  ]);
  assert.match(server[3]!.refusals[0]!.reason, /it backs the running system: \/dev\/md127 is mounted at \//);

  const qemu = await inventoryOf('qemu-kvm-virtio');
  assert.equal(qemu.map((d) => [d.name, d.byId, d.children.length, d.writable]), [
    ['vda', ['/dev/disk/by-id/virtio-cairn-root'], 2, false],
    ['vdb', [], 0, true],
  ]);
  const laptop = await inventoryOf('laptop-intel-nvidia');
  const nvme = laptop.find((d) => d.name === 'nvme0n1')!;
  assert.equal(nvme.children[1]!.children.map((h) => [h.name, h.mapperName, h.mountpoints]), [['dm-0', 'cryptroot', ['/', '/home']]]);
  // The live stick the laptop was installed from is still plugged in: not mounted, but it holds an ISO 9660.
  assert.equal(laptop.find((d) => d.name === 'sda')!.refusals.map((r) => r.code), ['live-medium']);
  const legacy = await inventoryOf('legacy-bios');
  assert.equal(legacy[0]!.children.map((c) => [c.name, c.partType]), [
    ['sda1', '0x83'],
    ['sda2', '0x5'],
    ['sda5', '0x82'],
  ]);
  assert.match(formatHardwareSummary(await detectHardware(await openRecording(join(machines, 'legacy-bios', 'recording')))), /sda2 {2}1K {2}extended partition\n/);
});

test('graphics and network are asked of systeminformation only when /sys shows something to describe', async () => {
  const server = await detectHardware(await openRecording(join(machines, 'server-vmd-raid', 'recording')));
  assert.equal(server.systemInformationCalls, ['system', 'bios', 'baseboard', 'chassis', 'cpu', 'mem', 'memLayout', 'graphics', 'networkInterfaces']);
});

test.run();
