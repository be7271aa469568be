/**
 * The extensions the bootable hybrid image is built on, asked for as data and resolved by the planner: the
 * hybrid MBR and GPT naming a file and a group, El Torito's boot record and catalog, hidden extents, a boot
 * info table patched into the BIOS image, contiguous groups (a FAT volume whose clusters are the ISO files'
 * sectors), the backup GPT after the volume, and deduplication across all of them. Each is checked in the
 * bytes of the image and by the real readers (xorriso, isoinfo, sfdisk, sgdisk, fsck.fat).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ESP_CLUSTER_SIZE, fatVolumeStart } from '../../image-builder/bootable/esp-in-iso.js';
import { buildIsoImage } from '../../image-builder/build-iso.js';
import { clusterOffset, fatDirectory, fatFileFromBytes, openFatImageBytes, planFatImage } from '../../image-builder/fat/index.js';
import { ImageTree } from '../../image-builder/image-tree.js';
import { SECTOR_SIZE } from '../../image-builder/iso9660/constants.js';
import type { ExtentLocation, GroupLocation, IsoExtensions } from '../../image-builder/layout/iso-layout.js';
import type { IsoPlan } from '../../image-builder/layout/iso-plan.js';
import { locateFile } from '../../image-builder/layout/plan-layout.js';
import type { InspectSection } from '../../image-builder/read/inspect-section.js';
import { inspectIsoImage, inspectSections, renderInspectReport } from '../../image-builder/read/inspect.js';
import { run } from '../../lib/run.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';
import { xorrisoListing } from '../support/xorriso-listing.js';

const DATE = new Date('2024-01-01T00:00:00Z');
const KERNEL = Buffer.from('a kernel, stored once\n'.repeat(300));
const INITRD = Buffer.from('an initrd\n'.repeat(500));
/** A stand-in for isolinux.bin: 4 KiB of NOPs. */
const LOADER = Buffer.alloc(4096, 0x90);
/** A stand-in for isohdpfx.bin. */
const MBR_CODE = Buffer.alloc(432, 0xfa);

function bytesFile(bytes: Uint8Array, mode = 0o644) {
  return { kind: 'file', mode, mtime: 1_600_000_000, content: { kind: 'bytes', bytes }, origin: 'the test' } as const;
}

async function build(dir: string, tree: ImageTree, extensions: IsoExtensions): Promise<{ iso: string; image: Buffer; plan: IsoPlan }> {
  const iso = join(dir, 'out.iso');
  const result = await buildIsoImage({ volumeId: 'EXTENSIONS', date: DATE, tree, extensions, output: iso });
  return { iso, image: await readFile(iso), plan: result.plan };
}

const sectorsAt = (image: Buffer, lba: number, size: number) => image.subarray(lba * SECTOR_SIZE, lba * SECTOR_SIZE + size);
const fileAt = (plan: IsoPlan, path: string): ExtentLocation => locateFile(plan, path)!;
const extentAt = (plan: IsoPlan, id: string): ExtentLocation => plan.extents.find((e) => e.id === id)!.location;
const groupAt = (plan: IsoPlan, id: string): GroupLocation => plan.groups.find((g) => g.id === id)!.location;

/** A tree with a loader and a kernel, and a group "esp" of some metadata followed by the kernel (`espSize` bytes). */
function bootTree(): { tree: ImageTree; groups: IsoExtensions['groups']; espSize: number } {
  const tree = new ImageTree();
  tree.add('/boot/loader.bin', bytesFile(LOADER));
  tree.add('/boot/vmlinuz', bytesFile(KERNEL));
  const metadata = { kind: 'extent', id: 'esp-head', origin: 'a FAT', content: { kind: 'bytes', bytes: Buffer.alloc(3 * SECTOR_SIZE, 0xe5) } } as const;
  return { tree, groups: [{ id: 'esp', members: [metadata, { kind: 'file', path: '/boot/vmlinuz' }] }], espSize: 3 * SECTOR_SIZE + KERNEL.length };
}

test('system area: the hybrid MBR names the loader file and the group, from the final layout', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const { tree, groups, espSize } = bootTree();
    const { iso, image, plan } = await build(dir, tree, { groups, hybridTables: { seed: 'test', bootCode: { code: MBR_CODE, file: '/boot/loader.bin' }, esp: { group: 'esp', size: espSize } } });
    const loader = fileAt(plan, '/boot/loader.bin');
    const esp = groupAt(plan, 'esp');
    assert.ok(image.subarray(0, 432).equals(MBR_CODE), 'the boot code');
    assert.is(image.readBigUInt64LE(432), BigInt(loader.lba * 4), 'the 512-byte block the boot code loads the loader from');
    assert.is(image.readUInt16LE(510), 0xaa55);
    const { stdout } = await run('sfdisk', ['--json', iso]);
    const table = (JSON.parse(stdout) as { partitiontable: { label: string; partitions: { start: number; size: number; type: string; bootable?: boolean }[] } }).partitiontable;
    assert.is(table.label, 'dos');
    assert.equal(
      table.partitions.map((p) => ({ start: p.start, size: p.size, type: p.type, bootable: p.bootable === true })),
      [
        { start: 0, size: image.length / 512, type: '0', bootable: true },
        { start: esp.lba * 4, size: Math.ceil(espSize / 512), type: 'ef', bootable: false },
      ],
    );
    const report = await run('xorriso', ['-indev', iso, '-report_system_area', 'plain']);
    assert.match(report.stdout, new RegExp(`GPT start and size :\\s+1\\s+${esp.lba * 4}\\s+${Math.ceil(espSize / 512)}\\n`));
    const listing = await xorrisoListing(iso);
    assert.equal(listing.get('/boot/loader.bin')!.extents, [{ lba: loader.lba, size: LOADER.length }]);
    const inspected = await inspectIsoImage(iso);
    const nonZeroBytes = image.subarray(0, 16 * SECTOR_SIZE).filter((b) => b !== 0).length;
    assert.equal(inspected.sections.systemArea, { nonZeroBytes, mbrSignature: true });
  } finally {
    await removeTree(dir);
  }
});

test("El Torito: the boot record at sector 17, before Joliet's descriptor and the terminator, pointing at the catalog of both images", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const { tree, groups, espSize } = bootTree();
    const { iso, image, plan } = await build(dir, tree, {
      groups,
      elTorito: { bios: { file: '/boot/loader.bin', loadSectors: 4, bootInfoTable: false }, uefi: { group: 'esp', size: espSize } },
    });
    assert.equal(
      plan.volumeDescriptors.map((d) => [d.lba, d.kind]),
      [
        [16, 'primary'],
        [17, 'boot-record'],
        [18, 'joliet'],
        [19, 'terminator'],
      ],
    );
    assert.is(image[17 * SECTOR_SIZE], 0, 'type 0: boot record');
    assert.is(image[18 * SECTOR_SIZE], 2, 'type 2: Joliet');
    assert.is(image[19 * SECTOR_SIZE], 255, 'type 255: terminator');
    const catalog = plan.data.find((d) => d.kind === 'boot-catalog')!;
    const info = await run('isoinfo', ['-d', '-i', iso]);
    assert.match(info.stdout, new RegExp(`El Torito VD version 1 found, boot catalog is in sector ${catalog.lba}\\n`));
    assert.match(info.stdout, /Joliet with UCS level 3 found/);
    const { stdout } = await run('xorriso', ['-indev', iso, '-report_el_torito', 'plain']);
    assert.match(stdout, new RegExp(`El Torito boot img :\\s+1\\s+BIOS\\s+y\\s+none\\s+0x0000\\s+0x00\\s+4\\s+${fileAt(plan, '/boot/loader.bin').lba}\\n`));
    assert.match(stdout, new RegExp(`El Torito boot img :\\s+2\\s+UEFI\\s+y\\s+none\\s+0x0000\\s+0x00\\s+${Math.ceil(espSize / 512)}\\s+${groupAt(plan, 'esp').lba}\\n`));
    const report = await inspectIsoImage(iso);
    assert.equal(report.image.volumeDescriptors.map((d) => `${d.lba} ${d.kind}`), ['16 primary', '17 boot-record', '18 joliet', '19 terminator']);
    assert.is(report.image.volumeDescriptors[1]!.bootSystemId, 'EL TORITO SPECIFICATION');
  } finally {
    await removeTree(dir);
  }
});

test('hidden extents: bytes or a host file, in the image but in no directory; identical contents share them', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const espFile = join(dir, 'efi.img');
    await writeFile(espFile, KERNEL);
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    const { iso, image, plan } = await build(dir, tree, {
      hiddenExtents: [
        { id: 'catalog', content: { kind: 'bytes', bytes: Buffer.from('CATALOG') }, origin: 'a catalog' },
        { id: 'esp', content: { kind: 'host', path: espFile, size: KERNEL.length }, origin: 'an ESP image' },
        { id: 'catalog-copy', content: { kind: 'bytes', bytes: Buffer.from('CATALOG') }, origin: 'the same bytes again' },
      ],
    });
    assert.is(sectorsAt(image, extentAt(plan, 'catalog').lba, 7).toString(), 'CATALOG');
    assert.is(extentAt(plan, 'catalog-copy').lba, extentAt(plan, 'catalog').lba);
    // The ESP image has the kernel's bytes: one extent for both.
    assert.is(extentAt(plan, 'esp').lba, fileAt(plan, '/boot/vmlinuz').lba);
    assert.ok(sectorsAt(image, extentAt(plan, 'esp').lba, KERNEL.length).equals(KERNEL));
    assert.is(plan.counts.sharedExtents, 2);
    const listing = await xorrisoListing(iso);
    assert.equal([...listing.keys()].sort(), ['/', '/boot', '/boot/vmlinuz']);
  } finally {
    await removeTree(dir);
  }
});

test("boot info table: patched into the BIOS image from its own sector (isolinux's -boot-info-table), never shared", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/isolinux/unpatched.bin', bytesFile(LOADER));
    tree.add('/isolinux/isolinux.bin', bytesFile(LOADER));
    const { iso, plan } = await build(dir, tree, { elTorito: { bios: { file: '/isolinux/isolinux.bin', loadSectors: 4, bootInfoTable: true } } });
    const out = join(dir, 'out');
    await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/isolinux', out]);
    const patched = await readFile(join(out, 'isolinux.bin'));
    const listing = await xorrisoListing(iso);
    const lba = listing.get('/isolinux/isolinux.bin')!.extents![0]!.lba;
    assert.is(lba, fileAt(plan, '/isolinux/isolinux.bin').lba);
    assert.equal([patched.readUInt32LE(8), patched.readUInt32LE(12), patched.readUInt32LE(16)], [16, lba, 4096]);
    assert.is(patched.readUInt32LE(20), (((0x90909090 * (4096 - 64)) / 4) % 2 ** 32) >>> 0);
    assert.ok(patched.subarray(24, 64).every((b) => b === 0) && patched.subarray(64).equals(LOADER.subarray(64)), 'the rest of the table zeroed, the rest of the file kept');
    assert.ok((await readFile(join(out, 'unpatched.bin'))).equals(LOADER), 'the identical unpatched file keeps its bytes');
    assert.is.not(listing.get('/isolinux/unpatched.bin')!.extents![0]!.lba, lba);
    const { stdout } = await run('xorriso', ['-indev', iso, '-report_el_torito', 'plain']);
    assert.match(stdout, /El Torito img opts :\s+1\s+boot-info-table/);
  } finally {
    await removeTree(dir);
  }
});

test('contiguous groups: metadata then files, back to back and aligned as asked; identical contents elsewhere point at the members', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    tree.add('/boot/initrd.img', bytesFile(INITRD));
    tree.add('/generations/1/kernel', bytesFile(KERNEL));
    tree.add('/other.txt', bytesFile(Buffer.from('not in the group')));
    const metadata = Buffer.alloc(2 * SECTOR_SIZE, 0x42);
    const { iso, image, plan } = await build(dir, tree, {
      // Placed before the group, but identical to a member: it points at the member's extent.
      hiddenExtents: [{ id: 'kernel-copy', content: { kind: 'bytes', bytes: Buffer.from(KERNEL) }, origin: 'a copy of the kernel' }],
      groups: [
        {
          id: 'esp',
          members: [
            { kind: 'extent', id: 'fat-metadata', origin: 'a FAT', content: { kind: 'bytes', bytes: metadata } },
            { kind: 'file', path: '/boot/vmlinuz' },
            { kind: 'file', path: '/boot/initrd.img', alignSectors: 4 },
          ],
        },
      ],
    });
    const group = groupAt(plan, 'esp');
    const [head, kernel, initrd] = group.members;
    assert.is(head!.lba, group.lba);
    assert.is(extentAt(plan, 'fat-metadata').lba, group.lba);
    assert.ok(sectorsAt(image, group.lba, metadata.length).equals(metadata));
    assert.is(kernel!.lba, head!.lba + 2, 'the kernel follows the metadata');
    assert.is((initrd!.lba - group.lba) % 4, 0, 'the initrd starts at a multiple of 4 sectors from the group start');
    assert.ok(initrd!.lba - (kernel!.lba + kernel!.sectors) < 4);
    assert.is(group.sectors, initrd!.lba + initrd!.sectors - group.lba);
    const listing = await xorrisoListing(iso);
    assert.is(listing.get('/boot/vmlinuz')!.extents![0]!.lba, kernel!.lba);
    assert.is(listing.get('/boot/initrd.img')!.extents![0]!.lba, initrd!.lba);
    assert.is(listing.get('/generations/1/kernel')!.extents![0]!.lba, kernel!.lba, 'an identical file elsewhere shares the group member');
    assert.is(extentAt(plan, 'kernel-copy').lba, kernel!.lba, 'so does an identical hidden extent');
    assert.ok(listing.get('/other.txt')!.extents![0]!.lba >= group.lba + group.sectors, 'files outside the group come after it');
  } finally {
    await removeTree(dir);
  }
});

test("a FAT volume in a group: written from its plan's regions, its files' clusters the very sectors of the ISO files", async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const tree = new ImageTree();
    tree.add('/boot/vmlinuz', bytesFile(KERNEL));
    tree.add('/boot/initrd.img', bytesFile(INITRD));
    const fat = planFatImage(
      fatDirectory('', [fatFileFromBytes('loader.conf', 'timeout 3\n'), fatDirectory('linux', [fatFileFromBytes('vmlinuz', KERNEL), fatFileFromBytes('initrd.img', INITRD)])]),
      { clusterSize: ESP_CLUSTER_SIZE, dataAlignment: ESP_CLUSTER_SIZE, tailFiles: ['linux/vmlinuz', 'linux/initrd.img'], volumeLabel: 'TEST_ESP', volumeIdSeed: 'test', date: DATE },
    );
    const kernelInFat = fat.files.find((f) => f.path === 'linux/vmlinuz')!;
    const initrdInFat = fat.files.find((f) => f.path === 'linux/initrd.img')!;
    const initrdEnd = initrdInFat.offset! + Math.ceil(INITRD.length / ESP_CLUSTER_SIZE) * ESP_CLUSTER_SIZE;
    const { iso, image, plan } = await build(dir, tree, {
      groups: [
        {
          id: 'esp',
          members: [
            { kind: 'extent', id: 'esp-head', origin: 'the FAT', content: fatVolumeStart(fat, kernelInFat.offset!) },
            { kind: 'file', path: '/boot/vmlinuz' },
            { kind: 'file', path: '/boot/initrd.img' },
            ...(initrdEnd < fat.size ? [{ kind: 'extent', id: 'esp-end', origin: 'the end of the FAT', content: { kind: 'bytes', bytes: new Uint8Array(fat.size - initrdEnd) } } as const] : []),
          ],
        },
      ],
    });
    const group = groupAt(plan, 'esp');
    assert.is(fileAt(plan, '/boot/vmlinuz').lba * SECTOR_SIZE, group.lba * SECTOR_SIZE + clusterOffset(fat.geometry, kernelInFat.firstCluster));
    assert.is(fileAt(plan, '/boot/initrd.img').lba * SECTOR_SIZE, group.lba * SECTOR_SIZE + clusterOffset(fat.geometry, initrdInFat.firstCluster));
    const volume = image.subarray(group.lba * SECTOR_SIZE, group.lba * SECTOR_SIZE + fat.size);
    const cut = join(dir, 'esp.img');
    await writeFile(cut, volume);
    await run('fsck.fat', ['-n', cut]);
    const { stdout } = await run('mtype', ['-i', cut, '::/loader.conf']);
    assert.is(stdout, 'timeout 3\n');
    const reader = await openFatImageBytes(volume);
    assert.ok(Buffer.from(await reader.readFile('linux/vmlinuz')).equals(KERNEL), 'the FAT reads the kernel from the ISO file');
    assert.equal((await xorrisoListing(iso)).get('/boot/initrd.img')!.extents, [{ lba: fileAt(plan, '/boot/initrd.img').lba, size: INITRD.length }]);
  } finally {
    await removeTree(dir);
  }
});

test('tail: the backup GPT after the volume, ending the image on the alignment asked for', async () => {
  const dir = await temporaryDirectory('cairn-ext-');
  try {
    const { tree, groups, espSize } = bootTree();
    const { iso, image, plan } = await build(dir, tree, { groups, hybridTables: { seed: 'test', esp: { group: 'esp', size: espSize } }, padding: { imageAlignment: 1024 * 1024, volumeSectors: 150 } });
    assert.is(image.length, plan.imageSize);
    assert.is(image.length % (1024 * 1024), 0);
    const TAIL = 33 * 512;
    assert.equal({ offset: plan.tail!.offset, size: plan.tail!.size }, { offset: image.length - TAIL, size: TAIL });
    const last = image.subarray(image.length - 512);
    assert.is(last.subarray(0, 8).toString('latin1'), 'EFI PART', 'the backup header is the last 512-byte sector');
    assert.is(last.readBigUInt64LE(24), BigInt(image.length / 512 - 1), 'and says so');
    assert.ok(image.subarray(plan.volumeSectors * SECTOR_SIZE, plan.tail!.offset).every((b) => b === 0), 'zeros between volume and tail');
    const info = await run('isoinfo', ['-d', '-i', iso]);
    assert.match(info.stdout, new RegExp(`Volume size is: ${plan.volumeSectors}\\n`), 'the tail is not part of the volume');
    // sgdisk checks both headers and tables (it also warns about the hybrid MBR's overlapping partitions: by design).
    const verify = await run('sgdisk', ['-v', iso], { okCodes: [0, 2, 3, 4] });
    assert.not.match(verify.stdout, /CRCs don't match|invalid backup GPT header|Backup header: ERROR/);
    const report = await run('xorriso', ['-indev', iso, '-report_system_area', 'plain']);
    assert.match(report.stdout, new RegExp(`GPT lba range\\s+:\\s+34\\s+\\d+\\s+${image.length / 512 - 1}\\n`), 'the backup header where the primary says');
    assert.match(report.stdout, new RegExp(`GPT start and size :\\s+1\\s+${groupAt(plan, 'esp').lba * 4}\\s+${Math.ceil(espSize / 512)}\\n`));
    assert.ok((await xorrisoListing(iso)).has('/boot/vmlinuz'));
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
      const { tree, groups, espSize } = bootTree();
      const iso = join(dir, name);
      const esp = { group: 'esp', size: espSize };
      await buildIsoImage({
        volumeId: 'SAME',
        date: DATE,
        tree,
        output: iso,
        extensions: { groups, elTorito: { bios: { file: '/boot/loader.bin', loadSectors: 4, bootInfoTable: true }, uefi: esp }, hybridTables: { seed: 'same', bootCode: { code: MBR_CODE, file: '/boot/loader.bin' }, esp } },
      });
      digests.push(createHash('sha256').update(await readFile(iso)).digest('hex'));
    }
    assert.is(digests[0], digests[1]);
  } finally {
    await removeTree(dir);
  }
});

test.run();
