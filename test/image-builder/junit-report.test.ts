/**
 * The JUnit report of `cairn iso test --junit` without booting: results as the runner returns them, the
 * report checked against the vendored JUnit schema by xmllint, and read back case by case, with a serial
 * console full of what XML cannot hold (escape sequences, NUL, markup characters).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderJunitReport } from '../../image-builder/vm/junit-report.js';
import type { BootTestCase } from '../../image-builder/vm/plan-boot-tests.js';
import type { BootTestResult } from '../../image-builder/vm/run-boot-tests.js';
import { ProcessError } from '../../lib/errors.js';
import { junitCases, validateJunit } from '../support/junit.js';
import { withTemporaryDirectory } from '../support/tree.js';

const testCase = (generation: number, firmware: BootTestCase['mode']['firmware'], media: BootTestCase['mode']['media']): BootTestCase => ({
  mode: { firmware, media },
  loader: 'grub',
  entry: { position: 0, title: `Generation ${generation}`, generation, init: `/cairn/store/x-${generation}/init` },
  steps: [],
});

const TAIL = 'GRUB <menu> & "quotes"\u001b[2J\u0000\u0007 then: Kernel panic - not syncing: VFS: Unable to mount root fs\n';

const results: BootTestResult[] = [
  { case: testCase(3, 'secure-boot', 'cd'), up: true, seconds: 26, commandLine: 'init=/cairn/store/x-3/init console=ttyS0,115200', initProcess: '/init' },
  { case: testCase(2, 'secure-boot', 'cd'), up: false, seconds: 31, reason: 'kernel panic: VFS: Unable to mount root fs on <unknown>', consoleTail: TAIL },
];
const skipped = [{ mode: { firmware: 'bios' as const, media: 'usb' as const }, reason: 'its MBR holds no boot code & "no" <isohybrid>' }];

test('the report is valid JUnit with one case per boot and per skipped mode, the console tail in the failure', async () => {
  await withTemporaryDirectory(async (dir) => {
    const file = join(dir, 'report.xml');
    const xml = renderJunitReport({ image: '/tmp/a&b/cairn.iso', results, skipped });
    await writeFile(file, xml);
    await validateJunit(file);
    assert.match(xml, /<testsuites name="cairn iso test cairn\.iso" tests="3" failures="1" errors="0" time="57">/);
    assert.match(xml, /<testsuite name="cairn iso test cairn\.iso" tests="3" failures="1" errors="0" skipped="1" time="57">/);
    const cases = junitCases(xml);
    assert.equal(cases.map((c) => [c.classname, c.name, c.outcome]), [['secure-boot.cd', 'generation 3', 'passed'], ['secure-boot.cd', 'generation 2', 'failure'], ['bios.usb', 'every generation', 'skipped']]);
    assert.is(cases[1]!.message, 'generation 2 under OVMF with Secure Boot from a CD: kernel panic: VFS: Unable to mount root fs on <unknown>');
    assert.is(cases[1]!.body, 'GRUB <menu> & "quotes"\uFFFD[2J\uFFFD\uFFFD then: Kernel panic - not syncing: VFS: Unable to mount root fs\n', 'markup escaped and read back; what XML cannot hold replaced');
    assert.is(cases[2]!.message, 'SeaBIOS from a USB stick: its MBR holds no boot code & "no" <isohybrid>');
    assert.match(xml, /<system-out>kernel command line: init=\/cairn\/store\/x-3\/init console=ttyS0,115200\ninit process: \/init<\/system-out>/);
  });
});

test('the schema check can fail: a report without the counts JUnit requires is refused by xmllint', async () => {
  await withTemporaryDirectory(async (dir) => {
    const file = join(dir, 'bad.xml');
    await writeFile(file, renderJunitReport({ image: 'x.iso', results, skipped }).replace(/ failures="1"/g, ''));
    try {
      await validateJunit(file);
      assert.unreachable('xmllint accepted a testsuite without failures=');
    } catch (error) {
      assert.instance(error, ProcessError);
      assert.match((error as ProcessError).stderrTail, /failures.*is required|fails to validate/);
    }
  });
});

test.run();
