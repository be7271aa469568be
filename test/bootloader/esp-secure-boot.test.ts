/**
 * `cairn boot install --secure-boot` and `boot update` on an ESP tree: the distribution's signed chain (shim,
 * its signed GRUB, the MOK manager) and the hand-over at the signed GRUB's prefix, byte for byte; updates that
 * keep the chain and refuse, before anything changes, a kernel shim would not start or a loader shim does not
 * start; and each bad input named. The boot of an installed Secure Boot disk is in
 * test/installer/install-secure-boot.boot.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGrubConfig } from '../../bootloader/grub.js';
import { ensureTestKernel, ensureTestSystem } from '../../scripts/test-system.js';
import { withoutCertificates } from '../../system/secure-boot/pe-image.js';
import { cairn, cairnOk } from '../support/cli.js';
import { makeSignedSystem, type SignedSystem } from '../support/secure-boot-system.js';
import { ensureSignedBootFiles, type SignedBootFiles } from '../support/signed-boot.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  signed: SignedBootFiles;
  system: SignedSystem;
  esp: string;
}

interface Listed {
  loader: string | null;
  removableLoader: string | null;
  firmware: string;
  entries: { id: string; isDefault: boolean; missing: string[] }[];
}

const sb = suite<Context>('boot install --secure-boot');

/** The signed files as `boot install` options (the installed-system GRUB, prefix /EFI/debian). */
function chainFlags(signed: SignedBootFiles): string[] {
  return ['--shim', signed.shim, '--signed-grub', signed.grub, '--mok-manager', signed.mokManager];
}

sb.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-esp-sb-');
  context.signed = await ensureSignedBootFiles();
  context.system = await makeSignedSystem(context.dir);
  context.esp = join(context.dir, 'esp');
  await mkdir(context.esp);
  await cairnOk(['boot', 'install', '--esp', context.esp, '--allow-non-fat', '--root', context.system.root, '--secure-boot', ...chainFlags(context.signed), '--serial']);
});

sb.after(async (context) => {
  await removeTree(context.dir);
});

const espFile = (context: Context, path: string) => readFile(join(context.esp, path));

/** Adds a generation on `kernel` (the signed test kernel by default) to the profile under `root`. */
async function addGeneration(root: string, label: string, kernel?: string): Promise<void> {
  const test = await ensureTestSystem();
  await cairnOk(['generation', 'add', '--root', root, '--kernel', kernel ?? test.kernel, '--initrd', test.initramfs, '--param', 'console=ttyS0,115200', '--label', label]);
}

/** A refused command: exit 1, the message, and the ESP exactly as before. */
async function refusedOnEsp(context: Context, args: string[], pattern: RegExp): Promise<string> {
  const before = await snapshotTree(context.esp);
  const result = await cairn(args);
  assert.is(result.code, 1, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern, result.stderr);
  assert.not.match(result.stderr, /internal error/);
  assert.equal(await snapshotTree(context.esp), before, 'nothing on the ESP changed');
  return result.stderr;
}

sb('the ESP holds shim as BOOTX64.EFI, the signed GRUB and the MOK manager beside it (byte for byte), no fallback; the signed GRUB’s prefix hands over to Cairn’s menu', async (context) => {
  assert.equal(await espFile(context, 'EFI/BOOT/BOOTX64.EFI'), await readFile(context.signed.shim));
  assert.equal(await espFile(context, 'EFI/BOOT/grubx64.efi'), await readFile(context.signed.grub));
  assert.equal(await espFile(context, 'EFI/BOOT/mmx64.efi'), await readFile(context.signed.mokManager));
  assert.not.ok(existsSync(join(context.esp, 'EFI/BOOT/fbx64.efi')), 'no fallback loader');
  // Debian's grubx64.efi has /EFI/debian built in as its prefix: its grub.cfg there reads Cairn's menu.
  const redirect = (await espFile(context, 'EFI/debian/grub.cfg')).toString();
  assert.match(redirect, /^# Written by Cairn/);
  assert.match(redirect, /\nconfigfile \/grub\/grub\.cfg\n$/);
  const menu = parseGrubConfig((await espFile(context, 'grub/grub.cfg')).toString());
  assert.equal(menu.entries.map((e) => e.id), ['cairn-generation-2', 'cairn-generation-1']);
  for (const entry of menu.entries) {
    assert.ok(existsSync(join(context.esp, entry.kernel)), `${entry.kernel} is on the ESP`);
    assert.ok(entry.params.includes(`init=${context.system.toplevels.get(Number(entry.id.split('-').pop()))}/init`));
  }
  const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', context.esp, '--json'])).stdout) as Listed;
  assert.equal([listed.loader, listed.removableLoader, listed.firmware], ['grub', 'shim', 'uefi'], "shim's GRUB reads grub.cfg: not taken for GRUB for BIOS");
  assert.equal(listed.entries.map((e) => [e.id, e.isDefault, e.missing]), [['cairn-generation-2', true, []], ['cairn-generation-1', false, []]]);
});

sb('boot update keeps the chain (without --loader) and writes the new generation into the menu the signed GRUB reads', async (context) => {
  const chain = ['EFI/BOOT/BOOTX64.EFI', 'EFI/BOOT/grubx64.efi', 'EFI/BOOT/mmx64.efi', 'EFI/debian/grub.cfg'];
  const before = await Promise.all(chain.map((path) => espFile(context, path)));
  await addGeneration(context.system.root, 'Third');
  const result = await cairnOk(['boot', 'update', '--esp', context.esp, '--allow-non-fat', '--root', context.system.root, '--serial', '--json']);
  assert.match(result.stdout, /"loader": "grub"/);
  assert.equal(await Promise.all(chain.map((path) => espFile(context, path))), before, 'shim, GRUB, the MOK manager and the hand-over are left as they were');
  const menu = parseGrubConfig((await espFile(context, 'grub/grub.cfg')).toString());
  assert.is(menu.defaultId, 'cairn-generation-3');
  assert.equal(menu.entries.map((e) => e.id), ['cairn-generation-3', 'cairn-generation-2', 'cairn-generation-1']);
});

sb('boot update refuses a generation whose kernel shim would not start, naming it, and a loader shim does not start; nothing changes', async (context) => {
  const unsigned = join(context.dir, 'vmlinuz-unsigned');
  await writeFile(unsigned, withoutCertificates(new Uint8Array(await readFile(await ensureTestKernel()))));
  const root = join(context.dir, 'unsigned-root');
  await addGeneration(root, 'Signed');
  await addGeneration(root, 'Unsigned', unsigned);
  const stderr = await refusedOnEsp(context, ['boot', 'update', '--esp', context.esp, '--allow-non-fat', '--root', root], /boots shim \(Secure Boot\): with Secure Boot on, shim and GRUB start only kernels signed by the certificate shim trusts:/);
  assert.match(stderr, /\n {2}generation 2: the kernel \S+-linux-6\.[^/]*\/bzImage carries no Authenticode signature\n/);
  assert.not.match(stderr, /generation 1:/, 'only the unsigned generation is named');
  assert.match(stderr, /hint: use the distribution's signed kernel/);
  // Leaving that generation out is the way through.
  await cairnOk(['boot', 'update', '--esp', context.esp, '--allow-non-fat', '--root', root, '--generation', '1', '--dry-run']);
  await refusedOnEsp(context, ['boot', 'update', '--esp', context.esp, '--allow-non-fat', '--root', context.system.root, '--loader', 'systemd-boot'], /boots shim and the distribution-signed GRUB \(Secure Boot\), which read GRUB's menu, not systemd-boot's/);
});

sb('bad input: --secure-boot with systemd-boot, the signed files without --secure-boot, the packages missing, another system’s grub.cfg at the prefix', async (context) => {
  const install = ['boot', 'install', '--esp', context.esp, '--allow-non-fat', '--root', context.system.root];
  await refusedOnEsp(context, [...install, '--secure-boot', '--loader', 'systemd-boot', ...chainFlags(context.signed)], /--secure-boot: Secure Boot starts shim and the distribution-signed GRUB; systemd-boot is not signed by the distribution/);
  const usage = await cairn([...install, '--shim', context.signed.shim]);
  assert.is(usage.code, 2, usage.stderr);
  assert.match(usage.stderr, /--shim, --signed-grub and --mok-manager name the files of the Secure Boot chain: they need --secure-boot/);
  const bios = await cairn([...install, '--secure-boot', '--firmware', 'bios', ...chainFlags(context.signed)]);
  assert.is(bios.code, 2, bios.stderr);
  assert.match(bios.stderr, /--secure-boot installs a chain that UEFI firmware checks; --firmware bios boots through GRUB for BIOS alone, which Secure Boot does not concern: give --firmware uefi or both, or leave out --secure-boot/);
  // This host has the signed files only in the test cache, never installed: every one is named with its package.
  for (const path of ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/shim/mmx64.efi.signed', '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed']) {
    assert.not.ok(existsSync(path), `this test needs a host without ${path}`);
  }
  const missing = await refusedOnEsp(context, [...install, '--secure-boot'], /--secure-boot: Secure Boot needs the distribution's signed boot chain, and 3 of its files were not found:/);
  assert.match(missing, /shimx64\.efi\.signed \(shim, signed by Microsoft\): install the package shim-signed/);
  assert.match(missing, /grubx64\.efi\.signed \(GRUB, signed by the distribution\): install the package grub-efi-amd64-signed/);
  assert.match(missing, /mmx64\.efi\.signed \(the MOK manager, signed by the distribution\): install the package shim-helpers-amd64-signed/);
  // A Debian installed beside, whose menu the signed GRUB reads at the same prefix: not taken away.
  const shared = join(context.dir, 'shared-esp');
  await mkdir(join(shared, 'EFI/debian'), { recursive: true });
  await writeFile(join(shared, 'EFI/debian/grub.cfg'), "search.fs_uuid 1234 root\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n");
  const before = await snapshotTree(shared);
  const result = await cairn(['boot', 'install', '--esp', shared, '--allow-non-fat', '--root', context.system.root, '--secure-boot', ...chainFlags(context.signed)]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /EFI\/debian\/grub\.cfg is another system's GRUB configuration \(Cairn did not write it\), and the signed GRUB \(\S+grubx64\.efi\.signed\) reads its menu there/);
  assert.equal(await snapshotTree(shared), before);
});

sb.run();
