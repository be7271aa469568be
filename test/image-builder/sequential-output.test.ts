/**
 * SequentialOutput writes the pieces it is given in order, reading host files straight into its staging buffers:
 * the same bytes whether a piece fits the buffer or spans several, and a file that is not the size it was planned
 * with is an error naming it, in both cases.
 */
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SequentialOutput } from '../../image-builder/sequential-output.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

/** A small staging buffer (4 KiB, written once 1 KiB is staged at the end of a piece), so that a few KiB span it. */
async function withOutput(work: (out: SequentialOutput, dir: string) => Promise<void>): Promise<Buffer> {
  const dir = await temporaryDirectory('cairn-sequential-');
  const output = join(dir, 'out.img');
  const fd = openSync(output, 'w');
  const out = new SequentialOutput(fd, () => {}, undefined, 4096, 1024);
  try {
    await work(out, dir);
    await out.finish();
    return await readFile(output);
  } catch (error) {
    // As the image writer does: the write in flight finishes before the file is closed.
    await out.abandon();
    throw error;
  } finally {
    closeSync(fd);
    await removeTree(dir);
  }
}

const pattern = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) % 251));

test('pieces that fit the buffer and pieces that span it come out in order, byte for byte', async () => {
  const small = pattern(100, 1);
  const large = pattern(10_000, 2);
  const written = await withOutput(async (out, dir) => {
    await writeFile(join(dir, 'small'), small);
    await writeFile(join(dir, 'large'), large);
    await out.bytes(pattern(300, 3));
    await out.file(join(dir, 'small'), small.length, 'small');
    await out.zeros(5000);
    await out.file(join(dir, 'large'), large.length, 'large');
    await out.bytes(pattern(9000, 4));
  });
  assert.equal(written, Buffer.concat([pattern(300, 3), small, Buffer.alloc(5000), large, pattern(9000, 4)]));
});

test('a file that grew or shrank since it was planned is an error naming it, whether it fits the buffer or not', async () => {
  for (const [size, planned] of [[100, 99], [100, 101], [10_000, 9_999], [10_000, 10_001]] as const) {
    const error = await withOutput(async (out, dir) => {
      await writeFile(join(dir, 'source'), pattern(size, 5));
      await out.file(join(dir, 'source'), planned, `files[0] of a ${size}-byte file`);
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    assert.instance(error, Error, `${size} bytes planned as ${planned}`);
    assert.match((error as Error).message, new RegExp(`^files\\[0\\] of a ${size}-byte file \\(.*/source\\): changed while the image was being built$`));
  }
});

test('a file that is missing is an error naming it and its path', async () => {
  const error = await withOutput(async (out, dir) => {
    await out.file(join(dir, 'gone'), 10, 'files[1]');
  }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  assert.match((error as Error).message, /^files\[1\] \(.*\/gone\)/);
});

test.run();
