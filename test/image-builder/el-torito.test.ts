import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { BOOT_RECORD_SECTOR, SECTOR_SIZE, decodeBootRecord, encodeBootRecord } from '../../image-builder/el-torito/boot-record.js';
import { PLATFORM, bootImagesOf, decodeBootCatalog, encodeBootCatalog, type BootCatalog } from '../../image-builder/el-torito/boot-catalog.js';
import { bootImageChecksum, decodeBootInfoTable, patchBootInfoTable } from '../../image-builder/el-torito/boot-info-table.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin';

/** An ISO made by xorriso the way NixOS and archiso make theirs: isolinux for BIOS, a FAT image for UEFI. */
async function xorrisoBootableIso(dir: string): Promise<{ iso: Buffer; source: Buffer }> {
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'isolinux'), { recursive: true });
  await copyFile(ISOLINUX, join(tree, 'isolinux', 'isolinux.bin'));
  await run('mkfs.fat', ['-C', join(tree, 'efi.img'), '1440']);
  await writeFile(join(tree, 'hello.txt'), 'hello\n');
  const iso = join(dir, 'x.iso');
  await run('xorriso', ['-as', 'mkisofs', '-R', '-J', '-V', 'ELTORITO_TEST', '-o', iso,
    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table',
    '-eltorito-alt-boot', '-e', 'efi.img', '-no-emul-boot', tree]);
  return { iso: await readFile(iso), source: await readFile(ISOLINUX) };
}

test('catalogs and boot records made by xorriso decode, and encode back to the same bytes', async () => {
  const dir = await temporaryDirectory();
  try {
    const { iso } = await xorrisoBootableIso(dir);
    const record = decodeBootRecord(iso, BOOT_RECORD_SECTOR * SECTOR_SIZE);
    assert.ok(record, 'sector 17 is an El Torito boot record');
    assert.equal(encodeBootRecord(record), new Uint8Array(iso.subarray(BOOT_RECORD_SECTOR * SECTOR_SIZE, (BOOT_RECORD_SECTOR + 1) * SECTOR_SIZE)));

    const sector = iso.subarray(record.catalogLba * SECTOR_SIZE, (record.catalogLba + 1) * SECTOR_SIZE);
    const catalog = decodeBootCatalog(sector);
    assert.equal(encodeBootCatalog(catalog), new Uint8Array(sector));
    const images = bootImagesOf(catalog);
    assert.equal(images.map((i) => [i.platform, i.entry.bootable, i.entry.mediaType]), [[PLATFORM.x86, true, 0], [PLATFORM.efi, true, 0]]);
    assert.is(images[0]!.entry.sectorCount, 4);
    assert.is(images[1]!.entry.sectorCount, 2880, '1440 KiB in 512-byte sectors');

    // What xorriso reports about the same catalog.
    const { stdout } = await run('xorriso', ['-indev', join(dir, 'x.iso'), '-report_el_torito', 'plain']);
    assert.match(stdout, new RegExp(`El Torito boot img :\\s+1\\s+BIOS\\s+y\\s+none\\s+0x0000\\s+0x00\\s+4\\s+${images[0]!.entry.loadRba}`));
    assert.match(stdout, new RegExp(`El Torito boot img :\\s+2\\s+UEFI\\s+y\\s+none\\s+0x0000\\s+0x00\\s+2880\\s+${images[1]!.entry.loadRba}`));
  } finally {
    await removeTree(dir);
  }
});

test('the boot info table Cairn patches matches the one xorriso patched', async () => {
  const dir = await temporaryDirectory();
  try {
    const { iso, source } = await xorrisoBootableIso(dir);
    const catalogLba = decodeBootRecord(iso, BOOT_RECORD_SECTOR * SECTOR_SIZE)!.catalogLba;
    const lba = decodeBootCatalog(iso, catalogLba * SECTOR_SIZE).defaultEntry.loadRba;
    const inImage = iso.subarray(lba * SECTOR_SIZE, lba * SECTOR_SIZE + source.length);
    const ours = patchBootInfoTable(source, { pvdLba: 16, fileLba: lba });
    assert.equal(ours, new Uint8Array(inImage));
    assert.equal(decodeBootInfoTable(ours), { pvdLba: 16, fileLba: lba, length: source.length, checksum: bootImageChecksum(source) });
    assert.is.not(source.subarray(8, 24).toString('hex'), Buffer.from(ours.subarray(8, 24)).toString('hex'), 'the source is not the patched copy');
  } finally {
    await removeTree(dir);
  }
});

test('a catalog Cairn builds round-trips; the checksum makes the validation entry sum to zero', () => {
  const catalog: BootCatalog = {
    platform: PLATFORM.x86,
    id: 'CAIRN',
    defaultEntry: { bootable: true, mediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 4, loadRba: 35 },
    sections: [{ platform: PLATFORM.efi, id: '', entries: [{ bootable: true, mediaType: 0, loadSegment: 0, systemType: 0, sectorCount: 0, loadRba: 40 }] }],
  };
  const bytes = encodeBootCatalog(catalog);
  const view = new DataView(bytes.buffer);
  let sum = 0;
  for (let i = 0; i < 32; i += 2) sum = (sum + view.getUint16(i, true)) & 0xffff;
  assert.is(sum, 0);
  assert.is(bytes[64], 0x91, 'the only section header is the final one');
  assert.equal(decodeBootCatalog(bytes), catalog);
  assert.throws(() => encodeBootCatalog({ ...catalog, defaultEntry: { ...catalog.defaultEntry, sectorCount: 70000 } }), /fit 16 bits/);
  assert.throws(() => decodeBootCatalog(new Uint8Array(2048)), /not an El Torito boot catalog/);
});

test.run();
