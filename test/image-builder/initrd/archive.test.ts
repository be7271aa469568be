/**
 * The initramfs writer and reader: the plan's order and numbers, byte-identical rebuilds, and archives read
 * back by GNU cpio (the oracle) and by Cairn's reader, plain, gzip-compressed and concatenated.
 */
import { readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBinary } from '../../../lib/run.js';
import { planInitramfs, type InitramfsEntry } from '../../../image-builder/initrd/archive-plan.js';
import { decodeNewcEntryHead } from '../../../image-builder/initrd/newc.js';
import { listInitramfs, type ListedArchive } from '../../../image-builder/initrd/read-initramfs.js';
import { writeInitramfs } from '../../../image-builder/initrd/write-initramfs.js';
import { caught } from '../../support/caught.js';
import { removeTree, temporaryDirectory, withTemporaryDirectory } from '../../support/tree.js';

const EPOCH = new Date(1_700_000_000 * 1000);

function sampleEntries(dir: string): InitramfsEntry[] {
  return [
    { kind: 'file', path: '/init', data: '#!/bin/sh\necho hi\n', mode: 0o755 },
    { kind: 'file', path: '/bin/true', source: '/bin/true' },
    { kind: 'symlink', path: '/bin/sh', target: 'busybox' },
    { kind: 'device', path: '/dev/console', device: 'char', major: 5, minor: 1, mode: 0o600 },
    { kind: 'device', path: '/dev/vda', device: 'block', major: 254, minor: 0 },
    { kind: 'directory', path: '/root', mode: 0o700 },
    { kind: 'file', path: '/etc/hostname', source: join(dir, 'hostname') },
    { kind: 'file', path: '/a-b', data: 'sorts after the directory a' },
    { kind: 'file', path: '/a/x', data: new Uint8Array([1, 2, 3, 4, 5]) },
  ];
}

async function cpioNames(archive: Uint8Array): Promise<string[]> {
  const { stdout } = await runBinary('cpio', ['-t', '--quiet'], { input: archive });
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

function names(archives: readonly ListedArchive[]): string[] {
  return archives.flatMap((a) => a.entries.map((e) => e.name));
}

test('the plan: parents added and first, byte order by component, inodes in order, nlink, owners, clamped times', () => {
  const plan = planInitramfs(
    [
      { kind: 'file', path: '/usr/lib/x/libz.so.1', data: 'z', mtime: 1_600_000_000 },
      { kind: 'file', path: '/a-b', data: '' },
      { kind: 'file', path: '/a/b', data: '', mtime: 1_800_000_000, uid: 1000, gid: 100 },
      { kind: 'directory', path: '/a', mode: 0o700 },
      { kind: 'symlink', path: '/B', target: 'a' },
    ],
    { date: EPOCH, sources: new Map() },
  );
  assert.equal(plan.entries.map((e) => e.name), ['.', 'B', 'a', 'a/b', 'a-b', 'usr', 'usr/lib', 'usr/lib/x', 'usr/lib/x/libz.so.1']);
  assert.equal(plan.entries.map((e) => e.header.ino), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(plan.entries.map((e) => e.header.nlink), [2, 1, 2, 1, 1, 2, 2, 2, 1]);
  const byName = new Map(plan.entries.map((e) => [e.name, e.header]));
  assert.is(byName.get('a')!.mode, 0o40700, 'an explicit directory keeps its mode');
  assert.is(byName.get('usr')!.mode, 0o40755, 'an added parent is 0755');
  assert.is(byName.get('a/b')!.mtime, 1_700_000_000, 'a newer time is clamped to the archive date');
  assert.is(byName.get('usr/lib/x/libz.so.1')!.mtime, 1_600_000_000, 'an older time stays');
  assert.is(byName.get('usr')!.mtime, 1_700_000_000, 'no time given: the archive date');
  assert.equal([byName.get('a/b')!.uid, byName.get('a/b')!.gid, byName.get('a-b')!.uid], [1000, 100, 0]);
  assert.is(byName.get('B')!.mode, 0o120777);
  assert.is(byName.get('B')!.fileSize, 1);
});

test('the plan: paths under the archive\'s own directory links go to the link target (merged /usr)', () => {
  const plan = planInitramfs(
    [
      { kind: 'symlink', path: '/lib', target: 'usr/lib' },
      { kind: 'symlink', path: '/lib64', target: '/usr/lib64' },
      { kind: 'file', path: '/lib/x86_64-linux-gnu/libc.so.6', data: 'c' },
      { kind: 'file', path: '/usr/lib/x86_64-linux-gnu/libc.so.6', data: 'c' },
      { kind: 'symlink', path: '/lib64/ld-linux-x86-64.so.2', target: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    ],
    { date: EPOCH, sources: new Map() },
  );
  assert.equal(plan.entries.map((e) => e.name), ['.', 'lib', 'lib64', 'usr', 'usr/lib', 'usr/lib/x86_64-linux-gnu', 'usr/lib/x86_64-linux-gnu/libc.so.6', 'usr/lib64', 'usr/lib64/ld-linux-x86-64.so.2']);
});

test('the plan: the same entry twice is kept once; conflicting entries and bad paths are named', () => {
  const twice = planInitramfs([{ kind: 'directory', path: '/x' }, { kind: 'directory', path: '/x/' }], { date: EPOCH, sources: new Map() });
  assert.equal(twice.entries.map((e) => e.name), ['.', 'x']);
  const plan = (entries: InitramfsEntry[]) => () => planInitramfs(entries, { date: EPOCH, sources: new Map() });
  assert.throws(plan([{ kind: 'file', path: '/x', data: 'a' }, { kind: 'symlink', path: '/x', target: 'y' }]), /\/x is given twice: (a symlink to y, and a file given as data|a file given as data, and a symlink to y)/);
  assert.throws(plan([{ kind: 'file', path: '/x', data: 'a' }, { kind: 'file', path: '/x/y', data: 'b' }]), /\/x is a file given as data, but \/x\/y is inside it/);
  assert.throws(plan([{ kind: 'file', path: '/x/y', data: 'b' }, { kind: 'file', path: '/x', data: 'a' }]), /\/x is a file given as data, but other entries are inside it/);
  assert.throws(plan([{ kind: 'file', path: 'relative', data: '' }]), /"relative" is not an absolute path/);
  assert.throws(plan([{ kind: 'file', path: '/a/../b', data: '' }]), /contains \. or \.\./);
  assert.throws(plan([{ kind: 'directory', path: '/d', mode: 0o10000 }]), /mode 4096 is not a permission mode/);
  assert.throws(plan([{ kind: 'symlink', path: '/l', target: 'l/x' }, { kind: 'file', path: '/l/f', data: '' }]), /too many levels of symbolic links/);
});

test('written plain and gzip-compressed: GNU cpio lists what Cairn lists, with the same modes, owners and devices', async () => {
  await withTemporaryDirectory(async (dir) => {
    await writeFile(join(dir, 'hostname'), 'cairn\n');
    for (const compression of ['none', 'gzip'] as const) {
      const output = join(dir, `initrd-${compression}.img`);
      const written = await writeInitramfs(sampleEntries(dir), { output, compression, date: EPOCH });
      const bytes = await readFile(output);
      assert.is(written.size, bytes.length);
      assert.is(written.entries, 14);
      const archive = compression === 'gzip' ? (await runBinary('gzip', ['-dc'], { input: bytes })).stdout : bytes;
      assert.is(archive.length, written.archiveSize);
      const listed = await listInitramfs(bytes, output);
      assert.is(listed.length, 1);
      assert.is(listed[0]!.compression, compression);
      assert.equal(names(listed), await cpioNames(archive));
      assert.equal(names(listed), ['.', 'a', 'a/x', 'a-b', 'bin', 'bin/sh', 'bin/true', 'dev', 'dev/console', 'dev/vda', 'etc', 'etc/hostname', 'init', 'root']);

      const { stdout } = await runBinary('cpio', ['-tv', '--quiet', '--numeric-uid-gid'], { input: archive });
      const verbose = stdout.toString('utf8');
      assert.match(verbose, /^crw-------\s+1\s+0\s+0\s+5,\s+1 .* dev\/console$/m);
      assert.match(verbose, /^brw-------\s+1\s+0\s+0\s+254,\s+0 .* dev\/vda$/m);
      assert.match(verbose, /^lrwxrwxrwx\s+1\s+0\s+0\s+7 .* bin\/sh -> busybox$/m);
      assert.match(verbose, /^-rwxr-xr-x\s+1\s+0\s+0\s+18 .* init$/m);
      assert.match(verbose, /^drwx------\s+2\s+0\s+0\s+0 .* root$/m);
      const trueEntry = listed[0]!.entries.find((e) => e.name === 'bin/true')!;
      assert.is(trueEntry.size, (await stat('/bin/true')).size);
      assert.is(trueEntry.mode, 0o755, 'a host file keeps its permission bits');
      assert.is(trueEntry.mtime, 1_700_000_000);
    }
    const left = (await readdir(dir)).filter((n) => n.endsWith('.tmp'));
    assert.equal(left, [], 'no temporary file is left');
  });
});

test('the same entries give the same bytes, whatever the host files\' times; another date gives other bytes', async () => {
  await withTemporaryDirectory(async (dir) => {
    await writeFile(join(dir, 'hostname'), 'cairn\n');
    await writeInitramfs(sampleEntries(dir), { output: join(dir, 'one.img'), date: EPOCH });
    await utimes(join(dir, 'hostname'), 1_000, 1_000);
    await writeInitramfs(sampleEntries(dir), { output: join(dir, 'two.img'), date: EPOCH });
    await writeInitramfs([...sampleEntries(dir)].reverse(), { output: join(dir, 'three.img'), date: EPOCH });
    const one = await readFile(join(dir, 'one.img'));
    assert.ok(one.equals(await readFile(join(dir, 'two.img'))), 'host times do not matter');
    assert.ok(one.equals(await readFile(join(dir, 'three.img'))), 'the order entries are given in does not matter');
    await writeInitramfs(sampleEntries(dir), { output: join(dir, 'later.img'), date: new Date(EPOCH.getTime() + 1000) });
    assert.not.ok(one.equals(await readFile(join(dir, 'later.img'))));
  });
});

test('concatenated members (plain, gzip, padding, gzip holding two archives) are all listed, each as cpio lists it', async () => {
  await withTemporaryDirectory(async (dir) => {
    const early = join(dir, 'early.cpio');
    const main = join(dir, 'main.cpio');
    const extra = join(dir, 'extra.cpio');
    await writeInitramfs([{ kind: 'file', path: '/kernel/x86/microcode/GenuineIntel.bin', data: 'ucode' }], { output: early, compression: 'none', date: EPOCH });
    await writeInitramfs([{ kind: 'file', path: '/init', data: 'main', mode: 0o755 }, { kind: 'directory', path: '/proc' }], { output: main, compression: 'none', date: EPOCH });
    await writeInitramfs([{ kind: 'file', path: '/etc/extra', data: 'x' }], { output: extra, compression: 'none', date: EPOCH });
    const [earlyBytes, mainBytes, extraBytes] = await Promise.all([readFile(early), readFile(main), readFile(extra)]);
    const gzMain = gzipSync(mainBytes);
    const gzBoth = gzipSync(Buffer.concat([extraBytes, Buffer.alloc(512), mainBytes]));
    const image = Buffer.concat([earlyBytes, gzMain, Buffer.alloc(7), gzBoth, Buffer.alloc(64)]);
    const listed = await listInitramfs(image, 'concatenated.img');
    assert.equal(
      listed.map((a) => [a.compression, a.offset, a.decompressedOffset ?? null]),
      [
        ['none', 0, null],
        ['gzip', earlyBytes.length, 0],
        ['gzip', earlyBytes.length + gzMain.length + 7, 0],
        ['gzip', earlyBytes.length + gzMain.length + 7, extraBytes.length + 512],
      ],
    );
    const expected = [...(await cpioNames(earlyBytes)), ...(await cpioNames(mainBytes)), ...(await cpioNames(extraBytes)), ...(await cpioNames(mainBytes))];
    assert.equal(names(listed), expected);
  });
});

test('xz and zstd members are read as the last part of a file, and named with the fix anywhere else', async () => {
  await withTemporaryDirectory(async (dir) => {
    await writeInitramfs([{ kind: 'file', path: '/early', data: 'e' }], { output: join(dir, 'early.cpio'), compression: 'none', date: EPOCH });
    await writeInitramfs([{ kind: 'file', path: '/init', data: 'main', mode: 0o755 }], { output: join(dir, 'main.cpio'), compression: 'none', date: EPOCH });
    const early = await readFile(join(dir, 'early.cpio'));
    const main = await readFile(join(dir, 'main.cpio'));
    for (const tool of ['xz', 'zstd'] as const) {
      const packed = (await runBinary(tool, ['-c', '-q'], { input: main })).stdout;
      const listed = await listInitramfs(Buffer.concat([early, packed]), `${tool}.img`);
      assert.equal(listed.map((a) => [a.compression, a.offset]), [['none', 0], [tool, early.length]]);
      assert.equal(names(listed), ['.', 'early', '.', 'init']);
      const message = ((await caught(() => listInitramfs(Buffer.concat([packed, early]), `${tool}-first.img`))) as Error & { hint?: string });
      assert.match(message.message, new RegExp(`${tool}-first\\.img: the ${tool} member at byte 0 cannot be decompressed`));
      assert.match(message.hint ?? '', new RegExp(`Cairn reads ${tool} members only as the last part of a file`));
    }
  });
});

test('the reader refuses the old cpio format, names compressions it does not read, and reports junk', async () => {
  const dir = await temporaryDirectory('cairn-initrd-read-');
  try {
    const odc = (await runBinary('cpio', ['-o', '-H', 'odc', '--quiet'], { cwd: '/', input: 'etc/hostname\n' })).stdout;
    const old = (await caught(() => listInitramfs(odc, 'old.cpio'))) as Error & { hint?: string };
    assert.match(old.message, /old\.cpio: old portable cpio format \(magic 070707\) at byte 0/);
    assert.match(old.hint ?? '', /cpio -o -H newc/);
    const binary = (await runBinary('cpio', ['-o', '-H', 'bin', '--quiet'], { cwd: '/', input: 'etc/hostname\n' })).stdout;
    assert.match(((await caught(() => listInitramfs(binary, 'bin.cpio'))) as Error).message, /old binary cpio format at byte 0/);
    const bzip = Buffer.concat([Buffer.from('BZh91AY&SY'), Buffer.alloc(20)]);
    const bzipError = (await caught(() => listInitramfs(bzip, 'b.img'))) as Error & { hint?: string };
    assert.match(bzipError.message, /compressed with bzip2, which Cairn does not read/);
    assert.match(bzipError.hint ?? '', /bzip2 -dc/);
    assert.match(((await caught(() => listInitramfs(Buffer.from('hello world!'), 'text.img'))) as Error).message, /text\.img: neither a cpio archive nor a compressed member at byte 0 \(bytes 68 65 6c 6c\)/);
    const plain = (await runBinary('cpio', ['-o', '-H', 'newc', '--quiet'], { cwd: '/', input: 'etc/hostname\n' })).stdout;
    assert.match(((await caught(() => listInitramfs(Buffer.concat([Buffer.alloc(2), plain]), 'shifted.img'))) as Error).message, /starts at byte 2, which is not a multiple of 4/);
    assert.match(((await caught(() => listInitramfs(plain.subarray(0, 120), 'cut.img'))) as Error).message, /cut\.img: cpio entry at byte 0: its name runs past the end of the archive/);
    const firstEnd = decodeNewcEntryHead(plain, 0).nextOffset;
    assert.match(((await caught(() => listInitramfs(plain.subarray(0, firstEnd), 'cut.img'))) as Error).message, /cut\.img: the cpio archive at byte 0 ends without TRAILER!!!/);
    assert.match(((await caught(() => listInitramfs(gzipSync(Buffer.from('not cpio')), 'gz.img'))) as Error).message, /junk inside the gzip member at byte 0/);
  } finally {
    await removeTree(dir);
  }
});

test('a source that cannot be read fails the write and leaves nothing behind', async () => {
  await withTemporaryDirectory(async (dir) => {
    const output = join(dir, 'out.img');
    assert.match(((await caught(() => writeInitramfs([{ kind: 'file', path: '/x', source: join(dir, 'missing') }], { output }))) as Error).message, /missing \(for \/x\): no such file/);
    assert.equal(await readdir(dir), []);
  });
});

test.run();
