import { chmod, mkdir, open, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { addGeneration, readProfile } from '../../system/profile.js';
import { sha256File } from '../../system/store-hash.js';
import { buildToplevel } from '../../system/toplevel.js';
import { decodeMbr } from '../../partitioning/mbr.js';
import { clusterOffset, openFatImage } from '../../image-builder/fat/index.js';
import { assertBuildRefused, buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { makeExampleSystem, type ExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: ExampleSystem;
  iso: string;
}

const iso = suite<Context>('bootable ISO');

iso.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await makeExampleSystem(context.dir);
  context.iso = await buildIso(await writeBootableSpec(context.dir, context.system.root), join(context.dir, 'live.iso'));
});

iso.after(async (context) => {
  await removeTree(context.dir);
});

async function espOf(image: string): Promise<{ offset: number; size: number }> {
  const handle = await open(image, 'r');
  const sector = Buffer.alloc(512);
  await handle.read(sector, 0, 512, 0);
  await handle.close();
  const esp = decodeMbr(sector, 0).partitions.find((p) => p.type === 0xef)!;
  return { offset: esp.firstLba * 512, size: esp.sectors * 512 };
}

iso('xorriso sees the BIOS and UEFI boot images, the MBR partitions and the GPT', async (context) => {
  const { stdout } = await run('xorriso', ['-indev', context.iso, '-report_el_torito', 'plain', '-report_system_area', 'plain']);
  const esp = await espOf(context.iso);
  assert.match(stdout, /El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s+\d+/);
  assert.match(stdout, new RegExp(`El Torito boot img :\\s+2\\s+UEFI\\s+y\\s+none\\s+0x0000\\s+0x00\\s+${esp.size / 512}\\s+${esp.offset / 2048}`));
  assert.match(stdout, /El Torito img path :\s+1\s+\/isolinux\/isolinux\.bin/);
  assert.match(stdout, /El Torito img opts :\s+1\s+boot-info-table isohybrid-suitable/);
  assert.match(stdout, /System area summary: MBR isohybrid .*GPT/);
  assert.match(stdout, /MBR partition\s+:\s+1\s+0x80\s+0x00\s+0\s+\d+/);
  assert.match(stdout, new RegExp(`MBR partition\\s+:\\s+2\\s+0x00\\s+0xef\\s+${esp.offset / 512}\\s+${esp.size / 512}`));
  assert.match(stdout, new RegExp(`GPT start and size :\\s+1\\s+${esp.offset / 512}\\s+${esp.size / 512}`));
  const size = (await stat(context.iso)).size;
  assert.is(size % (1024 * 1024), 0, 'the image ends on a whole MiB, as isohybrid images do');
});

iso('fsck.fat accepts the ESP cut out of the ISO; its kernel is the very sectors of the ISO file', async (context) => {
  const esp = await espOf(context.iso);
  const handle = await open(context.iso, 'r');
  const bytes = Buffer.alloc(esp.size);
  await handle.read(bytes, 0, esp.size, esp.offset);
  await handle.close();
  const image = join(context.dir, 'esp.img');
  await writeFile(image, bytes);
  await run('fsck.fat', ['-n', image]);
  const { stdout } = await run('mdir', ['-/', '-b', '-i', image, '::/']);
  assert.match(stdout, /loader\/entries\/cairn-generation-3\.conf/);
  assert.match(stdout, /EFI\/BOOT\/BOOTX64\.EFI/);

  const fat = await openFatImage(context.iso, { offset: esp.offset });
  const kernel = (await fat.list()).find((e) => e.kind === 'file' && /-bzImage$/.test(e.path))!;
  const espByte = esp.offset + clusterOffset(fat.info.geometry, kernel.firstCluster);
  await fat.close();
  const lbas = await run('xorriso', ['-indev', context.iso, '-find', '/cairn/store', '-name', 'bzImage', '-exec', 'report_lba', '--']);
  const isoLba = Number(/File data lba:\s+\d+\s*,\s*(\d+)/.exec(lbas.stdout)?.[1]);
  assert.is(espByte, isoLba * 2048, 'the FAT cluster run and the ISO 9660 extent are the same sectors');
  assert.is((lbas.stdout.match(/File data lba:/g) ?? []).length, 1, 'one kernel file on the ISO');
});

iso('two builds of the same spec are byte-identical', async (context) => {
  const again = await buildIso(await writeBootableSpec(context.dir, context.system.root), join(context.dir, 'again.iso'));
  assert.is(await sha256File(again), await sha256File(context.iso));
});

iso('20 generations sharing kernel and initrd cost at most 1 MiB more than one', async (context) => {
  const root = join(context.dir, 'twenty');
  const location = { root, store: '/cairn/store' };
  for (let n = 1; n <= 20; n++) {
    const built = await buildToplevel(location, { kernel: context.system.kernel, initrd: context.system.initramfs, kernelParams: ['console=ttyS0,115200', `cairn.example=${n}`], label: `Cairn example 1.${n}` });
    await addGeneration(root, await readProfile(root, '/cairn/var/profiles/system'), built.toplevel, new Date(Date.UTC(2026, 0, n)));
  }
  await mkdir(join(context.dir, 'one'));
  await mkdir(join(context.dir, 'all'));
  const one = await buildIso(await writeBootableSpec(join(context.dir, 'one'), root, { generations: '[20]' }), join(context.dir, 'one.iso'));
  const all = await buildIso(await writeBootableSpec(join(context.dir, 'all'), root), join(context.dir, 'all.iso'));
  const [oneSize, allSize] = [(await stat(one)).size, (await stat(all)).size];
  assert.ok(allSize - oneSize <= 1024 * 1024, `20 generations: ${allSize} bytes, one: ${oneSize} bytes`);
  const { stdout } = await run('isoinfo', ['-R', '-f', '-i', all]);
  assert.is((stdout.match(/\/cairn\/var\/profiles\/system-\d+-link/g) ?? []).length, 20);
});

iso('bad input: no generations, a missing kernel, a missing loader, unknown generations, unsafe labels, an ESP file FAT cannot hold', async (context) => {
  const empty = join(context.dir, 'empty');
  await mkdir(empty);
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, empty), /the profile \/cairn\/var\/profiles\/system has no generations to put on the ISO/);

  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, context.system.root, { generations: '[2, 7]' }), /generations: 7 does not exist in \/cairn\/var\/profiles\/system \(it has 1, 2, 3\)/);

  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, context.system.root, { boot: 'boot: { systemdBoot: /nonexistent/systemd-bootx64.efi }' }), /systemd-bootx64\.efi .* not found at \/nonexistent\/systemd-bootx64\.efi[\s\S]*systemd-boot-efi/);
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, context.system.root, { boot: 'boot: { isolinux: /nonexistent }' }), /isolinux\.bin .* not found at \/nonexistent\/isolinux\.bin[\s\S]*install the package isolinux/);

  const broken = join(context.dir, 'broken');
  const location = { root: broken, store: '/cairn/store' };
  const built = await buildToplevel(location, { kernel: context.system.kernel, kernelParams: [], label: 'Café ✓' });
  await addGeneration(broken, await readProfile(broken, '/cairn/var/profiles/system'), built.toplevel, new Date(Date.UTC(2026, 0, 1)));
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, broken), /generation 1.*(U\+00E9|Café)/);

  const missingKernel = join(context.dir, 'missing-kernel');
  const other = await buildToplevel({ root: missingKernel, store: '/cairn/store' }, { kernel: join(context.dir, 'sysroot', built.kernel), kernelParams: [], label: 'Cairn' });
  await addGeneration(missingKernel, await readProfile(missingKernel, '/cairn/var/profiles/system'), other.toplevel, new Date(Date.UTC(2026, 0, 1)));
  const kernelDirectory = join(missingKernel, other.kernel, '..');
  await chmod(kernelDirectory, 0o755);
  await rm(join(missingKernel, other.kernel));
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, missingKernel), new RegExp(`generation 1: ${join(missingKernel, other.kernel).replace(/[.]/g, '\\.')} is missing`));

  // A kernel FAT cannot hold (4 GiB or more): a sparse file put in place of the store's kernel.
  await writeFile(join(missingKernel, other.kernel), 'k');
  await truncate(join(missingKernel, other.kernel), 2 ** 32 + 4096);
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, missingKernel), /is 4G; the UEFI boot image \(a FAT ESP\) holds files up to 4 GiB - 1 byte/);
  await assertBuildRefused(context.dir, await writeBootableSpec(context.dir, context.system.root, { boot: 'boot: { bios: false, uefi: false }' }), /bios and uefi are both false/);
});

iso.run();
