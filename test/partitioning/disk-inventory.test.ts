/**
 * The disk inventory read from sysfs and udev: checked against lsblk (the oracle) on this machine; a
 * disk-only recording is Cairn's one recording format and replays into the same inventory; a recording in
 * the old format (lsblk's JSON) is refused with the conversion command, and that command converts it.
 */
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { discoverDisks, partitionDeviceName, preferByIdNames, volumesOf } from '../../partitioning/disks.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { withTemporaryDirectory } from '../support/tree.js';

interface LsblkDevice {
  /** The kernel name (dm-0 where NAME says cryptroot). */
  kname: string;
  type: string;
  size: number;
  'log-sec': number;
  ro: boolean;
  rm: boolean;
  model: string | null;
  serial: string | null;
  fstype: string | null;
  mountpoints: (string | null)[];
  children?: LsblkDevice[];
}

test('the inventory of this machine is what lsblk sees: the same disks, sizes, sector sizes, flags, partitions and mounts', async () => {
  const { stdout } = await run('lsblk', ['--json', '--bytes', '--tree', '--output', 'KNAME,TYPE,SIZE,LOG-SEC,RO,RM,MODEL,SERIAL,FSTYPE,MOUNTPOINTS']);
  const expected = (JSON.parse(stdout) as { blockdevices: LsblkDevice[] }).blockdevices.filter((d) => d.type === 'disk');
  const inventory = await discoverDisks();
  assert.equal(inventory.disks.map((d) => d.name).sort(), expected.map((d) => d.kname).sort(), 'the same disks');
  const mounts = (device: LsblkDevice) => device.mountpoints.filter((m): m is string => m !== null && m !== '[SWAP]').sort();
  for (const want of expected) {
    const disk = inventory.disks.find((d) => d.name === want.kname)!;
    assert.equal(
      [disk.sizeBytes, disk.sectorSize, disk.readOnly, disk.removable, disk.mountpoints],
      [want.size, want['log-sec'], want.ro, want.rm, mounts(want)],
      `${want.kname}: size, sector size, read-only, removable, mounts`,
    );
    // lsblk leaves these out where it has no udev database; where it has them, they agree.
    if (want.model !== null) assert.is(disk.model, want.model.trim(), `${want.kname}: model`);
    if (want.serial !== null) assert.is(disk.serial, want.serial, `${want.kname}: serial`);
    if (want.fstype !== null) assert.is(disk.fstype, want.fstype, `${want.kname}: filesystem`);
    const partitions = (want.children ?? []).filter((c) => c.type === 'part');
    assert.equal(
      disk.children.filter((c) => c.kind === 'partition').map((p) => [p.name, p.sizeBytes, p.mountpoints]),
      partitions.map((p) => [p.kname, p.size, mounts(p)]),
      `${want.kname}: partitions`,
    );
    // Everything stacked on the disk (LUKS, LVM, md), with its mounts and swap, as lsblk's tree shows it.
    const below = (device: LsblkDevice): LsblkDevice[] => (device.children ?? []).flatMap((c) => [c, ...below(c)]);
    const describe = (name: string, mountpoints: readonly string[], swap: boolean) => `${name} ${mountpoints.join(',')}${swap ? ' swap' : ''}`;
    assert.equal(
      [...new Set([disk, ...volumesOf(disk)].map((v) => describe(v.name, v.mountpoints, v.activeSwap)))].sort(),
      [...new Set([want, ...below(want)].map((d) => describe(d.kname, mounts(d), d.mountpoints.includes('[SWAP]'))))].sort(),
      `${want.kname}: what is stacked on it, mounted and swapped on`,
    );
  }
});

test('the preferred by-id name and the kernel names of partitions', () => {
  assert.equal(
    preferByIdNames(['/dev/disk/by-id/wwn-0x5002538e40a1b2c3', '/dev/disk/by-id/nvme-eui.0025385b71b21234', '/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64_1', '/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64']),
    ['/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64', '/dev/disk/by-id/nvme-Samsung_SSD_980_1TB_S64_1', '/dev/disk/by-id/nvme-eui.0025385b71b21234', '/dev/disk/by-id/wwn-0x5002538e40a1b2c3'],
  );
  assert.equal(['vda', 'sda', 'nvme0n1', 'mmcblk0', 'xvdb', 'md127', 'loop0'].map((d) => partitionDeviceName(d, 1)), ['vda1', 'sda1', 'nvme0n1p1', 'mmcblk0p1', 'xvdb1', 'md127p1', 'loop0p1']);
});

test('a disk-only recording is the recording format, and replays into the same inventory', () =>
  withTemporaryDirectory(async (dir) => {
    const recording = join(dir, 'disks');
    const live = await cairnOk(['partition', 'disks', '--json', '--record', recording]);
    assert.match(live.stderr, /recorded \d+ files in /);
    const manifest = JSON.parse(await readFile(join(recording, 'cairn-recording.json'), 'utf8')) as { format: string; version: number };
    assert.equal([manifest.format, manifest.version], ['cairn-hardware-recording', 1]);
    assert.equal((await readdir(recording)).sort(), ['cairn-recording.json', 'files'], 'no systeminformation results: only what the inventory reads');
    await readFile(join(recording, 'files', 'proc', 'self', 'mountinfo'), 'utf8');
    const replayed = await cairnOk(['partition', 'disks', '--json', '--from', recording]);
    const { source: liveSource, ...liveDisks } = JSON.parse(live.stdout) as { source: string };
    const { source: replaySource, ...replayDisks } = JSON.parse(replayed.stdout) as { source: string };
    assert.equal([liveSource, replaySource], ['this machine', recording]);
    assert.equal(replayDisks, liveDisks);
    // The whole hardware report reads it too: the disks are there, the rest is reported as not recorded.
    const detect = JSON.parse((await cairnOk(['detect', '--json', '--from', recording])).stdout) as { disks: unknown[]; problems: { source: string }[] };
    assert.equal(detect.disks, (liveDisks as { disks: unknown[] }).disks);
    assert.ok(detect.problems.some((p) => p.source === '/proc/cpuinfo'));
  }));

const OLD_LSBLK = {
  blockdevices: [
    {
      name: 'sda', kname: 'sda', path: '/dev/sda', type: 'disk', size: 256060514304, 'log-sec': 512, model: 'Samsung SSD 860 EVO 250GB', serial: 'S3YJNX0M123456X', wwn: '0x5002538e40a1b2c3', tran: 'sata', rm: false, hotplug: false, ro: false, mountpoints: [null], fstype: null, label: null, uuid: null, partuuid: null, partlabel: null, start: null,
      children: [
        { name: 'sda1', kname: 'sda1', path: '/dev/sda1', type: 'part', size: 256059465728, 'log-sec': 512, model: null, serial: null, wwn: null, tran: null, rm: false, hotplug: false, ro: false, mountpoints: ['/srv'], fstype: 'ext4', label: 'data', uuid: '9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d', partuuid: '0c9f8e7d-6b5a-4c3d-9e2f-1a0b9c8d7e6f', partlabel: 'data', start: 2048 },
      ],
    },
  ],
};
const OLD_BY_ID = { 'ata-Samsung_SSD_860_EVO_250GB_S3YJNX0M123456X': '../../sda', 'ata-Samsung_SSD_860_EVO_250GB_S3YJNX0M123456X-part1': '../../sda1', 'wwn-0x5002538e40a1b2c3': '../../sda' };

test('a recording in the old format is refused with the conversion command, which converts it', () =>
  withTemporaryDirectory(async (dir) => {
    const old = join(dir, 'old');
    await mkdir(old);
    await writeFile(join(old, 'lsblk.json'), `${JSON.stringify(OLD_LSBLK, null, 2)}\n`);
    await writeFile(join(old, 'by-id.json'), `${JSON.stringify(OLD_BY_ID, null, 2)}\n`);
    for (const args of [['partition', 'disks'], ['detect'], ['partition', 'plan', 'guided', '--disk', '/dev/sda']]) {
      const result = await cairn([...args, '--from', old]);
      assert.is(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /old: a disk recording in the old format \(lsblk\.json and by-id\.json\), which Cairn no longer reads/);
      assert.match(result.stderr, /convert it once, in Cairn's source tree: node --import tsx scripts\/convert-disk-recording\.ts OLD-DIR NEW-DIR/);
    }
    const converted = join(dir, 'converted');
    await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'convert-disk-recording.ts'), old, converted], { cwd: repoRoot });
    const listed = JSON.parse((await cairnOk(['partition', 'disks', '--json', '--from', converted])).stdout) as {
      disks: { name: string; byId: string[]; model: string; serial: string; wwn: string; sizeBytes: number; children: { name: string; fstype: string; label: string; partLabel: string; mountpoints: string[] }[]; refusals: { reason: string }[] }[];
    };
    assert.equal(
      listed.disks.map((d) => [d.name, d.byId, d.model, d.serial, d.wwn, d.sizeBytes, d.children.map((c) => [c.name, c.fstype, c.label, c.partLabel, c.mountpoints]), d.refusals.map((r) => r.reason)]),
      [
        [
          'sda',
          ['/dev/disk/by-id/ata-Samsung_SSD_860_EVO_250GB_S3YJNX0M123456X', '/dev/disk/by-id/wwn-0x5002538e40a1b2c3'],
          'Samsung SSD 860 EVO 250GB',
          'S3YJNX0M123456X',
          '0x5002538e40a1b2c3',
          256060514304,
          [['sda1', 'ext4', 'data', 'data', ['/srv']]],
          ['/dev/sda1 is mounted at /srv; unmount it first'],
        ],
      ],
    );
  }));

test.run();
