/** The newc codec: byte-exact round trips, over headers made here and over an archive GNU cpio wrote. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, runBinary } from '../../../lib/run.js';
import {
  NEWC_HEADER_SIZE,
  alignTo4,
  decodeNewcEntryHead,
  decodeNewcHeader,
  emptyHeader,
  encodeNewcEntryHead,
  encodeNewcHeader,
  encodeNewcTrailer,
} from '../../../image-builder/initrd/newc.js';
import { decodeNewcArchive } from '../../../image-builder/initrd/read-initramfs.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

test('a header encodes to 110 ASCII bytes and decodes to the same fields', () => {
  const header = emptyHeader({ ino: 7, mode: 0o100755, uid: 1000, gid: 100, nlink: 1, mtime: 1_700_000_000, fileSize: 0xdeadbeef, rdevMajor: 5, rdevMinor: 1, nameSize: 12, check: 0 });
  const bytes = encodeNewcHeader(header);
  assert.is(bytes.length, NEWC_HEADER_SIZE);
  const text = new TextDecoder().decode(bytes);
  assert.is(text.slice(0, 6), '070701');
  assert.is(text.slice(6, 14), '00000007');
  assert.is(text.slice(14, 22), '000081ED', 'upper-case hex, as GNU cpio writes');
  assert.equal(decodeNewcHeader(bytes), header);
  assert.equal(encodeNewcHeader(decodeNewcHeader(bytes)), bytes);
});

test('fields out of range and bad magic are refused', () => {
  assert.throws(() => encodeNewcHeader(emptyHeader({ fileSize: 2 ** 32 })), /fileSize must be a whole number/);
  assert.throws(() => encodeNewcHeader(emptyHeader({ mode: -1 })), /mode/);
  const old = new TextEncoder().encode(`070707${'0'.repeat(104)}`);
  assert.throws(() => decodeNewcHeader(old), /old portable cpio format/);
  const junk = new TextEncoder().encode(`070701${'0'.repeat(7)}g${'0'.repeat(96)}`);
  assert.throws(() => decodeNewcHeader(junk), /ino is not 8 hex digits/);
  assert.throws(() => decodeNewcHeader(new Uint8Array(50)), /truncated cpio header/);
});

test('names and data are padded to 4 bytes, and the head decodes back', () => {
  for (const name of ['.', 'ab', 'abc', 'init', 'bin/busybox', 'lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko', 'ünïcode']) {
    const head = encodeNewcEntryHead({ name, header: emptyHeader({ mode: 0o100644, fileSize: 3 }) });
    const nameBytes = new TextEncoder().encode(name).length;
    assert.is(head.length, alignTo4(NEWC_HEADER_SIZE + nameBytes + 1), name);
    const withData = new Uint8Array(head.length + 4);
    withData.set(head);
    withData.set([1, 2, 3], head.length);
    const decoded = decodeNewcEntryHead(withData, 0);
    assert.is(decoded.name, name);
    assert.is(decoded.header.nameSize, nameBytes + 1);
    assert.is(decoded.dataOffset, head.length);
    assert.is(decoded.nextOffset, head.length + 4);
    assert.equal(encodeNewcEntryHead(decoded), head);
  }
  assert.throws(() => encodeNewcEntryHead({ name: 'a\0b', header: emptyHeader() }), /cannot contain NUL/);
  const head = encodeNewcEntryHead({ name: 'file', header: emptyHeader({ fileSize: 100 }) });
  assert.throws(() => decodeNewcEntryHead(head, 0), /100 bytes of data run past the end/);
});

test('an archive GNU cpio wrote decodes, and encodes again to the same bytes', async () => {
  const dir = await temporaryDirectory('cairn-newc-');
  try {
    const tree = join(dir, 'tree');
    await run('mkdir', ['-p', join(tree, 'bin'), join(tree, 'etc', 'deep', 'er')]);
    await run('sh', ['-c', `printf 'hello\\n' > ${tree}/etc/hello; printf 'abc' > ${tree}/etc/deep/er/three; ln -s ../etc/hello ${tree}/bin/link; cp /bin/true ${tree}/bin/true`]);
    const members = ['.', 'bin', 'bin/link', 'bin/true', 'etc', 'etc/deep', 'etc/deep/er', 'etc/deep/er/three', 'etc/hello'];
    const { stdout } = await runBinary('cpio', ['--create', '--format=newc', '--reproducible', '--owner=0:0', '--quiet'], { cwd: tree, input: `${members.join('\n')}\n` });
    const { entries, end } = decodeNewcArchive(stdout, 0);
    assert.equal(entries.map((e) => e.name), members);
    assert.is(new TextDecoder().decode(entries.find((e) => e.name === 'bin/link')!.data), '../etc/hello');
    assert.equal(Buffer.from(entries.find((e) => e.name === 'bin/true')!.data), await readFile('/bin/true'));
    assert.ok(stdout.subarray(end).every((b) => b === 0), 'GNU cpio pads the archive with NULs to a 512-byte block');

    const parts: Uint8Array[] = [];
    for (const entry of entries) {
      parts.push(encodeNewcEntryHead(entry));
      parts.push(entry.data, new Uint8Array(alignTo4(entry.data.length) - entry.data.length));
    }
    parts.push(encodeNewcTrailer());
    assert.equal(Buffer.concat(parts), Buffer.from(stdout.subarray(0, end)));
  } finally {
    await removeTree(dir);
  }
});

test.run();
