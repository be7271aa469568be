/**
 * The extension points later parts build the bootable hybrid image on: a system area and extra volume
 * descriptors computed from the final layout, hidden extents, files patched from the layout, contiguous
 * groups whose members' LBAs are known before the generated parts, a tail after the volume, and
 * deduplication across all of them. Each is checked in the bytes of the image and by the real readers.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildIsoImage } from '../../image-builder/build-iso.js';
import { ImageTree } from '../../image-builder/image-tree.js';
import { SECTOR_SIZE } from '../../image-builder/iso9660/constants.js';
import { encodeBootRecordDescriptor } from '../../image-builder/iso9660/volume-descriptor.js';
import { extentById, fileExtent, groupById, type IsoExtensions, type IsoLayout } from '../../image-builder/layout/iso-layout.js';
import { inspectIsoImage, inspectSections, renderInspectReport } from '../../image-builder/read/inspect.js';
import type { InspectSection } from '../../image-builder/read/inspect-section.js';
import { run } from '../../lib/run.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';
import { xorrisoListing } from '../support/xorriso-listing.js';

const DATE = new Date('2024-01-01T00:00:00Z');
const KERNEL = Buffer.from('a kernel, stored once\n'.repeat(300));
const INITRD = Buffer.from('an initrd\n'.repeat(500));

function bytesFile(bytes: Uint8Array, mode = 0o644) {
  return { kind: 'file', mode, mtime: 1_600_000_000, content: { kind: 'bytes', bytes }, origin: 'the test' } as const;
}

async function build(dir: string, tree: ImageTree, extensions: IsoExtensions): Promise<{ iso: string; image: Buffer; layout: IsoLayout }> {
  const iso = join(dir, 'out.iso');
  const result = await buildIsoImage({ volumeId: 'EXTENSIONS', date: DATE, tree, extensions, output: iso });
  return { iso, image: await readFile(iso), layout: result.layout };
}

const sectorsAt = (image: Buffer, lba: number, size: number) => image.subarray(lba * SECTOR_SIZE, lba * SECTOR_SIZE + size);

test('system area: computed from the final layout, written to the first 32 KiB', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    let seen: IsoLayout | undefined;
    const { iso, image, layout } = await build(dir, tree, {
      systemArea: (final) => {
        seen = final;
        const mbr = new Uint8Array(512);
        // Where the kernel is, as a partition table entry would say it: proof the layout was final.
        new DataView(mbr.buffer).setUint32(0x1c6, fileExtent(final, '/boot/vmlinuz').lba * 4, true);
        new DataView(mbr.buffer).setUint32(0x1ca, final.volumeSectors * 4, true);
        mbr[510] = 0x55;
        mbr[511] = 0xaa;
        return mbr;
      },
    });
    assert.is(seen, layout);
    assert.is(image.readUInt32LE(0x1c6), layout.locateFile('/boot/vmlinuz')!.lba * 4);
    assert.is(image.readUInt32LE(0x1ca), image.length / 512);
    assert.is(image.readUInt16LE(510), 0xaa55);
    const listing = await xorrisoListing(iso);
    assert.equal(listing.get('/boot/vmlinuz')!.extents, [{ lba: layout.locateFile('/boot/vmlinuz')!.lba, size: KERNEL.length }]);
    const report = await inspectIsoImage(iso);
    const nonZeroBytes = image.subarray(0, 16 * SECTOR_SIZE).filter((b) => b !== 0).length;
    assert.ok(nonZeroBytes >= 4);
    assert.equal(report.sections.systemArea, { nonZeroBytes, mbrSignature: true });
  } finally {
    await removeTree(dir);
  }
});

test("extra volume descriptors: a boot record at sector 17, before Joliet's descriptor and the terminator, pointing at a hidden extent", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/readme.txt', bytesFile(Buffer.from('hello\n')));
    const catalog = new Uint8Array(SECTOR_SIZE);
    catalog.set([1, 0, 0, 0], 0);
    const { iso, image, layout } = await build(dir, tree, {
      volumeDescriptors: [
        {
          id: 'el-torito',
          compute: (final) => {
            const systemUse = new Uint8Array(4);
            new DataView(systemUse.buffer).setUint32(0, extentById(final, 'catalog').lba, true);
            return encodeBootRecordDescriptor({ bootSystemId: 'EL TORITO SPECIFICATION', bootId: '', systemUse });
          },
        },
      ],
      hiddenExtents: [{ id: 'catalog', content: { kind: 'bytes', bytes: catalog }, origin: 'a boot catalog' }],
    });
    assert.equal(layout.extraVolumeDescriptorLbas, [17]);
    assert.is(layout.jolietVolumeDescriptorLba, 18);
    assert.is(layout.terminatorLba, 19);
    assert.is(image[17 * SECTOR_SIZE], 0, 'type 0: boot record');
    assert.is(image[18 * SECTOR_SIZE], 2, 'type 2: Joliet');
    assert.is(image[19 * SECTOR_SIZE], 255, 'type 255: terminator');
    const info = await run('isoinfo', ['-d', '-i', iso]);
    assert.match(info.stdout, new RegExp(`El Torito VD version 1 found, boot catalog is in sector ${layout.extents.get('catalog')!.lba}\\n`));
    assert.match(info.stdout, /Joliet with UCS level 3 found/);
    const report = await inspectIsoImage(iso);
    assert.equal(report.image.volumeDescriptors.map((d) => `${d.lba} ${d.kind}`), ['16 primary', '17 boot-record', '18 joliet', '19 terminator']);
    assert.is(report.image.volumeDescriptors[1]!.bootSystemId, 'EL TORITO SPECIFICATION');
  } finally {
    await removeTree(dir);
  }
});

test('hidden extents: bytes, a file or computed, in the image but in no directory; identical files share them', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const espFile = join(dir, 'efi.img');
    await writeFile(espFile, KERNEL);
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    const { iso, image, layout } = await build(dir, tree, {
      hiddenExtents: [
        { id: 'catalog', content: { kind: 'bytes', bytes: Buffer.from('CATALOG') }, origin: 'a catalog' },
        { id: 'esp', content: { kind: 'host', path: espFile, size: KERNEL.length }, origin: 'an ESP image' },
        { id: 'generated', content: { kind: 'computed', size: 3000, compute: (final) => Buffer.alloc(3000, final.volumeSectors % 251) }, origin: 'generated' },
      ],
    });
    assert.is(sectorsAt(image, extentById(layout, 'catalog').lba, 7).toString(), 'CATALOG');
    assert.ok(sectorsAt(image, extentById(layout, 'generated').lba, 3000).equals(Buffer.alloc(3000, layout.volumeSectors % 251)));
    // The ESP image has the kernel's bytes: one extent for both.
    assert.is(extentById(layout, 'esp').lba, fileExtent(layout, '/boot/vmlinuz').lba);
    assert.ok(sectorsAt(image, extentById(layout, 'esp').lba, KERNEL.length).equals(KERNEL));
    const listing = await xorrisoListing(iso);
    assert.equal([...listing.keys()].sort(), ['/', '/boot', '/boot/vmlinuz']);
  } finally {
    await removeTree(dir);
  }
});

test("patched files: bytes rewritten from the final layout (isolinux's boot-info-table), never shared", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const loader = Buffer.alloc(4096, 0x90);
    const tree = new ImageTree();
    tree.add('/isolinux/unpatched.bin', bytesFile(loader));
    tree.add('/isolinux/isolinux.bin', {
      ...bytesFile(loader),
      patch: ({ layout, lba, original }) => {
        const patched = Buffer.from(original);
        let checksum = 0;
        for (let i = 64; i < patched.length; i += 4) checksum = (checksum + patched.readUInt32LE(i)) >>> 0;
        patched.writeUInt32LE(layout.primaryVolumeDescriptorLba, 8);
        patched.writeUInt32LE(lba, 12);
        patched.writeUInt32LE(patched.length, 16);
        patched.writeUInt32LE(checksum, 20);
        patched.fill(0, 24, 64);
        return patched;
      },
    });
    const { iso, layout } = await build(dir, tree, {});
    const out = join(dir, 'out');
    await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/isolinux', out]);
    const patched = await readFile(join(out, 'isolinux.bin'));
    const listing = await xorrisoListing(iso);
    const lba = listing.get('/isolinux/isolinux.bin')!.extents![0]!.lba;
    assert.is(lba, fileExtent(layout, '/isolinux/isolinux.bin').lba);
    assert.equal([patched.readUInt32LE(8), patched.readUInt32LE(12), patched.readUInt32LE(16)], [16, lba, 4096]);
    assert.is(patched.readUInt32LE(20), (((0x90909090 * (4096 - 64)) / 4) % 2 ** 32) >>> 0);
    assert.ok((await readFile(join(out, 'unpatched.bin'))).equals(loader), 'the identical unpatched file keeps its bytes');
    assert.is.not(listing.get('/isolinux/unpatched.bin')!.extents![0]!.lba, lba);
  } finally {
    await removeTree(dir);
  }
});

test("contiguous groups: generated metadata then files, back to back, every member's LBA known to the generated part", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    tree.add('/boot/initrd.img', bytesFile(INITRD));
    tree.add('/generations/1/kernel', bytesFile(KERNEL));
    tree.add('/other.txt', bytesFile(Buffer.from('not in the group')));
    const { iso, image, layout } = await build(dir, tree, {
      // Placed before the group, but identical to a member: it points at the member's extent.
      hiddenExtents: [{ id: 'kernel-copy', content: { kind: 'bytes', bytes: Buffer.from(KERNEL) }, origin: 'a copy of the kernel' }],
      groups: [
        {
          id: 'esp',
          members: [
            {
              kind: 'extent',
              id: 'fat-metadata',
              origin: 'a FAT',
              content: {
                kind: 'computed',
                size: 2 * SECTOR_SIZE,
                // A "FAT" that lists where its files' clusters are: the very sectors of the ISO files.
                compute: (final) => {
                  const group = groupById(final, 'esp');
                  const table = Buffer.alloc(2 * SECTOR_SIZE);
                  group.members.forEach((m, i) => table.writeUInt32LE(m.lba - group.lba, i * 4));
                  return table;
                },
              },
            },
            { kind: 'file', path: '/boot/vmlinuz' },
            { kind: 'file', path: '/boot/initrd.img', alignSectors: 4 },
          ],
        },
      ],
    });
    const group = groupById(layout, 'esp');
    const [metadata, kernel, initrd] = group.members;
    assert.is(metadata!.lba, group.lba);
    assert.is(kernel!.lba, metadata!.lba + 2, 'the kernel follows the metadata');
    assert.is((initrd!.lba - group.lba) % 4, 0, 'the initrd starts at a multiple of 4 sectors from the group start');
    assert.ok(initrd!.lba - (kernel!.lba + kernel!.sectors) < 4);
    assert.is(group.sectors, initrd!.lba + initrd!.sectors - group.lba);
    const table = sectorsAt(image, group.lba, 12);
    assert.equal([table.readUInt32LE(0), table.readUInt32LE(4), table.readUInt32LE(8)], [0, kernel!.lba - group.lba, initrd!.lba - group.lba]);
    const listing = await xorrisoListing(iso);
    assert.is(listing.get('/boot/vmlinuz')!.extents![0]!.lba, kernel!.lba);
    assert.is(listing.get('/boot/initrd.img')!.extents![0]!.lba, initrd!.lba);
    assert.is(listing.get('/generations/1/kernel')!.extents![0]!.lba, kernel!.lba, 'an identical file elsewhere shares the group member');
    assert.is(extentById(layout, 'kernel-copy').lba, kernel!.lba, 'so does an identical hidden extent');
    assert.ok(listing.get('/other.txt')!.extents![0]!.lba >= group.lba + group.sectors, 'files outside the group come after it');
  } finally {
    await removeTree(dir);
  }
});

test('tail: after the volume, computed from the layout, the image size aligned as asked', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/readme.txt', bytesFile(Buffer.from('hello\n')));
    const TAIL = 33 * 512;
    const { iso, image, layout } = await build(dir, tree, {
      tail: {
        size: TAIL,
        compute: (final) => {
          const tail = Buffer.alloc(TAIL, 0xee);
          tail.writeBigUInt64LE(BigInt(final.imageSize / 512 - 1), TAIL - 512);
          return tail;
        },
      },
      padding: { imageAlignment: 1024 * 1024, volumeSectors: 150 },
    });
    assert.is(image.length, layout.imageSize);
    assert.is(image.length % (1024 * 1024), 0);
    assert.equal(layout.tail, { offset: image.length - TAIL, size: TAIL });
    assert.is(image.readBigUInt64LE(image.length - 512), BigInt(image.length / 512 - 1), 'the last 512-byte sector says where it is');
    assert.ok(image.subarray(layout.volumeSectors * SECTOR_SIZE, layout.tail!.offset).every((b) => b === 0), 'zeros between volume and tail');
    const info = await run('isoinfo', ['-d', '-i', iso]);
    assert.match(info.stdout, new RegExp(`Volume size is: ${layout.volumeSectors}\\n`), 'the tail is not part of the volume');
    assert.ok((await xorrisoListing(iso)).has('/readme.txt'));
  } finally {
    await removeTree(dir);
  }
});

test('inspect takes extra sections: a later part adds its own decoder and renderer', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/x', bytesFile(Buffer.from('x')));
    const { iso } = await build(dir, tree, { hiddenExtents: [{ id: 'marker', content: { kind: 'bytes', bytes: Buffer.from('MARKER!') }, origin: 'test' }] });
    const markerSection: InspectSection<{ lba: number }> = {
      id: 'marker',
      title: 'Marker',
      async inspect({ image, access }) {
        for (let lba = 0; lba < image.primary.volumeSpaceSize; lba++) {
          if (Buffer.from(await access.read(lba * SECTOR_SIZE, 7)).toString() === 'MARKER!') return { lba };
        }
        return undefined;
      },
      render: (value) => [`found at sector ${value.lba}`],
    };
    const sections = [...inspectSections, markerSection];
    const report = await inspectIsoImage(iso, sections);
    const lba = (report.sections.marker as { lba: number }).lba;
    assert.ok(lba > 19);
    assert.ok(renderInspectReport(report, sections).includes(`  found at sector ${lba}`));
    assert.ok(renderInspectReport(report, sections).includes('Marker:'));
  } finally {
    await removeTree(dir);
  }
});

test('the same extensions give the same bytes', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const digests: string[] = [];
    for (const name of ['a.iso', 'b.iso']) {
      const tree = new ImageTree();
      tree.add('/boot/vmlinuz', bytesFile(KERNEL));
      const iso = join(dir, name);
      await buildIsoImage({
        volumeId: 'SAME',
        date: DATE,
        tree,
        output: iso,
        extensions: { groups: [{ id: 'g', members: [{ kind: 'file', path: '/boot/vmlinuz' }] }], tail: { size: 512, compute: (l) => Buffer.alloc(512, l.volumeSectors % 256) } },
      });
      digests.push(createHash('sha256').update(await readFile(iso)).digest('hex'));
    }
    assert.is(digests[0], digests[1]);
  } finally {
    await removeTree(dir);
  }
});

test.run();
