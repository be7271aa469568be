/**
 * The ISO 9660 codecs: decode(encode(x)) is x, and encoding what was decoded from a real image (written by
 * xorriso) gives its bytes back.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readUint16Both, readUint32Both, writeUint16Both, writeUint32Both } from '../../image-builder/iso9660/both-endian.js';
import { FileFlag, SECTOR_SIZE } from '../../image-builder/iso9660/constants.js';
import {
  dateOf,
  decodeRecordingDateTime,
  decodeVolumeDateTime,
  encodeRecordingDateTime,
  encodeVolumeDateTime,
  recordingDateTimeOf,
  volumeDateTimeOf,
} from '../../image-builder/iso9660/date-time.js';
import { decodeDirectoryRecord, encodeDirectoryRecord, type DirectoryRecord } from '../../image-builder/iso9660/directory-record.js';
import { compareIdentifiers } from '../../image-builder/iso9660/identifier-order.js';
import { isoDirectoryNameOf, isoFileNameOf, toDCharacters, uniqueIsoFileName } from '../../image-builder/iso9660/iso-name.js';
import { decodeJolietIdentifier, encodeJolietIdentifier, jolietNameOf, uniqueJolietName } from '../../image-builder/iso9660/joliet-name.js';
import { assignJolietIdentifiers, assignPrimaryIdentifiers } from '../../image-builder/layout/assign-identifiers.js';
import { decodePathTable, encodePathTable } from '../../image-builder/iso9660/path-table.js';
import {
  ComponentFlag,
  decodeAlternateName,
  decodeDeviceNumber,
  decodePosixAttributes,
  decodeSymbolicLink,
  decodeTimeStamps,
  encodeAlternateNameEntries,
  encodeDeviceNumber,
  encodePosixAttributes,
  encodeSymbolicLinkEntries,
  encodeTimeStamps,
  symlinkTargetOf,
} from '../../image-builder/iso9660/rock-ridge.js';
import {
  decodeContinuationEntry,
  decodeExtensionReference,
  decodeSharingProtocolIndicator,
  decodeSuspEntries,
  encodeContinuationEntry,
  encodeExtensionReference,
  encodeSharingProtocolIndicator,
} from '../../image-builder/iso9660/susp.js';
import { decodeVolumeDescriptor, encodeVolumeDescriptor, encodeBootRecordDescriptor, decodeBootRecordDescriptor } from '../../image-builder/iso9660/volume-descriptor.js';
import { ContinuationAllocator, rockRidgeEntries, rockRidgeEntryLengths, splitSystemUse, writeRockRidgeEntries } from '../../image-builder/layout/system-use.js';
import { run } from '../../lib/run.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const one = (entries: Uint8Array[]) => decodeSuspEntries(entries[0]!)[0]!;
const ascii = (text: string) => new TextEncoder().encode(text);

test('both-endian fields hold both byte orders and refuse what does not fit', () => {
  const bytes = new Uint8Array(12);
  writeUint32Both(bytes, 0, 0x12345678);
  writeUint16Both(bytes, 8, 0xbeef);
  assert.equal([...bytes], [0x78, 0x56, 0x34, 0x12, 0x12, 0x34, 0x56, 0x78, 0xef, 0xbe, 0xbe, 0xef]);
  assert.is(readUint32Both(bytes, 0), 0x12345678);
  assert.is(readUint16Both(bytes, 8), 0xbeef);
  assert.throws(() => writeUint32Both(bytes, 0, 2 ** 32), /does not fit/);
  assert.throws(() => writeUint16Both(bytes, 0, -1), /does not fit/);
});

test('dates: both forms round-trip, "not specified" is all zero digits, GMT offsets are applied', () => {
  const date = new Date('2023-11-14T22:13:20.450Z');
  assert.equal(decodeVolumeDateTime(encodeVolumeDateTime(volumeDateTimeOf(date)), 0), volumeDateTimeOf(date));
  assert.is(new TextDecoder().decode(encodeVolumeDateTime(volumeDateTimeOf(date)).subarray(0, 16)), '2023111422132045');
  assert.is(decodeVolumeDateTime(encodeVolumeDateTime(undefined), 0), undefined);
  assert.equal(decodeRecordingDateTime(encodeRecordingDateTime(recordingDateTimeOf(date)), 0), recordingDateTimeOf(date));
  // 2023-11-14 23:13:20 at GMT+1 (4 quarter hours) is 22:13:20 UTC.
  const local = encodeRecordingDateTime({ year: 2023, month: 11, day: 14, hour: 23, minute: 13, second: 20, gmtOffset: 4 });
  assert.is(dateOf(decodeRecordingDateTime(local, 0)).toISOString(), '2023-11-14T22:13:20.000Z');
  assert.throws(() => recordingDateTimeOf(new Date('1899-12-31T23:59:59Z')), /1900 to 2155/);
});

test('directory records round-trip, with odd and even identifier lengths and a system use area', () => {
  for (const identifier of [Uint8Array.of(0), ascii('KERNEL.;1'), ascii('BOOT')]) {
    const record: DirectoryRecord = {
      extendedAttributeLength: 0,
      extent: 1234,
      dataLength: 0xfffff800,
      recorded: recordingDateTimeOf(new Date('2024-02-29T12:00:00Z')),
      flags: FileFlag.multiExtent,
      fileUnitSize: 0,
      interleaveGapSize: 0,
      volumeSequenceNumber: 1,
      identifier,
      systemUse: Uint8Array.from(encodeSharingProtocolIndicator({ skip: 0 })).subarray(0, 6),
    };
    const bytes = encodeDirectoryRecord(record);
    assert.is(bytes.length % 2, 0, 'records have even lengths');
    assert.equal(decodeDirectoryRecord(bytes, 0), record);
  }
  assert.is(decodeDirectoryRecord(new Uint8Array(40), 0), undefined, 'a zero length byte is the padding at the end of a sector');
});

test('path tables round-trip in both byte orders', () => {
  const records = [
    { identifier: Uint8Array.of(0), extendedAttributeLength: 0, extent: 20, parent: 1 },
    { identifier: ascii('BOOT'), extendedAttributeLength: 0, extent: 21, parent: 1 },
    { identifier: ascii('EFI'), extendedAttributeLength: 0, extent: 22, parent: 2 },
  ];
  for (const order of ['little', 'big'] as const) {
    const bytes = encodePathTable(records, order);
    assert.is(bytes.length, 10 + 12 + 12);
    assert.equal(decodePathTable(bytes, 0, bytes.length, order), records);
  }
});

test('SUSP and Rock Ridge entries round-trip', () => {
  assert.equal(decodeSharingProtocolIndicator(one([encodeSharingProtocolIndicator({ skip: 3 })])), { skip: 3 });
  assert.equal(decodeContinuationEntry(one([encodeContinuationEntry({ block: 99, offset: 2000, length: 48 })])), { block: 99, offset: 2000, length: 48 });
  const er = { identifier: 'IEEE_P1282', descriptor: 'D', source: 'S', version: 1 };
  assert.equal(decodeExtensionReference(one([encodeExtensionReference(er)])), er);
  const px = { mode: 0o104755, links: 3, uid: 0, gid: 0, inode: 77 };
  assert.equal(decodePosixAttributes(one([encodePosixAttributes(px)])), px);
  assert.is(encodePosixAttributes({ mode: 0o644, links: 1, uid: 0, gid: 0 }).length, 36, 'RRIP 1.10 form without the inode');
  const short = { longForm: false, modified: recordingDateTimeOf(new Date('2020-01-01T00:00:00Z')), accessed: recordingDateTimeOf(new Date('2021-01-01T00:00:00Z')) };
  assert.equal(decodeTimeStamps(one([encodeTimeStamps(short)])), short);
  const long = { longForm: true, created: volumeDateTimeOf(new Date('2020-01-01T00:00:00.120Z')) };
  assert.equal(decodeTimeStamps(one([encodeTimeStamps(long)])), long);
  assert.equal(decodeDeviceNumber(one([encodeDeviceNumber({ high: 0, low: 0x0801 })])), { high: 0, low: 0x0801 });
});

test('NM: a 255-byte name takes two entries, the first flagged "continues"', () => {
  const name = Buffer.from('日'.repeat(85));
  const entries = encodeAlternateNameEntries(name);
  assert.is(entries.length, 2);
  assert.ok(entries.every((e) => e.length <= 255));
  const decoded = entries.map((e) => decodeAlternateName(decodeSuspEntries(e)[0]!));
  assert.equal(decoded.map((d) => d.flags), [1, 0]);
  assert.ok(Buffer.concat(decoded.map((d) => d.name)).equals(name));
});

test('SL: targets read back as written, long and multi-component ones across several entries', () => {
  const targets = ['/', '.', '..', '/boot/vmlinuz', '../../lib/x', 'a//b', '//x', 'dir/', 'a/./b/../c', `${'n'.repeat(300)}/${'m'.repeat(600)}`, `/${'deep/'.repeat(300)}end`, '日本語/リンク'];
  for (const target of targets) {
    const entries = encodeSymbolicLinkEntries(Buffer.from(target));
    assert.ok(entries.every((e) => e.length <= 255), `${target.slice(0, 20)}: entries of at most 255 bytes`);
    const links = entries.map((e) => decodeSymbolicLink(decodeSuspEntries(e)[0]!));
    assert.equal(links.map((l) => l.flags & 1), links.map((_, i) => (i < links.length - 1 ? 1 : 0)), 'all but the last entry continue');
    assert.is(Buffer.from(symlinkTargetOf(links)).toString(), target);
  }
  const root = decodeSymbolicLink(decodeSuspEntries(encodeSymbolicLinkEntries(Buffer.from('/etc'))[0]!)[0]!);
  assert.is(root.components[0]!.flags, ComponentFlag.root);
});

test('planned Rock Ridge entry lengths match the encoded entries', () => {
  const attributes = { mode: 0o100644, links: 1, inode: 5, time: recordingDateTimeOf(new Date(0)) };
  const shapes = [
    { rootSelf: true as const },
    {},
    { name: 'a' },
    { name: 'x'.repeat(250) },
    { name: 'é'.repeat(127) },
    { name: 'link', symlinkTarget: `../${'y'.repeat(700)}/z` },
  ];
  for (const shape of shapes) {
    assert.equal(rockRidgeEntryLengths(shape), rockRidgeEntries({ attributes, ...shape }).map((e) => e.length), JSON.stringify(shape).slice(0, 60));
  }
});

test('entries that fit a record are sized without listing them and written in place as rockRidgeEntries encodes them', () => {
  const attributes = { mode: 0o100644, links: 3, inode: 70_000, time: recordingDateTimeOf(new Date(Date.UTC(2024, 1, 29, 23, 59, 58))) };
  const shapes = [
    { rootSelf: true as const },
    {},
    { name: 'a' },
    { name: 'naïve 🙂.txt' },
    { name: 'x'.repeat(200) },
    { name: 'x'.repeat(250) },
    { name: 'x'.repeat(251) },
    { name: 'é'.repeat(127) },
    { name: 'link', symlinkTarget: '../lib/libc.so.6' },
    { name: 'link', symlinkTarget: `../${'y'.repeat(700)}/z` },
  ];
  for (const shape of shapes) {
    const what = JSON.stringify(shape).slice(0, 60);
    const entries = rockRidgeEntries({ attributes, ...shape });
    const lengths = entries.map((e) => e.length);
    const total = lengths.reduce((sum, length) => sum + length, 0);
    // A system use area big enough for all of them, and one too small by a byte.
    const roomy = splitSystemUse(shape, total, new ContinuationAllocator());
    assert.equal({ inline: roomy.inline, inlineLength: roomy.inlineLength, slots: roomy.slots.length }, { inline: entries.length, inlineLength: total, slots: 0 }, what);
    const tight = splitSystemUse(shape, total - 1, new ContinuationAllocator());
    assert.ok(tight.slots.length > 0 && tight.inline < entries.length, `${what}: continues when a byte short`);
    const bytes = new Uint8Array(total + 8).fill(0xaa);
    assert.is(writeRockRidgeEntries(bytes, 3, { attributes, ...shape }), total, what);
    assert.equal([...bytes.subarray(3, 3 + total)], [...Buffer.concat(entries)], what);
    assert.equal([bytes[2], bytes[3 + total]], [0xaa, 0xaa], `${what}: nothing written outside`);
  }
});

test('identifiers sort by name, then extension, each padded with spaces', () => {
  const sorted = ['A.;1', 'A_B.;1', 'AB.;1', 'A.B;1', 'B', 'A', 'AA', '_'].sort(compareIdentifiers);
  // A directory and a file of the same name compare equal but for the version, the file's being higher.
  assert.equal(sorted, ['A.;1', 'A', 'A.B;1', 'AA', 'AB.;1', 'A_B.;1', 'B', '_']);
});

test('primary names are d-characters within ISO level 3 lengths, made unique', () => {
  assert.is(toDCharacters('naïve-file 🙂'), 'NA_VE_FILE__');
  // A surrogate pair is one `_`; a lone surrogate is one too; a high surrogate takes whatever follows it.
  assert.is(toDCharacters('a\uD83Db_\uDE00\uD83D'), 'A____');
  assert.is(toDCharacters('ß.Straße_Ǆ'), '__STRA_E__', 'letters beyond ASCII are not upper-cased into longer strings');
  assert.equal(isoFileNameOf('vmlinuz-6.1.0.efi'), { name: 'VMLINUZ_6_1_0', extension: 'EFI' });
  assert.equal(isoFileNameOf('.bashrc'), { name: '', extension: 'BASHRC' });
  const long = isoFileNameOf(`${'x'.repeat(40)}.configuration`);
  assert.is(long.name.length + long.extension.length, 30);
  assert.is(isoDirectoryNameOf('a'.repeat(40)).length, 31);
  const taken = new Set(['README.'])
  assert.equal(uniqueIsoFileName({ name: 'README', extension: '' }, (id) => taken.has(id)), { name: 'README_1', extension: '' });
});

test('Joliet names: forbidden characters replaced, long names shortened keeping the extension, then made unique', () => {
  assert.is(jolietNameOf('a*b:c;d?e\\f'), 'a_b_c_d_e_f');
  const long = jolietNameOf(`${'x'.repeat(100)}.tar.gz`);
  assert.is(long.length, 64);
  assert.ok(long.endsWith('.gz'));
  const emoji = jolietNameOf('🙂'.repeat(40));
  assert.ok(emoji.length <= 64 && !/[\ud800-\udbff]$/.test(emoji), 'never ends in half a surrogate pair');
  const taken = new Set([long]);
  const second = uniqueJolietName(long, (n) => taken.has(n));
  assert.is(second.length, 64);
  assert.match(second, /~1\.gz$/);
  assert.is(decodeJolietIdentifier(encodeJolietIdentifier('Grüße 🙂')), 'Grüße 🙂');
});

test('siblings whose names are cut alike get _1, _2... in order, each after a check or two, not one per sibling before it', () => {
  const children = Array.from({ length: 3000 }, (_, i) => ({ name: `org.example.a-long-common-prefix-of-icons-${String(i).padStart(5, '0')}.png`, isDirectory: i % 100 === 0 }));
  const expected = (n: number, directory: boolean) => (directory ? `ORG_EXAMPLE_A_LONG_COMMON_PREFIX_OF_ICONS_`.slice(0, 31 - (n ? `_${n}` : '').length) : 'ORG_EXAMPLE_A_LONG_COMMON_PREFIX'.slice(0, 27 - (n ? `_${n}` : '').length)) + (n ? `_${n}` : '') + (directory ? '' : '.PNG;1');
  const assigned = assignPrimaryIdentifiers(children);
  let files = 0;
  let directories = 0;
  assigned.forEach((identifier, i) => assert.is(identifier, expected(children[i]!.isDirectory ? directories++ : files++, children[i]!.isDirectory), `child ${i}`));
  const joliet = assignJolietIdentifiers(children.map((c) => ({ ...c, name: `${'long '.repeat(13)}${c.name}` })));
  assert.is(new Set(joliet).size, 3000, 'Joliet names unique too');
  assert.ok(joliet.every((name, i) => name.length <= 64 && (i === 0 || name.endsWith(`~${i}.png`))));

  // The checks a sibling costs: with the marks remembered, at most two, whatever came before.
  const taken = new Set<string>();
  const next = new Map<string, number>();
  let checks = 0;
  const isTaken = (id: string) => (checks++, taken.has(id));
  for (let i = 0; i < 3000; i++) {
    const before = checks;
    const value = uniqueIsoFileName({ name: 'ORG_EXAMPLE_A_LONG_COMMON_PREFIX_OF_ICONS', extension: 'PNG' }, isTaken, next);
    taken.add(`${value.name}.${value.extension}`);
    assert.ok(checks - before <= 2, `sibling ${i}: ${checks - before} checks`);
  }
});

test('boot record descriptors round-trip', () => {
  const systemUse = new Uint8Array(SECTOR_SIZE - 71);
  systemUse[0] = 0x13;
  const record = { bootSystemId: 'EL TORITO SPECIFICATION', bootId: '', systemUse };
  const bytes = encodeBootRecordDescriptor(record);
  assert.is(bytes.length, SECTOR_SIZE);
  assert.equal(decodeBootRecordDescriptor(bytes, 0), record);
});

test("decoding xorriso's descriptors, path tables and directory records and encoding them again gives the same bytes", async () => {
  const dir = await temporaryDirectory('cairn-codecs-');
  try {
    await mkdir(join(dir, 'src', 'boot'), { recursive: true });
    await writeFile(join(dir, 'src', 'boot', 'vmlinuz'), 'kernel');
    await writeFile(join(dir, 'src', 'a name with spaces and a long tail.txt'), 'x');
    await symlink('boot/vmlinuz', join(dir, 'src', 'link'));
    const iso = join(dir, 'x.iso');
    await run('xorriso', ['-as', 'mkisofs', '-quiet', '-R', '-J', '-V', 'ROUND_TRIP', '-o', iso, join(dir, 'src')], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    const image = await readFile(iso);
    const sector = (lba: number) => image.subarray(lba * SECTOR_SIZE, (lba + 1) * SECTOR_SIZE);

    const primary = decodeVolumeDescriptor(sector(16), 0);
    assert.is(primary.volumeId, 'ROUND_TRIP');
    assert.ok(Buffer.from(encodeVolumeDescriptor(primary)).equals(sector(16)), 'primary volume descriptor');
    const joliet = decodeVolumeDescriptor(sector(17), 0);
    assert.is(joliet.volumeId, 'ROUND_TRIP');
    assert.ok(Buffer.from(encodeVolumeDescriptor(joliet)).equals(sector(17)), 'Joliet volume descriptor');

    for (const descriptor of [primary, joliet]) {
      const l = image.subarray(descriptor.lPathTable * SECTOR_SIZE, descriptor.lPathTable * SECTOR_SIZE + descriptor.pathTableSize);
      const m = image.subarray(descriptor.mPathTable * SECTOR_SIZE, descriptor.mPathTable * SECTOR_SIZE + descriptor.pathTableSize);
      const records = decodePathTable(l, 0, l.length, 'little');
      assert.ok(Buffer.from(encodePathTable(records, 'little')).equals(l), 'L path table');
      assert.ok(Buffer.from(encodePathTable(records, 'big')).equals(m), 'M path table');

      const root = descriptor.rootDirectoryRecord;
      const extent = image.subarray(root.extent * SECTOR_SIZE, root.extent * SECTOR_SIZE + root.dataLength);
      let offset = 0;
      let count = 0;
      for (let record = decodeDirectoryRecord(extent, 0); record !== undefined; record = decodeDirectoryRecord(extent, offset)) {
        const length = extent[offset]!;
        assert.ok(Buffer.from(encodeDirectoryRecord(record)).equals(extent.subarray(offset, offset + length)), `directory record at ${offset}`);
        offset += length;
        count++;
      }
      assert.ok(count >= 4, 'root records decoded');
    }
    assert.equal(decodeJolietIdentifier(Buffer.from([0, 0x62, 0, 0x6f, 0, 0x6f, 0, 0x74])), 'boot');
    assert.equal(
      decodeSuspEntries(decodeDirectoryRecord(sector(primary.rootDirectoryRecord.extent), 0)!.systemUse).map((e) => e.signature).slice(0, 1),
      ['SP'],
    );
  } finally {
    await removeTree(dir);
  }
});

test.run();
