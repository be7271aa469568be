/**
 * `cairn iso run` and `cairn iso test` without starting a machine: the boots `iso test` plans (its
 * --dry-run), the keys each types, the modes it skips and why, and the errors for what cannot boot.
 * The booting itself is in iso-run.boot.test.ts and iso-test.boot.test.ts.
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { BootTestCase } from '../../image-builder/vm/plan-boot-tests.js';
import { planIsoRun } from '../../image-builder/vm/run-iso.js';
import { buildBootableIso, makeQuietSystem, type QuietSystem } from '../support/boot-test-iso.js';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: QuietSystem;
  live: string;
  biosOnly: string;
  noSerial: string;
  noWait: string;
  plain: string;
}

interface DryRun {
  boots: BootTestCase[];
  skipped: { firmware: string; media: string; reason: string }[];
}

const APPEND = ' console=ttyS0,115200 loglevel=7 panic=-1';
const plans = suite<Context>('iso test plans and iso run refusals');

plans.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-iso-vm-');
  context.system = await makeQuietSystem(context.dir);
  context.live = await buildBootableIso(context.dir, context.system.root);
  context.biosOnly = await buildBootableIso(context.dir, context.system.root, { name: 'bios-only', boot: '{ bios: true, uefi: false, timeout: 5, serial: true }' });
  context.noSerial = await buildBootableIso(context.dir, context.system.root, { name: 'no-serial', boot: '{ bios: true, uefi: true, timeout: 5, serial: false }' });
  context.noWait = await buildBootableIso(context.dir, context.system.root, { name: 'no-wait', boot: '{ bios: true, uefi: true, timeout: 0, serial: true }' });
  await writeFile(join(context.dir, 'hello.txt'), 'hello\n');
  await writeFile(join(context.dir, 'plain.yaml'), 'volumeId: PLAIN\nfiles:\n  - from: hello.txt\n    to: /hello.txt\n');
  context.plain = join(context.dir, 'plain.iso');
  await cairnOk(['iso', 'build', join(context.dir, 'plain.yaml'), '-o', context.plain]);
});

plans.after(async (context) => {
  await removeTree(context.dir);
});

async function dryRun(args: readonly string[]): Promise<DryRun> {
  return JSON.parse((await cairnOk(['iso', 'test', ...args, '--dry-run', '--json'])).stdout) as DryRun;
}

const UNSIGNED = /^the loader EFI\/BOOT\/BOOTX64\.EFI \(systemd-boot [^)]*\) carries no signature: firmware with Secure Boot on refuses it$/;

plans('every generation in all four modes, each reached from the default with the arrow keys and given a serial console', async ({ live, system }) => {
  const plan = await dryRun([live]);
  // Secure Boot firmware would refuse the unsigned systemd-boot: those two modes are skipped, saying so.
  assert.equal(plan.skipped.map((s) => [s.firmware, s.media]), [['secure-boot', 'cd'], ['secure-boot', 'usb']]);
  for (const s of plan.skipped) assert.match(s.reason, UNSIGNED);
  assert.equal(plan.boots.map((b) => `${b.mode.firmware}-${b.mode.media}:${b.entry.generation}`), ['bios-cd:3', 'bios-cd:2', 'bios-cd:1', 'bios-usb:3', 'bios-usb:2', 'bios-usb:1', 'uefi-cd:3', 'uefi-cd:2', 'uefi-cd:1', 'uefi-usb:3', 'uefi-usb:2', 'uefi-usb:1']);
  for (const boot of plan.boots) assert.is(boot.entry.init, `${system.toplevels.get(boot.entry.generation!)}/init`, 'each boot expects its generation');
  const isolinux = plan.boots.find((b) => b.mode.firmware === 'bios' && b.entry.generation === 1)!;
  assert.equal(isolinux.steps, [
    { kind: 'wait', pattern: 'Press \\[Tab\\] to edit options|Automatic boot in', what: 'the isolinux menu' },
    { kind: 'keys', keys: ['down', 'down'] },
    { kind: 'keys', keys: ['tab'] },
    { kind: 'type', text: APPEND },
    { kind: 'keys', keys: ['enter'] },
  ]);
  const systemdBoot = plan.boots.find((b) => b.mode.firmware === 'uefi' && b.entry.generation === 3)!;
  assert.equal(systemdBoot.steps, [
    { kind: 'wait', pattern: 'Generation 3 - 2025-11-20 - Qu|Boot in \\d+ s\\.', what: 'the systemd-boot menu' },
    { kind: 'type', text: 'e' },
    { kind: 'keys', keys: ['end'] },
    { kind: 'type', text: APPEND },
    { kind: 'keys', keys: ['enter'] },
  ]);

  const { stdout } = await cairnOk(['iso', 'test', live, '--dry-run', '--firmware', 'uefi', '--media', 'usb', '--generation', '1']);
  assert.is(stdout, `generation  firmware  media  loader        steps\n1           OVMF      USB    systemd-boot  wait for the systemd-boot menu, down down, type "e", end, type "${APPEND}", enter\n`);
});

plans('after a rollback the default is in the middle: newer generations are up from it, older ones down', async ({ dir, system }) => {
  // The other images were built in before(), with generation 3 current.
  await cairnOk(['generation', 'rollback', '--root', system.root]);
  const iso = await buildBootableIso(dir, system.root, { name: 'rolled-back' });
  const plan = await dryRun([iso, '--firmware', 'bios', '--media', 'cd']);
  const moves = plan.boots.map((b) => [b.entry.generation, b.steps.find((s) => s.kind === 'keys')]);
  assert.equal(moves, [[3, { kind: 'keys', keys: ['up'] }], [2, { kind: 'keys', keys: ['tab'] }], [1, { kind: 'keys', keys: ['down'] }]]);
});

plans('modes an image cannot boot in, or whose menu cannot be driven, are skipped with the reason', async ({ biosOnly, noSerial: noSerialIso, noWait: noWaitIso }) => {
  const bios = await dryRun([biosOnly]);
  assert.equal(new Set(bios.boots.map((b) => b.mode.firmware)), new Set(['bios']));
  assert.equal(bios.skipped, [
    { firmware: 'uefi', media: 'cd', reason: 'its El Torito catalog has no bootable UEFI image' },
    { firmware: 'uefi', media: 'usb', reason: 'it has no EFI System partition in its MBR or GPT, so UEFI firmware cannot boot it from a USB stick' },
    { firmware: 'secure-boot', media: 'cd', reason: 'its El Torito catalog has no bootable UEFI image' },
    { firmware: 'secure-boot', media: 'usb', reason: 'it has no EFI System partition in its MBR or GPT, so UEFI firmware cannot boot it from a USB stick' },
  ]);
  const noSerial = await dryRun([noSerialIso]);
  assert.equal(new Set(noSerial.boots.map((b) => b.mode.firmware)), new Set(['uefi']));
  assert.equal(noSerial.skipped.map((s) => [s.firmware, s.media]), [['bios', 'cd'], ['bios', 'usb'], ['secure-boot', 'cd'], ['secure-boot', 'usb']]);
  assert.match(noSerial.skipped[0]!.reason, /^\/isolinux\/isolinux\.cfg has no SERIAL line, so its menu cannot be driven over the serial port \(build with boot\.serial: true\)$/);
  // A timeout of 0: neither menu waits for keys.
  const noWait = await dryRun([noWaitIso]);
  assert.equal(noWait.boots, []);
  assert.equal(noWait.skipped.map((s) => [s.firmware, s.media]), [['bios', 'cd'], ['bios', 'usb'], ['uefi', 'cd'], ['uefi', 'usb'], ['secure-boot', 'cd'], ['secure-boot', 'usb']]);
  assert.match(noWait.skipped[0]!.reason, /^the isolinux menu's timeout is 0, so it boots its default before keys can choose an entry \(build with a boot\.timeout of 1 or more\)$/);
  assert.match(noWait.skipped[2]!.reason, /^the systemd-boot menu's timeout is 0/);
});

plans('iso test refuses what it cannot do: an unknown generation, nothing bootable, a bad option', async ({ live, biosOnly, plain }) => {
  const unknown = await cairn(['iso', 'test', live, '--generation', '9']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /live\.iso: generation 9 is not in its boot menus \(they offer 3, 2, 1\)/);
  const nothing = await cairn(['iso', 'test', biosOnly, '--firmware', 'uefi']);
  assert.is(nothing.code, 1);
  assert.match(nothing.stderr, /bios-only\.iso: nothing to boot: OVMF from a CD: its El Torito catalog has no bootable UEFI image; OVMF from a USB stick: /);
  const none = await cairn(['iso', 'test', plain]);
  assert.is(none.code, 1);
  assert.match(none.stderr, /plain\.iso: nothing to boot: SeaBIOS from a CD: it has no El Torito boot record/);
  const usage = await cairn(['iso', 'test', live, '--media', 'floppy']);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /--media <media>' argument 'floppy' is invalid\. Allowed choices are cd, usb/);
});

plans('iso run refuses an image that cannot boot the way asked, before starting QEMU', async ({ dir, biosOnly, plain }) => {
  const uefi = await cairn(['iso', 'run', biosOnly, '--uefi']);
  assert.is(uefi.code, 1);
  assert.match(uefi.stderr, /bios-only\.iso cannot boot under OVMF from a CD: its El Torito catalog has no bootable UEFI image\n  hint: build it with boot\.uefi: true, or run it without --uefi/);
  const stick = await cairn(['iso', 'run', plain, '--usb']);
  assert.is(stick.code, 1);
  assert.match(stick.stderr, /plain\.iso cannot boot under SeaBIOS from a USB stick: its MBR holds no boot code/);
  const notIso = await cairn(['iso', 'run', join(dir, 'hello.txt')]);
  assert.is(notIso.code, 1);
  assert.match(notIso.stderr, /hello\.txt: not an ISO 9660 image/);
  assert.equal([uefi.stdout, stick.stdout, notIso.stdout], ['', '', ''], 'no machine was started');
});

plans('iso run --disk: a missing disk alone, a size that differs, options without their disk or ISO are refused before QEMU', async ({ dir, live }) => {
  const missing = await cairn(['iso', 'run', '--disk', join(dir, 'none.img')]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /--disk \S+none\.img does not exist: there is nothing to boot\n  hint: install onto it first: cairn iso run IMAGE\.iso --disk FILE/);
  await writeFile(join(dir, 'small.img'), Buffer.alloc(1024 * 1024));
  const differs = await cairn(['iso', 'run', live, '--disk', join(dir, 'small.img'), '--disk-size', '2M']);
  assert.is(differs.code, 1);
  assert.match(differs.stderr, /--disk \S+small\.img is 1M \(1048576 bytes\), --disk-size says 2M: Cairn does not resize disks/);
  const sizeAlone = await cairn(['iso', 'run', live, '--disk-size', '2M']);
  assert.is(sizeAlone.code, 1);
  assert.match(sizeAlone.stderr, /--disk-size is the size of --disk: give --disk FILE too/);
  const uefiAlone = await cairn(['iso', 'run', '--disk', join(dir, 'small.img'), '--uefi']);
  assert.is(uefiAlone.code, 1);
  assert.match(uefiAlone.stderr, /--uefi, --secure-boot and --usb are for an ISO: a disk booted alone boots under OVMF/);
  const secureBootAlone = await cairn(['iso', 'run', '--disk', join(dir, 'small.img'), '--secure-boot']);
  assert.is(secureBootAlone.code, 1);
  assert.match(secureBootAlone.stderr, /--uefi, --secure-boot and --usb are for an ISO/);
  const nothing = await cairn(['iso', 'run']);
  assert.is(nothing.code, 1);
  assert.match(nothing.stderr, /nothing to boot: give an ISO, or --disk with an installed disk image/);
  const bus = await cairn(['iso', 'run', live, '--disk', join(dir, 'small.img'), '--disk-bus', 'scsi']);
  assert.is(bus.code, 2);
  assert.match(bus.stderr, /Allowed choices are virtio, sata, nvme/);
  const badSize = await cairn(['iso', 'run', live, '--disk', join(dir, 'new.img'), '--disk-size', '1000']);
  assert.is(badSize.code, 2);
  assert.match(badSize.stderr, /a disk is at least 1M and a whole number of 512-byte sectors, got "1000"/);
  assert.not.ok(await stat(join(dir, 'new.img')).then(() => true, () => false), 'no disk was created');
  assert.equal([missing, differs, sizeAlone, uefiAlone, nothing].map((r) => r.stdout), ['', '', '', '', ''], 'no machine was started');
});

plans('iso run plans: the ISO with a target disk to create, and the disk alone booted under OVMF', async ({ dir, live }) => {
  const target = join(dir, 'target.img');
  const withDisk = await planIsoRun(live, { firmware: 'bios', media: 'cd', accel: 'tcg', memoryMiB: 512, disk: { path: target, bus: 'nvme', sizeBytes: 4 * 1024 ** 3 } });
  assert.equal(withDisk.create, { path: target, sizeBytes: 4 * 1024 ** 3 });
  assert.equal(withDisk.machine.disks, [{ path: target, bus: 'nvme' }]);
  assert.match(withDisk.description, /live\.iso under SeaBIOS from a CD, with a new nvme disk \S+target\.img \(4G\)$/);
  await writeFile(target, Buffer.alloc(2 * 1024 * 1024));
  const alone = await planIsoRun(undefined, { firmware: 'bios', media: 'cd', accel: 'tcg', memoryMiB: 512, disk: { path: target, bus: 'sata' } });
  assert.is(alone.create, undefined);
  assert.is(alone.machine.firmware, 'uefi', 'installed disks boot with UEFI');
  assert.is(alone.machine.media, undefined);
  assert.equal(alone.machine.disks, [{ path: target, bus: 'sata', bootIndex: 0 }]);
});

plans.run();
