/**
 * Bad input to `cairn iso build`: a clear error naming the spec key or the path, exit code 1, and no image
 * (neither OUT.iso nor OUT.iso.tmp) left behind.
 */
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildIsoImage } from '../../image-builder/build-iso.js';
import { ImageTree } from '../../image-builder/image-tree.js';
import { scanSources } from '../../image-builder/scan-sources.js';
import { UserError } from '../../lib/errors.js';
import { run } from '../../lib/run.js';
import { cairn, repoRoot } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
}

const badInput = suite<Context>('iso build bad input');

badInput.before.each(async (context) => {
  context.dir = await temporaryDirectory('cairn-iso-bad-');
  await mkdir(join(context.dir, 'rootfs', 'boot'), { recursive: true });
  await writeFile(join(context.dir, 'rootfs', 'boot', 'vmlinuz'), 'a kernel\n');
  await writeFile(join(context.dir, 'other-kernel'), 'another kernel\n');
});

badInput.after.each(async (context) => {
  await removeTree(context.dir);
});

/** Writes the spec, runs the build, and checks exit code 1, the message, and that no image was left. */
async function failsCleanly(context: Context, spec: string, pattern: RegExp, options: { asUnprivileged?: boolean } = {}): Promise<string> {
  const specFile = join(context.dir, 'image.yaml');
  await writeFile(specFile, spec);
  const output = join(context.dir, 'out.iso');
  let code: number;
  let stderr: string;
  if (options.asUnprivileged) {
    // Root reads everything; without the two capabilities that allow it, file permissions apply again.
    const drop = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search'];
    const result = await run('setpriv', [...drop, '--', process.execPath, '--import', import.meta.resolve('tsx'), join(repoRoot, 'cli', 'main.ts'), 'iso', 'build', specFile, '-o', output], {
      okCodes: [0, 1, 2, 70],
      env: { NO_COLOR: '1', CI: 'true' },
    });
    ({ exitCode: code, stderr } = result);
  } else {
    ({ code, stderr } = await cairn(['iso', 'build', specFile, '-o', output]));
  }
  assert.is(code, 1, `exit code (stderr: ${stderr})`);
  assert.match(stderr, pattern);
  assert.not.match(stderr, /internal error/);
  const left = (await readdir(context.dir)).filter((name) => name.startsWith('out.iso'));
  assert.equal(left, [], 'no image and no temporary image left');
  return stderr;
}

badInput('a source that does not exist is named with its spec key', async (context) => {
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /\n  - from: no-such-dir\n    to: /extra\n', /image\.yaml: files\[1\] \(.*no-such-dir\): no such file or directory/);
});

badInput('a source file that cannot be read is named, and nothing is written', async (context) => {
  await chmod(join(context.dir, 'rootfs', 'boot', 'vmlinuz'), 0o000);
  await chmod(context.dir, 0o777);
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /\n', /image\.yaml: files\[0\] \(.*rootfs\/boot\/vmlinuz\): permission denied/, { asUnprivileged: true });
});

badInput('a source directory that cannot be read is named', async (context) => {
  await chmod(join(context.dir, 'rootfs', 'boot'), 0o000);
  await chmod(context.dir, 0o777);
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /\n', /image\.yaml: files\[0\] \(.*rootfs\/boot\): permission denied/, { asUnprivileged: true });
});

badInput('a "to" path escaping / with .. is refused with its key path and line', async (context) => {
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /boot/../../etc\n', /image\.yaml:4: files\[0\]\.to: "\/boot\/\.\.\/\.\.\/etc" escapes the image root "\/" with "\.\."/);
});

badInput('two sources claiming the same target name both spec keys', async (context) => {
  await failsCleanly(
    context,
    'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /\n  - from: other-kernel\n    to: /boot/vmlinuz\n',
    /\/boot\/vmlinuz is claimed twice: a file from .*image\.yaml: files\[0\] \(.*rootfs\/boot\/vmlinuz\) and a file from .*image\.yaml: files\[1\] \(.*other-kernel\)/,
  );
});

badInput('a file where the spec puts a directory is a conflict too', async (context) => {
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: other-kernel\n    to: /boot\n  - from: rootfs/boot\n    to: /boot\n', /\/boot is claimed twice: a file from .*image\.yaml: files\[0\].* and a directory from .*image\.yaml: files\[1\]/);
});

badInput('a target with a NUL character is refused', async (context) => {
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: other-kernel\n    to: "/boot/vm\\0linuz"\n', /files\[0\]\.to: .*contains a NUL character/);
});

badInput('a symbolic link loop in a source directory is named with the chain', async (context) => {
  await symlink('second', join(context.dir, 'rootfs', 'first'));
  await symlink('first', join(context.dir, 'rootfs', 'second'));
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: rootfs\n    to: /\n', /\/first is a symbolic link loop: \/first -> second, \/second -> first, and round again \(from .*image\.yaml: files\[0\]\)/);
});

badInput('a "from" that is a symbolic link loop is named', async (context) => {
  await symlink('self', join(context.dir, 'self'));
  await failsCleanly(context, 'volumeId: BAD\nfiles:\n  - from: self\n    to: /x\n', /image\.yaml: files\[0\] \(.*self\): symbolic link loop/);
});

badInput('a volume id longer than 32 characters, or with lower case, is refused', async (context) => {
  const stderr = await failsCleanly(context, `volumeId: ${'A'.repeat(33)}\nfiles: []\n`, /image\.yaml:1: volumeId: must be at most 32 characters \(got 33\)/);
  assert.match(stderr, /hint|fix|volumeId/);
  await failsCleanly(context, 'volumeId: cairn-live\nfiles: []\n', /image\.yaml:1: volumeId: expected the volume id: 1 to 32 characters of A-Z, 0-9 and _/);
});

badInput('an unknown key and a missing volume id are reported together', async (context) => {
  const stderr = await failsCleanly(context, 'files:\n  - from: rootfs\n    too: /\n', /3 problems:/);
  assert.match(stderr, /volumeId: missing required key/);
  assert.match(stderr, /files\[0\]\.too: unknown key; did you mean "to"\?/);
  assert.match(stderr, /files\[0\]\.to: missing required key/);
});

badInput('an output folder that does not exist is named before anything is read', async (context) => {
  await writeFile(join(context.dir, 'image.yaml'), 'volumeId: OK\nfiles:\n  - from: rootfs\n    to: /\n');
  const result = await cairn(['iso', 'build', join(context.dir, 'image.yaml'), '-o', join(context.dir, 'missing', 'out.iso')]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /cannot write .*missing\/out\.iso: the folder .*missing does not exist/);
});

badInput('a source that vanishes between planning and writing is named, and the temporary image removed', async (context) => {
  const tree = new ImageTree();
  scanSources(tree, [{ from: join(context.dir, 'rootfs'), to: '/', key: 'image.yaml: files[0]' }]);
  await rm(join(context.dir, 'rootfs', 'boot', 'vmlinuz'));
  const output = join(context.dir, 'out.iso');
  try {
    await buildIsoImage({ volumeId: 'GONE', date: new Date(0), tree, output });
    assert.unreachable('the build should fail');
  } catch (error) {
    assert.instance(error, UserError);
    assert.match((error as Error).message, /image\.yaml: files\[0\] \(.*rootfs\/boot\/vmlinuz\): no such file or directory/);
  }
  assert.equal((await readdir(context.dir)).filter((n) => n.startsWith('out.iso')), []);
});

badInput('a source that changes size while the image is written is refused', async (context) => {
  const tree = new ImageTree();
  scanSources(tree, [{ from: join(context.dir, 'rootfs'), to: '/', key: 'image.yaml: files[0]' }]);
  await writeFile(join(context.dir, 'rootfs', 'boot', 'vmlinuz'), 'a kernel that grew since it was scanned\n');
  const output = join(context.dir, 'out.iso');
  try {
    await buildIsoImage({ volumeId: 'GREW', date: new Date(0), tree, output });
    assert.unreachable('the build should fail');
  } catch (error) {
    assert.match((error as Error).message, /rootfs\/boot\/vmlinuz\): changed while the image was being built/);
  }
  assert.equal((await readdir(context.dir)).filter((n) => n.startsWith('out.iso')), []);
});

badInput('names with "/" or NUL cannot enter the tree', () => {
  const tree = new ImageTree();
  const file = { kind: 'file', mode: 0o644, mtime: 0, content: { kind: 'bytes', bytes: new Uint8Array(1) }, origin: 'a test' } as const;
  assert.throws(() => tree.addChild(tree.root, ['a/b'], file), /a test: the name "a\/b" at \/ contains "\/"/);
  assert.throws(() => tree.addChild(tree.root, ['nul\u0000'], file), /contains a NUL character/);
  assert.throws(() => tree.add('/ok/../../escape', file), /escapes the image root/);
  assert.throws(() => tree.add(`/${'x'.repeat(256)}`, file), /is 256 bytes long \(at most 255\)/);
  assert.throws(() => tree.add('/', file), /the image root "\/" can only be a directory/);
});

badInput.run();
