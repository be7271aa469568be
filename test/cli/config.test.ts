import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSchemas, schemaDirectory } from '../../scripts/export-schemas.js';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const nixosBootJson = 'fixtures/profiles/nixos/nix/store/6a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250603/boot.json';

test('config validate accepts a valid file and names its kind', async () => {
  const result = await cairnOk(['config', 'validate', nixosBootJson]);
  assert.is(result.stdout, `${nixosBootJson}: valid bootspec v1 document (boot.json)\n`);
});

test('config validate reports every problem with file and key path, exit 1', async () => {
  const dir = await temporaryDirectory();
  try {
    const file = join(dir, 'boot.json');
    await writeFile(file, JSON.stringify({ 'org.nixos.bootspec.v1': { system: 'x86_64-linux', kernel: 'relative', kernelParams: [], label: 'x' } }));
    const result = await cairn(['config', 'validate', file]);
    assert.is(result.code, 1);
    assert.match(result.stderr, /3 problems:/);
    assert.match(result.stderr, new RegExp(`${file}: org\\.nixos\\.bootspec\\.v1\\.init: missing required key`));
    assert.match(result.stderr, new RegExp(`${file}: org\\.nixos\\.bootspec\\.v1\\.kernel: expected an absolute path`));
    assert.match(result.stderr, new RegExp(`${file}: org\\.nixos\\.bootspec\\.v1\\.toplevel: missing required key`));

    const unknown = join(dir, 'mystery.yaml');
    await writeFile(unknown, 'a: 1\n');
    const undetected = await cairn(['config', 'validate', unknown]);
    assert.is(undetected.code, 1);
    assert.match(undetected.stderr, /cannot tell which kind of Cairn file this is/);
    assert.match(undetected.stderr, /pass --kind \(one of answers, bootspec, configuration, hardware-configuration, image, initrd, layout, system\)/);

    const missing = await cairn(['config', 'validate', join(dir, 'nope.yaml')]);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /nope\.yaml: no such file/);
  } finally {
    await removeTree(dir);
  }
});

test('config schema prints the JSON Schema of a kind, and lists the kinds', async () => {
  const schema = JSON.parse((await cairnOk(['config', 'schema', 'bootspec'])).stdout) as { $id: string; required: string[] };
  assert.is(schema.$id, 'urn:cairn:schema:bootspec');
  assert.equal(schema.required, ['org.nixos.bootspec.v1']);
  assert.match((await cairnOk(['config', 'schema'])).stdout, /^bootspec\s+bootspec v1 document/m);
  const bad = await cairn(['config', 'schema', 'nope']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /unknown file kind "nope"/);
});

test('the committed schemas/ files are current (npm run schemas)', async () => {
  for (const [name, text] of renderSchemas()) {
    assert.fixture(await readFile(join(schemaDirectory, name), 'utf8'), text, `schemas/${name} is stale: run npm run schemas`);
  }
});

test.run();
