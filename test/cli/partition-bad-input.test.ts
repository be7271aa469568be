/** Bad input to `cairn partition`: a clear message, exit 1 (2 for usage), and nothing written. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

const bad = suite<{ dir: string }>('partition bad input');

bad.before.each(async (context) => {
  context.dir = await temporaryDirectory('cairn-partition-bad-');
});
bad.after.each(async (context) => {
  await removeTree(context.dir);
});

async function failsCleanly(dir: string, args: string[], pattern: RegExp, code = 1): Promise<string> {
  const before = await snapshotTree(dir);
  const result = await cairn(['partition', ...args]);
  assert.is(result.code, code, `exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.not.match(result.stderr, /internal error/);
  assert.equal(await snapshotTree(dir), before, 'nothing written');
  return result.stderr;
}

bad('a directory is not a target', async ({ dir }) => {
  await failsCleanly(dir, ['apply', 'guided', '--disk', dir, '--yes'], new RegExp(`${dir} is a directory: give an image file or a whole disk`));
});

bad('an image that does not exist needs --size', async ({ dir }) => {
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'new.img'), '--yes'], /new\.img does not exist: give --size to create it as a sparse image file/);
});

bad('an existing image is not resized', async ({ dir }) => {
  await cairnOk(['partition', 'apply', 'guided', '--disk', join(dir, 'disk.img'), '--size', '1G', '--yes']);
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'disk.img'), '--size', '2G', '--yes'], /disk\.img is 1G \(1073741824 bytes\), --size says 2G: Cairn does not resize images/);
});

bad('a missing device is named', async ({ dir }) => {
  await failsCleanly(dir, ['apply', 'guided', '--disk', '/dev/cairn-no-such-disk', '--yes'], /\/dev\/cairn-no-such-disk: no such device/);
});

bad('a layout with problems: all of them, with file, line and key path', async ({ dir }) => {
  const layout = join(dir, 'bad.layout.yaml');
  await writeFile(layout, 'table: gpt\npartitions:\n  - { name: a, type: esp, size: 100%, format: vfat }\n  - { name: b, type: root, size: 100% }\n  - { name: c, type: 0x83, size: 1G }\n  - { name: d, type: linux, size: 1G, sise: 2 }\n');
  const stderr = await failsCleanly(dir, ['apply', layout, '--disk', join(dir, 'x.img'), '--size', '4G', '--yes'], /3 problems:/);
  assert.match(stderr, new RegExp(`${layout}:4: partitions\\[1\\]\\.size: the percentages of partitions\\[0\\], partitions\\[1\\] add up to 200%`));
  assert.match(stderr, new RegExp(`${layout}:6: partitions\\[3\\]\\.sise: unknown key; did you mean "size"\\?`));
  assert.match(stderr, new RegExp(`${layout}:5: partitions\\[2\\]\\.type: an MBR type byte needs table: mbr`));
});

bad('a missing layout file is named', async ({ dir }) => {
  await failsCleanly(dir, ['plan', join(dir, 'nope.yaml'), '--disk', join(dir, 'x.img'), '--size', '4G'], /nope\.yaml: no such file/);
});

bad('filling a partition that does not exist, or a format Cairn cannot fill, is refused before writing', async ({ dir }) => {
  const rootfs = join(dir, 'rootfs');
  await mkdir(rootfs);
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'x.img'), '--size', '2G', '--populate', `home=${rootfs}`, '--yes'], /cannot fill partition "home": the plan has no partition of that name \(it has ESP, root\)/);
  await failsCleanly(dir, ['apply', 'guided', '--root-fs', 'xfs', '--disk', join(dir, 'x.img'), '--size', '2G', '--populate', `root=${rootfs}`, '--yes'], /cannot fill partition "root" from a directory: it is xfs, and Cairn fills ext4, btrfs, vfat/);
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'x.img'), '--size', '2G', '--populate', `root=${join(dir, 'gone')}`, '--yes'], /gone: no such directory/);
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'x.img'), '--size', '2G', '--populate', 'root', '--yes'], /--populate root: expected NAME=DIR/, 2);
});

bad('an image has no serial; guided options do not shape a layout file; sizes are checked', async ({ dir }) => {
  await failsCleanly(dir, ['plan', 'guided', '--disk', join(dir, 'x.img'), '--size', '2G', '--expect-serial', 'ABC'], /refusing to write image file .*x\.img \(2G\):\n {2}- it is an image file, which has no serial, but --expect-serial expects "ABC"/);
  const layout = join(dir, 'layout.yaml');
  await writeFile(layout, 'partitions:\n  - { name: root, type: root, size: 100%, format: ext4 }\n');
  await failsCleanly(dir, ['plan', layout, '--disk', join(dir, 'x.img'), '--size', '2G', '--swap', '1G'], /--swap shape the guided layout; .*layout\.yaml is a layout file/, 2);
  await failsCleanly(dir, ['plan', 'guided', '--disk', join(dir, 'x.img'), '--size', '8GB'], /"8GB" is ambiguous/, 2);
  await failsCleanly(dir, ['apply', 'guided', '--disk', join(dir, 'x.img'), '--size', '100M', '--yes'], /refusing to write image file .*x\.img \(100M\):\n {2}- it is 100M, the layout needs at least 515M/);
});

bad('plan --json is the plan object, with the filesystem UUIDs an installer writes as root=UUID=', async ({ dir }) => {
  const result = await cairnOk(['partition', 'plan', 'guided', '--disk', join(dir, 'x.img'), '--size', '8G', '--seed', 'fixed', '--json']);
  const plan = JSON.parse(result.stdout) as { seed: string; table: string; partitions: { name: string; mountPoint?: string; filesystem?: { uuid: string } }[]; refusals: unknown[] };
  assert.is(plan.seed, 'fixed');
  assert.equal(plan.refusals, []);
  assert.match(plan.partitions.find((p) => p.mountPoint === '/')!.filesystem!.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(await readdir(dir), [], 'plan writes nothing');
});

bad.run();
