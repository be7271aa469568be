/** `cairn iso build|inspect` as users run them: output, JSON, the xorriso engine, progress, Ctrl-C, the spec kind. */
import { mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';
import { xorrisoListing } from '../support/xorriso-listing.js';

async function specDirectory(): Promise<string> {
  const dir = await temporaryDirectory('cairn-iso-cli-');
  await mkdir(join(dir, 'rootfs', 'boot'), { recursive: true });
  await writeFile(join(dir, 'rootfs', 'boot', 'vmlinuz'), 'kernel\n'.repeat(1000));
  await writeFile(join(dir, 'rootfs', 'boot', 'vmlinuz-copy'), 'kernel\n'.repeat(1000));
  await writeFile(join(dir, 'image.yaml'), '# yaml-language-server: $schema=../schemas/image.schema.json\nvolumeId: CLI_TEST\nfiles:\n  - from: rootfs\n    to: /\n');
  return dir;
}

test('iso build prints what it wrote, with plain progress lines in CI; --json gives the same as data', async () => {
  const dir = await specDirectory();
  try {
    const result = await cairnOk(['iso', 'build', join(dir, 'image.yaml'), '-o', join(dir, 'out.iso'), '--date', '1700000000']);
    assert.match(result.stdout, /^wrote .*out\.iso: \d+K, 2 files, 1 directory, 0 symbolic links, 1 file stored once for identical content\n$/);
    assert.match(result.stderr, /^==> Reading the sources of .*image\.yaml$/m);
    // The two small files of one size are compared as they are written, not read beforehand.
    assert.not.match(result.stderr, /Finding identical files/);
    assert.match(result.stderr, /^==> Writing .*out\.iso$/m);
    assert.match(result.stderr, /^    Writing .*out\.iso: \d+K done$/m);
    const json = JSON.parse((await cairnOk(['iso', 'build', join(dir, 'image.yaml'), '-o', join(dir, 'json.iso'), '--date', '1700000000', '--json'])).stdout) as Record<string, unknown>;
    assert.equal({ ...json, output: undefined, size: undefined }, { engine: 'builtin', date: '2023-11-14T22:13:20.000Z', files: 2, directories: 1, symlinks: 0, sharedExtents: 1, output: undefined, size: undefined });
    assert.equal(await readdir(dir).then((names) => names.filter((n) => n.endsWith('.tmp'))), []);
  } finally {
    await removeTree(dir);
  }
});

test('--engine xorriso writes the same tree with xorriso', async () => {
  const dir = await specDirectory();
  try {
    const iso = join(dir, 'x.iso');
    const json = JSON.parse((await cairnOk(['iso', 'build', join(dir, 'image.yaml'), '-o', iso, '--engine', 'xorriso', '--json'])).stdout) as { engine: string };
    assert.is(json.engine, 'xorriso');
    const listing = await xorrisoListing(iso);
    assert.equal([...listing.keys()].sort(), ['/', '/boot', '/boot/vmlinuz', '/boot/vmlinuz-copy']);
    const report = JSON.parse((await cairnOk(['iso', 'inspect', iso, '--json'])).stdout) as { image: { primary: { volumeId: string } } };
    assert.is(report.image.primary.volumeId, 'CLI_TEST');
    const bad = await cairn(['iso', 'build', join(dir, 'image.yaml'), '-o', iso, '--engine', 'mkisofs']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are builtin, xorriso/);
  } finally {
    await removeTree(dir);
  }
});

test('Ctrl-C while writing stops the build and leaves no image', async () => {
  const dir = await specDirectory();
  try {
    const big = await open(join(dir, 'rootfs', 'big.img'), 'w');
    await big.truncate(6 * 1024 ** 3);
    await big.write(Buffer.from('data'), 0, 4, 5 * 1024 ** 3);
    await big.close();
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'cli', 'main.ts'), 'iso', 'build', join(dir, 'image.yaml'), '-o', join(dir, 'out.iso')], {
      env: { ...process.env, NO_COLOR: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('==> Writing')) resolve();
      });
    });
    child.kill('SIGINT');
    assert.is(await exited, 1, stderr);
    assert.match(stderr, /stopped by Ctrl-C; no image was written/);
    assert.equal((await readdir(dir)).filter((n) => n.startsWith('out.iso')), []);
  } finally {
    await removeTree(dir);
  }
});

test('config validate knows image specs by name and by $schema line; config schema prints theirs', async () => {
  const dir = await specDirectory();
  try {
    const valid = await cairnOk(['config', 'validate', join(dir, 'image.yaml')]);
    assert.match(valid.stdout, /valid image spec \(image\.yaml\)/);
    await writeFile(join(dir, 'live.image.yaml'), 'volumeId: ok\n');
    const invalid = await cairn(['config', 'validate', join(dir, 'live.image.yaml')]);
    assert.is(invalid.code, 1);
    assert.match(invalid.stderr, /live\.image\.yaml:1: volumeId: expected the volume id/);
    const schema = JSON.parse((await cairnOk(['config', 'schema', 'image'])).stdout) as { $id: string; properties: { volumeId: { maxLength: number } } };
    assert.is(schema.$id, 'urn:cairn:schema:image');
    assert.is(schema.properties.volumeId.maxLength, 32);
  } finally {
    await removeTree(dir);
  }
});

test.run();
