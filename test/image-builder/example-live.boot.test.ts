/**
 * The example ISO boots every generation live to a prompt on the serial console: `cairn iso test` under
 * SeaBIOS from a CD (all three generations) and under OVMF from a USB stick (the two it does not boot by
 * default), each judged up by the prompt stage 2 put there; and the default generation from the stick, with
 * the medium mounted read-only and the store bound from it under a root in memory, shut down cleanly.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtExampleSystem, EXAMPLE_HOST, type BuiltSystem } from '../support/built-system.js';
import { buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { cairn } from '../support/cli.js';
import { runOnSerial } from '../support/serial-shell.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  iso: string;
}

interface Report {
  boots: { generation: number; firmware: string; media: string; result: string; reason: string | null; prompt: string | null; commandLine: string | null }[];
  up: number;
  failed: number;
}

const live = suite<Context>('the example ISO, live');

live.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-live-');
  context.system = await builtExampleSystem();
  const spec = await writeBootableSpec(context.dir, context.system.root, { volumeId: 'CAIRN_LIVE' });
  context.iso = await buildIso(spec, join(context.dir, 'cairn-live.iso'));
});

live.after(async (context) => {
  await removeTree(context.dir);
});

async function isoTest(iso: string, args: readonly string[]): Promise<Report> {
  const result = await cairn(['iso', 'test', iso, ...args, '--json']);
  assert.is(result.code, 0, `${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as Report;
}

live('iso test: every generation from a CD under SeaBIOS comes up to a shell prompt', async ({ iso }) => {
  const report = await isoTest(iso, ['--firmware', 'bios', '--media', 'cd']);
  assert.equal(report.boots.map((b) => [b.generation, b.result, b.prompt]), [[3, 'up', 'shell'], [2, 'up', 'shell'], [1, 'up', 'shell']]);
  for (const boot of report.boots) assert.ok(boot.commandLine!.split(' ').includes('cairn.live=CAIRN_LIVE'), boot.commandLine!);
});

live('iso test: the older generations from a USB stick under OVMF come up to a shell prompt', async ({ iso }) => {
  const report = await isoTest(iso, ['--firmware', 'uefi', '--media', 'usb', '--generation', '2', '--generation', '1']);
  assert.equal(report.boots.map((b) => [b.generation, b.result, b.prompt]), [[2, 'up', 'shell'], [1, 'up', 'shell']]);
});

live('the default generation from a USB stick: medium mounted read-only, store bound from it, root in memory, clean poweroff', async ({ iso, system }) => {
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'usb', path: iso } });
  try {
    await machine.waitFor(/cairn stage 2: started[^]*# $/, { timeoutMs: 600_000 });
    assert.match(machine.plainOutput, `cairn stage 2: started ${system.labels.get(3)} on ${EXAMPLE_HOST}, live from CAIRN_LIVE`);
    const mounts = (await runOnSerial(machine, 'cat /proc/mounts')).output;
    assert.match(mounts, /^\/dev\/sda \/run\/cairn\/medium iso9660 ro[, ]/m);
    assert.match(mounts, /^\/dev\/sda \/cairn\/store iso9660 ro[, ]/m);
    assert.match(mounts, /^tmpfs \/ tmpfs rw[, ]/m);
    assert.is((await runOnSerial(machine, 'cat /run/cairn/live')).output, 'CAIRN_LIVE /dev/sda\n');
    assert.is((await runOnSerial(machine, 'readlink /run/current-system')).output.trim(), system.toplevels.get(3));
    assert.is((await runOnSerial(machine, 'ls /cairn/var/profiles')).output.split(/\s+/).filter(Boolean).sort().join(' '), 'system system-1-link system-2-link system-3-link');
    assert.equal(await runOnSerial(machine, 'touch /etc/written && echo ok'), { output: 'ok\n', code: 0 }, 'the root is writable');
    assert.match((await runOnSerial(machine, 'lsblk --version')).output, /lsblk from util-linux/, 'a program from the spec runs with its libraries');
    machine.send('poweroff\r');
    await machine.waitFor(/The system is going down NOW![^]*Requesting system poweroff/, { timeoutMs: 120_000 });
    const off = await Promise.race([machine.exited.then(() => true), sleep(60_000).then(() => false)]);
    assert.ok(off, 'the machine powered off (QEMU exited)');
  } finally {
    await machine.stop();
  }
});

live.run();
