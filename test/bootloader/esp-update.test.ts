import { mkdir, readdir, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AppliedStep } from '../../bootloader/esp-apply.js';
import { inspectEsp } from '../../bootloader/esp-inspect.js';
import type { EspLoader } from '../../bootloader/esp-layout.js';
import { installBootLoader, updateEsp, type EspUpdateOptions } from '../../bootloader/esp-update.js';
import { findSystemdBoot } from '../../bootloader/loader-binaries.js';
import { DomainError, UserError } from '../../lib/errors.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { DEFAULT_PROFILE, deleteGenerations, readProfile, rollback } from '../../system/profile.js';
import { assertRejects, contentSnapshot, copyTree, emptyDirectory, mountTmpfs, unmount } from '../support/esp.js';
import { addDiskGeneration } from '../support/profiles.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  root: string;
  esp: string;
  /** Host files used as kernels and initrds, by name. */
  files: Record<string, string>;
}

const LOADERS: readonly EspLoader[] = ['systemd-boot', 'grub'];
const KIB = 1024;

async function makeFile(context: Context, name: string, size: number): Promise<string> {
  const path = join(context.dir, name);
  // Distinct content per name, padded to the size wanted.
  await writeFile(path, Buffer.concat([Buffer.from(`${name}\n`), Buffer.alloc(Math.max(0, size - name.length - 1), name.charCodeAt(name.length - 1))]));
  context.files[name] = path;
  return path;
}

function update(context: Context, loader: EspLoader, options: Partial<EspUpdateOptions> = {}) {
  return updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, loader, allowNonFat: true, timeout: 3, ...options });
}

async function addGeneration(context: Context, kernel: string, options: { initrd?: string; label?: string; day?: number } = {}): Promise<number> {
  return addDiskGeneration(context.root, {
    kernel: context.files[kernel]!,
    initrd: context.files[options.initrd ?? 'initrd']!,
    params: ['console=ttyS0,115200'],
    label: options.label ?? `Cairn with ${kernel}`,
    date: new Date(Date.UTC(2026, 10, options.day ?? 20, 12)),
  });
}

/** What must hold after every step: a readable configuration whose default entry boots and whose entries' files exist. */
async function assertBootable(esp: string, why: string): Promise<string> {
  const report = await inspectEsp(esp);
  assert.equal(report.problems, [], `${why}: no problems`);
  assert.ok(report.entries.length > 0, `${why}: entries`);
  const chosen = report.entries.find((e) => e.isDefault);
  assert.ok(chosen !== undefined, `${why}: a default entry`);
  assert.equal(chosen.missing, [], `${why}: the default entry's files exist`);
  return chosen.id;
}

function injectedAt(k: number): (step: AppliedStep) => void {
  return (step) => {
    if (step.index === k) throw new Error(`injected fault after step ${k} (${step.kind} ${step.path})`);
  };
}

const esp = suite<Context>('ESP update');

esp.before.each(async (context) => {
  context.dir = await temporaryDirectory('cairn-esp-');
  context.root = join(context.dir, 'root');
  context.esp = join(context.dir, 'esp');
  context.files = {};
  await mkdir(context.esp);
  for (const name of ['kernel-a', 'kernel-b', 'kernel-c']) await makeFile(context, name, 3 * KIB);
  await makeFile(context, 'initrd', 2 * KIB);
});

esp.after.each(async (context) => {
  await removeTree(context.dir);
});

for (const loader of LOADERS) {
  esp(`${loader}: each distinct kernel and initrd once, one entry per generation newest first, and a rerun changes nothing`, async (context) => {
    await addGeneration(context, 'kernel-a');
    await addGeneration(context, 'kernel-a');
    await addGeneration(context, 'kernel-b');
    const first = await update(context, loader);
    assert.ok(first.applied);
    const boot = (await readdir(join(context.esp, 'EFI/cairn'))).sort();
    assert.is(boot.length, 3, 'two kernels and one initrd');
    for (const name of boot) assert.match(name, /^[0-9a-z]{32}-(linux-bzImage|initrd)$/);
    const report = await inspectEsp(context.esp);
    assert.is(report.loader, loader);
    assert.equal(report.entries.map((e) => e.id), ['cairn-generation-3', 'cairn-generation-2', 'cairn-generation-1']);
    assert.is(report.defaultId, 'cairn-generation-3');
    assert.is(report.timeout, 3);
    assert.equal(report.problems, []);
    assert.equal(report.files.map((f) => f.usedBy.length).sort(), [1, 2, 3]);

    const again = await update(context, loader);
    assert.equal(again.plan.steps, [], 'nothing to do the second time');

    // Same profile, another ESP: the same bytes.
    const other = join(context.dir, 'esp-2');
    await mkdir(other);
    await updateEsp({ esp: other, root: context.root, profile: DEFAULT_PROFILE, loader, allowNonFat: true, timeout: 3 });
    assert.equal(await contentSnapshot(other), await contentSnapshot(context.esp));
  });

  esp(`${loader}: after a rollback the update makes the previous generation the default`, async (context) => {
    await addGeneration(context, 'kernel-a');
    await addGeneration(context, 'kernel-b');
    await update(context, loader);
    assert.is((await inspectEsp(context.esp)).defaultId, 'cairn-generation-2');
    await rollback(context.root, await readProfile(context.root, DEFAULT_PROFILE));
    const result = await update(context, loader);
    assert.equal(result.plan.steps.map((s) => s.path), [loader === 'grub' ? 'grub/grub.cfg' : 'loader/loader.conf'], 'only the configuration changes');
    const report = await inspectEsp(context.esp);
    assert.is(report.defaultId, 'cairn-generation-1');
    assert.equal(report.entries.map((e) => e.id), ['cairn-generation-2', 'cairn-generation-1'], 'the menu order stays newest first');
  });

  esp(`${loader}: new files first, then entries, then the configuration, stale entries and then stale kernels last`, async (context) => {
    await addGeneration(context, 'kernel-a');
    await addGeneration(context, 'kernel-b');
    await update(context, loader);
    await deleteGenerations(context.root, await readProfile(context.root, DEFAULT_PROFILE), [1]);
    await addGeneration(context, 'kernel-c');
    const { plan } = await update(context, loader, { timeout: 4 });
    const order = plan.steps.map((s) => `${s.kind} ${s.kind === 'write' ? s.role : s.reason}`);
    const expected =
      loader === 'grub'
        ? ['write boot-file', 'write config', 'remove stale']
        : ['write boot-file', 'write entry', 'write config', 'remove stale', 'remove stale'];
    assert.equal(order, expected);
    assert.match(plan.steps.at(-1)!.path, /^EFI\/cairn\/.*-linux-bzImage$/, 'the stale kernel goes last');
    assert.equal(plan.stale.length, loader === 'grub' ? 1 : 2);
    await assertBootable(context.esp, 'after the update');
  });

  esp(`${loader}: interrupted after every single change, the ESP still boots its default and a rerun completes`, async (context) => {
    await addGeneration(context, 'kernel-a', { day: 20 });
    await addGeneration(context, 'kernel-b', { day: 21 });
    await addGeneration(context, 'kernel-b', { day: 22 });
    await update(context, loader);
    const before = join(context.dir, 'esp-before');
    await copyTree(context.esp, before);
    // The next state: generation 1 (the only user of kernel A) goes, generation 4 brings kernel C.
    await deleteGenerations(context.root, await readProfile(context.root, DEFAULT_PROFILE), [1]);
    await addGeneration(context, 'kernel-c', { day: 23 });
    const reference = join(context.dir, 'esp-reference');
    await copyTree(before, reference);
    let changes = 0;
    await updateEsp({ esp: reference, root: context.root, profile: DEFAULT_PROFILE, loader, allowNonFat: true, timeout: 4, afterStep: () => (changes += 1) });
    const final = await contentSnapshot(reference);
    assert.ok(changes >= (loader === 'grub' ? 5 : 8), `every change counted (${changes})`);

    for (let k = 1; k <= changes; k++) {
      const target = join(context.dir, `esp-${k}`);
      await copyTree(before, target);
      const options = { esp: target, root: context.root, profile: DEFAULT_PROFILE, loader, allowNonFat: true, timeout: 4 } as const;
      try {
        await updateEsp({ ...options, afterStep: injectedAt(k) });
        assert.unreachable(`the fault after step ${k} stops the update`);
      } catch (error) {
        assert.match((error as Error).message, new RegExp(`injected fault after step ${k} `));
      }
      const defaultId = await assertBootable(target, `interrupted after step ${k}`);
      assert.ok(['cairn-generation-3', 'cairn-generation-4'].includes(defaultId), `the default is the old or the new one (${defaultId})`);
      await updateEsp(options);
      assert.equal(await contentSnapshot(target), final, `a rerun after step ${k} completes the update`);
      await removeTree(target);
    }
  });
}

esp('switching from systemd-boot to GRUB, interrupted after every change, always boots one of them', async (context) => {
  await addGeneration(context, 'kernel-a');
  await addGeneration(context, 'kernel-b');
  const install = (target: string, loader: EspLoader, afterStep?: (step: AppliedStep) => void) =>
    installBootLoader({ esp: target, root: context.root, profile: DEFAULT_PROFILE, loader, allowNonFat: true, timeout: 3, ...(afterStep ? { afterStep } : {}) });
  await install(context.esp, 'systemd-boot');
  const reference = join(context.dir, 'esp-reference');
  await copyTree(context.esp, reference);
  let changes = 0;
  const { plan } = await install(reference, 'grub', () => (changes += 1));
  assert.equal(plan.steps.map((s) => (s.kind === 'write' ? s.role : 'remove')), ['config', 'loader', 'remove', 'remove', 'remove'], 'grub.cfg, then GRUB, then systemd-boot\'s configuration');
  const final = await contentSnapshot(reference);
  for (let k = 1; k <= changes; k++) {
    const target = join(context.dir, `esp-${k}`);
    await copyTree(context.esp, target);
    await assertRejects(install(target, 'grub', injectedAt(k)), new RegExp(`injected fault after step ${k} `));
    await assertBootable(target, `interrupted after step ${k}`);
    await install(target, 'grub');
    assert.equal(await contentSnapshot(target), final, `a rerun after step ${k} completes`);
  }
  assert.is((await inspectEsp(reference)).loader, 'grub');
});

esp('entries that are not Cairn\'s, and a loader.conf written by someone else for GRUB, are left alone', async (context) => {
  await addGeneration(context, 'kernel-a');
  await mkdir(join(context.esp, 'loader/entries'), { recursive: true });
  await writeFile(join(context.esp, 'loader/entries/other-os.conf'), 'title Other OS\nlinux /other/vmlinuz\n');
  await update(context, 'systemd-boot');
  assert.ok((await readdir(join(context.esp, 'loader/entries'))).includes('other-os.conf'));
  const report = await inspectEsp(context.esp);
  assert.equal(report.entries.map((e) => e.id), ['cairn-generation-1', 'other-os'], 'entries with a sort key come first');
  // Switching to GRUB removes Cairn's systemd-boot files, never the other entry.
  await update(context, 'grub');
  assert.equal(await readdir(join(context.esp, 'loader/entries')), ['other-os.conf']);
  assert.not.ok((await readdir(join(context.esp, 'loader'))).includes('loader.conf'), "Cairn's loader.conf goes");
});

esp('a generation whose kernel is gone is skipped with a warning; the others are written', async (context) => {
  await addGeneration(context, 'kernel-a');
  await addGeneration(context, 'kernel-b');
  await update(context, 'systemd-boot');
  const profile = await readProfile(context.root, DEFAULT_PROFILE);
  const gone = profile.generations[0]!.document.bootspec.kernel;
  const { makeWritable } = await import('../../system/store.js');
  const entry = join(context.root, gone.split('/').slice(0, 4).join('/'));
  await makeWritable(entry);
  await removeTree(entry);
  const events: ProgressEvent[] = [];
  const { plan } = await update(context, 'systemd-boot', { onProgress: (e) => events.push(e) });
  assert.ok(events.some((e) => e.kind === 'warning' && e.message === `generation 1 skipped: ${gone} is missing`));
  assert.equal(plan.menu.entries.map((e) => e.id), ['cairn-generation-2']);
  await assertBootable(context.esp, 'after skipping generation 1');
  // Without any bootable generation the update is refused and nothing changes.
  const all = (await readProfile(context.root, DEFAULT_PROFILE)).generations[1]!.document.bootspec.kernel;
  const second = join(context.root, all.split('/').slice(0, 4).join('/'));
  await makeWritable(second);
  await removeTree(second);
  const snapshot = await snapshotTree(context.esp);
  try {
    await update(context, 'systemd-boot');
    assert.unreachable('no bootable generation');
  } catch (error) {
    assert.ok(error instanceof DomainError && error.code === 'no-bootable-generation', String(error));
  }
  assert.equal(await snapshotTree(context.esp), snapshot, 'nothing changed');
});

esp('a label the loader cannot hold is refused before anything is written', async (context) => {
  await addGeneration(context, 'kernel-a', { label: 'fine' });
  await update(context, 'systemd-boot');
  await addGeneration(context, 'kernel-b', { label: 'tab\there' });
  const snapshot = await snapshotTree(context.esp);
  try {
    await update(context, 'systemd-boot');
    assert.unreachable('refused');
  } catch (error) {
    assert.match((error as Error).message, /generation 2: the title "Generation 2 - 2026-11-20 - tab\\there" contains a tab \(U\+0009\)/);
  }
  assert.equal(await snapshotTree(context.esp), snapshot, 'nothing changed');
});

esp('a directory that is not FAT is refused unless asked for; a missing ESP is named', async (context) => {
  await addGeneration(context, 'kernel-a');
  try {
    await updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE });
    assert.unreachable('refused');
  } catch (error) {
    assert.ok(error instanceof UserError);
    assert.match(error.message, new RegExp(`^ESP ${context.esp} is not a FAT filesystem \\(it is [^)]+\\)`));
    assert.match(error.hint ?? '', /--allow-non-fat/);
  }
  assert.equal(await readdir(context.esp), [], 'nothing written');
  await assertRejects(updateEsp({ esp: join(context.dir, 'nowhere'), root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true }), /ESP .*nowhere does not exist/);
});

esp('an ESP that boots systemd-boot is not given a GRUB configuration by update', async (context) => {
  await addGeneration(context, 'kernel-a');
  await mkdir(join(context.esp, 'EFI/BOOT'), { recursive: true });
  await copyFile(findSystemdBoot(), join(context.esp, 'EFI/BOOT/BOOTX64.EFI'));
  await assertRejects(update(context, 'grub'), /boots systemd-boot \(EFI\/BOOT\/BOOTX64.EFI\), not grub/);
  const result = await updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true });
  assert.is(result.plan.loader, 'systemd-boot', 'without --loader, the loader the ESP boots');
});

esp('BIOS beside UEFI: both menus from one model, an update keeps both (detected from the ESP), a rollback moves both defaults', async (context) => {
  await addGeneration(context, 'kernel-a');
  await addGeneration(context, 'kernel-b');
  const installed = await installBootLoader({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, firmware: 'both', allowNonFat: true, timeout: 3 });
  assert.equal([installed.plan.firmware, installed.plan.loader, installed.plan.menus], ['both', 'systemd-boot', ['systemd-boot', 'grub']]);
  let report = await inspectEsp(context.esp);
  assert.equal([report.firmware, report.loader, report.defaultId, report.biosMenu?.defaultId], ['both', 'systemd-boot', 'cairn-generation-2', 'cairn-generation-2']);
  assert.equal(report.biosMenu!.entries.map((e) => [e.id, e.kernel]), report.entries.map((e) => [e.id, e.kernel]), 'the same entries, the same files');
  assert.equal(report.problems, []);

  await rollback(context.root, await readProfile(context.root, DEFAULT_PROFILE));
  const updated = await updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true, timeout: 3 });
  assert.is(updated.plan.firmware, 'both', 'detected: systemd-boot at the removable path and a grub.cfg Cairn wrote');
  assert.equal(updated.plan.steps.map((s) => s.path), ['loader/loader.conf', 'grub/grub.cfg'], 'only the two configurations change');
  report = await inspectEsp(context.esp);
  assert.equal([report.defaultId, report.biosMenu?.defaultId], ['cairn-generation-1', 'cairn-generation-1']);

  // Dropping BIOS: Cairn's grub.cfg goes, systemd-boot's menu stays.
  const uefi = await updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, firmware: 'uefi', allowNonFat: true, timeout: 3 });
  assert.equal(uefi.plan.steps.map((s) => `${s.kind} ${s.path}`), ['remove grub/grub.cfg']);
  assert.is((await inspectEsp(context.esp)).firmware, 'uefi');
});

esp('BIOS alone: GRUB\'s menu and no UEFI loader; detected as BIOS afterwards; systemd-boot for it is refused', async (context) => {
  await addGeneration(context, 'kernel-a');
  const installed = await installBootLoader({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, firmware: 'bios', allowNonFat: true, timeout: 3 });
  assert.equal([installed.plan.loader, installed.plan.menus], ['grub', ['grub']]);
  assert.equal((await readdir(context.esp)).sort(), ['EFI', 'grub'], 'no loader/ directory');
  assert.equal(await readdir(join(context.esp, 'EFI')), ['cairn'], 'no EFI/BOOT: nothing for UEFI firmware to start');
  const report = await inspectEsp(context.esp);
  assert.equal([report.firmware, report.loader, report.defaultId, report.biosMenu], ['bios', 'grub', 'cairn-generation-1', undefined]);
  const again = await updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, allowNonFat: true, timeout: 3 });
  assert.equal([again.plan.firmware, again.plan.steps], ['bios', []]);
  await assertRejects(updateEsp({ esp: context.esp, root: context.root, profile: DEFAULT_PROFILE, loader: 'systemd-boot', firmware: 'bios', allowNonFat: true }), /systemd-boot is a UEFI boot loader/);
});

const small = suite<Context & { mounted: boolean }>('ESP update on a small tmpfs');

small.before.each(async (context) => {
  context.dir = await temporaryDirectory('cairn-esp-');
  context.root = join(context.dir, 'root');
  context.esp = join(context.dir, 'esp');
  context.files = {};
  for (const name of ['kernel-1', 'kernel-2', 'kernel-3', 'kernel-4']) await makeFile(context, name, 40 * KIB);
  await makeFile(context, 'kernel-huge', 200 * KIB);
  await makeFile(context, 'initrd', 8 * KIB);
  // Room for three kernels, an initrd and the configuration, and little more.
  await mountTmpfs(context.esp, '168k');
  context.mounted = true;
});

small.after.each(async (context) => {
  if (context.mounted) await unmount(context.esp);
  await removeTree(context.dir);
});

/**
 * Generations 1-3 (kernels 1-3) on the ESP, then generation 4 (kernel 4) arrives; --limit 2 keeps 4 and 3.
 * With `defaultGone`, the profile is first rolled back and generation 3, the ESP's default, deleted (so the
 * new generation is numbered 3 again): the ESP must be pointed at generation 2 before the old generation 3's
 * files go.
 */
async function fullEsp(context: Context, loader: EspLoader, defaultGone = false): Promise<void> {
  for (const n of [1, 2, 3]) await addGeneration(context, `kernel-${n}`, { day: 20 + n });
  await update(context, loader);
  if (defaultGone) {
    await rollback(context.root, await readProfile(context.root, DEFAULT_PROFILE));
    await deleteGenerations(context.root, await readProfile(context.root, DEFAULT_PROFILE), [3]);
  }
  await addGeneration(context, 'kernel-4', { day: 24 });
}

for (const loader of LOADERS) {
  small(`${loader}: a full ESP with stale generations: stale files go first, and the update succeeds`, async (context) => {
    await fullEsp(context, loader);
    await assertRejects(update(context, loader), (error) => error instanceof DomainError && error.code === 'esp-full');
    const planned = await update(context, loader, { limit: 2, dryRun: true });
    assert.not.ok(planned.applied);
    assert.ok(planned.plan.space.freedFirst, 'the plan frees space first');
    assert.ok(planned.plan.space.neededBytes > planned.plan.space.freeBytes, 'the new kernel does not fit beside the old ones');
    const { plan } = await update(context, loader, { limit: 2 });
    const firstKernelWrite = plan.steps.findIndex((s) => s.kind === 'write' && s.role === 'boot-file');
    const lastRemoval = plan.steps.map((s) => s.kind).lastIndexOf('remove');
    assert.ok(lastRemoval < firstKernelWrite, 'every removal comes before the new kernel is copied');
    // GRUB first gets a menu of generation 3 alone (its files stay); systemd-boot's loader.conf already names it.
    assert.equal(plan.steps.filter((s) => s.kind === 'write' && s.phase === 'transitional').map((s) => s.path), loader === 'grub' ? ['grub/grub.cfg'] : []);
    const report = await inspectEsp(context.esp);
    assert.equal(report.entries.map((e) => e.id), ['cairn-generation-4', 'cairn-generation-3']);
    assert.is(report.defaultId, 'cairn-generation-4');
    assert.equal(report.problems, []);
    assert.is(report.files.length, 3, 'kernels 3 and 4 and the initrd');
  });

  small(`${loader}: freeing space first, interrupted after every change, still boots and completes on a rerun`, async (context) => {
    for (const defaultGone of [false, true]) await interruptEverywhere(context, loader, defaultGone);
  });
}

async function interruptEverywhere(context: Context, loader: EspLoader, defaultGone: boolean): Promise<void> {
    await emptyDirectory(context.esp);
    await removeTree(context.root);
    await fullEsp(context, loader, defaultGone);
    const before = join(context.dir, `esp-before-${defaultGone}`);
    await copyTree(context.esp, before);
    let changes = 0;
    const { plan } = await update(context, loader, { limit: 2, afterStep: () => (changes += 1) });
    assert.ok(plan.space.freedFirst);
    if (defaultGone) assert.ok(plan.steps.some((s) => s.kind === 'write' && s.phase === 'transitional' && s.role === 'config'), 'a transitional configuration');
    const final = await contentSnapshot(context.esp);
    assert.ok(changes >= 6, `changes counted (${changes})`);
    for (let k = 1; k <= changes; k++) {
      await emptyDirectory(context.esp);
      await copyTree(before, context.esp);
      await assertRejects(update(context, loader, { limit: 2, afterStep: injectedAt(k) }), new RegExp(`injected fault after step ${k} `));
      await assertBootable(context.esp, `interrupted after step ${k}`);
      await update(context, loader, { limit: 2 });
      assert.equal(await contentSnapshot(context.esp), final, `a rerun after step ${k} completes`);
    }
    if (defaultGone) {
      // Generation 3 was deleted, so the new generation took number 3 again: same entry file, new kernel.
      const report = await inspectEsp(context.esp);
      assert.equal(report.entries.map((e) => [e.id, e.isDefault]), [['cairn-generation-3', true], ['cairn-generation-2', false]]);
      assert.equal(report.files.map((f) => f.usedBy.join(' ')).sort(), ['cairn-generation-2', 'cairn-generation-3', 'cairn-generation-3 cairn-generation-2'], 'kernel 2, kernel 4, the shared initrd');
    }
}

small('an ESP that cannot fit the new state fails without changing a byte', async (context) => {
  await fullEsp(context, 'systemd-boot');
  await addDiskGeneration(context.root, { kernel: context.files['kernel-huge']!, initrd: context.files.initrd!, params: ['quiet'], label: 'huge' });
  const snapshot = await snapshotTree(context.esp);
  try {
    await update(context, 'systemd-boot', { limit: 2 });
    assert.unreachable('refused');
  } catch (error) {
    assert.ok(error instanceof DomainError && error.code === 'esp-full', String(error));
    assert.match(error.message, /is too small for the update: it needs [\d.]+K, [\d.]+K is free and removing stale files would free [\d.]+K more/);
  }
  assert.equal(await snapshotTree(context.esp), snapshot, 'not a byte changed');
});

small('when only removing what the current entries boot would make room, the update is refused', async (context) => {
  for (const n of [1, 2, 3]) await addGeneration(context, `kernel-${n}`, { day: 20 + n });
  await update(context, 'systemd-boot');
  await addGeneration(context, 'kernel-4', { day: 24 });
  const snapshot = await snapshotTree(context.esp);
  // Only generation 4 in the menu: none of its files is on the ESP yet, and kernel 4 fits only once all old kernels are gone.
  await assertRejects(update(context, 'systemd-boot', { generations: [4] }), (error: unknown) => error instanceof DomainError && error.code === 'esp-no-bootable-default-while-freeing');
  assert.equal(await snapshotTree(context.esp), snapshot, 'not a byte changed');
});

small('a read-only ESP is refused as not writable', async (context) => {
  await unmount(context.esp);
  context.mounted = false;
  await mountTmpfs(context.esp, '64k', { readOnly: true });
  context.mounted = true;
  await addGeneration(context, 'kernel-1');
  await assertRejects(update(context, 'systemd-boot'), /^ESP .* is not writable: its filesystem is mounted read-only$/);
});

esp.run();
small.run();

