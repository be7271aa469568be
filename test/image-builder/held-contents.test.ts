/**
 * Small files read to find identical contents are written from the bytes kept then, not read again: within the
 * limits (file size, budget), once each; and in an image, as xorriso reads it back.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planIsoImage } from '../../image-builder/build-iso.js';
import { identifyContents, type DedupCandidate } from '../../image-builder/content-identity.js';
import { HeldContents } from '../../image-builder/held-contents.js';
import { ImageTree, type FileContent } from '../../image-builder/image-tree.js';
import { scanSources } from '../../image-builder/scan-sources.js';
import { writeIsoImage } from '../../image-builder/write-image.js';
import { run } from '../../lib/run.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const host = (size: number, path = `/src/${size}`) => ({ kind: 'host', path, size }) as const;

test('keeps whole small contents within the file limit and the budget, and hands each out once', () => {
  const held = new HeldContents(1024 * 1024, 1000);
  const small = host(3);
  held.keep(small, Buffer.from('abc'));
  const tooLarge = host(1001);
  held.keep(tooLarge, Buffer.alloc(1001, 1));
  const partial = host(10);
  held.keep(partial, Buffer.from('abc'));
  assert.equal(held.take(small), Buffer.from('abc'));
  assert.is(held.take(small), undefined, 'taken once');
  assert.is(held.take(tooLarge), undefined, 'over the file limit');
  assert.is(held.take(partial), undefined, 'not the whole content');

  // A budget of 1 MiB, each file counted with 64 bytes for its entry: 985 files of 1,000 bytes fit (1,048,040), not 986.
  const many = Array.from({ length: 986 }, (_, i) => host(1000, `/src/many/${i}`));
  many.forEach((content, i) => held.keep(content, Buffer.alloc(1000, i % 251)));
  assert.equal(held.take(many[984]!), Buffer.alloc(1000, 984 % 251));
  assert.is(held.take(many[985]!), undefined, 'over the budget');
});

test('tiny files cannot make what is kept grow past the budget: each counts its entry', () => {
  const held = new HeldContents(1024 * 1024, 1000);
  // 1,048,576 / (1 + 64): 16,131 one-byte files fit.
  const tiny = Array.from({ length: 16_132 }, (_, i) => host(1, `/src/tiny/${i}`));
  tiny.forEach((content) => held.keep(content, Buffer.from('x')));
  assert.equal(held.take(tiny[16_130]!), Buffer.from('x'));
  assert.is(held.take(tiny[16_131]!), undefined);
});

test('what the budget keeps are the smallest files read, though files are read in the order given', async () => {
  const dir = await temporaryDirectory('cairn-held-');
  try {
    // In the order given, 1,000 files of 1,000 bytes, then 400 of 10 bytes: each shares its size with others, so
    // all are read. A budget of 1 MiB holds the 400 small ones and 957 of the others, not the first 985 read.
    const candidates: DedupCandidate[] = [];
    for (const [prefix, count, size] of [['a', 1000, 1000], ['b', 400, 10]] as const) {
      for (let i = 0; i < count; i++) {
        const path = join(dir, `${prefix}${String(i).padStart(4, '0')}`);
        await writeFile(path, Buffer.alloc(size, i % 251));
        candidates.push({ content: { kind: 'host', path, size }, origin: `files[${candidates.length}]` });
      }
    }
    const held = new HeldContents(1024 * 1024, 1000);
    await identifyContents(candidates, { held });
    const kept = (list: DedupCandidate[]) => list.filter((c) => held.take(c.content as Extract<FileContent, { kind: 'host' }>) !== undefined).length;
    assert.is(kept(candidates.slice(1000)), 400, 'every small file');
    assert.is(kept(candidates.slice(0, 1000)), 957, 'as many of the others as the rest of the budget holds');
  } finally {
    await removeTree(dir);
  }
});

test('a small file hashed while planning is written from the bytes read then, a file of a size of its own is read when written', async () => {
  const dir = await temporaryDirectory('cairn-held-');
  try {
    const source = join(dir, 'source');
    await run('mkdir', ['-p', source]);
    // a.txt and b.txt share a size, so both are read to be told apart; c.txt has a size of its own.
    await writeFile(join(source, 'a.txt'), 'first one\n');
    await writeFile(join(source, 'b.txt'), 'other one\n');
    await writeFile(join(source, 'c.txt'), 'only this size\n');
    const build = async (held: HeldContents | undefined, output: string): Promise<Record<string, string>> => {
      const tree = new ImageTree();
      scanSources(tree, [{ from: source, to: '/', key: 'image.yaml: files[0]' }]);
      const plan = await planIsoImage({ volumeId: 'HELD', date: new Date(0), tree, output, ...(held === undefined ? {} : { held }) });
      // Between planning and writing, the same sizes, other bytes.
      await writeFile(join(source, 'a.txt'), 'FIRST ONE\n');
      await writeFile(join(source, 'c.txt'), 'ONLY THIS SIZE\n');
      await writeIsoImage(plan, output, held === undefined ? {} : { held });
      const out = join(dir, `${held === undefined ? 'read' : 'held'}-extracted`);
      await run('xorriso', ['-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', output, '-extract', '/', out]);
      const files: Record<string, string> = {};
      for (const name of ['a.txt', 'b.txt', 'c.txt']) files[name] = await readFile(join(out, name), 'utf8');
      await writeFile(join(source, 'a.txt'), 'first one\n');
      await writeFile(join(source, 'c.txt'), 'only this size\n');
      return files;
    };
    assert.equal(await build(new HeldContents(), join(dir, 'held.iso')), { 'a.txt': 'first one\n', 'b.txt': 'other one\n', 'c.txt': 'ONLY THIS SIZE\n' });
    assert.equal(await build(undefined, join(dir, 'read.iso')), { 'a.txt': 'FIRST ONE\n', 'b.txt': 'other one\n', 'c.txt': 'ONLY THIS SIZE\n' });
  } finally {
    await removeTree(dir);
  }
});

test.run();
