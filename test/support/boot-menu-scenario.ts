/**
 * The installed-system boot scenario both loaders are tested with: three generations of the test kernel and
 * initramfs (each with `console=ttyS0,115200 quiet cairn.generation=N`; quiet, because every kernel message on
 * an emulated serial port costs time under TCG), `cairn boot install` onto an ESP
 * directory, that directory written into a GPT disk image, and the image booted under OVMF. The test
 * initramfs prints the kernel command line, which tells which generation came up.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine, type KeyName } from '../../lib/qemu.js';
import { TEST_INIT_LINE, ensureTestSystem } from '../../scripts/test-system.js';
import { cairnOk } from './cli.js';
import { writeEspDiskImage } from './esp-disk.js';
import { removeTree, temporaryDirectory } from './tree.js';

export interface BootScenario {
  readonly dir: string;
  readonly root: string;
  readonly esp: string;
  readonly loader: 'systemd-boot' | 'grub';
  /** Toplevel of each generation, by number. */
  readonly toplevels: ReadonlyMap<number, string>;
}

async function createBootScenario(loader: 'systemd-boot' | 'grub'): Promise<BootScenario> {
  const { kernel, initramfs } = await ensureTestSystem();
  const dir = await temporaryDirectory(`cairn-boot-${loader}-`);
  const root = join(dir, 'root');
  const esp = join(dir, 'esp');
  const toplevels = new Map<number, string>();
  for (const n of [1, 2, 3]) {
    const added = await cairnOk(
      ['generation', 'add', '--root', root, '--kernel', kernel, '--initrd', initramfs, '--param', 'console=ttyS0,115200', '--param', 'quiet', '--param', `cairn.generation=${n}`, '--label', `Test system ${n}`, '--json'],
      { env: { SOURCE_DATE_EPOCH: String(1795176000 + n * 86400) } },
    );
    const parsed = JSON.parse(added.stdout) as { number: number; toplevel: string };
    assert.is(parsed.number, n);
    toplevels.set(n, parsed.toplevel);
  }
  await mkdir(esp);
  await cairnOk(['boot', 'install', '--esp', esp, '--root', root, '--loader', loader, '--allow-non-fat', '--timeout', '2', ...(loader === 'grub' ? ['--serial'] : [])]);
  return { dir, root, esp, loader, toplevels };
}

async function removeBootScenario(scenario: BootScenario): Promise<void> {
  await removeTree(scenario.dir);
}

/**
 * Writes the ESP into a fresh disk image, boots it under OVMF and returns the kernel command line the test
 * init reported. `keys`: once `menuText` is on the serial console, these keys are pressed.
 */
async function bootScenario(scenario: BootScenario, keys?: { readonly menuText: RegExp; readonly keys: readonly KeyName[] }): Promise<string[]> {
  const image = join(scenario.dir, 'disk.img');
  await writeEspDiskImage(scenario.esp, image);
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: image } });
  try {
    if (keys !== undefined) {
      await machine.waitFor(keys.menuText, { timeoutMs: 120_000 });
      await machine.press(keys.keys);
    }
    const match = await machine.waitFor(TEST_INIT_LINE, { timeoutMs: 180_000 });
    return match[1]!.split(' ').filter((p) => p !== '');
  } finally {
    await machine.stop();
  }
}

/** Checks that a command line is generation `n`'s: its init, then its own parameters, in order. */
function assertBootedGeneration(scenario: BootScenario, cmdline: readonly string[], n: number): void {
  const expected = [`init=${scenario.toplevels.get(n)}/init`, 'console=ttyS0,115200', 'quiet', `cairn.generation=${n}`];
  const start = cmdline.indexOf(expected[0]!);
  assert.ok(start >= 0, `generation ${n} booted: ${cmdline.join(' ')}`);
  assert.equal(cmdline.slice(start, start + expected.length), expected, `generation ${n}'s parameters in order`);
  assert.equal(cmdline.filter((p) => p.startsWith('cairn.generation=')), [`cairn.generation=${n}`]);
}

/**
 * The three checks, one VM boot each: the default entry boots the current generation; the arrow keys on
 * the serial console choose an older one; after `generation rollback` + `boot update` the default is the
 * previous generation.
 */
export function runBootMenuChecks(loader: 'systemd-boot' | 'grub', title: string): void {
  const boot = suite<{ scenario: BootScenario }>(`${title} on a GPT disk under OVMF`);
  boot.before(async (context) => {
    context.scenario = await createBootScenario(loader);
  });
  boot.after(async (context) => {
    await removeBootScenario(context.scenario);
  });
  boot('the default entry boots the current generation', async ({ scenario }) => {
    assertBootedGeneration(scenario, await bootScenario(scenario), 3);
  });
  boot('choosing an older generation with the arrow keys on the serial console boots it', async ({ scenario }) => {
    // The menu lists generation 3 (the default) first; one step down is generation 2.
    const cmdline = await bootScenario(scenario, { menuText: /Generation 1 - 2026-11-2\d - Test system 1/, keys: ['down', 'enter'] });
    assertBootedGeneration(scenario, cmdline, 2);
  });
  boot('after generation rollback and boot update, the default is the previous generation', async ({ scenario }) => {
    await cairnOk(['generation', 'rollback', '--root', scenario.root]);
    await cairnOk(['boot', 'update', '--esp', scenario.esp, '--root', scenario.root, '--allow-non-fat', '--timeout', '2', ...(loader === 'grub' ? ['--serial'] : [])]);
    assertBootedGeneration(scenario, await bootScenario(scenario), 2);
  });
  boot.run();
}
