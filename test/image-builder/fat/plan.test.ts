import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, ValidationError } from '../../../lib/errors.js';
import {
  chooseFatFormat,
  fatDirectory,
  fatFileFromBytes,
  fatFileFromPath,
  openFatImageBytes,
  planFatImage,
  readImageChunks,
  type FatPlan,
  type FatTreeDirectory,
} from '../../../image-builder/fat/index.js';

const MiB = 1024 * 1024;

function sampleTree(): FatTreeDirectory {
  return fatDirectory('', [
    fatDirectory('EFI', [fatDirectory('BOOT', [fatFileFromBytes('BOOTX64.EFI', new Uint8Array(5000).fill(1))])]),
    fatDirectory('loader', [fatFileFromBytes('loader.conf', 'default cairn-*\n')]),
    fatFileFromBytes('Read Me.txt', 'hello\n'),
    fatFileFromBytes('empty', ''),
  ]);
}

async function imageBytes(plan: FatPlan): Promise<Uint8Array> {
  const out = new Uint8Array(plan.size);
  let at = 0;
  for await (const chunk of readImageChunks(plan.regions, { chunkSize: 3000 })) {
    assert.is(chunk.offset, at, 'chunks follow each other');
    out.set(chunk.bytes, at);
    at += chunk.bytes.length;
  }
  assert.is(at, plan.size);
  return out;
}

function assertRegionsCover(plan: FatPlan): void {
  let position = 0;
  for (const region of plan.regions) {
    assert.is(region.offset, position, 'regions are in order without gaps');
    if (region.kind === 'bytes') assert.is(region.bytes.length, region.length);
    position += region.length;
  }
  assert.is(position, plan.size);
}

test('the type and cluster size follow mkfs.fat: FAT12, then FAT16 with growing clusters, FAT32 from 512 MiB', () => {
  const format = (bytes: number) => {
    const f = chooseFatFormat(bytes / 512, {});
    return `FAT${f.type}/${f.sectorsPerCluster * 512}`;
  };
  assert.is(format(1 * MiB), 'FAT12/2048');
  assert.is(format(8 * MiB), 'FAT12/2048');
  assert.is(format(9 * MiB), 'FAT16/2048');
  assert.is(format(127 * MiB), 'FAT16/2048');
  assert.is(format(129 * MiB), 'FAT16/4096');
  assert.is(format(300 * MiB), 'FAT16/8192');
  assert.is(format(511 * MiB), 'FAT16/8192');
  assert.is(format(512 * MiB), 'FAT32/4096');
  assert.is(format(9 * 1024 * MiB), 'FAT32/8192');
  assert.is(format(40 * 1024 * MiB), 'FAT32/32768');
  // A forced cluster size keeps the rule and falls back to FAT32 when FAT16 cannot address the clusters.
  assert.is(`${chooseFatFormat((200 * MiB) / 512, { clusterSize: 2048 }).type}`, '32');
  assert.is(`${chooseFatFormat((100 * MiB) / 512, { clusterSize: 2048 }).type}`, '16');
  assert.is(`${chooseFatFormat((64 * MiB) / 512, { type: 32 }).sectorsPerCluster}`, '1');
});

test('a small tree gets the smallest FAT12 image that holds it; regions cover the image exactly', async () => {
  const plan = planFatImage(sampleTree());
  assert.is(plan.geometry.type, 12);
  assert.is(plan.geometry.clusterSize, 2048);
  assertRegionsCover(plan);
  assert.is(plan.freeClusters, 0);
  assert.is(plan.geometry.dataOffset % plan.geometry.clusterSize, 0, 'clusters aligned to their size by default');
  assert.is(plan.size, plan.geometry.dataOffset + plan.geometry.clusterCount * plan.geometry.clusterSize, 'no slack after the last cluster');
  assert.throws(() => planFatImage(sampleTree(), { size: plan.size - 2048 }), (e: unknown) => e instanceof DomainError && e.code === 'fat-too-small');
  const reader = await openFatImageBytes(await imageBytes(plan));
  assert.equal(
    (await reader.list()).map((e) => `${e.path}:${e.size}`),
    ['EFI:0', 'EFI/BOOT:0', 'EFI/BOOT/BOOTX64.EFI:5000', 'Read Me.txt:6', 'empty:0', 'loader:0', 'loader/loader.conf:16'],
  );
  assert.equal(Buffer.from(await reader.readFile('read me.TXT')).toString(), 'hello\n', 'lookups ignore case');
  assert.equal(Buffer.from(await reader.readFile('LOADER/LOADER~1.CON')).toString(), 'default cairn-*\n', 'short names match');
});

test('sizes, minimum sizes and free space', () => {
  const exact = planFatImage(sampleTree(), { size: 4 * MiB });
  assert.is(exact.size, 4 * MiB);
  const minimum = planFatImage(sampleTree(), { minimumSize: 20 * MiB });
  assert.is(minimum.geometry.type, 16);
  assert.ok(minimum.size >= 20 * MiB && minimum.size < 20 * MiB + 4096);
  const roomy = planFatImage(sampleTree(), { freeSpace: 1 * MiB });
  assert.ok(roomy.freeClusters * roomy.geometry.clusterSize >= 1 * MiB);
  const big = planFatImage(fatDirectory('', [fatFileFromPath('big', '/nonexistent/planned-only', 600 * MiB)]));
  assert.is(big.geometry.type, 32, 'auto FAT32 from 512 MiB');
  assert.ok(big.size > 600 * MiB && big.size < 602 * MiB, 'sized to the content');
  const manySmall = planFatImage(
    fatDirectory('', [fatDirectory('d', Array.from({ length: 40000 }, (_, i) => fatFileFromPath(`F${i}`, '/nonexistent', 9000)))]),
  );
  // 40000 files of 9000 bytes need 8 KiB clusters on FAT16 (655 MB): FAT32's 4 KiB clusters fit from 512 MiB.
  assert.is(manySmall.geometry.type, 32);
  assert.is(manySmall.size, 512 * MiB);
});

test('the ISO layout: 2048-byte clusters, a 2048-aligned data area, tail files last in the given order', () => {
  const kernel = new Uint8Array(70001).fill(7);
  const initrd = new Uint8Array(4096).fill(9);
  const tree = fatDirectory('', [
    fatDirectory('EFI', [fatDirectory('BOOT', [fatFileFromBytes('BOOTX64.EFI', 'loader')])]),
    fatDirectory('cairn', [fatFileFromBytes('initrd-abc', initrd), fatFileFromBytes('linux-abc.efi', kernel)]),
  ]);
  for (const options of [{}, { fatType: 32 as const }, { minimumSize: 20 * MiB, reservedSectors: 3 }]) {
    const plan = planFatImage(tree, { clusterSize: 2048, tailFiles: ['cairn/linux-abc.efi', '/cairn/initrd-abc'], ...options });
    assert.is(plan.geometry.clusterSize, 2048);
    assert.is(plan.geometry.dataOffset % 2048, 0);
    const [linux, initrdFile] = plan.files.slice(-2);
    assert.is(linux!.path, 'cairn/linux-abc.efi');
    assert.is(initrdFile!.path, 'cairn/initrd-abc');
    assert.is(linux!.offset! % 2048, 0);
    assert.is(initrdFile!.offset, linux!.offset! + 35 * 2048, 'the initrd follows the kernel from the next cluster');
    assert.is(initrdFile!.offset! + 4096, plan.geometry.dataOffset + plan.geometry.clusterCount * 2048, 'ends at the last cluster');
    const others = plan.files.slice(0, -2);
    assert.ok(others.every((f) => f.offset! < linux!.offset!));
  }
});

test('file order: the caller first, the rest sorted, every file contiguous', () => {
  const tree = fatDirectory('', [fatFileFromBytes('a', 'a'.repeat(3000)), fatFileFromBytes('b', 'b'), fatFileFromBytes('c', 'c'.repeat(5000))]);
  const plan = planFatImage(tree, { fileOrder: ['c'] });
  assert.equal(plan.files.map((f) => f.path), ['c', 'a', 'b']);
  assert.equal(plan.files.map((f) => [f.firstCluster, f.clusterCount]), [[2, 3], [5, 2], [7, 1]]);
});

test('the same input gives the same plan; the volume id follows the seed, the date SOURCE_DATE_EPOCH', async () => {
  const a = await imageBytes(planFatImage(sampleTree(), { volumeLabel: 'ESP' }));
  const b = await imageBytes(planFatImage(sampleTree(), { volumeLabel: 'ESP' }));
  assert.equal(a, b);
  const id = (options: Parameters<typeof planFatImage>[1]) => planFatImage(sampleTree(), options).volumeId;
  assert.is(id({ volumeIdSeed: 'x' }), id({ volumeIdSeed: 'x' }));
  assert.is.not(id({ volumeIdSeed: 'x' }), id({ volumeIdSeed: 'y' }));
  assert.is.not(id({}), id({ volumeLabel: 'OTHER' }), 'the default seed covers the label');
  assert.is(id({ volumeId: 0xdeadbeef }), 0xdeadbeef);
  const saved = process.env.SOURCE_DATE_EPOCH;
  try {
    process.env.SOURCE_DATE_EPOCH = '1700000001';
    assert.equal(planFatImage(sampleTree()).timestamp, new Date(1700000001000), 'creation times keep the odd second');
    const reader = await openFatImageBytes(await imageBytes(planFatImage(sampleTree())));
    const entry = (await reader.list())[0]!;
    assert.equal(entry.modified, new Date(1700000000000), 'write times have 2-second resolution');
    delete process.env.SOURCE_DATE_EPOCH;
    assert.equal(planFatImage(sampleTree()).timestamp, new Date('1980-01-01T00:00:00Z'));
    assert.equal(planFatImage(sampleTree(), { date: new Date('2030-05-06T07:08:10Z') }).timestamp, new Date('2030-05-06T07:08:10Z'));
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
});

test('every bad name is reported at once, naming the file', () => {
  const tree = fatDirectory('', [
    fatDirectory('EFI', [fatFileFromBytes('Boot.efi', 'a'), fatFileFromBytes('BOOT.EFI', 'b')]),
    fatFileFromBytes('a:b', ''),
    fatFileFromPath('trailing.', '/src/trailing.', 1),
    fatFileFromBytes('x'.repeat(256), ''),
    fatFileFromBytes('rocket\u{1F680}', ''),
    fatFileFromPath('huge', '/src/huge', 5 * 1024 ** 3),
  ]);
  try {
    planFatImage(tree);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ValidationError);
    const problems = (error as ValidationError).problems.map((p) => `${p.file}: ${p.message}`);
    assert.is(problems.length, 6, problems.join('\n'));
    const text = problems.join('\n');
    assert.match(text, /EFI\/Boot\.efi: "Boot\.efi" and "BOOT\.EFI" in EFI are the same name to FAT, which ignores case/);
    assert.match(text, /a:b: the name contains ":"/);
    assert.match(text, /trailing\. \(\/src\/trailing\.\): the name ends with a dot/);
    assert.match(text, /the name is 256 UTF-16 units long/);
    assert.match(text, /rocket.*UCS-2/);
    assert.match(text, /huge \(\/src\/huge\): the file is 5368709120 bytes; FAT holds files of at most 4294967295/);
  }
});

test('a size too small says how much is needed; a full root directory says what to change', () => {
  const tree = fatDirectory('', [fatFileFromBytes('data', new Uint8Array(300 * 1024))]);
  try {
    planFatImage(tree, { size: 256 * 1024 });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, DomainError);
    const e = error as DomainError;
    assert.is(e.code, 'fat-too-small');
    assert.match(e.message, /the files need 150 clusters of 2K but a FAT12 image of 262144 bytes \(256K\) has \d+; the smallest image that holds them is \d+ bytes/);
    const needed = e.expected as number;
    assert.is(planFatImage(tree, { size: needed }).size, needed, 'the size the message names works');
  }
  const crowded = fatDirectory('', Array.from({ length: 300 }, (_, i) => fatFileFromBytes(`file number ${i}`, '')));
  try {
    planFatImage(crowded);
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, DomainError);
    assert.is((error as DomainError).code, 'fat-root-full');
    assert.match((error as DomainError).message, /root directory needs 890 entries .* has 512/);
    assert.match((error as DomainError).hint!, /rootEntryCount to at least 896/);
  }
  assert.is(planFatImage(crowded, { rootEntryCount: 896 }).geometry.rootEntryCount, 896);
  assert.is(planFatImage(crowded, { fatType: 32 }).geometry.type, 32);
});

test('bad options are reported together', () => {
  try {
    planFatImage(sampleTree(), {
      size: 1000,
      minimumSize: 5,
      clusterSize: 3000,
      dataAlignment: 100,
      rootEntryCount: 10,
      volumeLabel: 'lower',
      tailFiles: ['no/such/file', 'empty'],
      fileOrder: ['empty'],
    });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.instance(error, ValidationError);
    const paths = (error as ValidationError).problems.map((p) => p.path);
    assert.equal(paths.sort(), ['clusterSize', 'dataAlignment', 'minimumSize', 'rootEntryCount', 'size', 'tailFiles[0]', 'tailFiles[1]', 'volumeLabel'].sort());
  }
  assert.throws(() => planFatImage(sampleTree(), { fatType: 12, clusterSize: 512, minimumSize: 100 * MiB }), /cannot be FAT12 with 512B clusters/);
  assert.throws(
    () => planFatImage(sampleTree(), { fatType: 16, size: 4 * MiB }),
    /4194304 bytes \(4M\) cannot be FAT16 with 2K clusters: it would have \d+ clusters, FAT16 needs 4085 to 65524/,
  );
  assert.throws(() => planFatImage(sampleTree(), { fatType: 32, reservedSectors: 4 }), /at least 8 reserved sectors/);
});

test.run();
