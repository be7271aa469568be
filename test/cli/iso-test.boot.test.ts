/**
 * `cairn iso test` for real, on an ISO whose generations print nothing on the serial port (no console=
 * parameter): the test kernel with the test initramfs, whose /init prints its command line and powers off,
 * and one generation that panics. iso test chooses each generation with the arrow keys, gives its command
 * line a serial console, and reports why none is up: a panic, and a kernel that ran /init but no stage 2
 * that put a prompt on the console (so a kernel's command line alone never counts as up). Three boots in all
 * (each 10-25 s under TCG): isolinux from a CD for both generations, systemd-boot from a USB stick for one two
 * steps below the default. The generations that come up are the example's (example-live.boot.test.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SERIAL_CONSOLE_PARAMS } from '../../image-builder/vm/plan-boot-tests.js';
import { buildBootableIso, makeQuietSystem, type QuietSystem } from '../support/boot-test-iso.js';
import { cairn } from '../support/cli.js';
import { junitCases, validateJunit } from '../support/junit.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: QuietSystem;
  iso: string;
}

interface Results {
  boots: { generation: number | null; firmware: string; media: string; loader: string; result: string; reason: string | null; commandLine: string | null; initProcess: string | null; prompt: string | null; log: string | null; consoleTail: string | null }[];
  skipped: unknown[];
  up: number;
  failed: number;
}

const boots = suite<Context>('iso test boots the generations');

boots.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-iso-test-');
  context.system = await makeQuietSystem(context.dir);
  context.iso = await buildBootableIso(context.dir, context.system.root);
});

boots.after(async (context) => {
  await removeTree(context.dir);
});

const APPENDED = SERIAL_CONSOLE_PARAMS.join(' ');

boots('SeaBIOS from a CD: the panicking generation fails with its panic, the one without a stage 2 fails for that; exit 1, consoles kept, a JUnit report', async ({ dir, system, iso }) => {
  const logs = join(dir, 'logs');
  const junit = join(dir, 'boots.xml');
  const result = await cairn(['iso', 'test', iso, '--firmware', 'bios', '--media', 'cd', '--generation', '1', '--generation', '2', '--logs', logs, '--junit', junit, '--json']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /cairn: error: 2 of 2 boots failed/);
  const report = JSON.parse(result.stdout) as Results;
  assert.equal([report.up, report.failed, report.skipped], [0, 2, []]);
  assert.equal(report.boots.map((b) => [b.generation, b.firmware, b.media, b.loader, b.result]), [[2, 'bios', 'cd', 'isolinux', 'failed'], [1, 'bios', 'cd', 'isolinux', 'failed']]);
  const [broken, bare] = report.boots;
  assert.is(broken!.reason, 'kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)');
  assert.match(broken!.consoleTail!, /Kernel panic - not syncing/);
  for (const [boot, n] of [[broken!, 2], [bare!, 1]] as const) {
    const words = boot.commandLine!.split(' ');
    assert.ok(words.includes(`init=${system.toplevels.get(n)}/init`) && words.includes(`cairn.quiet=${n}`), `generation ${n} was chosen: ${boot.commandLine}`);
    assert.ok(boot.commandLine!.endsWith(` ${APPENDED}`), `the serial console was appended in the menu: ${boot.commandLine}`);
  }
  assert.equal([bare!.initProcess, bare!.prompt], ['/init', null]);
  assert.match(bare!.reason!, /^the kernel ran \/init, but stage 2 did not start \(no "cairn stage 2: started"\) before /);
  assert.match(bare!.consoleTail!, /CAIRN-TEST-INIT cmdline=/, 'its /init did run');
  assert.equal((await readdir(logs)).sort(), ['generation-1-bios-cd.log', 'generation-2-bios-cd.log']);
  // The JUnit report holds what CI shows: valid against the schema, one case per boot, the panic in the failure.
  await validateJunit(junit);
  const cases = junitCases(await readFile(junit, 'utf8'));
  assert.equal(cases.map((c) => [c.classname, c.name, c.outcome]), [['bios.cd', 'generation 2', 'failure'], ['bios.cd', 'generation 1', 'failure']]);
  assert.match(cases[0]!.message!, /^generation 2 under SeaBIOS from a CD: kernel panic: VFS: Unable to mount root fs/);
  assert.match(cases[0]!.body!, /Kernel panic - not syncing/);
  assert.match(cases[1]!.message!, /^generation 1 under SeaBIOS from a CD: the kernel ran \/init, but stage 2 did not start/);
  assert.match(cases[1]!.body!, /CAIRN-TEST-INIT cmdline=/);
});

boots('OVMF from a USB stick: the oldest generation, two steps below the default, is chosen and reported in the table; exit 1', async ({ iso }) => {
  const result = await cairn(['iso', 'test', iso, '--firmware', 'uefi', '--media', 'usb', '--generation', '1']);
  assert.is(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^generation  firmware  media  result  time +detail\n1 +OVMF +USB +FAILED +\d+ s +the kernel ran \/init, but stage 2 did not start/);
  assert.match(result.stdout, /\n0 up, 1 failed\n/);
  assert.match(result.stderr, /==> Booting generation 1 under OVMF from a USB stick \(1 of 1\)/);
});

boots.run();
