/**
 * SequentialOutput writes the pieces it is given in order, reading host files straight into its staging buffers:
 * the same bytes whether a piece fits the buffer or spans several, and a file that is not the size it was planned
 * with is an error naming it, in both cases.
 */
import { closeSync, openSync, statSync } from 'node:fs';
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

test('a staged buffer of nothing but zeros becomes a hole; one with a single byte set far into it is written', async () => {
  const dir = await temporaryDirectory('cairn-sequential-');
  try {
    const output = join(dir, 'out.img');
    const fd = openSync(output, 'w');
    const size = 1024 * 1024;
    const out = new SequentialOutput(fd, () => {}, undefined, size, size);
    const late = Buffer.alloc(size);
    late[size - 3] = 0x5a;
    try {
      await out.zeros(4 * size);
      await out.bytes(late);
      await out.zeros(size);
      await out.finish();
    } finally {
      closeSync(fd);
    }
    const written = await readFile(output);
    assert.is(written.length, 6 * size);
    assert.equal([...written.subarray(4 * size + size - 4, 4 * size + size - 2)], [0, 0x5a]);
    assert.is(written.filter((byte) => byte !== 0).length, 1, 'one byte set, all the rest zeros');
    // Only the buffer with its byte takes disk space (a block or a few of it, as the filesystem allocates).
    const blocks = statSync(output).blocks * 512;
    assert.ok(blocks >= 4096 && blocks <= 2 * size, `${blocks} bytes allocated for a 6 MiB image of one written MiB`);
  } finally {
    await removeTree(dir);
  }
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

test('a file staged whole can be taken back; moved back, the output fills in what it skipped', async () => {
  const kept = pattern(1500, 6);
  const takenBack = pattern(1200, 7);
  const written = await withOutput(async (out, dir) => {
    await writeFile(join(dir, 'kept'), kept);
    await writeFile(join(dir, 'taken-back'), takenBack);
    await out.moveTo(100);
    await out.bytes(pattern(2000, 8));
    // 2000 + 1500 bytes do not fit the 4 KiB buffer beside each other, nor 3500 + 1200: each is staged whole.
    for (const name of ['kept', 'taken-back'] as const) {
      let staged = out.stageFile(join(dir, name), name === 'kept' ? kept.length : takenBack.length, name);
      if (staged instanceof Promise) staged = await staged;
      assert.ok(Buffer.from(staged).equals(name === 'kept' ? kept : takenBack), `${name}: the staged bytes are the file's`);
      if (name === 'taken-back') out.unstage(takenBack.length);
      await out.endPiece();
    }
    await out.bytes(pattern(10, 9));
    assert.is(out.position, 100 + 2000 + 1500 + 10);
    await out.moveTo(0);
    await out.bytes(pattern(100, 10));
    // Back to the end, where withOutput() finishes: the file's length is where the output is.
    await out.moveTo(100 + 2000 + 1500 + 10);
  });
  assert.equal(written, Buffer.concat([pattern(100, 10), pattern(2000, 8), kept, pattern(10, 9)]));
});

test('stageFile refuses a file as large as the buffer; unstage refuses more than is staged', async () => {
  await withOutput(async (out, dir) => {
    await writeFile(join(dir, 'big'), pattern(4096, 11));
    assert.throws(() => out.stageFile(join(dir, 'big'), 4096, 'big'), /stageFile: 4096 bytes do not fit a 4096-byte buffer/);
    await out.bytes(pattern(10, 12));
    assert.throws(() => out.unstage(11), /unstage: 11 bytes asked back, 10 are staged/);
  });
});

test.run();
