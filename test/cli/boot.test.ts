import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { identifyEfiLoader } from '../../bootloader/esp-state.js';
import { findSystemdBoot } from '../../bootloader/loader-binaries.js';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  root: string;
  esp: string;
}

const boot = suite<Context>('cairn boot');

boot.before.each(async (context) => {
  context.dir = await temporaryDirectory('cairn-boot-cli-');
  context.root = join(context.dir, 'root');
  context.esp = join(context.dir, 'esp');
  await mkdir(context.esp);
  await writeFile(join(context.dir, 'kernel'), 'a kernel');
  await writeFile(join(context.dir, 'initrd'), 'an initrd');
  for (const label of ['First', 'Second']) {
    await cairnOk(['generation', 'add', '--root', context.root, '--kernel', join(context.dir, 'kernel'), '--initrd', join(context.dir, 'initrd'), '--label', label, '--param', 'quiet'], {
      env: { SOURCE_DATE_EPOCH: '1795176000' },
    });
  }
});

boot.after.each(async (context) => {
  await removeTree(context.dir);
});

interface ListedEsp {
  loader: string | null;
  removableLoader: string | null;
  defaultId: string;
  timeout: number;
  entries: { id: string; title: string; params: string[]; isDefault: boolean; missing: string[] }[];
  files: { path: string; size: number; usedBy: string[] }[];
  freeBytes: number;
  problems: string[];
}

async function list(esp: string): Promise<ListedEsp> {
  return JSON.parse((await cairnOk(['boot', 'list', '--esp', esp, '--json'])).stdout) as ListedEsp;
}

boot('install systemd-boot, then list what the ESP offers', async (context) => {
  const installed = await cairnOk(['boot', 'install', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--param', 'root=LABEL=cairn']);
  assert.match(installed.stdout, /^updated .* \(systemd-boot\): 2 entries, default Generation 2 - 2026-11-20 - Second\n {2}wrote 7 files/);
  const shipped = await readFile(findSystemdBoot());
  assert.ok((await readFile(join(context.esp, 'EFI/systemd/systemd-bootx64.efi'))).equals(shipped));
  assert.ok((await readFile(join(context.esp, 'EFI/BOOT/BOOTX64.EFI'))).equals(shipped));

  const listed = await list(context.esp);
  assert.is(listed.loader, 'systemd-boot');
  assert.is(listed.removableLoader, 'systemd-boot');
  assert.is(listed.defaultId, 'cairn-generation-2');
  assert.is(listed.timeout, 5);
  assert.equal(listed.entries.map((e) => [e.id, e.isDefault, e.missing]), [['cairn-generation-2', true, []], ['cairn-generation-1', false, []]]);
  assert.equal(listed.entries[0]!.params.slice(1), ['quiet', 'root=LABEL=cairn']);
  assert.equal(listed.files.map((f) => f.usedBy.length), [2, 2], 'one kernel and one initrd, shared');
  assert.ok(listed.freeBytes > 0);
  assert.equal(listed.problems, []);

  const human = await cairnOk(['boot', 'list', '--esp', context.esp]);
  assert.match(human.stdout, /^\*\s+cairn-generation-2\s+Generation 2 - 2026-11-20 - Second\s+ok$/m);
  assert.match(human.stdout, /^loader: systemd-boot \(EFI\/BOOT\/BOOTX64\.EFI is systemd-boot\), timeout 5 s$/m);
});

boot('install GRUB: the image is built the same way twice, and reads its grub.cfg from the ESP', async (context) => {
  await cairnOk(['boot', 'install', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--loader', 'grub', '--serial', '--timeout', '1']);
  const other = join(context.dir, 'esp-2');
  await mkdir(other);
  await cairnOk(['boot', 'install', '--esp', other, '--root', context.root, '--allow-non-fat', '--loader', 'grub', '--serial', '--timeout', '1']);
  const image = await readFile(join(context.esp, 'EFI/BOOT/BOOTX64.EFI'));
  assert.ok(image.equals(await readFile(join(other, 'EFI/BOOT/BOOTX64.EFI'))), 'byte-identical GRUB images');
  assert.is(identifyEfiLoader(image), 'grub');
  assert.ok(image.includes('/grub'), 'the prefix is embedded');
  assert.equal((await readdir(context.esp)).sort(), ['EFI', 'grub']);
  const listed = await list(context.esp);
  assert.is(listed.loader, 'grub');
  assert.is(listed.timeout, 1);
  assert.is(listed.defaultId, 'cairn-generation-2');
  assert.match(await readFile(join(context.esp, 'grub/grub.cfg'), 'utf8'), /^terminal_output --append serial$/m);
});

boot('update --dry-run prints the plan and changes nothing; --json describes the update', async (context) => {
  const before = await snapshotTree(context.esp);
  const dry = await cairnOk(['boot', 'update', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--dry-run']);
  assert.match(dry.stdout, /^plan for .*: 2 entries, default Generation 2/);
  assert.match(dry.stdout, /^ {2}write +loader\/loader\.conf \(\d+B\)$/m);
  assert.equal(await snapshotTree(context.esp), before);

  const result = JSON.parse((await cairnOk(['boot', 'update', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--limit', '1', '--json'])).stdout) as {
    applied: boolean;
    default: string;
    entries: { id: string }[];
    steps: { kind: string; path: string; role?: string }[];
  };
  assert.ok(result.applied);
  assert.is(result.default, 'cairn-generation-2');
  assert.equal(result.entries.map((e) => e.id), ['cairn-generation-2']);
  assert.equal(result.steps.map((s) => s.role), ['boot-file', 'boot-file', 'entry', 'config']);
});

boot('bad input: a directory that is not FAT, missing loader files, unknown options', async (context) => {
  const before = await snapshotTree(context.dir);
  const notFat = await cairn(['boot', 'update', '--esp', context.esp, '--root', context.root]);
  assert.is(notFat.code, 1);
  assert.match(notFat.stderr, /cairn: error: ESP .* is not a FAT filesystem \(it is [^)]+\); firmware reads only FAT EFI system partitions\n {2}hint: .*--allow-non-fat/);

  const noSystemdBoot = await cairn(['boot', 'install', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--systemd-boot-efi', join(context.dir, 'missing.efi')]);
  assert.is(noSystemdBoot.code, 1);
  assert.match(noSystemdBoot.stderr, /systemd-bootx64\.efi \(the systemd-boot UEFI boot loader\) not found at .*missing\.efi\n {2}hint: .*install the package systemd-boot-efi/);

  const noGrub = await cairn(['boot', 'install', '--esp', context.esp, '--root', context.root, '--allow-non-fat', '--loader', 'grub', '--grub-modules', context.dir]);
  assert.is(noGrub.code, 1);
  assert.match(noGrub.stderr, /holds no GRUB x86_64-efi modules \(normal\.mod is missing\)\n {2}hint: .*install the package grub-efi-amd64-bin/);

  const missingEsp = await cairn(['boot', 'update', '--root', context.root]);
  assert.is(missingEsp.code, 2);
  assert.match(missingEsp.stderr, /required option '--esp <dir>' not specified/);
  const badLoader = await cairn(['boot', 'update', '--esp', context.esp, '--loader', 'lilo']);
  assert.is(badLoader.code, 2);
  assert.match(badLoader.stderr, /Allowed choices are systemd-boot, grub/);
  assert.equal(await snapshotTree(context.dir), before, 'nothing changed');
});

boot('list on an ESP without Cairn says so', async (context) => {
  const listed = await list(context.esp);
  assert.is(listed.loader, null);
  assert.equal(listed.entries, []);
  assert.equal(listed.problems, ['no boot loader configuration (run cairn boot install)']);
});

boot.run();
