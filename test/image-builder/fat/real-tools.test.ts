/** Cairn's FAT images read by the real tools: fsck.fat checks them, mtools lists and extracts them. */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UserError, ValidationError } from '../../../lib/errors.js';
import type { ProgressEvent } from '../../../lib/progress.js';
import { run } from '../../../lib/run.js';
import {
  buildFatImageFromDirectory,
  chooseFatFormat,
  formatVolumeId,
  openFatImage,
  planFatImage,
  readFatTreeFromDirectory,
  writeFatImage,
  type FatType,
} from '../../../image-builder/fat/index.js';
import { caught } from '../../support/caught.js';
import { assertFsckClean, extractWithMtools, mdirListing, mtype, readTree } from '../../support/fat-tools.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

const MiB = 1024 * 1024;

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** An ESP-like directory with the awkward cases: long and unicode names, empty files, cluster boundaries, depth. */
async function makeSourceTree(root: string): Promise<void> {
  const files: Record<string, Buffer> = {
    'EFI/BOOT/BOOTX64.EFI': pattern(100_000, 1),
    'EFI/systemd/systemd-bootx64.efi': pattern(4096, 2),
    'loader/loader.conf': Buffer.from('timeout 10\ndefault cairn-generation-3.conf\n'),
    'loader/entries/cairn-generation-1.conf': Buffer.from('title Generation 1\n'),
    'loader/entries/cairn-generation-2.conf': Buffer.from('title Generation 2\n'),
    'Ünïcödé ƒïłé 名前.txt': Buffer.from('unicode\n'),
    'empty': Buffer.alloc(0),
    'exactly one cluster': pattern(2048, 3),
    'one byte over': pattern(2049, 4),
    'a+b,c;d=e[f].tar.gz': pattern(10, 5),
    '.hidden dot file': pattern(3, 6),
    'a/b/c/d/e/f/g/h/deep file': pattern(700, 7),
  };
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), bytes);
  }
  await mkdir(join(root, 'empty directory'));
}

async function assertSameTree(extracted: string, source: string): Promise<void> {
  const got = await readTree(extracted);
  const want = await readTree(source);
  assert.equal([...got.keys()], [...want.keys()], 'the same names');
  for (const [path, bytes] of want) {
    if (bytes === null) assert.is(got.get(path), null, `${path} is a directory`);
    else assert.ok(bytes.equals(got.get(path)!), `${path} byte-identical`);
  }
}

test('FAT12, FAT16 and FAT32 images pass fsck.fat and read back byte-identical through mtools', async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'esp');
    await makeSourceTree(source);
    for (const fatType of [12, 16, 32] as FatType[]) {
      const image = join(dir, `fat${fatType}.img`);
      const plan = await buildFatImageFromDirectory(source, image, {
        fatType,
        volumeLabel: 'CAIRN_ESP',
        date: new Date('2026-11-20T10:20:30Z'),
      });
      assert.is(plan.geometry.type, fatType);
      assert.is((await stat(image)).size, plan.size);
      const fsck = await assertFsckClean(image);
      assert.match(fsck, new RegExp(`FATs, ${fatType} bit entries`));
      const listing = await mdirListing(image);
      assert.match(listing, /Volume in drive : is CAIRN_ESP/);
      assert.match(listing, new RegExp(`Volume Serial Number is ${formatVolumeId(plan.volumeId)}`), 'the id as tools print it');
      assert.match(listing, /Ünïcödé ƒïłé 名前\.txt/);
      assert.match(listing, /cairn-generation-1\.conf/);
      const out = join(dir, `out${fatType}`);
      await extractWithMtools(image, out);
      await assertSameTree(out, source);
      assert.equal((await stat(join(out, 'loader/loader.conf'))).mtime, new Date('2026-11-20T10:20:30Z'), 'dates as given (UTC)');
      assert.ok((await mtype(image, 'EFI/BOOT/BOOTX64.EFI')).equals(await readFile(join(source, 'EFI/BOOT/BOOTX64.EFI'))));
      // Cairn's reader agrees with mtools.
      const reader = await openFatImage(image);
      try {
        assert.is(reader.info.volumeLabel, 'CAIRN_ESP');
        assert.is(reader.info.freeClusters, plan.freeClusters);
        const deep = await reader.readFile('a/b/c/d/e/f/g/h/deep file');
        assert.ok(Buffer.from(deep).equals(await readFile(join(source, 'a/b/c/d/e/f/g/h/deep file'))));
      } finally {
        await reader.close();
      }
    }
  } finally {
    await removeTree(dir);
  }
});

test('the ISO layout: tail files at 2048-aligned offsets hold the files, and mtools reads them', async () => {
  const dir = await temporaryDirectory();
  try {
    const kernel = pattern(300_001, 11);
    const initrd = pattern(65_536, 12);
    const source = join(dir, 'esp');
    await mkdir(join(source, 'EFI/BOOT'), { recursive: true });
    await mkdir(join(source, 'EFI/cairn'), { recursive: true });
    await writeFile(join(source, 'EFI/BOOT/BOOTX64.EFI'), pattern(5000, 13));
    await writeFile(join(source, 'EFI/cairn/linux-0123abcd.efi'), kernel);
    await writeFile(join(source, 'EFI/cairn/initrd-4567cdef.img'), initrd);
    for (const fatType of [12, 32] as FatType[]) {
      const image = join(dir, `iso-esp-${fatType}.img`);
      const plan = await buildFatImageFromDirectory(source, image, {
        fatType,
        clusterSize: 2048,
        tailFiles: ['EFI/cairn/linux-0123abcd.efi', 'EFI/cairn/initrd-4567cdef.img'],
      });
      assert.is(plan.geometry.dataOffset % 2048, 0);
      const bytes = await readFile(image);
      const tail = plan.files.slice(-2);
      for (const [file, content] of [[tail[0]!, kernel], [tail[1]!, initrd]] as const) {
        const offset = file.offset ?? -1;
        assert.is(offset % 2048, 0, `${file.path} starts on a 2048-byte boundary`);
        assert.ok(bytes.subarray(offset, offset + file.size).equals(content), `${file.path} is at its offset`);
        assert.ok((await mtype(image, file.path)).equals(content), `mtools reads ${file.path}`);
      }
      assert.is(tail[1]!.offset! + 65_536, plan.size, 'the last file ends the image');
      await assertFsckClean(image);
    }
  } finally {
    await removeTree(dir);
  }
});

test('written at an offset inside a larger file: readable there, nothing outside the region touched', async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'esp');
    await makeSourceTree(source);
    const disk = join(dir, 'disk.img');
    const original = pattern(12 * MiB, 21);
    await writeFile(disk, original);
    const offset = 1 * MiB;
    const plan = planFatImage(await readFatTreeFromDirectory(source), { size: 8 * MiB, hiddenSectors: offset / 512 });
    const events: ProgressEvent[] = [];
    await writeFatImage(plan, disk, { offset, onProgress: (event) => events.push(event) });
    assert.equal(events[0], { kind: 'phase', phase: 'fat-image', title: 'Writing the FAT image', total: 8 * MiB, unit: 'bytes' });
    assert.equal(events.at(-1), { kind: 'progress', phase: 'fat-image', done: 8 * MiB, total: 8 * MiB, unit: 'bytes' });
    const after = await readFile(disk);
    assert.is(after.length, original.length, 'not truncated or extended');
    assert.ok(after.subarray(0, offset).equals(original.subarray(0, offset)), 'bytes before untouched');
    assert.ok(after.subarray(offset + plan.size).equals(original.subarray(offset + plan.size)), 'bytes after untouched');
    const out = join(dir, 'out');
    await extractWithMtools(disk, out, offset);
    await assertSameTree(out, source);
    // Free clusters are zeroed too: the region is exactly what a fresh image holds.
    const fresh = join(dir, 'fresh.img');
    await writeFatImage(plan, fresh);
    assert.ok(after.subarray(offset, offset + plan.size).equals(await readFile(fresh)));
    await assertFsckClean(fresh);
    const reader = await openFatImage(disk, { offset });
    assert.is(reader.info.bootSector.hiddenSectors, 2048);
    await reader.close();
    // A region past the end of the file is refused before writing.
    const small = join(dir, 'small.img');
    await writeFile(small, pattern(4 * MiB, 22));
    const tooFar = await caught(() => writeFatImage(plan, small, { offset }));
    assert.instance(tooFar, UserError);
    assert.match((tooFar as Error).message, /past the end of .*small\.img/);
    assert.ok((await readFile(small)).equals(pattern(4 * MiB, 22)));
  } finally {
    await removeTree(dir);
  }
});

test('the same directory gives the same bytes, wherever it is', async () => {
  const dir = await temporaryDirectory();
  try {
    await makeSourceTree(join(dir, 'one'));
    await makeSourceTree(join(dir, 'two'));
    const hashes: string[] = [];
    for (const name of ['one', 'two', 'one']) {
      const image = join(dir, `${name}-${hashes.length}.img`);
      await buildFatImageFromDirectory(join(dir, name), image, { minimumSize: 10 * MiB });
      hashes.push(createHash('sha256').update(await readFile(image)).digest('hex'));
    }
    assert.is(hashes[1], hashes[0]);
    assert.is(hashes[2], hashes[0]);
  } finally {
    await removeTree(dir);
  }
});

test('symlinks and special files are refused, each named, and nothing is written', async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'esp');
    await makeSourceTree(source);
    await symlink('loader.conf', join(source, 'loader/link.conf'));
    await run('mkfifo', [join(source, 'EFI/pipe')]);
    const refused = await caught(() => buildFatImageFromDirectory(source, join(dir, 'out.img')));
    assert.instance(refused, ValidationError);
    assert.match((refused as Error).message, /loader\/link\.conf: is a symbolic link, which a FAT image cannot hold/);
    assert.match((refused as Error).message, /EFI\/pipe: is a FIFO/);
    assert.equal(await readdir(dir), ['esp'], 'no image, no temporary file');
  } finally {
    await removeTree(dir);
  }
});

test('a source file that changes size before writing fails the write and leaves no output', async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'esp');
    await makeSourceTree(source);
    const plan = planFatImage(await readFatTreeFromDirectory(source));
    await truncate(join(source, 'one byte over'), 10);
    const changed = await caught(() => writeFatImage(plan, join(dir, 'out.img')));
    assert.instance(changed, UserError);
    assert.match((changed as Error).message, /one byte over \(.*\) changed while the FAT image was being made: planned 2049 bytes, found 10/);
    assert.equal((await readdir(dir)).sort(), ['esp']);
  } finally {
    await removeTree(dir);
  }
});

test('the FAT type and cluster size for a size are those mkfs.fat picks', async () => {
  const dir = await temporaryDirectory();
  try {
    for (const mib of [4, 20, 200, 600]) {
      const image = join(dir, `${mib}.img`);
      await run('mkfs.fat', ['-C', image, String(mib * 1024)]);
      const reader = await openFatImage(image);
      const ours = chooseFatFormat((mib * MiB) / 512, {});
      assert.equal([ours.type, ours.sectorsPerCluster * 512], [reader.info.type, reader.info.geometry.clusterSize], `${mib} MiB`);
      await reader.close();
    }
  } finally {
    await removeTree(dir);
  }
});

test.run();
