import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBootSector, encodeBootSector } from '../../../image-builder/fat/boot-sector.js';
import { bootSectorFor, NO_LABEL } from '../../../image-builder/fat/boot-sector-for-geometry.js';
import { decodeDirectoryEntry, displayShortName, encodeDirectoryEntry, type ShortDirectoryEntry } from '../../../image-builder/fat/directory-entry.js';
import { decodeFatTimestamp, encodeFatTimestamp, fatRoundTrip } from '../../../image-builder/fat/fat-date.js';
import { decodeFat, encodeFat, isEndOfChain } from '../../../image-builder/fat/fat-table.js';
import { ShortNameAllocator, exactShortName, fatNameKey, longNameProblem, volumeLabelProblem } from '../../../image-builder/fat/file-name.js';
import { decodeFsInfo, encodeFsInfo, makeFsInfo } from '../../../image-builder/fat/fs-info.js';
import { layoutFat } from '../../../image-builder/fat/geometry.js';
import {
  decodeLongNameEntry,
  encodeLongNameEntry,
  joinLongNameEntries,
  longNameEntries,
  shortNameChecksum,
} from '../../../image-builder/fat/long-name-entry.js';
import { deriveVolumeId, formatVolumeId, parseVolumeId } from '../../../image-builder/fat/volume-id.js';

test('boot sectors of FAT12, FAT16 and FAT32 round-trip, with the fields where the specification puts them', () => {
  for (const [type, sectors, spc] of [[12, 2048, 4], [16, 40960, 4], [32, 262144, 1]] as const) {
    const geometry = layoutFat({ type, sectorsPerCluster: spc }, sectors)!;
    const sector = bootSectorFor(geometry, { volumeId: 0x1234abcd, volumeLabel: type === 16 ? 'ESP        ' : undefined, hiddenSectors: 2048 });
    const bytes = encodeBootSector(sector);
    assert.is(bytes.length, 512);
    assert.equal(decodeBootSector(bytes), sector, `FAT${type}`);
    assert.equal(encodeBootSector(decodeBootSector(bytes)), bytes);
    const view = new DataView(bytes.buffer);
    assert.is(view.getUint16(0x0b, true), 512);
    assert.is(bytes[0x0d], spc);
    assert.is(view.getUint32(0x1c, true), 2048, 'hidden sectors');
    assert.is(view.getUint16(0x1fe, true), 0xaa55);
    const extended = type === 32 ? 0x40 : 0x24;
    assert.is(bytes[extended + 2], 0x29);
    assert.is(view.getUint32(extended + 3, true), 0x1234abcd);
    assert.is(Buffer.from(bytes.subarray(extended + 18, extended + 26)).toString('latin1'), `FAT${type}   `);
    assert.is(bytes[1]! + 2, extended + 26, 'the jump lands on the boot code');
    if (type === 32) {
      assert.is(view.getUint16(0x16, true), 0, 'FAT32 is told by sectorsPerFat16 = 0');
      assert.is(view.getUint32(0x24, true), geometry.sectorsPerFat);
      assert.is(view.getUint32(0x2c, true), 2, 'root cluster');
      assert.is(view.getUint16(0x30, true), 1, 'FSInfo sector');
      assert.is(view.getUint16(0x32, true), 6, 'backup boot sector');
    } else {
      assert.is(view.getUint16(0x16, true), geometry.sectorsPerFat);
      assert.is(view.getUint16(0x11, true), 512);
    }
  }
  const unlabelled = bootSectorFor(layoutFat({ type: 12, sectorsPerCluster: 4 }, 2048)!, { volumeId: 1, volumeLabel: undefined, hiddenSectors: 0 });
  assert.is(unlabelled.extended.volumeLabel, NO_LABEL);
});

test('a boot sector codec refuses fields that do not fit', () => {
  const sector = bootSectorFor(layoutFat({ type: 16, sectorsPerCluster: 4 }, 40960)!, { volumeId: 1, volumeLabel: undefined, hiddenSectors: 0 });
  assert.throws(() => encodeBootSector({ ...sector, oemName: 'TOO LONG NAME' }), /oemName must be 8/);
  assert.throws(() => encodeBootSector({ ...sector, sectorsPerFat16: 0 }), /0 means FAT32/);
  assert.throws(() => decodeBootSector(new Uint8Array(100)), /512 bytes/);
});

test('FSInfo round-trips and carries its three signatures', () => {
  const info = makeFsInfo(12345, 77);
  const bytes = encodeFsInfo(info);
  assert.equal(decodeFsInfo(bytes), info);
  assert.is(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'RRaA');
  assert.is(Buffer.from(bytes.subarray(484, 488)).toString('latin1'), 'rrAa');
  assert.equal([...bytes.subarray(508)], [0, 0, 0x55, 0xaa]);
});

test('FAT12 packs two entries in three bytes', () => {
  const bytes = encodeFat(12, [0xff8, 0xfff, 0x003, 0x004, 0xfff]);
  assert.equal([...bytes], [0xf8, 0xff, 0xff, 0x03, 0x40, 0x00, 0xff, 0x0f]);
  assert.equal([...decodeFat(12, bytes, 0, 5)], [0xff8, 0xfff, 0x003, 0x004, 0xfff]);
});

test('FATs of every width round-trip', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (const [type, mask] of [[12, 0xfff], [16, 0xffff], [32, 0xffffffff]] as const) {
    for (const count of [1, 2, 3, 4, 99, 100]) {
      const entries = Array.from({ length: count }, () => (next() & mask) >>> 0);
      const bytes = encodeFat(type, entries);
      assert.equal([...decodeFat(type, bytes, 0, count)], entries, `FAT${type} x${count}`);
      assert.equal(encodeFat(type, decodeFat(type, bytes, 0, count)), bytes);
    }
  }
  assert.ok(isEndOfChain(32, 0xfffffff8), 'the top 4 bits of FAT32 entries are ignored');
  assert.ok(isEndOfChain(12, 0xfff) && !isEndOfChain(12, 0xff7) && !isEndOfChain(16, 0x0fff));
});

test('short directory entries round-trip, the cluster split over two halves', () => {
  const entry: ShortDirectoryEntry = {
    name: 'BOOTX64 EFI',
    attributes: 0x20,
    caseFlags: 0x18,
    creationHundredths: 150,
    creationTime: 0x6d2f,
    creationDate: 0x585d,
    accessDate: 0x585d,
    firstCluster: 0x00123456,
    writeTime: 0x6d2f,
    writeDate: 0x585d,
    size: 0xfedcba98,
  };
  const bytes = encodeDirectoryEntry(entry);
  assert.equal(decodeDirectoryEntry(bytes), entry);
  const view = new DataView(bytes.buffer);
  assert.is(view.getUint16(20, true), 0x0012);
  assert.is(view.getUint16(26, true), 0x3456);
  assert.is(displayShortName(entry.name), 'BOOTX64.EFI');
  assert.is(displayShortName(entry.name, entry.caseFlags), 'bootx64.efi');
  assert.is(displayShortName('EFI        '), 'EFI');
});

test('long names: 13 units per entry, last part first, terminated and padded', () => {
  const checksum = shortNameChecksum('LONGFI~1TXT');
  const exact = longNameEntries('abcdefghijklmnopqrstuvwxyz', checksum); // 26 units: two full entries, no terminator
  assert.equal(exact.map((e) => e.sequence), [0x42, 0x01]);
  assert.ok(exact.every((e) => !e.units.includes(0) && !e.units.includes(0xffff)));
  const name = 'Ünïcödé name, 27 units long';
  const entries = longNameEntries(name, checksum);
  assert.equal(entries.map((e) => e.sequence), [0x43, 0x02, 0x01]);
  assert.equal(entries[0]!.units, [0x67, 0, ...Array<number>(11).fill(0xffff)]);
  for (const entry of entries) assert.equal(decodeLongNameEntry(encodeLongNameEntry(entry)), entry);
  const encoded = encodeLongNameEntry(entries[2]!);
  assert.is(encoded[11], 0x0f);
  assert.is(encoded[13], checksum);
  assert.is(joinLongNameEntries(entries, 'LONGFI~1TXT'), name);
  assert.is(joinLongNameEntries(entries, 'OTHER   TXT'), undefined, 'a checksum mismatch drops the long name');
  assert.is(joinLongNameEntries([entries[1]!, entries[0]!, entries[2]!], 'LONGFI~1TXT'), undefined, 'out of order');
  assert.is(joinLongNameEntries(longNameEntries('x'.repeat(255), 1), '\u0001'.repeat(11)) === undefined, true);
  assert.throws(() => longNameEntries('x'.repeat(256), 0), /1-255/);
});

test('the short-name checksum matches what mcopy writes', () => {
  // From an image made by mkfs.fat + mcopy of "Long File Name.txt": the long-name entries carry 0xD4.
  assert.is(shortNameChecksum('LONGFI~1TXT'), 0xd4);
  assert.is.not(shortNameChecksum('A          '), shortNameChecksum(' A         '), 'order matters');
});

test('timestamps: 2-second resolution, hundredths for creation, clamped to 1980-2107, read as UTC', () => {
  const instant = new Date('2024-02-29T13:45:59.510Z');
  const stamp = encodeFatTimestamp(instant);
  assert.is(stamp.date, ((2024 - 1980) << 9) | (2 << 5) | 29);
  assert.is(stamp.time, (13 << 11) | (45 << 5) | 29);
  assert.is(stamp.hundredths, 151);
  assert.equal(decodeFatTimestamp(stamp), new Date('2024-02-29T13:45:59.510Z'));
  assert.equal(fatRoundTrip(instant, false), new Date('2024-02-29T13:45:58Z'));
  assert.equal(fatRoundTrip(new Date(0), true), new Date('1980-01-01T00:00:00Z'));
  assert.equal(fatRoundTrip(new Date('2200-01-01T00:00:00Z'), false), new Date('2107-12-31T23:59:58Z'));
  assert.equal(decodeFatTimestamp({ date: 0, time: 0, hundredths: 0 }), new Date('1980-01-01T00:00:00Z'), 'month 0 reads as January');
});

test('names FAT cannot hold are explained', () => {
  assert.is(longNameProblem('EFI'), undefined);
  assert.is(longNameProblem('Ünïcödé ƒïłé 名前.conf'), undefined);
  assert.is(longNameProblem(' leading space'), undefined);
  assert.match(longNameProblem('')!, /empty/);
  assert.match(longNameProblem('..')!, /reserved/);
  assert.match(longNameProblem('a:b')!, /":"/);
  assert.match(longNameProblem('what?')!, /"\?"/);
  assert.match(longNameProblem('tab\there')!, /control character U\+0009/);
  assert.match(longNameProblem('trailing.')!, /ends with a dot/);
  assert.match(longNameProblem('trailing ')!, /ends with a dot or a space/);
  assert.match(longNameProblem('x'.repeat(256))!, /256 UTF-16 units/);
  assert.match(longNameProblem('rocket-\u{1F680}')!, /U\+1F680.*UCS-2/);
  assert.is(fatNameKey('ReadMe.txt'), fatNameKey('README.TXT'));
  assert.is(fatNameKey('ünï'), fatNameKey('ÜNÏ'));
  assert.is.not(fatNameKey('straße'), fatNameKey('STRASSE'), 'no multi-character case mappings');
});

test('short names: exact 8.3 names kept, others get a basis and the smallest free numeric tail', () => {
  assert.is(exactShortName('BOOTX64.EFI'), 'BOOTX64 EFI');
  assert.is(exactShortName('EFI'), 'EFI        ');
  assert.is(exactShortName('bootx64.efi'), undefined, 'lower case needs a long name');
  assert.is(exactShortName('A.B.C'), undefined);
  assert.is(exactShortName('TOOLONGNAME'), undefined);
  const names = new ShortNameAllocator();
  assert.is(names.allocate('readme.txt'), 'README  TXT', 'only case lost: no tail');
  assert.is(names.allocate('ReadMe.TXT'), 'README~1TXT', 'the plain basis is taken');
  assert.is(names.allocate('Long File Name.txt'), 'LONGFI~1TXT');
  assert.is(names.allocate('Long File Name 2.txt'), 'LONGFI~2TXT');
  assert.is(names.allocate('.bashrc'), 'BASHRC~1   ');
  assert.is(names.allocate('a+b.tar.gz'), 'A_BTAR~1GZ ');
  assert.is(names.allocate('archive.tar.gzip'), 'ARCHIV~1GZI');
  assert.is(names.allocate('Ünïcödé'), '_N_C_D~1   ');
  for (let i = 3; i <= 9; i++) names.allocate(`Long File Name ${i}.txt`);
  assert.is(names.allocate('Long File Name 10.txt'), 'LONGF~10TXT', 'the base shrinks for a longer tail');
  assert.not.ok(names.reserve('LONGF~10TXT'));
});

test('volume labels are upper-case 8.3 characters', () => {
  assert.is(volumeLabelProblem('CAIRN_ESP'), undefined);
  assert.is(volumeLabelProblem('EFI BOOT'), undefined);
  assert.match(volumeLabelProblem('cairn')!, /upper case \("CAIRN"\)/);
  assert.match(volumeLabelProblem('TWELVE CHARS')!, /1 to 11/);
  assert.match(volumeLabelProblem('A.B')!, /not "\."/);
  assert.match(volumeLabelProblem(' X')!, /start with a space/);
});

test('volume ids print and parse as XXXX-XXXX', () => {
  assert.is(formatVolumeId(0x1234abcd), '1234-ABCD');
  assert.is(formatVolumeId(0x5), '0000-0005');
  assert.is(parseVolumeId('1234-abcd'), 0x1234abcd);
  assert.is(parseVolumeId('DEADBEEF'), 0xdeadbeef);
  assert.is(parseVolumeId('12345-678'), undefined);
  assert.is(deriveVolumeId('seed'), deriveVolumeId('seed'));
  assert.is.not(deriveVolumeId('seed'), deriveVolumeId('seed2'));
});

test.run();
