/**
 * A Secure Boot ISO booted for real under OVMF with Secure Boot enforced and Microsoft's keys enrolled
 * (`cairn iso test --firmware secure-boot`: q35 with SMM, OVMF_CODE_4M.secboot.fd, a copy of
 * OVMF_VARS_4M.ms.fd), every generation from a CD and from a USB stick, GRUB driven over the serial console.
 * The evidence comes from what booted: the kernel says Secure Boot is on, and each generation's own init
 * prints its command line (its init= and parameters, and those iso test typed into GRUB). Then the
 * counter-proof: the same ISO with shim's signature removed is refused by that firmware, while OVMF without
 * Secure Boot still boots it. Six boots (about 25-40 s each under TCG with SMM on a loaded machine).
 */
import { open, readFile } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterOffset, openFatImage } from '../../image-builder/fat/index.js';
import type { InspectReport } from '../../image-builder/read/inspect.js';
import type { SecureBootReport } from '../../image-builder/read/secure-boot-section.js';
import { SERIAL_CONSOLE_PARAMS } from '../../image-builder/vm/plan-boot-tests.js';
import { QemuMachine } from '../../lib/qemu.js';
import { TEST_INIT_LINE } from '../../scripts/test-system.js';
import { decodePeImage, PE_CONSTANTS } from '../../system/secure-boot/pe-image.js';
import { buildIso } from '../support/bootable-iso.js';
import { cairn, cairnOk } from '../support/cli.js';
import { junitCases, validateJunit } from '../support/junit.js';
import { makeSignedSystem, secureBootValue, writeSecureBootSpec, type SignedSystem } from '../support/secure-boot-system.js';
import { ensureSignedBootFiles } from '../support/signed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: SignedSystem;
  iso: string;
}

interface Results {
  boots: { generation: number; firmware: string; media: string; loader: string; result: string; commandLine: string | null; log: string | null }[];
  up: number;
  failed: number;
}

const boots = suite<Context>('Secure Boot ISO under OVMF with Secure Boot enforced');

boots.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-sb-boot-');
  const signed = await ensureSignedBootFiles();
  context.system = await makeSignedSystem(context.dir);
  context.iso = await buildIso(await writeSecureBootSpec(context.dir, context.system.root, secureBootValue(signed)), join(context.dir, 'sb.iso'));
});

boots.after(async (context) => {
  await removeTree(context.dir);
});

boots('every generation boots from a CD and from a USB stick with Secure Boot on; the JUnit report has one passing case per boot', async ({ dir, system, iso }) => {
  const logs = join(dir, 'logs');
  const junit = join(dir, 'secure-boot.xml');
  const result = await cairn(['iso', 'test', iso, '--firmware', 'secure-boot', '--logs', logs, '--junit', junit, '--json']);
  assert.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const report = JSON.parse(result.stdout) as Results;
  assert.equal(report.boots.map((b) => [b.firmware, b.media, b.generation, b.loader, b.result]), [
    ['secure-boot', 'cd', 2, 'grub', 'up'],
    ['secure-boot', 'cd', 1, 'grub', 'up'],
    ['secure-boot', 'usb', 2, 'grub', 'up'],
    ['secure-boot', 'usb', 1, 'grub', 'up'],
  ]);
  for (const boot of report.boots) {
    const console = await readFile(boot.log!, 'latin1');
    assert.match(console, /secureboot: Secure boot enabled/, `${boot.log}: the kernel ran with Secure Boot on`);
    assert.match(console, /Kernel is locked down from EFI Secure Boot/);
    const init = TEST_INIT_LINE.exec(console);
    assert.ok(init !== null, `${boot.log}: generation ${boot.generation}'s init ran`);
    const words = init[1]!.split(' ');
    assert.ok(words.includes(`init=${system.toplevels.get(boot.generation)}/init`) && words.includes(`cairn.generation=${boot.generation}`), `generation ${boot.generation} came up: ${init[1]}`);
    assert.equal(words.slice(-SERIAL_CONSOLE_PARAMS.length), [...SERIAL_CONSOLE_PARAMS], 'the parameters typed into GRUB reached the kernel');
  }
  await validateJunit(junit);
  assert.equal(junitCases(await readFile(junit, 'utf8')).map((c) => [c.classname, c.name, c.outcome]), [
    ['secure-boot.cd', 'generation 2', 'passed'],
    ['secure-boot.cd', 'generation 1', 'passed'],
    ['secure-boot.usb', 'generation 2', 'passed'],
    ['secure-boot.usb', 'generation 1', 'passed'],
  ]);
});

/** A copy of the ISO whose shim (EFI/BOOT/BOOTX64.EFI on the ESP) carries no signature: its security directory zeroed in place. */
async function withUnsignedShim(dir: string, iso: string): Promise<string> {
  const copy = join(dir, 'unsigned-shim.iso');
  await copyFile(iso, copy);
  const report = JSON.parse((await cairnOk(['iso', 'inspect', copy, '--json'])).stdout) as InspectReport;
  const espOffset = (report.sections.secureBoot as SecureBootReport).esp.offset;
  const fat = await openFatImage(copy, { offset: espOffset });
  const entry = (await fat.find('EFI/BOOT/BOOTX64.EFI'))!;
  const shim = await fat.readFile('EFI/BOOT/BOOTX64.EFI');
  const at = espOffset + clusterOffset(fat.info.geometry, entry.firstCluster) + decodePeImage(shim).securityDirectoryOffset;
  await fat.close();
  const handle = await open(copy, 'r+');
  await handle.write(new Uint8Array(PE_CONSTANTS.dataDirectorySize), 0, PE_CONSTANTS.dataDirectorySize, at);
  await handle.close();
  return copy;
}

boots('the same ISO with an unsigned shim is refused by that firmware, and still boots without Secure Boot', async ({ dir, iso, system }) => {
  const unsigned = await withUnsignedShim(dir, iso);
  const inspected = (await cairnOk(['iso', 'inspect', unsigned])).stdout;
  assert.match(inspected, /boots with Secure Boot on: no\n {2}problem: the loader EFI\/BOOT\/BOOTX64\.EFI \(shim 16\.1\) carries no signature: firmware with Secure Boot on refuses it/);
  const machine = await QemuMachine.start({ firmware: 'secure-boot', media: { kind: 'cdrom', path: unsigned } });
  try {
    await machine.waitFor(/failed to load Boot\d+ "UEFI QEMU DVD-ROM[^"]*" from [^\n]*: Access Denied/, { timeoutMs: 240_000 });
    await machine.waitFor(/No bootable option or device was found/, { timeoutMs: 120_000 });
    assert.not.match(machine.plainOutput, /Welcome to GRUB|Linux version/, 'nothing of the chain ran');
  } finally {
    await machine.stop();
  }
  // Without Secure Boot the very same bytes boot: the refusal above is Secure Boot's.
  const control = await cairn(['iso', 'test', unsigned, '--firmware', 'uefi', '--media', 'cd', '--generation', '2', '--json']);
  assert.is(control.code, 0, control.stdout + control.stderr);
  const booted = JSON.parse(control.stdout) as Results;
  assert.equal(booted.boots.map((b) => [b.generation, b.result]), [[2, 'up']]);
  assert.ok(booted.boots[0]!.commandLine!.split(' ').includes(`init=${system.toplevels.get(2)}/init`));
});

boots.run();
