/**
 * Cairn's FAT decoder on volumes the real tools wrote (mkfs.fat + mcopy): it reads the tree and the files,
 * and every structure it decodes encodes back to the same bytes.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../../lib/run.js';
import { decodeBootSector, encodeBootSector } from '../../../image-builder/fat/boot-sector.js';
import { decodeDirectoryEntry, encodeDirectoryEntry, isLongNameSlot } from '../../../image-builder/fat/directory-entry.js';
import { decodeFat, encodeFat, fatByteLength } from '../../../image-builder/fat/fat-table.js';
import { decodeFsInfo, encodeFsInfo } from '../../../image-builder/fat/fs-info.js';
import { decodeLongNameEntry, encodeLongNameEntry } from '../../../image-builder/fat/long-name-entry.js';
import { clusterOffset, openFatImage, openFatImageBytes, planFatImage, readFatTreeFromDirectory, writeFatImage, type FatType } from '../../../image-builder/fat/index.js';
import { readTree } from '../../support/fat-tools.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

const SOURCE_FILES: Record<string, string> = {
  'EFI/BOOT/BOOTX64.EFI': 'x'.repeat(9000),
  'readme.txt': 'lower-case 8.3: mtools writes case flags, not a long name\n',
  'Mixed Case Long Name.conf': 'long\n',
  'Ünïcödé.txt': 'unicode\n',
  'empty': '',
  'deep/er/and/deeper/file.bin': 'y'.repeat(5000),
};

async function makeSource(root: string): Promise<void> {
  for (const [path, text] of Object.entries(SOURCE_FILES)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/** Decodes and re-encodes every 32-byte entry of a directory's bytes up to the end mark. */
function assertEntriesRoundTrip(bytes: Uint8Array, what: string): number {
  let count = 0;
  for (let at = 0; at + 32 <= bytes.length && bytes[at] !== 0; at += 32) {
    const slot = bytes.subarray(at, at + 32);
    const again = isLongNameSlot(bytes, at) ? encodeLongNameEntry(decodeLongNameEntry(slot)) : encodeDirectoryEntry(decodeDirectoryEntry(slot));
    assert.equal(again, Uint8Array.from(slot), `${what} entry ${at / 32}`);
    count++;
  }
  return count;
}

test('volumes made by mkfs.fat and mcopy: the tree and files read back, every structure re-encodes exactly', async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'source');
    await makeSource(source);
    for (const [fatType, kib] of [[12, 4096], [16, 20480], [32, 40960]] as [FatType, number][]) {
      const image = join(dir, `mkfs${fatType}.img`);
      await run('mkfs.fat', ['--invariant', '-F', String(fatType), '-n', 'REALTOOLS', '-i', '12345678', '-C', image, String(kib)]);
      for (const name of (await readdir(source)).sort()) await run('mcopy', ['-s', '-i', image, join(source, name), '::/']);

      const reader = await openFatImage(image);
      try {
        assert.is(reader.info.type, fatType);
        assert.is(reader.info.volumeLabel, 'REALTOOLS');
        assert.is(reader.info.volumeId, 0x12345678);
        const entries = await reader.list();
        const want = await readTree(source);
        assert.equal(entries.map((e) => e.path).sort(), [...want.keys()].sort());
        for (const [path, bytes] of want) {
          const entry = entries.find((e) => e.path === path)!;
          assert.is(entry.kind, bytes === null ? 'directory' : 'file', path);
          if (bytes !== null) assert.ok(Buffer.from(await reader.readFile(path)).equals(bytes), `${path} reads back`);
        }
        assert.is(entries.find((e) => e.path === 'readme.txt')!.shortName, 'README.TXT');

        const bytes = new Uint8Array(await readFile(image));
        const bootSector = decodeBootSector(bytes);
        assert.equal(encodeBootSector(bootSector), bytes.subarray(0, 512), 'boot sector');
        const g = reader.info.geometry;
        const fatBytes = bytes.subarray(g.fatOffset, g.fatOffset + g.sectorsPerFat * 512);
        const entryCount = Math.floor((fatBytes.length * 8) / fatType);
        const fat = decodeFat(fatType, fatBytes, 0, entryCount);
        assert.equal(encodeFat(fatType, fat), fatBytes.subarray(0, fatByteLength(fatType, entryCount)), 'FAT');
        if (fatType === 32) {
          const fsInfoAt = bootSector.fat32!.fsInfoSector * 512;
          assert.equal(encodeFsInfo(decodeFsInfo(bytes, fsInfoAt)), bytes.subarray(fsInfoAt, fsInfoAt + 512), 'FSInfo');
          const backupAt = bootSector.fat32!.backupBootSector * 512;
          assert.equal(decodeBootSector(bytes, backupAt), bootSector, 'backup boot sector');
        }
        const root = fatType === 32 ? bytes.subarray(clusterOffset(g, bootSector.fat32!.rootCluster)) : bytes.subarray(g.rootDirectoryOffset, g.dataOffset);
        assert.ok(assertEntriesRoundTrip(root.subarray(0, fatType === 32 ? g.clusterSize : root.length), 'root') >= 6);
        for (const entry of entries.filter((e) => e.kind === 'directory')) {
          const at = clusterOffset(g, entry.firstCluster);
          assertEntriesRoundTrip(bytes.subarray(at, at + g.clusterSize), entry.path);
        }
      } finally {
        await reader.close();
      }
    }
  } finally {
    await removeTree(dir);
  }
});

test("Cairn's own images decode to what was planned, and their metadata re-encodes exactly", async () => {
  const dir = await temporaryDirectory();
  try {
    const source = join(dir, 'source');
    await makeSource(source);
    for (const fatType of [12, 16, 32] as FatType[]) {
      const plan = planFatImage(await readFatTreeFromDirectory(source), { fatType, volumeLabel: 'OWN' });
      const image = join(dir, `own${fatType}.img`);
      await writeFatImage(plan, image);
      const bytes = new Uint8Array(await readFile(image));
      const reader = await openFatImageBytes(bytes);
      assert.equal(reader.info.geometry, plan.geometry);
      assert.is(reader.info.volumeId, plan.volumeId);
      const listed = await reader.list();
      for (const file of plan.files) {
        const entry = listed.find((e) => e.path === file.path)!;
        assert.is(entry.size, file.size);
        assert.is(entry.firstCluster, file.firstCluster);
        assert.equal(entry.modified, plan.timestamp);
        assert.is(entry.attributes, 0x20);
      }
      for (const region of plan.regions) {
        if (region.kind !== 'bytes') continue;
        assert.equal(bytes.subarray(region.offset, region.offset + region.length), region.bytes);
      }
      assert.equal(encodeBootSector(decodeBootSector(bytes)), bytes.subarray(0, 512));
      for (const directory of plan.directories) assert.is(assertEntriesRoundTrip(bytes.subarray(directory.offset, directory.offset + directory.entryCount * 32), directory.path || '/'), directory.entryCount);
    }
  } finally {
    await removeTree(dir);
  }
});

test.run();
