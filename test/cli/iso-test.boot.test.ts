/**
 * `cairn iso test` for real, on an ISO whose generations print nothing on the serial port (no console=
 * parameter) and one of which panics: it chooses each generation with the arrow keys, gives its command line
 * a serial console, and tells the ones that came up from the one that did not. Three boots in all (each
 * 10-25 s under TCG): isolinux from a CD for a failing and a working generation, systemd-boot from a USB
 * stick for a generation two steps below the default.
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
  boots: { generation: number | null; firmware: string; media: string; loader: string; result: string; reason: string | null; commandLine: string | null; initProcess: string | null; log: string | null; consoleTail: string | null }[];
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

boots('SeaBIOS from a CD: the panicking generation fails with its panic, the other comes up; exit 1, consoles kept, a JUnit report', async ({ dir, system, iso }) => {
  const logs = join(dir, 'logs');
  const junit = join(dir, 'boots.xml');
  const result = await cairn(['iso', 'test', iso, '--firmware', 'bios', '--media', 'cd', '--generation', '1', '--generation', '2', '--logs', logs, '--junit', junit, '--json']);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /cairn: error: 1 of 2 boots failed/);
  const report = JSON.parse(result.stdout) as Results;
  assert.equal([report.up, report.failed, report.skipped], [1, 1, []]);
  assert.equal(report.boots.map((b) => [b.generation, b.firmware, b.media, b.loader, b.result]), [[2, 'bios', 'cd', 'isolinux', 'failed'], [1, 'bios', 'cd', 'isolinux', 'up']]);
  const [broken, working] = report.boots;
  assert.is(broken!.reason, 'kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)');
  assert.match(broken!.consoleTail!, /Kernel panic - not syncing/);
  for (const [boot, n] of [[broken!, 2], [working!, 1]] as const) {
    const words = boot.commandLine!.split(' ');
    assert.ok(words.includes(`init=${system.toplevels.get(n)}/init`) && words.includes(`cairn.quiet=${n}`), `generation ${n} was chosen: ${boot.commandLine}`);
    assert.ok(boot.commandLine!.endsWith(` ${APPENDED}`), 'the serial console was appended in the menu');
  }
  assert.equal([working!.initProcess, working!.reason], ['/init', null]);
  assert.equal((await readdir(logs)).sort(), ['generation-1-bios-cd.log', 'generation-2-bios-cd.log']);
  // The JUnit report holds what CI shows: valid against the schema, one case per boot, the panic in the failure.
  await validateJunit(junit);
  const cases = junitCases(await readFile(junit, 'utf8'));
  assert.equal(cases.map((c) => [c.classname, c.name, c.outcome]), [['bios.cd', 'generation 2', 'failure'], ['bios.cd', 'generation 1', 'passed']]);
  assert.match(cases[0]!.message!, /^generation 2 under SeaBIOS from a CD: kernel panic: VFS: Unable to mount root fs/);
  assert.match(cases[0]!.body!, /Kernel panic - not syncing/);
});

boots('OVMF from a USB stick: the oldest generation, two steps below the default, comes up; a table, exit 0', async ({ iso }) => {
  const result = await cairn(['iso', 'test', iso, '--firmware', 'uefi', '--media', 'usb', '--generation', '1']);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^generation  firmware  media  result  time +detail\n1 +OVMF +USB +up +\d+ s +ran \/init\n1 up, 0 failed\n$/);
  assert.match(result.stderr, /==> Booting generation 1 under OVMF from a USB stick \(1 of 1\)/);
});

boots.run();
