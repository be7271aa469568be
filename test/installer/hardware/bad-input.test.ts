/**
 * Bad input to detection: recordings that are missing files or are not recordings, entries that could not be
 * read, PCI classes nobody defined, and the command line used wrongly. Detection reports what it could not
 * read and carries on; only a directory that is not a recording at all is an error.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectHardware } from '../../../installer/hardware/detect-hardware.js';
import { openHardwareSource as openRecording } from '../../../installer/hardware/hardware-source.js';
import { startRecording } from '../../../system/machine/recording.js';
import { UserError, ValidationError } from '../../../lib/errors.js';
import { cairn, repoRoot } from '../../support/cli.js';
import { snapshotTree, withTemporaryDirectory } from '../../support/tree.js';

const qemu = join(repoRoot, 'fixtures', 'machines', 'qemu-kvm-virtio', 'recording');

async function copyOfQemu(dir: string): Promise<string> {
  const copy = join(dir, 'qemu');
  await cp(qemu, copy, { recursive: true, verbatimSymlinks: true });
  return copy;
}

async function rejects(work: () => Promise<unknown>, matches: (error: unknown) => boolean): Promise<void> {
  try {
    await work();
  } catch (error) {
    assert.ok(matches(error), `unexpected error: ${String(error)}`);
    return;
  }
  assert.unreachable('expected a rejection');
}

test('a recording missing files: each is reported, the rest of the report is there', () =>
  withTemporaryDirectory(async (dir) => {
    const copy = await copyOfQemu(dir);
    await rm(join(copy, 'files', 'proc', 'cpuinfo'));
    await rm(join(copy, 'systeminformation', 'graphics.json'));
    await rm(join(copy, 'files', 'sys', 'devices', 'pci0000:00', '0000:00:1f.2', 'vendor'));
    const report = await detectHardware(await openRecording(copy));
    assert.equal(report.problems, [
      { source: '/proc/cpuinfo', message: 'missing: cannot read it' },
      { source: '/sys/bus/pci/devices/0000:00:1f.2/vendor', message: 'missing: cannot read it' },
      { source: 'systeminformation.graphics()', message: 'systeminformation/graphics.json is missing from the recording' },
    ]);
    assert.is(report.cpu, null);
    assert.equal(report.graphics, []);
    assert.not.ok(report.pci.some((d) => d.address === '0000:00:1f.2'));
    assert.ok(report.blockDevices.some((d) => d.name === 'vda'));

    const cli = await cairn(['detect', '--from', copy]);
    assert.is(cli.code, 0);
    assert.match(cli.stdout, /Not read \(3\):\n {2}\/proc\/cpuinfo: missing: cannot read it\n/);
    assert.match(cli.stdout, /^CPU {7}unknown$/m);
  }));

test('unreadable /sys entries: the read error is reported with its path, detection goes on', () =>
  withTemporaryDirectory(async (dir) => {
    const copy = await copyOfQemu(dir);
    const manifestPath = join(copy, 'cairn-recording.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { errors: Record<string, string> };
    manifest.errors = {
      '/sys/bus/pci/devices/0000:00:1f.2/class': "EACCES: permission denied, open '/sys/bus/pci/devices/0000:00:1f.2/class'",
      '/sys/class/block/vdb/size': 'EIO: i/o error, read',
    };
    await writeFile(manifestPath, JSON.stringify(manifest));
    const report = await detectHardware(await openRecording(copy));
    assert.equal(report.problems, [
      { source: '/sys/bus/pci/devices/0000:00:1f.2/class', message: 'cannot read it: permission denied (EACCES); run as root to read it' },
      { source: '/sys/class/block/vdb/size', message: 'cannot read it: input/output error (EIO)' },
    ]);
    assert.not.ok(report.blockDevices.some((d) => d.name === 'vdb'));
    assert.ok(report.blockDevices.some((d) => d.name === 'vda'));
  }));

test('unknown and malformed PCI classes: listed as unknown, or left out, and reported', () =>
  withTemporaryDirectory(async (dir) => {
    const copy = await copyOfQemu(dir);
    const devices = join(copy, 'files', 'sys', 'devices', 'pci0000:00');
    await writeFile(join(devices, '0000:00:1f.3', 'class'), '0x550000\n');
    await writeFile(join(devices, '0000:00:1f.0', 'class'), 'bridge\n');
    const report = await detectHardware(await openRecording(copy));
    const unknown = report.pci.find((d) => d.address === '0000:00:1f.3')!;
    assert.is(unknown.className, 'unknown class 0x550000');
    assert.is(unknown.driver, 'i801_smbus');
    assert.not.ok(report.pci.some((d) => d.address === '0000:00:1f.0'));
    assert.equal(report.problems, [
      { source: '/sys/bus/pci/devices/0000:00:1f.0/class', message: 'expected a class code such as 0x010601, found "bridge"' },
      { source: '/sys/bus/pci/devices/0000:00:1f.3/class', message: 'unknown PCI class 0x550000; the device is listed without a class name' },
    ]);
  }));

test('a directory that is not a recording, or a malformed manifest, is an error naming it', () =>
  withTemporaryDirectory(async (dir) => {
    await rejects(() => openRecording(join(dir, 'nope')), (e: unknown) => e instanceof UserError && /nope: no such directory/.test(e.message));
    await rejects(() => openRecording(dir), (e: unknown) => e instanceof UserError && /not a Cairn hardware recording \(it has no cairn-recording\.json\)/.test(e.message));
    await writeFile(join(dir, 'cairn-recording.json'), '{\n  "format": "cairn-hardware-recording",\n  "version": 2,\n  "colour": "blue"\n}\n');
    try {
      await openRecording(dir);
      assert.unreachable('a malformed manifest was accepted');
    } catch (error) {
      assert.instance(error, ValidationError);
      assert.equal(
        (error as ValidationError).problems.map((p) => `${p.line} ${p.path}: ${p.message}`),
        ['3 version: expected 1 (got 2)', '4 colour: unknown key; remove it (allowed: format, version, systeminformation, note, errors)'],
      );
    }
    const cli = await cairn(['detect', '--from', join(dir, 'nope')]);
    assert.is(cli.code, 1);
    assert.match(cli.stderr, /nope: no such directory\n {2}hint: make a recording with: cairn detect --record DIR/);
  }));

test('recording never overwrites: a non-empty directory is refused and left as it was', () =>
  withTemporaryDirectory(async (dir) => {
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'notes.txt'), 'mine\n');
    const before = await snapshotTree(dir);
    await rejects(() => startRecording(target), (e: unknown) => e instanceof UserError && /taken: already exists and is not empty/.test(e.message));
    const cli = await cairn(['detect', '--record', target]);
    assert.is(cli.code, 1);
    assert.match(cli.stderr, /already exists and is not empty/);
    assert.equal(await snapshotTree(dir), before);
  }));

test('the command line: --json with --yaml, --record with --from, are usage errors (exit 2)', async () => {
  const both = await cairn(['detect', '--json', '--yaml']);
  assert.is(both.code, 2);
  assert.match(both.stderr, /give --json or --yaml, not both/);
  const recordAndReplay = await cairn(['detect', '--record', '/tmp/x', '--from', qemu]);
  assert.is(recordAndReplay.code, 2);
  assert.match(recordAndReplay.stderr, /give --record or --from, not both/);
});

test.run();
