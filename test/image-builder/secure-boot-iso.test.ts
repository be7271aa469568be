/**
 * Secure Boot ISOs without booting them (the boots are in secure-boot-iso.boot.test.ts): what lands where,
 * read back with xorriso, mtools, fsck.fat and grub-script-check; what `iso inspect` and `iso test --dry-run`
 * make of it; the same bytes twice; and every bad input refused before anything is written, with the
 * package, the file, the key or the generation named.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGrubConfig } from '../../bootloader/grub.js';
import type { InspectReport } from '../../image-builder/read/inspect.js';
import type { SecureBootReport } from '../../image-builder/read/secure-boot-section.js';
import type { BootMenusReport } from '../../image-builder/read/boot-menu-section.js';
import type { BootTestCase } from '../../image-builder/vm/plan-boot-tests.js';
import { run } from '../../lib/run.js';
import { withoutCertificates } from '../../system/secure-boot/pe-image.js';
import { sha256File } from '../../system/store-hash.js';
import { ensureTestKernel } from '../../scripts/test-system.js';
import { assertBuildRefused, buildIso } from '../support/bootable-iso.js';
import { cairn, cairnOk } from '../support/cli.js';
import { makeSignedSystem, secureBootValue, writeSecureBootSpec, type SignedSystem } from '../support/secure-boot-system.js';
import { ensureSignedBootFiles, type SignedBootFiles } from '../support/signed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  signed: SignedBootFiles;
  system: SignedSystem;
  iso: string;
  report: InspectReport;
}

const sb = suite<Context>('Secure Boot ISO');

sb.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-sb-iso-');
  context.signed = await ensureSignedBootFiles();
  context.system = await makeSignedSystem(context.dir);
  context.iso = await buildIso(await writeSecureBootSpec(context.dir, context.system.root, secureBootValue(context.signed)), join(context.dir, 'sb.iso'));
  context.report = JSON.parse((await cairnOk(['iso', 'inspect', context.iso, '--json'])).stdout) as InspectReport;
});

sb.after(async (context) => {
  await removeTree(context.dir);
});

function secureBootOf(report: InspectReport): SecureBootReport {
  return report.sections.secureBoot as SecureBootReport;
}

/** The ESP cut out of the ISO (where its El Torito UEFI image starts), as a file mtools and fsck.fat read. */
async function extractEsp(context: Context, iso: string, name: string): Promise<string> {
  const report = iso === context.iso ? context.report : (JSON.parse((await cairnOk(['iso', 'inspect', iso, '--json'])).stdout) as InspectReport);
  const { offset } = secureBootOf(report).esp;
  const menu = (report.sections.bootMenus as BootMenusReport).menus.find((m) => m.firmware === 'uefi')!;
  const handle = await open(iso, 'r');
  const bytes = Buffer.alloc(menu.esp!.size);
  await handle.read(bytes, 0, bytes.length, offset);
  await handle.close();
  const file = join(context.dir, name);
  await writeFile(file, bytes);
  return file;
}

async function espFile(esp: string, path: string): Promise<Buffer> {
  const { stdout } = await run('mtype', ['-i', esp, `::${path}`], { env: { MTOOLS_SKIP_CHECK: '1' } });
  return Buffer.from(stdout, 'latin1');
}

async function espBytes(context: Context, esp: string, path: string): Promise<Buffer> {
  const out = join(context.dir, `from-esp-${path.replaceAll('/', '_')}`);
  await run('mcopy', ['-n', '-i', esp, `::${path}`, out], { env: { MTOOLS_SKIP_CHECK: '1' } });
  return readFile(out);
}

async function isoFile(iso: string, path: string): Promise<string> {
  const { stdout } = await run('isoinfo', ['-R', '-i', iso, '-x', path]);
  return stdout;
}

sb('the ESP holds shim as BOOTX64.EFI, the signed GRUB and MOK manager beside it (byte for byte), no fallback, GRUB’s menu at its prefix, no kernel', async (context) => {
  const esp = await extractEsp(context, context.iso, 'esp.img');
  await run('fsck.fat', ['-n', esp]);
  const { stdout } = await run('mdir', ['-/', '-b', '-i', esp, '::/'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  const files = stdout.trim().split('\n').filter((l) => !l.endsWith('/')).map((l) => l.replace(/^::\//, '')).sort();
  assert.equal(files, ['EFI/BOOT/BOOTX64.EFI', 'EFI/BOOT/grubx64.efi', 'EFI/BOOT/mmx64.efi', 'boot/grub/grub.cfg']);
  assert.equal(await espBytes(context, esp, 'EFI/BOOT/BOOTX64.EFI'), await readFile(context.signed.shim));
  assert.equal(await espBytes(context, esp, 'EFI/BOOT/grubx64.efi'), await readFile(context.signed.grubCd));
  assert.equal(await espBytes(context, esp, 'EFI/BOOT/mmx64.efi'), await readFile(context.signed.mokManager));
  assert.is((await espFile(esp, 'boot/grub/grub.cfg')).toString(), await isoFile(context.iso, '/boot/grub/grub.cfg'), 'the same menu on the ESP and on ISO 9660');
});

sb('ISO 9660 holds /.disk/info, the image’s marker and GRUB’s menu, whose kernels and initrds are ISO files; grub-script-check accepts it', async (context) => {
  const { stdout } = await run('isoinfo', ['-R', '-f', '-i', context.iso]);
  const paths = stdout.split('\n');
  assert.ok(paths.includes('/.disk/info'));
  const markers = paths.filter((p) => p.startsWith('/.disk/cairn-'));
  assert.is(markers.length, 1);
  assert.match(await isoFile(context.iso, '/.disk/info'), /^Cairn CAIRN_SB \(generations 2, 1\) 2025-11-20$/);
  const config = await isoFile(context.iso, '/boot/grub/grub.cfg');
  const file = join(context.dir, 'grub.cfg');
  await writeFile(file, config);
  await run('grub-script-check', [file]);
  const menu = parseGrubConfig(config);
  assert.is(menu.searchFile, markers[0], 'GRUB makes the ISO its root by the marker only this image has');
  // Only UEFI firmware starts this GRUB, and its console reads the serial port: GRUB shows its menu there but
  // does not read the port a second time (two readers split each key's bytes between them).
  assert.ok(menu.serial && config.includes('\nterminal_output --append serial\n'));
  assert.not.match(config, /terminal_input/);
  assert.equal(menu.entries.map((e) => e.title), ['Generation 2 - 2025-11-20 - Signed 2', 'Generation 1 - 2025-11-19 - Signed 1']);
  assert.is(menu.defaultId, 'cairn-generation-2');
  for (const entry of menu.entries) {
    for (const path of [entry.kernel, ...entry.initrds]) assert.ok(paths.includes(path), `${path} is on the ISO`);
    assert.ok(entry.params.includes(`init=${context.system.toplevels.get(Number(entry.id.split('-').pop()))}/init`));
  }
});

sb('iso inspect reports the chain: shim trusting Debian’s CA, GRUB and every kernel signed by it, no fallback; bootable with Secure Boot on', async (context) => {
  const chain = secureBootOf(context.report);
  assert.is(chain.bootable, true, chain.problems.join('; '));
  assert.equal(chain.problems, []);
  assert.equal([chain.loader.path, chain.loader.kind, chain.loader.trusts], ['EFI/BOOT/BOOTX64.EFI', 'shim', 'Debian Secure Boot CA']);
  assert.equal(chain.loader.signatures.map((s) => [s.signer, s.issuer, s.digestMatches, s.signatureValid]), [
    ['Microsoft Windows UEFI Driver Publisher', 'Microsoft Corporation UEFI CA 2011', true, true],
    ['Microsoft UEFI CA 2023 signer', 'Microsoft UEFI CA 2023', true, true],
  ]);
  assert.equal([chain.secondStage!.path, chain.secondStage!.kind, chain.secondStage!.grubPrefix, chain.secondStage!.trustedByShim], ['EFI/BOOT/grubx64.efi', 'grub', '/boot/grub', true]);
  assert.is(chain.secondStage!.signatures[0]!.signer, 'Debian Secure Boot Signer 2022 - grub2');
  assert.is(chain.mokManager!.trustedByShim, true);
  assert.is(chain.fallbackLoader, false);
  assert.equal(chain.menu, { loader: 'grub', config: 'boot/grub/grub.cfg', kernelsOn: 'iso' });
  assert.is(chain.kernels.length, 1, 'both generations boot the same kernel');
  assert.equal(chain.kernels[0]!.usedBy, ['generation 2', 'generation 1']);
  assert.equal([chain.kernels[0]!.on, chain.kernels[0]!.signatures[0]!.signer, chain.kernels[0]!.trustedByShim], ['iso', 'Debian Secure Boot Signer 2022 - linux', true]);
  const text = (await cairnOk(['iso', 'inspect', context.iso])).stdout;
  assert.match(text, /\nSecure Boot:\n {2}ESP at byte \d+ \(the El Torito UEFI image\)\n {2}EFI\/BOOT\/BOOTX64\.EFI {2}shim 16\.1, .*; trusts Debian Secure Boot CA\n/);
  assert.match(text, /no fallback loader \(EFI\/BOOT\/fbx64\.efi\): shim starts GRUB\n/);
  assert.match(text, /generations 2, 1\n {2}boots with Secure Boot on: yes\n/);
  assert.match(text, /UEFI: grub, boot\/grub\/grub\.cfg on the ESP at byte \d+ .*kernels read from ISO 9660 \(search --file \/\.disk\/cairn-[0-9a-f]{16}\)/);
});

sb('iso test plans every generation under SeaBIOS, OVMF and OVMF with Secure Boot, from a CD and a stick; GRUB driven by arrow keys and Enter alone', async (context) => {
  const plan = JSON.parse((await cairnOk(['iso', 'test', context.iso, '--dry-run', '--json'])).stdout) as { boots: BootTestCase[]; skipped: unknown[] };
  assert.equal(plan.skipped, []);
  assert.equal(plan.boots.map((b) => `${b.mode.firmware}-${b.mode.media}:${b.entry.generation}:${b.loader}`), [
    'bios-cd:2:isolinux', 'bios-cd:1:isolinux', 'bios-usb:2:isolinux', 'bios-usb:1:isolinux',
    'uefi-cd:2:grub', 'uefi-cd:1:grub', 'uefi-usb:2:grub', 'uefi-usb:1:grub',
    'secure-boot-cd:2:grub', 'secure-boot-cd:1:grub', 'secure-boot-usb:2:grub', 'secure-boot-usb:1:grub',
  ]);
  const oldest = plan.boots.find((b) => b.mode.firmware === 'secure-boot' && b.entry.generation === 1)!;
  assert.equal(oldest.steps, [
    { kind: 'wait', pattern: 'Generation 2 - 2025-11-20 - Si', what: 'the GRUB menu' },
    { kind: 'keys', keys: ['down'] },
    { kind: 'keys', keys: ['enter'] },
  ]);
});

sb("iso test skips GRUB menus whose kernel is quiet: the kernel's command line would not reach the console, and GRUB's editor is not typed into", async (context) => {
  const quiet = await buildIso(
    await writeSecureBootSpec(context.dir, context.system.root, secureBootValue(context.signed), { name: 'quiet.yaml', boot: '  kernelParams: [quiet]' }),
    join(context.dir, 'quiet.iso'),
  );
  const plan = JSON.parse((await cairnOk(['iso', 'test', quiet, '--dry-run', '--json'])).stdout) as { boots: BootTestCase[]; skipped: { firmware: string; media: string; reason: string }[] };
  assert.equal(plan.skipped.map((s) => `${s.firmware}-${s.media}`), ['uefi-cd', 'uefi-usb', 'secure-boot-cd', 'secure-boot-usb']);
  for (const skipped of plan.skipped) {
    assert.match(skipped.reason, /^boot\/grub\/grub\.cfg: "Generation 2 - 2025-11-20 - Signed 2", "Generation 1 - 2025-11-19 - Signed 1" keep the kernel quiet, so its command line \(which tells the entry that booted\) never reaches the console, and iso test does not type into GRUB's editor \(build with boot\.kernelParams: \[loglevel=7\]\)$/);
  }
  assert.equal([...new Set(plan.boots.map((b) => b.loader))], ['isolinux'], 'isolinux still gets its serial console typed in');
});

sb('the same spec and date give the same bytes', async (context) => {
  const again = await buildIso(await writeSecureBootSpec(context.dir, context.system.root, secureBootValue(context.signed), { name: 'again.yaml' }), join(context.dir, 'again.iso'));
  assert.is(await sha256File(again), await sha256File(context.iso));
});

sb('secureBoot: true without the signed packages names every missing file with its package', async (context) => {
  // This host has the files only in the test cache, never installed (installing them would touch its boot loader).
  for (const path of ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/shim/mmx64.efi.signed', '/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed']) {
    assert.not.ok(existsSync(path), `this test needs a host without ${path}`);
  }
  const dir = join(context.dir, 'missing');
  await mkdir(dir);
  const stderr = await assertBuildRefused(dir, await writeSecureBootSpec(dir, context.system.root, 'true'), /sb\.yaml: boot\.secureBoot: Secure Boot needs the distribution's signed boot chain, and 3 of its files were not found:/);
  assert.match(stderr, /shimx64\.efi\.signed \(shim, signed by Microsoft\): install the package shim-signed \(Fedora: shim-x64, Arch: shim-signed \(AUR\)\)/);
  assert.match(stderr, /gcdx64\.efi\.signed \(GRUB, signed by the distribution\): install the package grub-efi-amd64-signed \(Fedora: grub2-efi-x64-cdboot\)/);
  assert.match(stderr, /mmx64\.efi\.signed \(the MOK manager, signed by the distribution\): install the package shim-helpers-amd64-signed/);
  assert.match(stderr, /hint: install the packages, or unpack them without installing \(apt-get download shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed/);
  // One named file that is not there, the others searched: only what is missing is listed.
  const one = await assertBuildRefused(dir, await writeSecureBootSpec(dir, context.system.root, `{ shim: ${context.signed.shim}, grub: ${context.signed.grubCd}, mokManager: ./nowhere/mmx64.efi }`), /1 of|a file of it was not found/);
  assert.match(one, new RegExp(`mokManager names ${dir.replace(/[/.]/g, '\\$&')}/nowhere/mmx64\\.efi, which is not a file`));
});

sb('contradictions are refused with their key paths: Secure Boot with uefi false (with bios false too), with systemdBoot', async (context) => {
  const dir = join(context.dir, 'contradictions');
  await mkdir(dir);
  const value = secureBootValue(context.signed);
  const neither = await assertBuildRefused(dir, await writeSecureBootSpec(dir, context.system.root, value, { boot: '  bios: false\n  uefi: false' }), /2 problems:/);
  assert.match(neither, /sb\.yaml:\d+: boot: bios and uefi are both false: the ISO would not boot/);
  assert.match(neither, /sb\.yaml:\d+: boot\.secureBoot: Secure Boot is a UEFI feature, and uefi is false: set uefi: true, or leave secureBoot out/);
  const biosOnly = await assertBuildRefused(dir, await writeSecureBootSpec(dir, context.system.root, value, { boot: '  uefi: false' }), /1 problem:/);
  assert.match(biosOnly, /boot\.secureBoot: Secure Boot is a UEFI feature, and uefi is false/);
  const systemdBoot = await assertBuildRefused(dir, await writeSecureBootSpec(dir, context.system.root, value, { boot: '  systemdBoot: /usr/lib/systemd/boot/efi/systemd-bootx64.efi' }), /1 problem:/);
  assert.match(systemdBoot, /boot\.systemdBoot: a Secure Boot ISO boots shim and the distribution-signed GRUB, not systemd-boot/);
  // config validate says the same, reading the spec only.
  const validated = await cairn(['config', 'validate', '--kind', 'image', join(dir, 'sb.yaml')]);
  assert.is(validated.code, 1);
  assert.match(validated.stderr, /boot\.systemdBoot: a Secure Boot ISO boots shim/);
});

sb('a generation whose kernel is unsigned, or changed after signing, is refused before anything is written, named with its kernel', async (context) => {
  const dir = join(context.dir, 'unsigned');
  await mkdir(dir);
  const signedKernel = new Uint8Array(await readFile(await ensureTestKernel()));
  const unsigned = join(dir, 'vmlinuz-unsigned');
  await writeFile(unsigned, withoutCertificates(signedKernel));
  const system = await makeSignedSystem(dir, { name: 'root', count: 1, kernel: unsigned });
  // A second generation on the signed kernel, so that only generation 2 is named.
  const second = await makeSignedSystem(dir, { name: 'root2', count: 2 });
  const stderr = await assertBuildRefused(dir, await writeSecureBootSpec(dir, system.root, secureBootValue(context.signed)), /with Secure Boot on, shim and GRUB start only kernels signed by the certificate shim trusts:/);
  assert.match(stderr, /generation 1: the kernel .*-linux-6\.[^/]*\/bzImage carries no Authenticode signature/);
  assert.match(stderr, /hint: use the distribution's signed kernel/);
  assert.ok(second.toplevels.size === 2);
  // A byte changed after signing: the signature no longer covers the kernel.
  const changed = Uint8Array.from(signedKernel);
  changed[changed.length - 70_000] = changed[changed.length - 70_000]! ^ 0xff;
  await writeFile(join(dir, 'vmlinuz-changed'), changed);
  const changedSystem = await makeSignedSystem(dir, { name: 'root3', count: 1, kernel: join(dir, 'vmlinuz-changed') });
  await assertBuildRefused(dir, await writeSecureBootSpec(dir, changedSystem.root, secureBootValue(context.signed)), /generation 1: the kernel .* carries a signature that does not match its content \(changed after signing\)/);
});

sb('a GRUB or kernel signed by someone shim does not trust, an unsigned GRUB, a wrong file: refused, naming signer and trust', async (context) => {
  const dir = join(context.dir, 'untrusted');
  await mkdir(dir);
  // A signer of our own, as an attacker (or another distribution) would have.
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=Not Debian Signer', '-days', '3650']);
  const unsignedGrub = join(dir, 'grub-unsigned.efi');
  await writeFile(unsignedGrub, withoutCertificates(new Uint8Array(await readFile(context.signed.grubCd))));
  const foreignGrub = join(dir, 'grub-foreign.efi');
  await run('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', unsignedGrub, '-out', foreignGrub]);
  const spec = (override: Parameters<typeof secureBootValue>[1]) => writeSecureBootSpec(dir, context.system.root, secureBootValue(context.signed, override));
  await assertBuildRefused(dir, await spec({ grub: foreignGrub }), /grub-foreign\.efi is signed by Not Debian Signer \(issued by Not Debian Signer\), but shim \(.*shimx64\.efi\.signed\) trusts only Debian Secure Boot CA: shim would refuse to start it/);
  await assertBuildRefused(dir, await spec({ grub: unsignedGrub }), /grub-unsigned\.efi carries no Authenticode signature: firmware with Secure Boot on would refuse it/);
  await assertBuildRefused(dir, await spec({ shim: context.signed.grubCd }), /gcdx64\.efi\.signed is GRUB, not shim/);
  await assertBuildRefused(dir, await spec({ mokManager: context.signed.shim }), /shimx64\.efi\.signed is shim, not the MOK manager/);
  // A kernel signed by that signer: shim would not start it.
  const unsignedKernel = join(dir, 'vmlinuz-unsigned');
  await writeFile(unsignedKernel, withoutCertificates(new Uint8Array(await readFile(await ensureTestKernel()))));
  const foreignKernel = join(dir, 'vmlinuz-foreign');
  await run('osslsigncode', ['sign', '-certs', cert, '-key', key, '-in', unsignedKernel, '-out', foreignKernel]);
  const foreign = await makeSignedSystem(dir, { name: 'foreign', count: 1, kernel: foreignKernel });
  await assertBuildRefused(dir, await writeSecureBootSpec(dir, foreign.root, secureBootValue(context.signed)), /generation 1: the kernel .*\/bzImage is signed by Not Debian Signer \(issued by Not Debian Signer\), which shim \(trusting Debian Secure Boot CA\) does not accept/);
});

sb.run();
