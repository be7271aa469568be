/**
 * A build compares the tree's small same-size files as it copies them (each read once) instead of reading them all
 * first: the image it writes is the one written from a plan made after comparing everything first, byte for byte,
 * with the same plan, whatever comes after the left-out copies (a BIOS boot image with its boot info table, the
 * file the hybrid MBR loads, hard links, a group member's twin).
 */
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildIsoImage, planIsoImage } from '../../image-builder/build-iso.js';
import { ImageTree } from '../../image-builder/image-tree.js';
import type { IsoExtensions } from '../../image-builder/layout/iso-layout.js';
import { locateFile } from '../../image-builder/layout/plan-layout.js';
import { scanSources } from '../../image-builder/scan-sources.js';
import { writeIsoImage } from '../../image-builder/write-image.js';
import { UserError } from '../../lib/errors.js';
import type { ProgressEvent } from '../../lib/progress.js';
import { run } from '../../lib/run.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const DATE = new Date('2024-01-01T00:00:00Z');
const KERNEL = Buffer.from('a kernel, part of a group\n'.repeat(400));

/** 30 files of 3000 bytes with 10 contents among them, a hard link, a loader and its twins, a kernel and its twin. */
async function sources(dir: string): Promise<string> {
  const root = join(dir, 'src');
  await mkdir(join(root, 'a'), { recursive: true });
  await mkdir(join(root, 'boot'));
  for (let i = 0; i < 30; i++) await writeFile(join(root, 'a', `f${String(i).padStart(2, '0')}`), Buffer.alloc(3000, i % 10));
  await link(join(root, 'a', 'f07'), join(root, 'a', 'g-link-of-f07'));
  // The loader is the BIOS boot image (never shared: it gets a boot info table); two files have its bytes.
  await writeFile(join(root, 'boot', 'loader.bin'), Buffer.alloc(4096, 0x90));
  await writeFile(join(root, 'a', 'loader-copy-1'), Buffer.alloc(4096, 0x90));
  await writeFile(join(root, 'a', 'loader-copy-2'), Buffer.alloc(4096, 0x90));
  await writeFile(join(root, 'boot', 'vmlinuz'), KERNEL);
  await writeFile(join(root, 'z-kernel-twin'), KERNEL);
  return root;
}

const extensions: IsoExtensions = {
  groups: [{ id: 'esp', members: [{ kind: 'extent', id: 'esp-head', origin: 'the test', content: { kind: 'bytes', bytes: Buffer.alloc(2048, 0xe5) } }, { kind: 'file', path: '/boot/vmlinuz' }] }],
  elTorito: { bios: { file: '/boot/loader.bin', loadSectors: 4, bootInfoTable: true }, uefi: { group: 'esp', size: 2048 + KERNEL.length } },
  hybridTables: { seed: 'test', bootCode: { code: Buffer.alloc(432, 0xfa), file: '/boot/loader.bin' }, esp: { group: 'esp', size: 2048 + KERNEL.length } },
};

test('the image and plan of a build that compares while writing are those of one that compares first', async () => {
  const dir = await temporaryDirectory('cairn-compare-');
  try {
    const root = await sources(dir);
    const request = (output: string, onProgress: (event: ProgressEvent) => void) => {
      const tree = new ImageTree();
      scanSources(tree, [{ from: root, to: '/', key: 'the test' }]);
      return { volumeId: 'COMPARE', date: DATE, tree, extensions, output: join(dir, output), onProgress };
    };
    const firstEvents: ProgressEvent[] = [];
    const first = await planIsoImage(request('first.iso', (e) => firstEvents.push(e)));
    await writeIsoImage(first, join(dir, 'first.iso'));
    const events: ProgressEvent[] = [];
    const built = await buildIsoImage(request('built.iso', (e) => events.push(e)));

    const [expected, image] = [await readFile(join(dir, 'first.iso')), await readFile(join(dir, 'built.iso'))];
    assert.is(image.length, expected.length, 'the same size');
    assert.ok(image.equals(expected), 'the same bytes');
    assert.equal(built.plan, first, 'the same plan');

    // What compared first read, the build did not: only the kernel and its twin (a group member's size) were hashed.
    const hashed = (list: ProgressEvent[]) => list.find((e) => e.kind === 'phase' && e.phase === 'hash');
    assert.match(JSON.stringify(hashed(firstEvents)), /"Finding identical files \(34 share their size with another\)"/);
    assert.match(JSON.stringify(hashed(events)), /"Finding identical files \(2 share their size with another\)"/);
    // 20 copies of the 3000-byte contents, the hard link, a loader copy and the kernel's twin point at earlier extents.
    assert.is(built.sharedExtents, 23);
    const at = (path: string) => locateFile(built.plan, path)!.lba;
    assert.is(at('/a/f13'), at('/a/f03'));
    assert.is(at('/a/g-link-of-f07'), at('/a/f07'));
    assert.is(at('/a/loader-copy-2'), at('/a/loader-copy-1'));
    assert.is.not(at('/boot/loader.bin'), at('/a/loader-copy-1'), 'the BIOS image keeps an extent of its own');
    assert.is(at('/z-kernel-twin'), at('/boot/vmlinuz'));

    // The boot info table names where the loader went, and every file reads back with its bytes.
    const loader = locateFile(built.plan, '/boot/loader.bin')!;
    assert.is(image.readUInt32LE(loader.lba * 2048 + 12), loader.lba, 'the boot info table names the loader where it went');
    const extracted = join(dir, 'out');
    await run('xorriso', ['-indev', join(dir, 'built.iso'), '-osirrox', 'on', '-extract', '/', extracted]);
    for (let i = 0; i < 30; i++) assert.ok((await readFile(join(extracted, 'a', `f${String(i).padStart(2, '0')}`))).equals(Buffer.alloc(3000, i % 10)), `f${i}`);
    assert.ok((await readFile(join(extracted, 'z-kernel-twin'))).equals(KERNEL));
  } finally {
    await removeTree(dir);
  }
});

test('a file compared while writing that vanished or changed since the scan is named, and no image is left', async () => {
  const dir = await temporaryDirectory('cairn-compare-');
  try {
    const root = await sources(dir);
    for (const [name, change, message] of [
      ['f05', () => rm(join(root, 'a', 'f05')), /^the test \(.*\/a\/f05\): no such file or directory$/],
      ['f16', () => writeFile(join(root, 'a', 'f16'), Buffer.alloc(3001, 6)), /^the test \(.*\/a\/f16\): changed while the image was being built$/],
      ['f17', () => writeFile(join(root, 'a', 'f17'), Buffer.alloc(2999, 7)), /^the test \(.*\/a\/f17\): changed while the image was being built$/],
    ] as const) {
      const tree = new ImageTree();
      scanSources(tree, [{ from: root, to: '/', key: 'the test' }]);
      await change();
      const output = join(dir, `${name}.iso`);
      const error = await buildIsoImage({ volumeId: 'COMPARE', date: DATE, tree, extensions, output }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      assert.instance(error, UserError, name);
      assert.match((error as Error).message, message);
      assert.equal((await readdir(dir)).filter((n) => n.startsWith(`${name}.iso`)), [], `${name}: no image, no temporary file`);
    }
  } finally {
    await removeTree(dir);
  }
});

test.run();
