/**
 * `cairn partition apply` on image files, read back with the real tools: sfdisk and sgdisk see the planned
 * table, blkid the planned UUIDs and labels, and every filesystem passes its fsck. Rootless: no loop device,
 * no mount.
 */
import { createHash } from 'node:crypto';
import { lutimes, mkdir, readFile, readdir, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { createFilesystem } from '../../partitioning/filesystems.js';
import type { PartitionPlan, PlannedPartition } from '../../partitioning/plan.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { assertFsckClean, extractWithMtools, readTree } from '../support/fat-tools.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const MiB = 1024 * 1024;
const apply = suite<{ dir: string }>('partition apply on image files');

apply.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-apply-');
});
apply.after(async (context) => {
  await removeTree(context.dir);
});

interface SfdiskTable {
  label: string;
  id: string;
  partitions: { start: number; size: number; type: string; uuid?: string; name?: string; bootable?: boolean; attrs?: string }[];
}

async function applied(args: string[]): Promise<PartitionPlan> {
  const result = await cairnOk(['partition', 'apply', ...args, '--yes', '--json']);
  return (JSON.parse(result.stdout) as { plan: PartitionPlan }).plan;
}

/** Copies one partition out of an image into its own (sparse) file, for tools that take no offset. */
async function extract(image: string, partition: PlannedPartition, dir: string): Promise<string> {
  const file = join(dir, `part-${partition.number}.img`);
  await run('dd', [`if=${image}`, `of=${file}`, 'bs=1M', `skip=${partition.offsetBytes}`, `count=${partition.sizeBytes}`, 'iflag=skip_bytes,count_bytes', 'conv=sparse', 'status=none']);
  await truncate(file, partition.sizeBytes);
  return file;
}

async function probe(image: string, offset: number): Promise<Record<string, string>> {
  const { stdout } = await run('blkid', ['-p', '-o', 'export', '-O', String(offset), image]);
  return Object.fromEntries(stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Every check of the "Done when": table as planned, no tool complaint, each filesystem checked and identified. */
async function assertImageMatchesPlan(image: string, plan: PartitionPlan, dir: string): Promise<void> {
  const sfdisk = await run('sfdisk', ['--json', image]);
  assert.is(sfdisk.stderr, '', 'sfdisk has no complaint');
  const table = (JSON.parse(sfdisk.stdout) as { partitiontable: SfdiskTable }).partitiontable;
  assert.is(table.label, plan.table === 'gpt' ? 'gpt' : 'dos');
  assert.match((await run('sfdisk', ['--verify', image])).stdout, /No errors detected/);
  if (plan.table === 'gpt') {
    assert.is(table.id, plan.diskId);
    assert.equal(
      table.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, uuid: p.uuid, name: p.name, bios: p.attrs === 'LegacyBIOSBootable' })),
      plan.partitions.map((p) => ({ start: p.firstLba, size: p.sectors, type: p.typeGuid, uuid: p.partUuid, name: p.name, bios: p.bootable })),
    );
    const verify = await run('sgdisk', ['-v', image]);
    assert.match(verify.stdout, /No problems found/);
  } else {
    // sgdisk reads an MBR only by converting it to a GPT in memory, whose backup would need the last 33
    // sectors; the MBR itself (like the ones sfdisk writes) uses the disk to its end. sfdisk --verify above checks it.
    assert.is(table.id, `0x${plan.diskId}`);
    assert.equal(
      table.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, bootable: p.bootable === true })),
      plan.partitions.map((p) => ({ start: p.firstLba, size: p.sectors, type: p.mbrType!.toString(16), bootable: p.bootable })),
    );
  }
  for (const partition of plan.partitions) {
    const fs = partition.filesystem;
    if (fs === undefined) continue;
    const found = await probe(image, partition.offsetBytes);
    assert.equal(
      { type: found.TYPE, uuid: found.UUID, label: found.LABEL },
      { type: fs.format, uuid: fs.uuid, label: fs.label },
      `blkid on partition ${partition.number}`,
    );
    switch (fs.format) {
      case 'ext4':
        await run('e2fsck', ['-fn', `${image}?offset=${partition.offsetBytes}`]);
        break;
      case 'vfat':
        await run('fsck.fat', ['-n', await extract(image, partition, dir)]);
        break;
      case 'btrfs':
        await run('btrfs', ['check', '--readonly', await extract(image, partition, dir)]);
        break;
      case 'xfs':
        await run('xfs_repair', ['-n', '-f', await extract(image, partition, dir)]);
        break;
      case 'swap':
        // No fsck exists for swap; blkid above read its signature, UUID and label. The swap area must span the partition.
        assert.is(Number(found.FSSIZE ?? partition.sizeBytes), partition.sizeBytes);
        break;
    }
  }
}

const layouts = join(repoRoot, 'fixtures', 'layouts');

apply('the guided layout (ESP, swap, ext4 root)', async ({ dir }) => {
  const image = join(dir, 'guided.img');
  const plan = await applied(['guided', '--swap', '64M', '--disk', image, '--size', '1G']);
  assert.equal(plan.partitions.map((p) => p.name), ['ESP', 'swap', 'root']);
  assert.is((await stat(image)).size, 1024 * MiB);
  await assertImageMatchesPlan(image, plan, dir);
});

apply('ESP + btrfs root', async ({ dir }) => {
  const image = join(dir, 'esp-root.img');
  const plan = await applied([join(layouts, 'esp-root.layout.yaml'), '--disk', image, '--size', '400M']);
  await assertImageMatchesPlan(image, plan, dir);
});

apply('BIOS boot + xfs root on GPT, the root marked legacy-BIOS-bootable', async ({ dir }) => {
  const image = join(dir, 'bios-root.img');
  const plan = await applied([join(layouts, 'bios-root.layout.yaml'), '--disk', image, '--size', '512M']);
  assert.is(plan.partitions[0]!.typeGuid, '21686148-6449-6E6F-744E-656564454649');
  await assertImageMatchesPlan(image, plan, dir);
});

apply('MBR with two partitions', async ({ dir }) => {
  const image = join(dir, 'mbr.img');
  const plan = await applied([join(layouts, 'mbr-two.layout.yaml'), '--disk', image, '--size', '256M']);
  await assertImageMatchesPlan(image, plan, dir);
});

apply('four partitions, one typed by a raw GUID', async ({ dir }) => {
  const image = join(dir, 'four.img');
  const plan = await applied([join(layouts, 'four-raw-guid.layout.yaml'), '--disk', image, '--size', '512M']);
  assert.is(plan.partitions[2]!.typeGuid, '3B8F8425-20E0-4F3B-907F-1A25A76F98E8');
  assert.is(plan.partitions[2]!.mountPoint, '/srv');
  await assertImageMatchesPlan(image, plan, dir);
});

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

apply('the guided layout filled from directories: debugfs lists the root, mtools the ESP; re-applying gives the same bytes', async ({ dir }) => {
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'etc', 'cairn'), { recursive: true });
  await mkdir(join(rootfs, 'cairn', 'store', '0a1b2c3d-linux'), { recursive: true });
  await writeFile(join(rootfs, 'etc', 'hostname'), 'box\n');
  await writeFile(join(rootfs, 'etc', 'cairn', 'configuration.yaml'), 'hostName: box\n');
  await writeFile(join(rootfs, 'cairn', 'store', '0a1b2c3d-linux', 'bzImage'), Buffer.alloc(300 * 1024, 7));
  await symlink('/cairn/store/0a1b2c3d-linux', join(rootfs, 'current-kernel'));
  const esp = join(dir, 'esp');
  await mkdir(join(esp, 'EFI', 'BOOT'), { recursive: true });
  await writeFile(join(esp, 'EFI', 'BOOT', 'BOOTX64.EFI'), 'not really a loader');
  // Fixed times everywhere, so the image is reproducible: mke2fs -d copies modification *and* access times,
  // and reading a file moves an access time that is older than its modification time (relatime), so the
  // access time is set after it.
  const fixed = new Date(1_700_000_000_000);
  const accessed = new Date(4_000_000_000_000);
  for (const path of [rootfs, join(rootfs, 'etc'), join(rootfs, 'etc', 'cairn'), join(rootfs, 'etc', 'hostname'), join(rootfs, 'etc', 'cairn', 'configuration.yaml'), join(rootfs, 'cairn'), join(rootfs, 'cairn', 'store'), join(rootfs, 'cairn', 'store', '0a1b2c3d-linux'), join(rootfs, 'cairn', 'store', '0a1b2c3d-linux', 'bzImage'), esp, join(esp, 'EFI'), join(esp, 'EFI', 'BOOT'), join(esp, 'EFI', 'BOOT', 'BOOTX64.EFI')]) {
    await utimes(path, accessed, fixed);
  }
  await lutimes(join(rootfs, 'current-kernel'), accessed, fixed);

  const image = join(dir, 'installed.img');
  const args = ['guided', '--disk', image, '--size', '1G', '--populate', `root=${rootfs}`, '--populate', `ESP=${esp}`];
  const env = { SOURCE_DATE_EPOCH: '1700000000' };
  const first = JSON.parse((await cairnOk(['partition', 'apply', ...args, '--yes', '--json'], { env })).stdout) as { plan: PartitionPlan };
  const root = first.plan.partitions.find((p) => p.mountPoint === '/')!;
  const device = `${image}?offset=${root.offsetBytes}`;
  await run('e2fsck', ['-fn', device]);
  const listing = (await run('debugfs', ['-R', 'ls -l /etc', device])).stdout;
  assert.match(listing, /100644 .* 4 .* hostname/);
  assert.match(listing, /40755 .* cairn/);
  const top = (await run('debugfs', ['-R', 'ls /', device])).stdout;
  for (const name of ['etc', 'cairn', 'current-kernel', 'lost+found']) assert.ok(top.includes(name), `/${name} is in the root: ${top}`);
  assert.is((await run('debugfs', ['-R', 'cat /etc/cairn/configuration.yaml', device])).stdout, 'hostName: box\n');
  assert.match((await run('debugfs', ['-R', 'stat /current-kernel', device])).stdout, /Fast link dest: "\/cairn\/store\/0a1b2c3d-linux"/);
  assert.match((await run('debugfs', ['-R', 'ls -l /cairn/store/0a1b2c3d-linux', device])).stdout, /307200 .* bzImage/);

  const espPartition = first.plan.partitions.find((p) => p.name === 'ESP')!;
  const mdir = await run('mdir', ['-b', '-i', `${image}@@${espPartition.offsetBytes}`, '::/EFI/BOOT'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  assert.match(mdir.stdout, /::\/EFI\/BOOT\/BOOTX64\.EFI/);
  await assertImageMatchesPlan(image, first.plan, dir);

  const before = await sha256(image);
  await cairnOk(['partition', 'apply', ...args, '--yes'], { env });
  assert.is(await sha256(image), before, 'the same plan applied again (a restarted install) gives the same bytes');
});

apply('without --yes nothing is written: an existing image stays byte-identical, a new one is not created', async ({ dir }) => {
  const image = join(dir, 'keep.img');
  await applied([join(layouts, 'mbr-two.layout.yaml'), '--disk', image, '--size', '256M']);
  const before = { hash: await sha256(image), mtime: (await stat(image)).mtimeMs };
  const result = await cairnOk(['partition', 'apply', join(layouts, 'esp-root.layout.yaml'), '--disk', image]);
  assert.match(result.stdout, /Everything on image file .*keep\.img \(256M\) will be destroyed, now an MBR table with:\n {2}partition 1: esp, vfat, label BOOT, 64M\n {2}partition 2: linux, ext4, label cairn-root, 191M/);
  assert.match(result.stdout, /Nothing was written/);
  assert.equal({ hash: await sha256(image), mtime: (await stat(image)).mtimeMs }, before);
  const absent = join(dir, 'absent.img');
  assert.match((await cairnOk(['partition', 'apply', 'guided', '--disk', absent, '--size', '2G'])).stdout, /absent\.img will be created \(2G, sparse\)/);
  assert.equal((await readdir(dir)).filter((n) => n.startsWith('absent') || n.endsWith('.tmp')), []);
});

apply('a failing filesystem step leaves the old image untouched and no temporary file', async ({ dir }) => {
  const image = join(dir, 'fail.img');
  await applied([join(layouts, 'mbr-two.layout.yaml'), '--disk', image, '--size', '256M']);
  const before = await sha256(image);
  const big = join(dir, 'too-big');
  await mkdir(big);
  // Real data (a sparse file would be copied as holes and fit).
  await writeFile(join(big, 'large'), Buffer.alloc(200 * MiB, 0x5a));
  const result = await cairn(['partition', 'apply', join(layouts, 'mbr-two.layout.yaml'), '--disk', image, '--populate', `root=${big}`, '--yes']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /mke2fs .* failed with exit code/);
  assert.is(await sha256(image), before);
  assert.equal((await readdir(dir)).filter((n) => n.endsWith('.tmp')), []);
});

apply("an ESP written onto a used partition device (old bytes everywhere) is clean: Cairn's FAT writer zeroes what FAT reads", async ({ dir }) => {
  // A regular file stands in for /dev/sdX1: the device place writes it at offset 0, as a partition node.
  const device = join(dir, 'sdx1');
  await writeFile(device, Buffer.alloc(40 * MiB, 0xa5));
  const esp = join(dir, 'device-esp');
  await mkdir(join(esp, 'EFI', 'BOOT'), { recursive: true });
  await mkdir(join(esp, 'loader', 'entries'), { recursive: true });
  await writeFile(join(esp, 'EFI', 'BOOT', 'BOOTX64.EFI'), Buffer.alloc(70_000, 3));
  await writeFile(join(esp, 'loader', 'entries', 'cairn-generation-1.conf'), 'title Generation 1\n');
  const logged: string[] = [];
  await createFilesystem({
    place: { kind: 'device', device, offsetBytes: 2048 * 512, sizeBytes: 40 * MiB, sectorSize: 512 },
    filesystem: { format: 'vfat', uuid: '1234-ABCD', label: 'ESP' },
    partitionType: 'esp',
    populateFrom: esp,
    log: (line) => logged.push(line),
  });
  assert.match(logged.join('\n'), /FAT32, 40M, .*volume id 1234-ABCD, 2 files from .*: Cairn's FAT writer into .*sdx1/);
  const fsck = await assertFsckClean(device);
  assert.match(fsck, /2048 hidden sectors/);
  const found = await probe(device, 0);
  assert.equal([found.TYPE, found.UUID, found.LABEL], ['vfat', '1234-ABCD', 'ESP']);
  await extractWithMtools(device, join(dir, 'device-esp-back'));
  assert.equal(await readTree(join(dir, 'device-esp-back')), await readTree(esp));
  // Free clusters keep the old bytes: the device was not rewritten whole.
  const tail = Buffer.alloc(4096);
  const handle = await (await import('node:fs/promises')).open(device, 'r');
  await handle.read(tail, 0, tail.length, 40 * MiB - tail.length);
  await handle.close();
  assert.ok(tail.every((b) => b === 0xa5), 'the last free cluster was not written');
});

apply.run();
