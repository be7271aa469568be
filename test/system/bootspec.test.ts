import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../lib/errors.js';
import { decodeBootDocument, encodeBootDocument, pathsOfDocument } from '../../system/bootspec.js';
import { repoRoot } from '../support/cli.js';

const store = join(repoRoot, 'fixtures/profiles/nixos/nix/store');
const withSpecialisation = join(store, '6a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250603/boot.json');
const plain = join(store, '4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250601/boot.json');

function problemsOf(text: string): string[] {
  try {
    decodeBootDocument(text, 'boot.json');
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

test('NixOS documents decode, specialisations and extension keys included', async () => {
  const document = decodeBootDocument(await readFile(withSpecialisation, 'utf8'), withSpecialisation);
  assert.is(document.bootspec.label, 'NixOS 25.05.20250603 (Linux 6.12.34)');
  assert.equal(document.bootspec.kernelParams, ['loglevel=4']);
  assert.equal(Object.keys(document.specialisations), ['debug']);
  const debug = document.specialisations.debug!;
  assert.equal(debug.bootspec.kernelParams, ['loglevel=7', 'systemd.log_level=debug']);
  assert.equal(debug.extensions, { 'org.example.debug.v1': { reason: 'verbose boot' } });
  assert.equal(document.extensions, { 'org.nixos.systemd.v1': { stage1: true }, 'org.example.vendor.v2': [1, 'two', null] });
  assert.ok(pathsOfDocument(document).some((p) => p.endsWith('-specialisation-debug')));
});

test('decode then encode gives the same bytes (jq-style NixOS files and Cairn files alike)', async () => {
  for (const file of [withSpecialisation, plain]) {
    const text = await readFile(file, 'utf8');
    assert.fixture(encodeBootDocument(decodeBootDocument(text, file)), text);
  }
});

test('optional keys are omitted, never null; specialisation key kept when it was there', () => {
  const text = encodeBootDocument({
    bootspec: { system: 'x86_64-linux', init: '/s/t/init', kernel: '/s/k/bzImage', kernelParams: [], label: 'L', toplevel: '/s/t' },
    specialisations: {},
    extensions: {},
  });
  assert.not.match(text, /initrd/);
  assert.not.match(text, /null/);
  assert.not.match(text, /specialisation/);
  assert.is(encodeBootDocument(decodeBootDocument(text, 'x')), text);
});

test('malformed and incomplete documents name every problem with its key path', () => {
  assert.equal(problemsOf('{"org.nixos.bootspec.v1": {"system": "x86_64-linux", "kernel": "bzImage", "kernelParams": "quiet", "label": "x", "toplevel": "/t", "initrd": null}}'), [
    'org.nixos.bootspec.v1.init: missing required key (an absolute path, e.g. /cairn/store/<hash>-<name>/<file>)',
    'org.nixos.bootspec.v1.initrd: expected a string (got null)',
    'org.nixos.bootspec.v1.kernel: expected an absolute path, e.g. /cairn/store/<hash>-<name>/<file> (got "bzImage")',
    'org.nixos.bootspec.v1.kernelParams: expected a list (got "quiet")',
  ]);
  assert.equal(problemsOf('{"something": 1}'), [': missing required key "org.nixos.bootspec.v1"']);
  assert.match(problemsOf('{"org.nixos.bootspec.v1": ')[0]!, /^: not valid JSON/);
  assert.equal(problemsOf('[]'), [': expected a JSON object']);
});

test('unknown keys inside the bootspec object are refused: extensions belong at the top level', () => {
  const problems = problemsOf(JSON.stringify({
    'org.nixos.bootspec.v1': { system: 'x', init: '/i', kernel: '/k', kernelParams: [], label: 'l', toplevel: '/t', kernelparams: [] },
  }));
  assert.equal(problems, ['org.nixos.bootspec.v1.kernelparams: unknown key; did you mean "kernelParams"?']);
});

test('a broken specialisation is reported at its own path', () => {
  const problems = problemsOf(JSON.stringify({
    'org.nixos.bootspec.v1': { system: 'x', init: '/i', kernel: '/k', kernelParams: [], label: 'l', toplevel: '/t' },
    'org.nixos.specialisation.v1': { 'bad name': {}, ok: { 'org.nixos.bootspec.v1': { system: 'x' } } },
  }));
  assert.ok(problems.some((p) => p.startsWith('org.nixos.specialisation.v1.bad name: specialisation names')));
  assert.ok(problems.some((p) => p.startsWith('org.nixos.specialisation.v1.ok.org.nixos.bootspec.v1.kernel: missing required key')));
});

test.run();
