/**
 * Same inputs, same bytes: the same spec built from two copies of its inputs in different folders — copies
 * made after SOURCE_DATE_EPOCH (so every time stamp differs from the original and clamps to the epoch),
 * with other owners and inode numbers — gives the same SHA-256.
 */
import { createHash } from 'node:crypto';
import { chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../lib/run.js';
import { cairnOk } from '../support/cli.js';
import { makeRandomTree } from '../support/random-tree.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const EPOCH = 1_700_000_000;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

test('two copies of the inputs in different folders build byte-identical ISOs', async () => {
  const dir = await temporaryDirectory('cairn-reproducible-');
  try {
    const original = join(dir, 'original');
    await makeRandomTree(join(original, 'rootfs'), 99);
    await makeRandomTree(join(original, 'extra'), 100);
    await writeFile(
      join(original, 'image.yaml'),
      'volumeId: SAME_BYTES\nfiles:\n  - from: rootfs\n    to: /\n  - from: extra\n    to: /opt/extra\n  - from: image.yaml\n    to: /etc/image.yaml\n',
    );
    // Copies keep modes, links and hard links but get new times (now, long after the epoch).
    const first = join(dir, 'a');
    const second = join(dir, 'somewhere', 'else', 'entirely');
    await run('mkdir', ['-p', join(dir, 'somewhere', 'else')]);
    await run('cp', ['-a', '--no-preserve=timestamps', original, first]);
    await run('cp', ['-a', '--no-preserve=timestamps,ownership', original, second]);
    await chown(join(second, 'rootfs'), 4321, 4321);

    const env = { SOURCE_DATE_EPOCH: String(EPOCH) };
    await cairnOk(['iso', 'build', join(first, 'image.yaml'), '-o', join(dir, 'first.iso')], { env });
    await cairnOk(['iso', 'build', join(second, 'image.yaml'), '-o', join(dir, 'second.iso')], { env, cwd: second });
    // --date says the same as SOURCE_DATE_EPOCH.
    await cairnOk(['iso', 'build', 'image.yaml', '-o', join(dir, 'third.iso'), '--date', '2023-11-14T22:13:20Z'], { cwd: second });

    const digest = await sha256(join(dir, 'first.iso'));
    assert.is(await sha256(join(dir, 'second.iso')), digest, 'a copy elsewhere, other owner');
    assert.is(await sha256(join(dir, 'third.iso')), digest, '--date instead of SOURCE_DATE_EPOCH');

    // And the date does matter: another epoch, other bytes.
    await cairnOk(['iso', 'build', join(first, 'image.yaml'), '-o', join(dir, 'later.iso')], { env: { SOURCE_DATE_EPOCH: String(EPOCH + 60) } });
    assert.is.not(await sha256(join(dir, 'later.iso')), digest);
  } finally {
    await removeTree(dir);
  }
});

test.run();
