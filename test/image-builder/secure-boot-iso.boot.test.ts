/**
 * A Secure Boot ISO booted for real under OVMF with Secure Boot enforced and Microsoft's keys enrolled
 * (`cairn iso test --firmware secure-boot`: q35 with SMM, OVMF_CODE_4M.secboot.fd, a copy of
 * OVMF_VARS_4M.ms.fd), every generation of the bundled example (a real system, Debian's signed kernel) from
 * a CD and from a USB stick. GRUB is driven with the arrow keys and Enter alone: every entry already sends
 * its console to the serial port, so nothing is typed into GRUB's editor. The evidence comes from what
 * booted: each generation's stage 2 says it started (its label) and gives its shell prompt, and on the
 * default generation the kernel's own log says Secure Boot is on and the kernel locked down. Then the
 * counter-proof: the same ISO with shim's signature removed is refused by that firmware, while OVMF without
 * Secure Boot still boots it. Nine boots (about 30-60 s each under TCG with SMM on a loaded machine).
 */
import { open, readFile } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { clusterOffset, openFatImage } from '../../image-builder/fat/index.js';
import type { InspectReport } from '../../image-builder/read/inspect.js';
import type { SecureBootReport } from '../../image-builder/read/secure-boot-section.js';
import { QemuMachine } from '../../lib/qemu.js';
import { decodePeImage, PE_CONSTANTS } from '../../system/secure-boot/pe-image.js';
import { buildIso } from '../support/bootable-iso.js';
import { builtExampleSystem, EXAMPLE_HOST, type BuiltSystem } from '../support/built-system.js';
import { cairn, cairnOk } from '../support/cli.js';
import { junitCases, validateJunit } from '../support/junit.js';
import { secureBootValue, writeSecureBootSpec } from '../support/secure-boot-system.js';
import { runOnSerial } from '../support/serial-shell.js';
import { ensureSignedBootFiles } from '../support/signed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  iso: string;
}

interface Results {
  boots: { generation: number; firmware: string; media: string; loader: string; result: string; prompt: string | null; commandLine: string | null; log: string | null }[];
  up: number;
  failed: number;
}

const VOLUME_ID = 'CAIRN_SB';

const boots = suite<Context>('Secure Boot ISO under OVMF with Secure Boot enforced');

boots.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-sb-boot-');
  const signed = await ensureSignedBootFiles();
  context.system = await builtExampleSystem();
  // The example's entries say `quiet`; loglevel=7 after it, built into every entry, lets the kernel's command line
  // reach the console, where iso test reads which entry booted (nothing is typed into GRUB to get it).
  const spec = await writeSecureBootSpec(context.dir, context.system.root, secureBootValue(signed), { volumeId: VOLUME_ID, boot: '  kernelParams: [loglevel=7]' });
  context.iso = await buildIso(spec, join(context.dir, 'sb.iso'));
});

boots.after(async (context) => {
  await removeTree(context.dir);
});

boots('every generation comes up from a CD and from a USB stick with Secure Boot on, chosen in GRUB by arrow keys alone; one passing JUnit case per boot', async ({ dir, system, iso }) => {
  const logs = join(dir, 'logs');
  const junit = join(dir, 'secure-boot.xml');
  const result = await cairn(['iso', 'test', iso, '--firmware', 'secure-boot', '--logs', logs, '--junit', junit, '--json']);
  assert.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const report = JSON.parse(result.stdout) as Results;
  assert.equal(report.boots.map((b) => [b.firmware, b.media, b.generation, b.loader, b.result, b.prompt]), [
    ['secure-boot', 'cd', 3, 'grub', 'up', 'shell'],
    ['secure-boot', 'cd', 2, 'grub', 'up', 'shell'],
    ['secure-boot', 'cd', 1, 'grub', 'up', 'shell'],
    ['secure-boot', 'usb', 3, 'grub', 'up', 'shell'],
    ['secure-boot', 'usb', 2, 'grub', 'up', 'shell'],
    ['secure-boot', 'usb', 1, 'grub', 'up', 'shell'],
  ]);
  for (const boot of report.boots) {
    const console = await readFile(boot.log!, 'latin1');
    assert.not.match(console, /Press any key to continue/, `${boot.log}: GRUB started the entry without complaint`);
    // The generation's own stage 2 names itself: the entry chosen by the arrow keys is the one that came up.
    assert.match(console, `cairn stage 2: started ${system.labels.get(boot.generation)} on ${EXAMPLE_HOST}, live from ${VOLUME_ID}`, `${boot.log}: generation ${boot.generation}'s stage 2`);
    // Judged up, the command line named the generation's init=; and it is the entry's own, nothing typed into it.
    assert.not.match(boot.commandLine!, /panic=-1/, `nothing typed into GRUB: ${boot.commandLine}`);
  }
  await validateJunit(junit);
  assert.equal(junitCases(await readFile(junit, 'utf8')).map((c) => [c.classname, c.name, c.outcome]), [
    ['secure-boot.cd', 'generation 3', 'passed'],
    ['secure-boot.cd', 'generation 2', 'passed'],
    ['secure-boot.cd', 'generation 1', 'passed'],
    ['secure-boot.usb', 'generation 3', 'passed'],
    ['secure-boot.usb', 'generation 2', 'passed'],
    ['secure-boot.usb', 'generation 1', 'passed'],
  ]);
});

boots("the default generation from a USB stick: the kernel's log says Secure Boot is on and the kernel locked down", async ({ iso, system }) => {
  const machine = await QemuMachine.start({ firmware: 'secure-boot', media: { kind: 'usb', path: iso } });
  try {
    await machine.waitFor(/cairn stage 2: started[^]*# $/, { timeoutMs: 600_000 });
    assert.match(machine.plainOutput, `cairn stage 2: started ${system.labels.get(3)} on ${EXAMPLE_HOST}, live from ${VOLUME_ID}`);
    const log = await runOnSerial(machine, 'dmesg');
    assert.is(log.code, 0);
    assert.match(log.output, /secureboot: Secure boot enabled/);
    assert.match(log.output, /Kernel is locked down from EFI Secure Boot/);
  } finally {
    await machine.stop();
  }
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
  assert.equal(booted.boots.map((b) => [b.generation, b.result, b.prompt]), [[2, 'up', 'shell']]);
  assert.ok(booted.boots[0]!.commandLine!.split(' ').includes(`init=${system.toplevels.get(2)}/init`));
});

boots.run();
