import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine, type Firmware, type KeyName, type MediaKind } from '../../lib/qemu.js';
import { TEST_INIT_LINE } from '../../scripts/test-system.js';
import { buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { cairnOk } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  iso: string;
  /** Each generation's init, as Cairn's boot entries name it (init=<toplevel>/init). */
  inits: Map<number, string>;
}

const boots = suite<Context>('the bootable ISO in QEMU');

boots.before(async (context) => {
  context.dir = await temporaryDirectory();
  const { root } = await makeExampleSystem(context.dir);
  context.iso = await buildIso(await writeBootableSpec(context.dir, root), join(context.dir, 'live.iso'));
  const listed = JSON.parse((await cairnOk(['generation', 'list', '--root', root, '--json'])).stdout) as { generations: { number: number; init: string }[] };
  context.inits = new Map(listed.generations.map((g) => [g.number, g.init]));
});

/** The command line is the one Cairn's menu entry for generation `n` gives: its init, then its own parameters. */
function assertBootedGeneration(cmdline: string, n: number, inits: Map<number, string>): void {
  const words = cmdline.split(' ');
  assert.ok(words.includes(`init=${inits.get(n)}`), `generation ${n}'s init (${inits.get(n)}) booted: ${cmdline}`);
  assert.equal(words.filter((w) => w.startsWith('init=')).length, 1);
  assert.equal(words.filter((w) => w.startsWith('cairn.example=')), [`cairn.example=${n}`]);
}

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
    assertBootedGeneration(await boot(context.iso, firmware, kind), 3, context.inits);
  });
}

boots('SeaBIOS: choosing the oldest generation with the arrow keys boots it', async (context) => {
  assertBootedGeneration(await boot(context.iso, 'bios', 'cdrom', ['down', 'down', 'enter']), 1, context.inits);
});

boots('OVMF: choosing the oldest generation with the arrow keys boots it', async (context) => {
  assertBootedGeneration(await boot(context.iso, 'uefi', 'usb', ['down', 'down', 'enter']), 1, context.inits);
});

boots.run();
