import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine, type Firmware, type KeyName, type MediaKind } from '../../lib/qemu.js';
import { TEST_INIT_LINE } from '../../scripts/test-system.js';
import { buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  iso: string;
}

const boots = suite<Context>('the bootable ISO in QEMU');

boots.before(async (context) => {
  context.dir = await temporaryDirectory();
  const { root } = await makeExampleSystem(context.dir);
  context.iso = await buildIso(await writeBootableSpec(context.dir, root), join(context.dir, 'live.iso'));
});

boots.after(async (context) => {
  await removeTree(context.dir);
});

/** Boots the ISO, optionally choosing an entry with keys once the menu shows; returns the kernel command line. */
async function boot(iso: string, firmware: Firmware, kind: MediaKind, keys: readonly KeyName[] = []): Promise<string> {
  const machine = await QemuMachine.start({ firmware, media: { kind, path: iso } });
  try {
    if (keys.length > 0) {
      // isolinux draws each character twice on the serial line: match loosely.
      await machine.waitFor(/G+e+n+e+r+a+t+i+o+n+ +1/, { timeoutMs: 240_000 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await machine.press(keys);
    }
    return (await machine.waitFor(TEST_INIT_LINE, { timeoutMs: 240_000 }))[1]!;
  } finally {
    await machine.stop();
  }
}

const MODES: [Firmware, MediaKind, string][] = [
  ['bios', 'cdrom', 'SeaBIOS from a CD'],
  ['bios', 'usb', 'SeaBIOS from a USB stick'],
  ['uefi', 'cdrom', 'OVMF from a CD'],
  ['uefi', 'usb', 'OVMF from a USB stick'],
];

for (const [firmware, kind, title] of MODES) {
  boots(`${title}: the current generation boots by default`, async (context) => {
    const cmdline = await boot(context.iso, firmware, kind);
    assert.match(cmdline, /cairn\.example=3( |$)/);
    assert.match(cmdline, /init=\/cairn\/store\/[0-9a-z]{32}-cairn-system\/init/);
  });
}

boots('SeaBIOS: choosing the oldest generation with the arrow keys boots it', async (context) => {
  assert.match(await boot(context.iso, 'bios', 'cdrom', ['down', 'down', 'enter']), /cairn\.example=1( |$)/);
});

boots('OVMF: choosing the oldest generation with the arrow keys boots it', async (context) => {
  assert.match(await boot(context.iso, 'uefi', 'usb', ['down', 'down', 'enter']), /cairn\.example=1( |$)/);
});

boots.run();
