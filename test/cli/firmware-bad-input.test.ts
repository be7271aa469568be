/**
 * `--firmware` as the user meets it: the plan of a disk for both firmwares, and every refusal of BIOS boot,
 * from `cairn install` and `cairn boot install|update` as processes: exit 1 (2 for a bad flag value), a
 * message naming the disk or layout and the change to make, and nothing written.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { canMountInNamespace } from '../support/grub-bios-setup.js';
import { makeExampleSystem } from '../support/example-system.js';
import { pathExists, removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  sysroot: string;
}

const RECORDED_BIOS = join(repoRoot, 'fixtures/machines/legacy-bios/recording');
const RECORDED_UEFI = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');

const firmware = suite<Context>('--firmware: plans and refusals');

firmware.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.sysroot = (await makeExampleSystem(context.dir)).root;
});

firmware.after(async (context) => {
  await removeTree(context.dir);
});


let counter = 0;

async function answersFile(context: Context, text: string): Promise<string> {
  const file = join(context.dir, `answers-${++counter}.yaml`);
  await writeFile(file, text);
  return file;
}

/** `cairn install` that must be refused with exit 1, creating no image. */
async function installRefused(context: Context, answers: string, extra: readonly string[], size = '4G'): Promise<string> {
  const image = join(context.dir, `refused-${++counter}.img`);
  const result = await cairn(['install', '--answers', await answersFile(context, answers), '--target', image, '--size', size, '--source-root', context.sysroot, '--log', join(context.dir, 'refused.log'), ...extra]);
  assert.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  assert.not.match(result.stderr, /internal error/);
  assert.not.ok(await pathExists(image), 'no image was created');
  return result.stderr;
}

firmware('the plan of an image for both firmwares: a BIOS boot partition, the ESP, systemd-boot for UEFI and GRUB for BIOS', async (context) => {
  const image = join(context.dir, 'planned.img');
  const result = await cairnOk(['install', '--answers', await answersFile(context, 'version: 1\n'), '--target', image, '--size', '4G', '--source-root', context.sysroot, '--dry-run']);
  assert.match(result.stdout, /Boot loader: systemd-boot \(UEFI\) and GRUB \(BIOS\), core\.img in the BIOS boot partition \(1\)/);
  assert.match(result.stdout, /^\s*1\s+bios-boot\s/m);
  assert.match(result.stdout, /^\s+firmware: both$/m, 'the answers written to the target say so');
  const uefi = await cairnOk(['install', '--answers', await answersFile(context, 'version: 1\n'), '--target', image, '--size', '4G', '--source-root', context.sysroot, '--from', RECORDED_UEFI, '--dry-run']);
  assert.match(uefi.stdout, /Boot loader: systemd-boot \(UEFI\);/, 'a recording keeps its firmware');
  assert.not.match(uefi.stdout, /bios-boot/);
  const bios = await cairnOk(['install', '--answers', await answersFile(context, 'version: 1\n'), '--target', image, '--size', '4G', '--source-root', context.sysroot, '--from', RECORDED_BIOS, '--dry-run']);
  assert.match(bios.stdout, /Boot loader: GRUB \(BIOS\), core\.img in the BIOS boot partition \(1\)/, 'a BIOS recording: GRUB for BIOS');
  assert.not.ok(await pathExists(image), '--dry-run writes nothing');
});

firmware('install --firmware bios with a layout that has no BIOS boot partition: refused, naming the change', async (context) => {
  await writeFile(join(context.dir, 'no-bios-boot.layout.yaml'), 'table: gpt\npartitions:\n  - { name: ESP, type: esp, size: 512M, format: vfat }\n  - { name: root, type: root, size: 100%, format: ext4 }\n');
  const stderr = await installRefused(context, `version: 1\nlayout: no-bios-boot.layout.yaml\nconfirm: true\n`, ['--firmware', 'bios']);
  assert.match(stderr, /has a GPT without a BIOS boot partition, where GRUB's core\.img goes for BIOS boot/);
  assert.match(stderr, /add a 1 MiB partition of type bios-boot to the layout \(\{ name: bios-boot, type: bios-boot, size: 1M \}/);
});

firmware('install with firmware: bios in the answers and bootloader: systemd-boot: refused', async (context) => {
  const stderr = await installRefused(context, 'version: 1\nfirmware: bios\nbootloader: systemd-boot\nconfirm: true\n', []);
  assert.match(stderr, /systemd-boot is a UEFI boot loader, and the disk is to boot on BIOS only/);
});

firmware('install --firmware bios onto an MBR disk over 2 TiB: refused', async (context) => {
  const answers = ['version: 1', 'layout:', '  table: mbr', '  partitions:', '    - { name: ESP, type: esp, size: 512M, format: vfat }', '    - { name: root, type: root, size: 2G, format: ext4 }', 'confirm: true', ''].join('\n');
  const stderr = await installRefused(context, answers, ['--firmware', 'bios'], '3T');
  assert.match(stderr, /is larger than 2 TiB, and an MBR partition table describes only its first 2 TiB/);
  assert.match(stderr, /use table: gpt/);
});

firmware('a firmware that does not exist is a usage error', async (context) => {
  const result = await cairn(['install', '--firmware', 'coreboot', '--target', join(context.dir, 'x.img'), '--size', '1G', '--source-root', context.sysroot]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /Allowed choices are uefi, bios, both/);
});

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(4 * 1024 * 1024);
    await handle.read(bytes, 0, bytes.length, 0);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** An image made by sgdisk with a BIOS boot partition of `biosBootSectors` (none for 0) and a FAT ESP from 4096. */
async function disk(context: Context, name: string, biosBootSectors: number): Promise<string> {
  const path = join(context.dir, name);
  await (await open(path, 'w')).close();
  await truncate(path, 64 * 1024 * 1024);
  const biosBoot = biosBootSectors === 0 ? [] : [`--new=1:2048:${2048 + biosBootSectors - 1}`, '--typecode=1:EF02'];
  await run('sgdisk', ['--clear', ...biosBoot, '--new=2:4096:0', '--typecode=2:EF00', path]);
  await run('mkfs.fat', ['-F', '16', '--offset', '4096', path, '30000']);
  return path;
}

/** `cairn boot install` that must be refused with exit 1, leaving the ESP directory empty and the disk's first MiBs as they were. */
async function bootInstallRefused(context: Context, args: readonly string[], image?: string, prefix?: readonly string[]): Promise<string> {
  const esp = join(context.dir, `esp-${++counter}`);
  await mkdir(esp);
  const before = image === undefined ? undefined : await readHead(image);
  const result = await cairn(['boot', 'install', '--esp', esp, '--allow-non-fat', '--root', context.sysroot, ...args], prefix === undefined ? {} : { prefix });
  assert.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  assert.not.match(result.stderr, /internal error/);
  assert.equal(await readdir(esp), [], 'nothing was written to the ESP');
  if (image !== undefined) assert.ok((await readHead(image)).equals(before!), 'nothing was written to the disk');
  return result.stderr;
}

firmware('boot install --firmware bios on an ESP tree without --disk: refused, naming --disk', async (context) => {
  const stderr = await bootInstallRefused(context, ['--firmware', 'bios']);
  assert.match(stderr, /GRUB for BIOS goes into the first sectors of the disk the ESP is on/);
  assert.match(stderr, /give that disk \(or image file\) with --disk/);
});

firmware('boot install --firmware bios --disk: a GPT without a BIOS boot partition is refused, naming the change', async (context) => {
  const image = await disk(context, 'no-bios-boot.img', 0);
  const stderr = await bootInstallRefused(context, ['--firmware', 'bios', '--disk', image], image);
  assert.match(stderr, /without a BIOS boot partition/);
  assert.match(stderr, /type: bios-boot, size: 1M/);
});

firmware("boot install --firmware bios --disk: a BIOS boot partition too small for core.img is refused", async (context) => {
  const image = await disk(context, 'tiny-bios-boot.img', 32);
  const stderr = await bootInstallRefused(context, ['--firmware', 'bios', '--disk', image], image);
  assert.match(stderr, /the BIOS boot partition \(partition 1, 16K\) of image file .* is too small for GRUB's core\.img/);
  assert.match(stderr, /make the BIOS boot partition 1 MiB/);
});

firmware('boot install --firmware bios without grub-pc-bin (an empty module directory): refused, naming the package', async (context) => {
  const image = await disk(context, 'no-grub-pc.img', 2048);
  const empty = join(context.dir, 'empty-modules');
  await mkdir(empty);
  const stderr = await bootInstallRefused(context, ['--firmware', 'bios', '--disk', image, '--grub-pc-modules', empty], image);
  assert.match(stderr, /holds no GRUB i386-pc modules \(normal\.mod is missing\)/);
  assert.match(stderr, /install the package grub-pc-bin/);
});

firmware('boot install --firmware bios where grub-pc-bin is not installed (its modules hidden in a mount namespace): refused, naming the package', async (context) => {
  if (!(await canMountInNamespace())) {
    console.log('  (no user and mount namespace here: grub-pc-bin cannot be hidden, and the default search is not tried)');
    return;
  }
  const image = await disk(context, 'grub-pc-hidden.img', 2048);
  // An empty tmpfs over every place Cairn looks for the i386-pc modules that this machine has.
  const hide = ['/usr/lib/grub/i386-pc', '/usr/lib64/grub/i386-pc', '/usr/share/grub2/i386-pc'].filter((d) => existsSync(d));
  assert.ok(hide.length > 0, 'grub-pc-bin is installed here (scripts/setup installs it)');
  const prefix = ['unshare', '-rm', 'sh', '-c', `${hide.map((d) => `mount -t tmpfs hidden ${d}`).join(' && ')} && exec "$@"`, 'sh'];
  const stderr = await bootInstallRefused(context, ['--firmware', 'bios', '--disk', image], image, prefix);
  assert.match(stderr, /the GRUB i386-pc modules for BIOS boot \(boot\.img\) not found: .*grub-pc-bin/);
  assert.match(stderr, /looked in \/usr\/lib\/grub\/i386-pc\/boot\.img/);
});

firmware('boot update --firmware bios --loader systemd-boot: refused', async (context) => {
  const esp = join(context.dir, 'esp-update');
  await mkdir(esp);
  const result = await cairn(['boot', 'update', '--esp', esp, '--allow-non-fat', '--root', context.sysroot, '--firmware', 'bios', '--loader', 'systemd-boot']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /systemd-boot is a UEFI boot loader: an ESP for BIOS boot alone holds GRUB's menu/);
  assert.equal(await readdir(esp), []);
});

firmware.run();
