/**
 * The machine the tests run on: `cairn detect --json` lists its real CPU, memory and block devices (checked
 * against lscpu, free and lsblk), and a recording of it replays into the identical report.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import type { HardwareReport } from '../../../installer/hardware/detect-hardware.js';
import { run } from '../../../lib/run.js';
import { cairnOk } from '../../support/cli.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

let report: HardwareReport;

test.before(async () => {
  report = JSON.parse((await cairnOk(['detect', '--json'])).stdout) as HardwareReport;
});

test('detect --json names the real CPU (lscpu) and its thread count', async () => {
  const lscpu = JSON.parse((await run('lscpu', ['-J'])).stdout) as { lscpu: { field: string; data: string }[] };
  const field = (name: string) => lscpu.lscpu.find((f) => f.field === name)?.data;
  assert.is(report.cpu!.modelName, field('Model name:'));
  assert.is(report.cpu!.logicalCpus, Number(field('CPU(s):')));
  assert.is(report.cpu!.vendorId, field('Vendor ID:'));
});

test('detect --json gives the real memory size (free)', async () => {
  const free = (await run('free', ['-b'])).stdout;
  const total = Number(/^Mem:\s+(\d+)/m.exec(free)![1]);
  assert.is(report.memory.totalBytes, total);
});

test('detect --json lists the real block devices with their sizes (lsblk)', async () => {
  const lsblk = JSON.parse((await run('lsblk', ['-J', '-b', '-o', 'NAME,SIZE,TYPE,RM,RO'])).stdout) as {
    blockdevices: { name: string; size: number; type: string; rm: boolean; ro: boolean; children?: { name: string; size: number }[] }[];
  };
  const expected = lsblk.blockdevices.filter((d) => d.type === 'disk');
  assert.ok(expected.length > 0, 'lsblk lists at least one disk');
  for (const disk of expected) {
    const found = report.blockDevices.find((d) => d.name === disk.name);
    assert.ok(found !== undefined, `${disk.name} is in the report`);
    assert.is(found.sizeBytes, disk.size, `${disk.name} size`);
    assert.is(found.removable, disk.rm, `${disk.name} removable`);
    for (const child of disk.children ?? []) {
      assert.is(report.blockDevices.find((d) => d.name === child.name)?.parent, disk.name, `${child.name} is a partition of ${disk.name}`);
    }
  }
  const root = report.mounts.find((m) => m.mountPoint === '/')!;
  assert.ok(root !== undefined, 'the root mount is listed');
});

test('a recording of this machine replays into the identical report, as JSON and as YAML', async () => {
  const dir = await temporaryDirectory();
  try {
    const recording = join(dir, 'this-machine');
    const recorded = await cairnOk(['detect', '--record', recording, '--json']);
    assert.match(recorded.stderr, /recorded \d+ files in /);
    const manifest = JSON.parse(await readFile(join(recording, 'cairn-recording.json'), 'utf8')) as { format: string };
    assert.is(manifest.format, 'cairn-hardware-recording');
    await readFile(join(recording, 'files', 'proc', 'cpuinfo'), 'utf8');
    await readFile(join(recording, 'systeminformation', 'cpu.json'), 'utf8');

    const replayed = await cairnOk(['detect', '--from', recording, '--json']);
    assert.fixture(replayed.stdout, recorded.stdout);
    const yaml = await cairnOk(['detect', '--from', recording, '--yaml']);
    assert.equal(parse(yaml.stdout), JSON.parse(recorded.stdout));
    const text = await cairnOk(['detect', '--from', recording]);
    assert.match(text.stdout, /^Machine /);
    assert.match(text.stdout, new RegExp(`^CPU +${escape(report.cpu!.modelName)}`, 'm'));
  } finally {
    await removeTree(dir);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test.run();
