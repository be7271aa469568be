/**
 * The GPT and MBR codecs against tables written by sfdisk and sgdisk: decode then encode gives the same
 * bytes, decoded values match what sfdisk reports, and tables Cairn encodes are read back without complaint.
 */
import { open, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { GPT_ATTRIBUTE, GptDecodeError, checkGptBackup, decodeGpt, encodeGpt, newGptTable } from '../../partitioning/gpt.js';
import { MBR, decodeMbr, encodeMbr, protectiveMbr } from '../../partitioning/mbr.js';
import { readPartitionTable } from '../../partitioning/read-table.js';
import { readRange } from '../support/disk-image.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const codecs = suite<{ dir: string }>('partition table codecs');

codecs.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-codecs-');
});
codecs.after(async (context) => {
  await removeTree(context.dir);
});

async function image(dir: string, name: string, size: number): Promise<string> {
  const path = join(dir, name);
  await truncate(path, 0).catch(() => undefined);
  const handle = await open(path, 'w');
  await handle.close();
  await truncate(path, size);
  return path;
}

async function writeRange(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(bytes, 0, bytes.length, offset);
  } finally {
    await handle.close();
  }
}

interface SfdiskJson {
  partitiontable: {
    label: string;
    id: string;
    firstlba?: number;
    lastlba?: number;
    sectorsize: number;
    partitions: { node: string; start: number; size: number; type: string; uuid?: string; name?: string; attrs?: string; bootable?: boolean }[];
  };
}

async function sfdiskJson(path: string): Promise<SfdiskJson['partitiontable']> {
  return (JSON.parse((await run('sfdisk', ['--json', path])).stdout) as SfdiskJson).partitiontable;
}

const MiB = 1024 * 1024;

/** Decodes the GPT in an image and encodes it again: the three regions must come out byte for byte. */
async function assertGptRoundTrip(path: string): Promise<void> {
  const sectorSize = 512;
  const table = await readPartitionTable(path, (await stat(path)).size, sectorSize);
  assert.is(table.kind, 'gpt', `${path} holds a GPT`);
  if (table.kind !== 'gpt') return;
  assert.equal(table.backupProblems, [], 'backup intact');
  const blocks = encodeGpt(table.gpt);
  assert.ok(Buffer.from(encodeMbr(table.mbr!)).equals(Buffer.from(await readRange(path, 0, 512))), 'protective MBR bytes');
  assert.ok(
    Buffer.from(blocks.primary.bytes).equals(Buffer.from(await readRange(path, blocks.primary.lba * sectorSize, blocks.primary.bytes.length))),
    'primary header and entries bytes',
  );
  assert.ok(
    Buffer.from(blocks.backup.bytes).equals(Buffer.from(await readRange(path, blocks.backup.lba * sectorSize, blocks.backup.bytes.length))),
    'backup entries and header bytes',
  );
}

codecs('a GPT written by sfdisk (names, attributes, a gap in the slots) round-trips byte for byte', async ({ dir }) => {
  const path = await image(dir, 'sfdisk-gpt.img', 64 * MiB);
  await run('sfdisk', ['-q', path], {
    input: [
      'label: gpt',
      'label-id: 01234567-89AB-CDEF-0123-456789ABCDEF',
      `${path}1 : size=16M, type=U, name="EFI system", uuid=11111111-2222-3333-4444-555555555555`,
      `${path}2 : size=1M, type=21686148-6449-6E6F-744E-656564454649, attrs="LegacyBIOSBootable GUID:60,63"`,
      `${path}4 : type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, name="röot ✓"`,
      '',
    ].join('\n'),
  });
  await assertGptRoundTrip(path);
  const table = await readPartitionTable(path, 64 * MiB);
  if (table.kind !== 'gpt') throw new Error('expected a GPT');
  const reported = await sfdiskJson(path);
  assert.is(table.gpt.diskGuid, reported.id);
  assert.is(table.gpt.firstUsableLba, reported.firstlba);
  assert.is(table.gpt.lastUsableLba, reported.lastlba);
  assert.equal(
    table.gpt.partitions.map((p) => ({ number: p.number, start: p.firstLba, size: p.lastLba - p.firstLba + 1, type: p.typeGuid, uuid: p.guid, name: p.name })),
    reported.partitions.map((p) => ({ number: Number(/(\d+)$/.exec(p.node)![1]), start: p.start, size: p.size, type: p.type, uuid: p.uuid, name: p.name ?? '' })),
  );
  assert.is(table.gpt.partitions[1]!.attributes, GPT_ATTRIBUTE.legacyBiosBootable | (1n << 60n) | (1n << 63n));
  assert.is(table.gpt.partitions[2]!.name, 'röot ✓');
});

codecs('a GPT written by sgdisk round-trips byte for byte', async ({ dir }) => {
  const path = await image(dir, 'sgdisk-gpt.img', 96 * MiB);
  await run('sgdisk', ['-o', '-U', 'AFF84D81-073E-4F2A-8F93-D72CEE9625BA', '-n', '1:2048:+32M', '-t', '1:ef00', '-c', '1:ESP', '-n', '2:0:+8M', '-t', '2:8200', '-n', '3:0:0', '-t', '3:8300', '-c', '3:root', path]);
  await assertGptRoundTrip(path);
});

codecs('a GPT for 4096-byte sectors keeps its 16 KiB entry array in 4 sectors and round-trips', () => {
  const table = newGptTable({
    diskSectors: (64 * MiB) / 4096,
    sectorSize: 4096,
    diskGuid: '00112233-4455-6677-8899-AABBCCDDEEFF',
    partitions: [{ number: 1, typeGuid: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', guid: 'FFEEDDCC-BBAA-4988-8776-655443322110', firstLba: 256, lastLba: 2303, attributes: 0n, name: 'ESP' }],
  });
  assert.is(table.firstUsableLba, 6);
  assert.is(table.backupEntriesLba, (64 * MiB) / 4096 - 5);
  const blocks = encodeGpt(table);
  assert.is(blocks.primary.bytes.length, 5 * 4096);
  assert.is(blocks.backup.bytes.length, 5 * 4096);
  assert.equal(decodeGpt(blocks.primary.bytes, { sectorSize: 4096 }), table);
});

codecs('MBRs written by sfdisk (bootable flag, four entries, CHS past 1023 cylinders) round-trip byte for byte', async ({ dir }) => {
  const small = await image(dir, 'sfdisk-mbr.img', 64 * MiB);
  await run('sfdisk', ['-q', small], { input: 'label: dos\nlabel-id: 0x12345678\nsize=8M, type=ef, bootable\nsize=8M, type=82\nsize=8M, type=c\ntype=83\n' });
  const large = await image(dir, 'sfdisk-mbr-16g.img', 16 * 1024 * MiB);
  await run('sfdisk', ['-q', large], { input: 'label: dos\nlabel-id: 0xCAFE0001\nsize=32M, type=ef\ntype=83, bootable\n' });
  for (const path of [small, large]) {
    const sector = await readRange(path, 0, 512);
    const mbr = decodeMbr(sector, 0);
    assert.ok(Buffer.from(encodeMbr(mbr)).equals(Buffer.from(sector)), `${path}: MBR bytes`);
    const reported = await sfdiskJson(path);
    assert.is(`0x${mbr.diskSignature.toString(16).padStart(8, '0')}`, reported.id.toLowerCase());
    assert.equal(
      mbr.partitions.map((p) => ({ start: p.firstLba, size: p.sectors, type: p.type.toString(16), bootable: p.bootable })),
      reported.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, bootable: p.bootable === true })),
    );
    // Encoding without the decoded CHS fields computes the same ones sfdisk wrote.
    const recomputed = encodeMbr({ ...mbr, partitions: mbr.partitions.map(({ firstChs: _f, lastChs: _l, ...rest }) => rest) });
    assert.ok(Buffer.from(recomputed).equals(Buffer.from(sector)), `${path}: computed CHS fields match sfdisk's`);
  }
});

codecs("a table Cairn encodes is what sfdisk writes for the same dump, and sgdisk -v finds no problem", async ({ dir }) => {
  const diskSectors = (128 * MiB) / 512;
  const table = newGptTable({
    diskSectors,
    diskGuid: '5A1E0B3C-77AA-4F0E-9D3B-0123456789AB',
    partitions: [
      { number: 1, typeGuid: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', guid: '0F0E0D0C-0B0A-4908-8706-050403020100', firstLba: 2048, lastLba: 67583, attributes: 0n, name: 'ESP' },
      { number: 2, typeGuid: '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709', guid: '1F0E0D0C-0B0A-4908-8706-050403020100', firstLba: 67584, lastLba: diskSectors - 34, attributes: 0n, name: 'root' },
    ],
  });
  const ours = await image(dir, 'cairn.img', 128 * MiB);
  const blocks = encodeGpt(table);
  await writeRange(ours, 0, encodeMbr(protectiveMbr(diskSectors)));
  await writeRange(ours, blocks.primary.lba * 512, blocks.primary.bytes);
  await writeRange(ours, blocks.backup.lba * 512, blocks.backup.bytes);
  const verify = await run('sgdisk', ['-v', ours]);
  assert.match(verify.stdout, /No problems found/);
  const dump = (await run('sfdisk', ['--dump', ours])).stdout;
  const theirs = await image(dir, 'sfdisk-copy.img', 128 * MiB);
  await run('sfdisk', ['-q', theirs], { input: dump.replaceAll(ours, theirs) });
  for (const [offset, length] of [[0, 34 * 512], [(diskSectors - 33) * 512, 33 * 512]] as const) {
    assert.ok(Buffer.from(await readRange(ours, offset, length)).equals(Buffer.from(await readRange(theirs, offset, length))), `bytes at ${offset}`);
  }
});

codecs('decode(encode(x)) is x, and damaged tables are named', () => {
  const table = newGptTable({
    diskSectors: 1 << 20,
    diskGuid: '00112233-4455-6677-8899-AABBCCDDEEFF',
    partitions: [{ number: 3, typeGuid: '0FC63DAF-8483-4772-8E79-3D69D8477DE4', guid: 'FFEEDDCC-BBAA-4988-8776-655443322110', firstLba: 2048, lastLba: 4095, attributes: GPT_ATTRIBUTE.requiredPartition, name: 'data' }],
  });
  const blocks = encodeGpt(table);
  assert.equal(decodeGpt(blocks.primary.bytes), table);
  assert.equal(checkGptBackup(table, blocks.backup.bytes), []);
  const damaged = blocks.primary.bytes.slice();
  damaged[512 + 60]! ^= 0xff;
  assert.throws(() => decodeGpt(damaged), (error: unknown) => error instanceof GptDecodeError && /entry array CRC32/.test(error.message));
  const badHeader = blocks.primary.bytes.slice();
  badHeader[40]! ^= 1;
  assert.throws(() => decodeGpt(badHeader), /header CRC32/);
  const backup = blocks.backup.bytes.slice();
  backup[5]! ^= 1;
  assert.equal(checkGptBackup(table, backup), ['backup entry array differs from the primary']);

  const mbr = { diskSignature: 0xdeadbeef, reserved: 0, bootCode: new Uint8Array(440).fill(0x90), partitions: [{ number: 2, bootable: true, type: 0x83, firstLba: 2048, sectors: 4096, firstChs: { cylinder: 0, head: 32, sector: 33 }, lastChs: { cylinder: 0, head: 97, sector: 4 } }] };
  assert.equal(decodeMbr(encodeMbr(mbr)), mbr);
  assert.is(encodeMbr(protectiveMbr(1 << 20))[MBR.entriesOffset + 4], 0xee);
  assert.throws(() => decodeMbr(new Uint8Array(512)), /0x55AA/);
});

codecs('an isohybrid MBR keeps its type-0 whole-image entry, as sfdisk lists it; an all-zero slot stays out', async ({ dir }) => {
  const path = await image(dir, 'isohybrid.img', 8 * 1024 * 1024);
  const table = { diskSignature: 0x1234abcd, partitions: [{ number: 1, bootable: true, type: 0x00, firstLba: 0, sectors: 16384 }, { number: 2, bootable: false, type: 0xef, firstLba: 64, sectors: 2048 }] };
  const handle = await open(path, 'r+');
  await handle.write(encodeMbr(table), 0, 512, 0);
  await handle.close();
  const decoded = decodeMbr(await readRange(path, 0, 512));
  assert.equal(decoded.partitions.map((p) => [p.number, p.bootable, p.type, p.firstLba, p.sectors]), [[1, true, 0, 0, 16384], [2, false, 0xef, 64, 2048]]);
  assert.equal(encodeMbr(decoded), await readRange(path, 0, 512));
  const dump = JSON.parse((await run('sfdisk', ['--json', path])).stdout) as { partitiontable: { partitions: { start: number; size: number; type: string }[] } };
  assert.equal(dump.partitiontable.partitions.map((p) => [p.start, p.size, p.type]), [[0, 16384, '0'], [64, 2048, 'ef']]);
});

codecs('decoding a GPT in a Node Buffer leaves the buffer as it was (Buffer.slice is a view)', () => {
  const table = newGptTable({ diskSectors: 4096, diskGuid: '0F0E0D0C-0B0A-0908-0706-050403020100', partitions: [] });
  const blocks = encodeGpt(table);
  const primary = Buffer.from(blocks.primary.bytes);
  const before = Buffer.from(primary);
  decodeGpt(primary);
  assert.ok(primary.equals(before), 'the header CRC is still in place');
  assert.equal(checkGptBackup(table, Buffer.from(blocks.backup.bytes)), []);
});

codecs.run();
