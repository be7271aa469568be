/**
 * A disk image that boots on any firmware: `cairn install` into an image file, with no `--from` (on this
 * machine, a BIOS host, as a new user would run it), makes a disk with a BIOS boot partition and an ESP,
 * GRUB for BIOS in its first sectors and systemd-boot for UEFI. It boots under SeaBIOS with the disk on IDE,
 * AHCI and virtio and under OVMF; in both menus the default is the current generation and the arrow keys
 * choose the oldest, which boots too. The system installed is the example built for real (`cairn system
 * build`); each boot reaches the login prompt the installed generation's stage 2 set up, and the answers'
 * user logs in and reads the host name, the kernel's command line (root=UUID= of the root the disk has),
 * the generation /run/current-system points at, and the files the installer wrote in /etc (its
 * configuration.yaml only by size and mode: only its owner reads it). Each boot is one VM under TCG.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeGrubBootSector, isGrubBootSector } from '../../bootloader/grub-pc/boot-sector.js';
import { decodeCoreBlocklists } from '../../bootloader/grub-pc/core-image.js';
import { run } from '../../lib/run.js';
import { decodeMbr } from '../../partitioning/mbr.js';
import { cairnOk } from '../support/cli.js';
import { probeFilesystem, readExt4File, readExt4Link, readSfdisk } from '../support/disk-image.js';
import { builtExampleSystem, type BuiltSystem } from '../support/built-system.js';
import { assertBootedGeneration, assertMenuShown, bootDisk, type BootOptions, type BootedSystem } from '../support/installed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  image: string;
  installed: string;
  rootOffset: number;
  espOffset: number;
  rootUuid: string;
  /** /etc/cairn/configuration.yaml as the installer wrote it on the root. */
  configuration: string;
  /** The toplevel each generation's link on the installed root points at. */
  toplevels: Map<number, string>;
}

const USER = { user: 'alice', password: 'correct horse' } as const;

// no_timer_check: on a loaded machine TCG's timer can lag the kernel's IO-APIC check, which then panics.
const ANSWERS = ['version: 1', 'hostName: box', 'users: [{ name: alice, password: "correct horse" }]', 'kernelParams: ["panic=-1", "no_timer_check"]', 'confirm: true', ''].join('\n');
/** The menu as Cairn renders it: newest first (the example's generations are a day apart). */
const TITLES = ['Generation 3 - 2025-11-20 - Cairn example 1.2', 'Generation 2 - 2025-11-19 - Cairn example 1.1', 'Generation 1 - 2025-11-18 - Cairn example 1.0'];

async function installInto(context: Context, directory: string): Promise<{ image: string; stdout: string }> {
  await mkdir(join(context.dir, directory));
  const image = join(context.dir, directory, 'disk.img');
  const result = await cairnOk(['install', '--answers', join(context.dir, 'answers.yaml'), '--target', image, '--size', '4G', '--source-root', context.system.root, '--log', join(context.dir, `${directory}.log`)]);
  return { image, stdout: result.stdout };
}

async function readRange(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(length);
    await handle.read(bytes, 0, length, offset);
    return bytes;
  } finally {
    await handle.close();
  }
}

const install = suite<Context>('an install into an image file, with no --from, boots on BIOS and UEFI');

install.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await builtExampleSystem();
  await writeFile(join(context.dir, 'answers.yaml'), ANSWERS);
  const { image, stdout } = await installInto(context, 'first');
  context.image = image;
  context.installed = stdout;
  const table = await readSfdisk(image);
  context.espOffset = table.partitions[1]!.start * 512;
  context.rootOffset = table.partitions[2]!.start * 512;
  context.rootUuid = (await probeFilesystem(image, context.rootOffset)).UUID!;
  context.configuration = await readExt4File(image, context.rootOffset, '/etc/cairn/configuration.yaml');
  context.toplevels = new Map();
  for (const n of [1, 2, 3]) context.toplevels.set(n, await readExt4Link(image, context.rootOffset, `/cairn/var/profiles/system-${n}-link`));
});

install.after(async (context) => {
  await removeTree(context.dir);
});

install('the disk: a BIOS boot partition, an ESP and the root; GRUB in sector 0 and core.img in the BIOS boot partition; both menus on the ESP', async (context) => {
  assert.match(context.installed, /Installed generations 3, 2, 1 onto image file/);
  assert.match(context.installed, /boot loader: systemd-boot \(UEFI\) and GRUB \(BIOS\)/);
  const table = await readSfdisk(context.image);
  assert.equal(table.partitions.map((p) => [p.name, p.type, p.start, p.size]).slice(0, 2), [
    ['bios-boot', '21686148-6449-6E6F-744E-656564454649', 2048, 2048],
    ['ESP', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 4096, 1048576],
  ]);
  assert.match((await run('sgdisk', ['--verify', context.image])).stdout, /No problems found/);

  const sector0 = await readRange(context.image, 0, 512);
  assert.ok(isGrubBootSector(sector0), "sector 0 is GRUB's boot.img");
  const boot = decodeGrubBootSector(sector0);
  assert.equal([boot.kernelSector, boot.bootDrive, boot.driveCheck], [2048, 0xff, 'skipped']);
  assert.equal(decodeMbr(sector0).partitions.map((p) => p.type), [0xee], 'the protective MBR is kept');
  const core = decodeCoreBlocklists(await readRange(context.image, 2048 * 512, 512));
  assert.is(core.length, 1);
  assert.equal([core[0]!.start, core[0]!.segment], [2049, 0x820]);
  assert.ok(core[0]!.sectors > 100 && core[0]!.sectors < 2047, `core.img fits the BIOS boot partition (${core[0]!.sectors + 1} sectors)`);

  const esp = join(context.dir, 'esp.img');
  await run('dd', [`if=${context.image}`, `of=${esp}`, 'bs=1M', `skip=${context.espOffset}`, `count=${1048576 * 512}`, 'iflag=skip_bytes,count_bytes', 'conv=sparse', 'status=none']);
  await run('fsck.fat', ['-n', esp]);
  const listing = (await run('mdir', ['-/', '-b', '-i', esp, '::/'], { env: { MTOOLS_SKIP_CHECK: '1' } })).stdout;
  for (const path of ['EFI/BOOT/BOOTX64.EFI', 'grub/grub.cfg', 'loader/loader.conf', 'loader/entries/cairn-generation-3.conf']) assert.ok(listing.includes(`::/${path}`), `${path} on the ESP`);
  const grubCfg = (await run('mtype', ['-i', esp, '::/grub/grub.cfg'], { env: { MTOOLS_SKIP_CHECK: '1' } })).stdout;
  await writeFile(join(context.dir, 'grub.cfg'), grubCfg);
  await run('grub-script-check', [join(context.dir, 'grub.cfg')]);
  assert.match(grubCfg, /^set default='cairn-generation-3'$/m);
  assert.match(await readExt4File(context.image, context.rootOffset, '/etc/cairn/answers.yaml'), /^firmware: both$/m);
  assert.match(context.configuration, /^hostName: box$/m, "the configuration holds the answers' host");
});

install('core.img and the first sector are the same bytes on every build from the same inputs', async (context) => {
  const { image } = await installInto(context, 'second');
  for (const [what, offset, length] of [['sector 0', 0, 512], ['the BIOS boot partition', 2048 * 512, 2048 * 512]] as const) {
    assert.ok((await readRange(image, offset, length)).equals(await readRange(context.image, offset, length)), what);
  }
});

/** What the user reads of the files the installer wrote: /etc/hostname, and configuration.yaml's size and mode (only its owner reads it). */
const READ_ETC = ['cat /etc/hostname', 'stat -c "%s %a" /etc/cairn/configuration.yaml'] as const;

/** Boots the image to the login prompt, logs in as the answers' user and reads what the installer wrote. */
function bootToLogin(image: string, options: Omit<BootOptions, 'login'>): Promise<BootedSystem> {
  return bootDisk(image, { ...options, login: { ...USER, run: READ_ETC } });
}

/** The booted system is generation `n` of the installed disk, on the answers' host, and runs on what the installer wrote. */
function assertInstalledGeneration(context: Context, booted: BootedSystem, n: number, why: string): void {
  assertBootedGeneration(booted, { toplevel: context.toplevels.get(n)!, label: context.system.labels.get(n)!, hostName: 'box', rootUuid: context.rootUuid }, why);
  const outputs = booted.loggedIn!.outputs;
  assert.is(outputs.get(READ_ETC[0]), 'box\n', `${why}: /etc/hostname`);
  assert.is(outputs.get(READ_ETC[1]), `${Buffer.byteLength(context.configuration)} 600\n`, `${why}: /etc/cairn/configuration.yaml is the installer's (its size), readable by its owner alone`);
}

for (const bus of ['ide', 'sata', 'virtio'] as const) {
  install(`SeaBIOS, the disk on ${bus}: GRUB's menu of every generation, and the default boots the current one to login`, async (context) => {
    const booted = await bootToLogin(context.image, { firmware: 'bios', bus });
    assert.ok(booted.console.includes('GNU GRUB'), 'GRUB for BIOS drew the menu');
    assertMenuShown(booted.console, TITLES, `SeaBIOS on ${bus}`);
    assertInstalledGeneration(context, booted, 3, `SeaBIOS on ${bus}`);
  });
}

install('SeaBIOS: the arrow keys on the serial console choose the oldest generation, which boots to login', async (context) => {
  const booted = await bootToLogin(context.image, { firmware: 'bios', bus: 'ide', choose: { menuText: /Generation 1 - 2025-11-18/, keys: ['down', 'down', 'enter'] } });
  assertInstalledGeneration(context, booted, 1, 'the oldest under SeaBIOS');
});

install("OVMF: systemd-boot's menu of every generation, and the default boots the current one to login", async (context) => {
  const booted = await bootToLogin(context.image, { firmware: 'uefi' });
  assertMenuShown(booted.console, TITLES, 'OVMF');
  assertInstalledGeneration(context, booted, 3, 'OVMF');
});

install('OVMF: the arrow keys choose the oldest generation, which boots to login', async (context) => {
  const booted = await bootToLogin(context.image, { firmware: 'uefi', choose: { menuText: /Generation 1 - 2025-11-18/, keys: ['down', 'down', 'enter'] } });
  assertInstalledGeneration(context, booted, 1, 'the oldest under OVMF');
});

install("GRUB for BIOS finds the ESP by its volume id when the partitions are renumbered (core.img's partition number no longer fits)", async (context) => {
  const moved = join(context.dir, 'renumbered.img');
  await run('cp', ['--sparse=always', context.image, moved]);
  await run('sgdisk', ['--transpose=2:5', moved]);
  const table = await readSfdisk(moved);
  assert.equal(table.partitions.map((p) => p.node.replace(moved, '')), ['1', '3', '5'], 'the ESP is partition 5 now');
  // Stage 2's line is enough here: GRUB read its menu and the kernel from the ESP, and stage 1 mounted the root.
  const booted = await bootDisk(moved, { firmware: 'bios', bus: 'ide' });
  assertBootedGeneration(booted, { toplevel: context.toplevels.get(3)!, label: context.system.labels.get(3)!, hostName: 'box', rootUuid: context.rootUuid }, 'after renumbering');
});

install.run();
