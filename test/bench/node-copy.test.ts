/**
 * bench/node-copy.mjs, the floor `npm run bench` sets beside `tar`: it copies every regular file of a tree once,
 * in name order, each from a sector boundary, and nothing else; with --identical, each content once.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { repoRoot } from '../support/cli.js';
import { withTemporaryDirectory } from '../support/tree.js';

const nodeCopy = join(repoRoot, 'bench', 'node-copy.mjs');

/** `bytes` followed by zeros up to the next 2048-byte boundary, as node-copy.mjs writes each file. */
const padded = (bytes: Buffer) => Buffer.concat([bytes, Buffer.alloc((2048 - (bytes.length % 2048)) % 2048)]);

test('copies each regular file once, in name order, each from a 2048-byte boundary', () =>
  withTemporaryDirectory(async (dir) => {
    const tree = join(dir, 'tree');
    await mkdir(join(tree, 'b'), { recursive: true });
    const big = Buffer.alloc(1024 * 1024 + 5, 7);
    await writeFile(join(tree, 'a.txt'), 'first\n');
    await writeFile(join(tree, 'b', 'big.bin'), big);
    await writeFile(join(tree, 'c.txt'), '');
    await writeFile(join(tree, 'd.txt'), 'last\n');
    await symlink('a.txt', join(tree, 'link'));
    const output = join(dir, 'copy');
    await run(process.execPath, [nodeCopy, tree, output]);
    const expected = Buffer.concat([padded(Buffer.from('first\n')), padded(big), padded(Buffer.from('last\n'))]);
    assert.ok((await readFile(output)).equals(expected), 'the files, padded, and no link');
  }));

test('with --identical, a content met again is not written again, whatever its size; files of a size of their own are copied', () =>
  withTemporaryDirectory(async (dir) => {
    const tree = join(dir, 'tree');
    await mkdir(tree, { recursive: true });
    const big = Buffer.alloc(1024 * 1024 + 5, 7);
    const otherBig = Buffer.alloc(1024 * 1024 + 5, 8);
    await writeFile(join(tree, 'a'), 'same\n');
    await writeFile(join(tree, 'b'), 'diff\n');
    await writeFile(join(tree, 'c'), 'same\n');
    await writeFile(join(tree, 'd-big'), big);
    await writeFile(join(tree, 'e-big'), otherBig);
    await writeFile(join(tree, 'f-big'), big);
    await writeFile(join(tree, 'g'), 'a size of its own\n');
    const output = join(dir, 'copy');
    await run(process.execPath, [nodeCopy, '--identical', tree, output]);
    const expected = Buffer.concat([padded(Buffer.from('same\n')), padded(Buffer.from('diff\n')), padded(big), padded(otherBig), padded(Buffer.from('a size of its own\n'))]);
    assert.ok((await readFile(output)).equals(expected), 'c and f-big left out: their contents were written already');
  }));

test.run();
