/**
 * A file of more than 4 GiB (ISO level 3: several directory records, one extent each) round-trips through
 * xorriso's extraction, and writing it takes no more memory than a small image does. The source is sparse and so is the image Cairn writes (all-zero chunks become
 * holes), which keeps this test to seconds and little disk space.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_EXTENT_BYTES } from '../../image-builder/iso9660/constants.js';
import { run } from '../../lib/run.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const SIZE = 4 * 1024 ** 3 + 3 * 1024 ** 2 + 5;
/** Data where it matters: the start, both sides of the first extent's end, 4 GiB exactly, the very end. */
const MARKS = [0, MAX_EXTENT_BYTES - 7, MAX_EXTENT_BYTES, 4 * 1024 ** 3 - 1, SIZE - 24];

test('a sparse file of more than 4 GiB is split into extents and extracted byte for byte by xorriso', async () => {
  const dir = await temporaryDirectory('cairn-large-');
  try {
    const source = join(dir, 'source');
    const big = join(source, 'big.img');
    await mkdir(source);
    const handle = await open(big, 'w');
    await handle.truncate(SIZE);
    for (const [i, offset] of MARKS.entries()) await handle.write(Buffer.from(`mark ${i} at ${offset}`), 0, undefined, offset);
    await handle.close();
    await writeFile(join(source, 'after.txt'), 'a file placed after the big one\n');
    await writeFile(join(dir, 'image.yaml'), 'volumeId: BIG\nfiles:\n  - from: source\n    to: /\n');

    const iso = join(dir, 'big.iso');
    // Streaming: building a 4 GiB image takes no more memory than a small one (GNU time's peak RSS, in KiB).
    const built = await run('/usr/bin/time', ['-f', '%M', process.execPath, '--import', import.meta.resolve('tsx'), join(repoRoot, 'cli', 'main.ts'), 'iso', 'build', join(dir, 'image.yaml'), '-o', iso, '--date', '1700000000'], {
      timeoutMs: 600_000,
      env: { CI: 'true' },
    });
    const peakMiB = Number(built.stderr.trim().split('\n').pop()) / 1024;
    assert.ok(peakMiB > 20 && peakMiB < 150, `peak RSS ${peakMiB.toFixed(0)} MiB`);

    const lba = await run('xorriso', ['-indev', iso, '-find', '/big.img', '-exec', 'report_lba']);
    const extents = lba.stdout.split('\n').filter((l) => l.startsWith('File data lba:'));
    assert.is(extents.length, 2, `two extents reported:\n${lba.stdout}`);

    const out = join(dir, 'out');
    const extracted = await run('xorriso', ['-abort_on', 'FAILURE', '-osirrox', 'on:sparse=1m', '-indev', iso, '-extract', '/', out], { timeoutMs: 600_000 });
    assert.not.match(extracted.stderr, /SORRY|FAILURE/);
    assert.is(await firstDifference(big, join(out, 'big.img')), -1, 'big.img extracted byte for byte');
    assert.is(await firstDifference(join(source, 'after.txt'), join(out, 'after.txt')), -1, 'after.txt extracted byte for byte');

    const report = JSON.parse((await cairnOk(['iso', 'inspect', iso, '--json'])).stdout) as { image: { tree: { entries: { path: string; size: number; extents: { size: number }[] }[] } } };
    const entry = report.image.tree.entries.find((e) => e.path === '/big.img')!;
    assert.is(entry.size, SIZE);
    assert.equal(entry.extents.map((e) => e.size), [MAX_EXTENT_BYTES, SIZE - MAX_EXTENT_BYTES]);
  } finally {
    await removeTree(dir);
  }
});

/** The offset of the first 16 MiB chunk in which two files differ (or the shorter ends), -1 when they are equal. */
async function firstDifference(a: string, b: string): Promise<number> {
  const [fa, fb] = [await open(a), await open(b)];
  try {
    const chunk = 16 * 1024 * 1024;
    const [ba, bb] = [Buffer.alloc(chunk), Buffer.alloc(chunk)];
    for (let position = 0; ; position += chunk) {
      const [ra, rb] = [(await fa.read(ba, 0, chunk, position)).bytesRead, (await fb.read(bb, 0, chunk, position)).bytesRead];
      if (ra !== rb || !ba.subarray(0, ra).equals(bb.subarray(0, rb))) return position;
      if (ra === 0) return -1;
    }
  } finally {
    await fa.close();
    await fb.close();
  }
}

test.run();
