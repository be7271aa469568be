import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stat } from 'node:fs/promises';
import { QemuMachine, prepareFirmwareFiles, qemuArguments, stripTerminalCodes } from '../../lib/qemu.js';
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
