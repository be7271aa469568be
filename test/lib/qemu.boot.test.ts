import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestHungError, QemuMachine, prepareFirmwareFiles, qemuArguments, stripTerminalCodes } from '../../lib/qemu.js';
import { TEST_INIT_LINE, ensureTestSystem } from '../../scripts/test-system.js';

test('the QEMU command line: TCG, serial on stdio, media as CD, USB stick or disk', () => {
  const cd = qemuArguments({ firmware: 'bios', media: { kind: 'cdrom', path: '/x/a,b.iso' } });
  assert.equal(cd.slice(0, 2), ['-accel', 'tcg']);
  assert.ok(cd.includes('mon:stdio'));
  assert.ok(cd.includes('if=none,id=boot,media=cdrom,readonly=on,format=raw,file=/x/a,,b.iso'), 'commas in paths are escaped');
  const usb = qemuArguments({ firmware: 'bios', media: { kind: 'usb', path: '/x/s.img' } });
  assert.ok(usb.includes('qemu-xhci,id=xhci') && usb.includes('usb-storage,bus=xhci.0,drive=boot,bootindex=0'));
  assert.throws(() => qemuArguments({ firmware: 'uefi' }), /OVMF variable store/);
  assert.ok(qemuArguments({ firmware: 'uefi' }, '/tmp/vars.fd').some((a) => a.endsWith('file=/tmp/vars.fd')));
});

test('target disks on virtio, SATA (one AHCI controller), NVMe and USB (the medium\'s xHCI controller), each with a serial and an id the monitor names', () => {
  const args = qemuArguments({
    firmware: 'bios',
    media: { kind: 'usb', path: '/x/medium.iso', writable: true },
    disks: [
      { path: '/x/a.img', bus: 'virtio' },
      { path: '/x/b.img', bus: 'sata', serial: 'SATA-1' },
      { path: '/x/c.img', bus: 'sata', snapshot: true },
      { path: '/x/d,e.img', bus: 'nvme', serial: 'NVME-1', bootIndex: 1 },
      { path: '/x/f.img', bus: 'usb' },
    ],
    monitorSocket: '/run/m.sock',
  });
  const values = (flag: string) => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));
  assert.equal(values('-drive'), [
    'if=none,id=boot,format=raw,file=/x/medium.iso',
    'if=none,id=disk0,format=raw,file=/x/a.img',
    'if=none,id=disk1,format=raw,file=/x/b.img',
    'if=none,id=disk2,format=raw,snapshot=on,file=/x/c.img',
    'if=none,id=disk3,format=raw,file=/x/d,,e.img',
    'if=none,id=disk4,format=raw,file=/x/f.img',
  ], 'a writable medium is no snapshot; target disks are written unless snapshot');
  assert.equal(values('-device'), [
    'qemu-xhci,id=xhci',
    'usb-storage,bus=xhci.0,drive=boot,bootindex=0',
    'virtio-blk-pci,drive=disk0,id=disk0-device,serial=CAIRN-DISK0',
    'ahci,id=ahci',
    'ide-hd,drive=disk1,bus=ahci.0,id=disk1-device,serial=SATA-1',
    'ide-hd,drive=disk2,bus=ahci.1,id=disk2-device,serial=CAIRN-DISK2',
    'nvme,drive=disk3,id=disk3-device,serial=NVME-1,bootindex=1',
    'usb-storage,bus=xhci.0,drive=disk4,id=disk4-device,serial=CAIRN-DISK4',
  ]);
  assert.equal(values('-monitor'), ['unix:/run/m.sock,server=on,wait=off']);
  assert.ok(qemuArguments({ firmware: 'bios', media: { kind: 'disk', path: '/x/a.img' } }).includes('if=none,id=boot,format=raw,snapshot=on,file=/x/a.img'), 'a medium is a snapshot by default');
  assert.throws(() => qemuArguments({ firmware: 'bios', disks: [{ path: '/x', bus: 'nvme', serial: 'has space' }] }), /serial is 1 to 20 characters/);
  const sataMedium = qemuArguments({ firmware: 'bios', media: { kind: 'disk', path: '/x/a.img', bus: 'sata' }, disks: [{ path: '/x/b.img', bus: 'sata' }] });
  const devices = sataMedium.flatMap((a, i) => (sataMedium[i - 1] === '-device' ? [a] : []));
  assert.equal(devices, ['ahci,id=ahci', 'ide-hd,drive=boot,bus=ahci.0,bootindex=0', 'ide-hd,drive=disk0,bus=ahci.1,id=disk0-device,serial=CAIRN-DISK0'], 'one AHCI controller, a port each');
});

test('QEMU takes a disk on each bus; its monitor lists them, and drive_del takes one away', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-qemu-disks-'));
  const buses = ['virtio', 'sata', 'nvme', 'usb'] as const;
  const disks = buses.map((bus) => ({ path: join(dir, `${bus}.img`), bus }));
  for (const disk of disks) await writeFile(disk.path, Buffer.alloc(1024 * 1024));
  // Nothing to boot: SeaBIOS keeps looking while the monitor answers.
  const machine = await QemuMachine.start({ firmware: 'bios', disks });
  try {
    const before = await machine.monitor('info block', 120_000);
    for (const [index, disk] of disks.entries()) assert.match(before, new RegExp(`^disk${index} \\(#block\\d+\\): ${disk.path}`, 'm'), `${disk.bus} disk${index} is attached`);
    const pci = await machine.monitor('info qtree', 120_000);
    assert.match(pci, /dev: ich9-ahci, id "ahci"/);
    assert.match(pci, /dev: nvme[\s\S]*serial = "CAIRN-DISK2"/);
    assert.match(pci, /dev: virtio-blk-pci/);
    assert.match(pci, /dev: usb-storage/);
    await machine.monitor('drive_del disk0');
    const after = await machine.monitor('info block');
    assert.not.match(after, /^disk0 /m, 'the virtio disk is gone');
    assert.match(after, /^disk1 /m);
  } finally {
    await machine.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a wait stops at once when the guest reports a task blocked for four minutes, naming the task', async () => {
  const { kernel, initramfs } = await ensureTestSystem();
  // The report line as Debian's kernel printed it in a CI run, put on the guest's console where the guest prints
  // its command line.
  const report = 'INFO: task dmcrypt_write/2:391 blocked for more than 241 seconds.';
  const machine = await QemuMachine.start({ firmware: 'bios', kernel, initrd: initramfs, append: `console=ttyS0,115200 panic=-1 ${report}` });
  try {
    const started = Date.now();
    const error = await machine.waitFor(/a line that never comes/, { timeoutMs: 600_000 }).then(() => undefined, (failure: unknown) => failure);
    assert.instance(error, GuestHungError);
    assert.is((error as GuestHungError).task, 'dmcrypt_write/2:391');
    assert.match((error as GuestHungError).report, /INFO: task dmcrypt_write\/2:391 blocked for more than 241 seconds/, 'the report is quoted from its line');
    assert.match((error as Error).message, /\nIts first report:\n[^\n]*INFO: task dmcrypt_write/);
    assert.match((error as Error).message, /^the guest hung while waiting for \/a line that never comes\/: its kernel reports dmcrypt_write\/2:391 blocked for more than 241 seconds; no line from QEMU itself\n/);
    assert.ok(Date.now() - started < 300_000, 'well before the ten minutes asked for');
    // In the kernel's two copies of its command line or the test init's (a line can come out cut short under load).
    assert.match(machine.plainOutput, /(?:[Cc]ommand line: |CAIRN-TEST-INIT cmdline=\[)[^\n]*INFO: task dmcrypt_write/, 'the guest printed it');
  } finally {
    await machine.stop();
  }
});

test('each UEFI boot gets its own copy of the OVMF variable store, removed with its directory', async () => {
  const first = await prepareFirmwareFiles('uefi');
  const second = await prepareFirmwareFiles('uefi');
  try {
    assert.ok(first.varsCopy !== undefined && first.varsCopy !== second.varsCopy && first.varsCopy.startsWith(first.workDir));
    assert.is((await stat(first.varsCopy)).size, (await stat(second.varsCopy!)).size);
  } finally {
    await first.remove();
    await second.remove();
  }
  assert.not.ok(await stat(first.workDir).then(() => true, () => false), 'the directory is gone');
  const bios = await prepareFirmwareFiles('bios');
  assert.is(bios.varsCopy, undefined);
  await bios.remove();
});

test('terminal codes are stripped for matching', () => {
  assert.is(stripTerminalCodes('\u001b[2J\u001b[1;1H\u001b[0;30;47mGeneration 3\u001b[0m\r\n'), 'Generation 3\n');
});

for (const firmware of ['bios', 'uefi'] as const) {
  test(`the test kernel and initramfs boot directly under ${firmware === 'bios' ? 'SeaBIOS' : 'OVMF'} and report their command line`, async () => {
    const { kernel, initramfs } = await ensureTestSystem();
    const machine = await QemuMachine.start({ firmware, kernel, initrd: initramfs, append: `console=ttyS0,115200 quiet cairn.test=${firmware}-direct` });
    try {
      const match = await machine.waitFor(TEST_INIT_LINE, { timeoutMs: 180_000 });
      assert.match(match[1]!, new RegExp(`cairn\\.test=${firmware}-direct`));
      const exit = await machine.exited;
      assert.is(exit.code, 0, 'the init powered the machine off');
    } finally {
      await machine.stop();
    }
  });
}

test.run();
