/**
 * `cairn boot` on a disk that boots on BIOS and UEFI: `boot install --firmware both --disk` puts GRUB for
 * BIOS in the disk's first sectors and both menus on the ESP; after `generation rollback` and `boot update`
 * both menus default to the previous generation; a `boot update` interrupted after any of its steps leaves
 * a disk that SeaBIOS still boots, into the default the ESP's grub.cfg names. The ESP is a directory written
 * into the disk's ESP partition before each boot (test/support/bios-esp-disk.ts); each boot is one VM (TCG).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppliedStep } from '../../bootloader/esp-apply.js';
import { inspectEsp } from '../../bootloader/esp-inspect.js';
import { isTemporaryName } from '../../bootloader/esp-layout.js';
import { updateEsp } from '../../bootloader/esp-update.js';
import { parseGrubConfig } from '../../bootloader/grub.js';
import { ensureTestSystem } from '../../scripts/test-system.js';
import { DEFAULT_PROFILE } from '../../system/profile.js';
import { copySparse, partitionBiosEspDisk, writeEspTreeInto } from '../support/bios-esp-disk.js';
import { cairnOk } from '../support/cli.js';
import { contentSnapshot, copyTree } from '../support/esp.js';
import { bootDisk, type BootedSystem } from '../support/installed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  root: string;
  esp: string;
  image: string;
  kernel: string;
  initramfs: string;
  toplevels: Map<number, string>;
}

const DAY = 86400;

/**
 * Generation `n` of the test system (no_timer_check: on a loaded machine TCG's timer can lag the kernel's
 * IO-APIC check, which then panics); `pad` NUL bytes after the initramfs make its initrd a distinct boot file (the kernel skips NULs between archives). */
async function addGeneration(context: Context, n: number, pad: number): Promise<void> {
  let initrd = context.initramfs;
  if (pad > 0) {
    initrd = join(context.dir, `initrd-${n}`);
    await writeFile(initrd, Buffer.concat([await readFile(context.initramfs), Buffer.alloc(pad)]));
  }
  const added = await cairnOk(
    ['generation', 'add', '--root', context.root, '--kernel', context.kernel, '--initrd', initrd, '--param', 'console=ttyS0,115200', '--param', 'quiet', '--param', 'no_timer_check', '--param', `cairn.generation=${n}`, '--label', `Test system ${n}`, '--json'],
    { env: { SOURCE_DATE_EPOCH: String(1795176000 + n * DAY) } },
  );
  const parsed = JSON.parse(added.stdout) as { number: number; toplevel: string };
  assert.is(parsed.number, n);
  context.toplevels.set(n, parsed.toplevel);
}

const ESP_OPTIONS = ['--allow-non-fat', '--serial', '--timeout', '2'];

/** The generation a boot came up in: its init is that generation's, and so is its own parameter. */
function bootedGeneration(context: Context, booted: BootedSystem): number {
  const marks = booted.cmdline.filter((p) => p.startsWith('cairn.generation='));
  assert.is(marks.length, 1, booted.cmdline.join(' '));
  const n = Number(marks[0]!.slice('cairn.generation='.length));
  assert.ok(booted.cmdline.includes(`init=${context.toplevels.get(n)}/init`), `generation ${n}'s init in ${booted.cmdline.join(' ')}`);
  return n;
}

const boot = suite<Context>('GRUB for BIOS beside systemd-boot: boot install, rollback, interrupted updates');

boot.before(async (context) => {
  const system = await ensureTestSystem();
  context.kernel = system.kernel;
  context.initramfs = system.initramfs;
  context.dir = await temporaryDirectory('cairn-grub-bios-');
  context.root = join(context.dir, 'root');
  context.esp = join(context.dir, 'esp');
  context.image = join(context.dir, 'disk.img');
  context.toplevels = new Map();
  await addGeneration(context, 1, 512);
  await addGeneration(context, 2, 0);
  await addGeneration(context, 3, 0);
  await mkdir(context.esp);
  await partitionBiosEspDisk(context.image, context.dir);
});

boot.after(async (context) => {
  await removeTree(context.dir);
});

boot('boot install --firmware both --disk: GRUB for BIOS in the disk, both menus on the ESP, and SeaBIOS boots the current generation', async (context) => {
  const installed = await cairnOk(['boot', 'install', '--esp', context.esp, '--root', context.root, '--firmware', 'both', '--disk', context.image, ...ESP_OPTIONS]);
  assert.match(installed.stdout, /\(systemd-boot for UEFI, GRUB for BIOS\): 3 entries, default Generation 3/);
  assert.match(installed.stdout, /wrote GRUB for BIOS on image file .*disk\.img \(128M\): core\.img \(\d+ sectors\) in the BIOS boot partition \(partition 1\) at sector 2048, the menu read from the ESP \(partition 2, volume id [0-9A-F]{4}-[0-9A-F]{4}\)/);
  const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', context.esp, '--json'])).stdout) as { firmware: string; defaultId: string; biosMenu: { defaultId: string } };
  assert.equal([listed.firmware, listed.defaultId, listed.biosMenu.defaultId], ['both', 'cairn-generation-3', 'cairn-generation-3']);
  await writeEspTreeInto(context.image, context.esp);
  const booted = await bootDisk(context.image, { firmware: 'bios', bus: 'ide' });
  assert.ok(booted.console.includes('GNU GRUB'));
  assert.is(bootedGeneration(context, booted), 3);
});

boot('after generation rollback and boot update, both firmware menus default to the previous generation, and both boot it', async (context) => {
  await cairnOk(['generation', 'rollback', '--root', context.root]);
  const updated = JSON.parse((await cairnOk(['boot', 'update', '--esp', context.esp, '--root', context.root, ...ESP_OPTIONS, '--json'])).stdout) as { firmware: string; menus: string[]; default: string };
  assert.equal([updated.firmware, updated.menus, updated.default], ['both', ['systemd-boot', 'grub'], 'cairn-generation-2'], 'the update keeps the BIOS menu in step without being told');
  const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', context.esp, '--json'])).stdout) as { defaultId: string; biosMenu: { defaultId: string } };
  assert.equal([listed.defaultId, listed.biosMenu.defaultId], ['cairn-generation-2', 'cairn-generation-2']);
  await writeEspTreeInto(context.image, context.esp);
  assert.is(bootedGeneration(context, await bootDisk(context.image, { firmware: 'bios', bus: 'sata' })), 2, 'SeaBIOS');
  assert.is(bootedGeneration(context, await bootDisk(context.image, { firmware: 'uefi' })), 2, 'OVMF');
});

boot('a boot update interrupted after any step leaves a disk SeaBIOS boots, into the default its grub.cfg names', async (context) => {
  const before = join(context.dir, 'esp-before');
  await copyTree(context.esp, before);
  // The next state: generation 1 goes (its initrd with it) and generation 4 comes with its own initrd.
  await cairnOk(['generation', 'delete', '1', '--root', context.root]);
  await addGeneration(context, 4, 1024);
  const update = (esp: string, afterStep?: (step: AppliedStep) => void) =>
    updateEsp({ esp, root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true, serial: true, timeout: 2, ...(afterStep === undefined ? {} : { afterStep }) });
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
      const generation = bootedGeneration(context, await bootDisk(disk, { firmware: 'bios', bus: 'ide' }));
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

boot.run();
