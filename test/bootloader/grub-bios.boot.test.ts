/**
 * `cairn boot` on a disk that boots on BIOS and UEFI: `boot install --firmware both --disk` puts GRUB for
 * BIOS in the disk's first sectors and both menus on the ESP; after `generation rollback` and `boot update`
 * both menus default to the previous generation; a `boot update` interrupted after any of its steps leaves
 * a disk that SeaBIOS still boots, into the default the ESP's grub.cfg names. The system is the example built
 * for real (`cairn system build`), and a fourth generation built the same way with its own initramfs; the
 * disk's root is filled from their store, and the ESP is a directory written into the disk's ESP partition
 * before each boot (test/support/bios-esp-disk.ts). Each boot is one VM (TCG): the default and the rollback
 * boot to the login prompt and the example's user logs in and reads which generation runs; the boots after
 * each interrupted update stop at the line the generation's own stage 2 prints once stage 1 has mounted the
 * root (its label), which is what proves the disk boots, and into which generation.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppliedStep } from '../../bootloader/esp-apply.js';
import { inspectEsp } from '../../bootloader/esp-inspect.js';
import { isTemporaryName } from '../../bootloader/esp-layout.js';
import { updateEsp } from '../../bootloader/esp-update.js';
import { parseGrubConfig } from '../../bootloader/grub.js';
import { run } from '../../lib/run.js';
import { ensureTestKernelPackage } from '../../scripts/test-system.js';
import { DEFAULT_PROFILE } from '../../system/profile.js';
import { copySparse, partitionBiosEspDisk, writeEspTreeInto } from '../support/bios-esp-disk.js';
import { builtExampleSystem, EXAMPLE_EPOCH, EXAMPLE_HOST, EXAMPLE_USER } from '../support/built-system.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { contentSnapshot, copyTree } from '../support/esp.js';
import { assertBootedGeneration, bootDisk, type BootedSystem, type BootOptions } from '../support/installed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  /** The machine's root that `cairn generation` and `cairn boot` work on: the example's three generations, then a fourth. */
  root: string;
  esp: string;
  image: string;
  rootUuid: string;
  /** The specs of examples/system with this machine's kernel package, and generation-4.system.yaml. */
  specs: string;
  /** Parameters every entry gets besides the generation's own (as `cairn install` gives them). */
  params: string[];
  toplevels: Map<number, string>;
  labels: Map<number, string>;
}

const DAY = 86400;
/** Generation 4: generation 3's spec with its own label and an uncompressed initramfs (another boot file). */
const GENERATION_4 = { label: 'Cairn example 1.3', epoch: EXAMPLE_EPOCH + DAY };

/** Writes the example's specs with the test kernel package into `specs`, and generation 4's beside them. */
async function writeSpecs(specs: string): Promise<void> {
  const deb = await ensureTestKernelPackage();
  const examples = join(repoRoot, 'examples', 'system');
  await mkdir(specs);
  for (const name of await readdir(examples)) {
    const text = (await readFile(join(examples, name), 'utf8')).replace(/package: \S+/, `package: ${deb}`);
    await writeFile(join(specs, name), text);
    if (name === 'generation-3.system.yaml') {
      await writeFile(join(specs, 'generation-4.system.yaml'), `${text.replace(/^label: .*$/m, `label: ${GENERATION_4.label}`)}boot: { initrd: { compression: none } }\n`);
    }
  }
}

/** `cairn system build` of generation 4 into `root`; returns its toplevel. */
async function buildGeneration4(context: Context, root: string): Promise<string> {
  const built = await cairnOk(['system', 'build', join(context.specs, 'generation-4.system.yaml'), '--root', root, '--json'], { env: { SOURCE_DATE_EPOCH: String(GENERATION_4.epoch) } });
  const parsed = JSON.parse(built.stdout) as { number: number; toplevel: string };
  assert.is(parsed.number, 4);
  return parsed.toplevel;
}

/** Boots the disk, and with `login`, on to the login prompt as the example's user. */
function boot(image: string, options: Omit<BootOptions, 'login'>, login: boolean): Promise<BootedSystem> {
  return bootDisk(image, { ...options, ...(login ? { login: { user: EXAMPLE_USER.name, password: EXAMPLE_USER.password } } : {}) });
}

/** The generation a boot came up in (by the label its stage 2 printed), checked against what that generation is. */
function bootedGeneration(context: Context, booted: BootedSystem, why: string): number {
  const n = [...context.labels].find(([, label]) => label === booted.stage2.label)?.[0];
  assert.ok(n !== undefined, `${why}: stage 2 of a known generation ran (${booted.stage2.label})`);
  assertBootedGeneration(booted, { toplevel: context.toplevels.get(n)!, label: context.labels.get(n)!, hostName: EXAMPLE_HOST, rootUuid: context.rootUuid }, why);
  return n;
}

const test = suite<Context>('GRUB for BIOS beside systemd-boot: boot install, rollback, interrupted updates');

test.before(async (context) => {
  const system = await builtExampleSystem();
  context.dir = await temporaryDirectory('cairn-grub-bios-');
  context.root = join(context.dir, 'root');
  context.esp = join(context.dir, 'esp');
  context.image = join(context.dir, 'disk.img');
  context.specs = join(context.dir, 'specs');
  context.toplevels = new Map(system.toplevels);
  context.labels = new Map([...system.labels, [4, GENERATION_4.label]]);
  await writeSpecs(context.specs);
  await run('cp', ['-a', system.root, context.root]);
  // The disk's root holds generation 4 from the start (the machine's profile gets it later): its store is
  // the example's with generation 4 built into it.
  const diskRoot = join(context.dir, 'disk-root');
  await run('cp', ['-a', system.root, diskRoot]);
  context.toplevels.set(4, await buildGeneration4(context, diskRoot));
  context.rootUuid = await partitionBiosEspDisk(context.image, context.dir, diskRoot);
  await removeTree(diskRoot);
  // As `cairn install` gives them: the root, and no reboot loop on a panic; no_timer_check: on a loaded
  // machine TCG's timer can lag the kernel's IO-APIC check, which then panics.
  context.params = [`root=UUID=${context.rootUuid}`, 'panic=-1', 'no_timer_check'];
  await mkdir(context.esp);
});

test.after(async (context) => {
  await removeTree(context.dir);
});

function espOptions(context: Context): string[] {
  return ['--allow-non-fat', '--serial', '--timeout', '2', ...context.params.flatMap((p) => ['--param', p])];
}

test('boot install --firmware both --disk: GRUB for BIOS in the disk, both menus on the ESP, and SeaBIOS boots the current generation to login', async (context) => {
  const installed = await cairnOk(['boot', 'install', '--esp', context.esp, '--root', context.root, '--firmware', 'both', '--disk', context.image, ...espOptions(context)]);
  assert.match(installed.stdout, /\(systemd-boot for UEFI, GRUB for BIOS\): 3 entries, default Generation 3/);
  assert.match(installed.stdout, /wrote GRUB for BIOS on image file .*disk\.img \(384M\): core\.img \(\d+ sectors\) in the BIOS boot partition \(partition 1\) at sector 2048, the menu read from the ESP \(partition 2, volume id [0-9A-F]{4}-[0-9A-F]{4}\)/);
  const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', context.esp, '--json'])).stdout) as { firmware: string; defaultId: string; biosMenu: { defaultId: string } };
  assert.equal([listed.firmware, listed.defaultId, listed.biosMenu.defaultId], ['both', 'cairn-generation-3', 'cairn-generation-3']);
  await writeEspTreeInto(context.image, context.esp);
  const booted = await boot(context.image, { firmware: 'bios', bus: 'ide' }, true);
  assert.ok(booted.console.includes('GNU GRUB'));
  assert.is(bootedGeneration(context, booted, 'SeaBIOS'), 3);
});

test('after generation rollback and boot update, both firmware menus default to the previous generation, and both boot it to login', async (context) => {
  await cairnOk(['generation', 'rollback', '--root', context.root]);
  const updated = JSON.parse((await cairnOk(['boot', 'update', '--esp', context.esp, '--root', context.root, ...espOptions(context), '--json'])).stdout) as { firmware: string; menus: string[]; default: string };
  assert.equal([updated.firmware, updated.menus, updated.default], ['both', ['systemd-boot', 'grub'], 'cairn-generation-2'], 'the update keeps the BIOS menu in step without being told');
  const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', context.esp, '--json'])).stdout) as { defaultId: string; biosMenu: { defaultId: string } };
  assert.equal([listed.defaultId, listed.biosMenu.defaultId], ['cairn-generation-2', 'cairn-generation-2']);
  await writeEspTreeInto(context.image, context.esp);
  assert.is(bootedGeneration(context, await boot(context.image, { firmware: 'bios', bus: 'sata' }, true), 'SeaBIOS'), 2, 'SeaBIOS');
  assert.is(bootedGeneration(context, await boot(context.image, { firmware: 'uefi' }, true), 'OVMF'), 2, 'OVMF');
});

test('a boot update interrupted after any step leaves a disk SeaBIOS boots, into the default its grub.cfg names', async (context) => {
  const before = join(context.dir, 'esp-before');
  await copyTree(context.esp, before);
  // The next state: generation 1 goes and generation 4 comes, with its own initramfs (the same build as on
  // the disk: the same inputs make the same toplevel).
  await cairnOk(['generation', 'delete', '1', '--root', context.root]);
  assert.is(await buildGeneration4(context, context.root), context.toplevels.get(4));
  const update = (esp: string, afterStep?: (step: AppliedStep) => void) =>
    updateEsp({ esp, root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true, serial: true, timeout: 2, extraParams: context.params, ...(afterStep === undefined ? {} : { afterStep }) });
  const reference = join(context.dir, 'esp-reference');
  await copyTree(before, reference);
  const steps: AppliedStep[] = [];
  const { plan } = await update(reference, (step) => steps.push(step));
  assert.is(plan.firmware, 'both');
  assert.ok(steps.some((s) => s.path === 'grub/grub.cfg') && steps.some((s) => s.kind === 'remove'), `the update rewrites grub.cfg and removes stale files (${steps.length} steps)`);
  const final = await contentSnapshot(reference);

  const booted = new Map<string, number>();
  for (let k = 1; k <= steps.length; k++) {
    const esp = join(context.dir, `esp-${k}`);
    await copyTree(before, esp);
    try {
      await update(esp, (step) => {
        if (step.index === k) throw new Error(`injected fault after step ${k}`);
      });
      assert.unreachable(`the fault after step ${k} stops the update`);
    } catch (error) {
      assert.match((error as Error).message, new RegExp(`injected fault after step ${k}$`));
    }
    const report = await inspectEsp(esp);
    assert.equal(report.problems, [], `after step ${k}: both menus readable, every entry's files there`);
    const grubDefault = parseGrubConfig(await readFile(join(esp, 'grub/grub.cfg'), 'utf8')).defaultId;
    assert.ok(grubDefault === 'cairn-generation-2' || grubDefault === 'cairn-generation-4', `after step ${k}: GRUB's default is the old or the new one (${grubDefault})`);
    // What SeaBIOS and GRUB see: the ESP's files without the temporaries of the interrupted write.
    const state = (await contentSnapshot(esp)).filter((line) => !isTemporaryName(line.split(' ')[0]!.split('/').pop()!)).join('\n');
    if (!booted.has(state)) {
      const disk = join(context.dir, `disk-${k}.img`);
      await copySparse(context.image, disk);
      await writeEspTreeInto(disk, esp);
      const generation = bootedGeneration(context, await boot(disk, { firmware: 'bios', bus: 'ide' }, false), `after step ${k}`);
      assert.is(`cairn-generation-${generation}`, grubDefault, `after step ${k}: SeaBIOS boots GRUB's default`);
      booted.set(state, generation);
      await removeTree(disk);
    }
    await update(esp);
    assert.equal(await contentSnapshot(esp), final, `a rerun after step ${k} completes the update`);
    await removeTree(esp);
  }
  assert.ok(new Set(booted.values()).size === 2, `states before and after grub.cfg's rename were booted (${[...booted.values()].join(', ')})`);
});

test.run();
