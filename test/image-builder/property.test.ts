/**
 * The ISO writer against the independent reader: hundreds of random trees are built with Cairn's engine,
 * extracted by `xorriso -osirrox on -extract`, and compared with what the generator meant: every file's
 * bytes, modes, symbolic link targets and times (clamped to SOURCE_DATE_EPOCH). `isoinfo -d` and
 * `isoinfo -l -R -J` (genisoimage) must accept every image too, and Cairn's decoder must find the path tables
 * in agreement with the directory records.
 */
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildIsoImage } from '../../image-builder/build-iso.js';
import { ImageTree } from '../../image-builder/image-tree.js';
import { scanSources } from '../../image-builder/scan-sources.js';
import { readIsoImage, withImage } from '../../image-builder/read/iso-reader.js';
import { run } from '../../lib/run.js';
import { makeRandomTree, type ExpectedTree } from '../support/random-tree.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const TREES = Number(process.env.CAIRN_PROPERTY_TREES ?? 300);
const BATCH = 50;
const FIRST_SEED = Number(process.env.CAIRN_PROPERTY_SEED ?? 1);
/** 2023-11-14: the generator's times run to 2035, so about a third are clamped. */
const EPOCH = 1_700_000_000;

test(`${TREES} random trees read back by xorriso and accepted by isoinfo`, async () => {
  const work = await temporaryDirectory('cairn-property-');
  try {
    for (let first = FIRST_SEED; first < FIRST_SEED + TREES; first += BATCH) {
      const seeds = Array.from({ length: Math.min(BATCH, FIRST_SEED + TREES - first) }, (_, i) => first + i);
      const expected = new Map<number, ExpectedTree>();
      for (const seed of seeds) {
        const source = join(work, `src-${seed}`);
        expected.set(seed, await makeRandomTree(source, seed));
        const tree = new ImageTree();
        scanSources(tree, [{ from: source, to: '/', key: `seed ${seed}` }]);
        await buildIsoImage({ volumeId: `SEED_${seed}`, date: new Date(EPOCH * 1000), tree, output: join(work, `${seed}.iso`) });
      }
      // One xorriso for the whole batch: each -indev loads the next image.
      const args = ['-abort_on', 'FAILURE', '-osirrox', 'on'];
      for (const seed of seeds) args.push('-indev', join(work, `${seed}.iso`), '-extract', '/', join(work, `out-${seed}`));
      const extracted = await run('xorriso', args, { timeoutMs: 300_000 });
      assert.not.match(extracted.stderr, /SORRY|FAILURE|WARNING/, `xorriso complained:\n${extracted.stderr.split('\n').filter((l) => /SORRY|FAILURE|WARNING/.test(l)).join('\n')}`);
      for (const seed of seeds) {
        const iso = join(work, `${seed}.iso`);
        await compareTree(join(work, `out-${seed}`), expected.get(seed)!, seed, iso);
        const info = await run('isoinfo', ['-d', '-i', iso]);
        assert.match(info.stdout, new RegExp(`Volume id: SEED_${seed}\\n`), `seed ${seed}: isoinfo -d`);
        assert.match(info.stdout, /Joliet with UCS level 3 found/);
        assert.match(info.stdout, /Rock Ridge signatures version 1 found/);
        const listing = await run('isoinfo', ['-l', '-R', '-J', '-i', iso]);
        assert.is(listing.stderr, '', `seed ${seed}: isoinfo -l -R -J printed errors`);
        assert.match(listing.stdout, /Directory listing of \//);
      }
      for (const seed of seeds) {
        await removeTree(join(work, `src-${seed}`));
        await removeTree(join(work, `out-${seed}`));
        await removeTree(join(work, `${seed}.iso`));
      }
    }
  } finally {
    await removeTree(work);
  }
});

async function compareTree(root: string, expected: ExpectedTree, seed: number, iso: string): Promise<void> {
  const image = await withImage(iso, (access) => readIsoImage(iso, access));
  // Cairn's own decoder finds nothing wrong either: records, continuation areas, path tables.
  assert.equal(image.problems, [], `seed ${seed}: decoding problems`);
  const decoded = new Map(image.tree.entries.map((e) => [e.path, e]));
  const found = new Set<string>();
  const walk = async (relative: string) => {
    for (const name of await readdir(join(root, relative))) {
      const path = relative === '' ? name : `${relative}/${name}`;
      found.add(path);
      if ((await lstat(join(root, path))).isDirectory()) await walk(path);
    }
  };
  await walk('');
  const wanted = [...expected.keys()].filter((p) => p !== '').sort();
  assert.equal([...found].sort(), wanted, `seed ${seed}: the extracted names`);
  for (const [path, entry] of expected) {
    const host = join(root, path);
    const info = await lstat(host);
    const where = `seed ${seed}: /${path}`;
    const clamped = Math.min(entry.mtime, EPOCH);
    if (entry.kind === 'symlink') {
      assert.ok(info.isSymbolicLink(), `${where} is a symbolic link`);
      assert.is(await readlink(host), entry.target, `${where}: link target`);
      // xorriso does not restore the times of links it extracts: read them with Cairn's decoder.
      assert.is(decoded.get(`/${path}`)?.mtime, new Date(clamped * 1000).toISOString(), `${where}: link time on the image`);
      continue;
    }
    if (path !== '') assert.is(Math.floor(info.mtimeMs / 1000), clamped, `${where}: modification time`);
    if (entry.kind === 'directory') {
      assert.ok(info.isDirectory(), `${where} is a directory`);
      if (path !== '') assert.is(info.mode & 0o7777, entry.mode, `${where}: mode`);
      continue;
    }
    assert.ok(info.isFile(), `${where} is a file`);
    assert.is((info.mode & 0o7777).toString(8), entry.mode.toString(8), `${where}: mode`);
    const content = await readFile(host);
    assert.ok(content.equals(entry.content), `${where}: ${content.length} bytes read back, ${entry.content.length} written`);
  }
}

test.run();
