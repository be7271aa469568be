import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../lib/errors.js';
import { decodeBootDocument, encodeBootDocument, pathsOfDocument } from '../../system/bootspec.js';
import { bootspecV1Schema } from '../../system/bootspec-schema.js';
import { repoRoot } from '../support/cli.js';

const store = join(repoRoot, 'fixtures/profiles/nixos/nix/store');
const withSpecialisation = join(store, '6a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250603/boot.json');
const plain = join(store, '4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250601/boot.json');

async function problemsOf(text: string): Promise<string[]> {
  try {
    await decodeBootDocument(text, 'boot.json');
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  throw new Error('expected the document to be rejected');
}

test('NixOS documents decode, specialisations and extension keys included', async () => {
  const document = await decodeBootDocument(await readFile(withSpecialisation, 'utf8'), withSpecialisation);
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
    assert.fixture(encodeBootDocument(await decodeBootDocument(text, file)), text);
  }
});

test('optional keys are omitted, never null; specialisation key kept when it was there', async () => {
  const text = encodeBootDocument({
    bootspec: { system: 'x86_64-linux', init: '/s/t/init', kernel: '/s/k/bzImage', kernelParams: [], label: 'L', toplevel: '/s/t' },
    specialisations: {},
    extensions: {},
  });
  assert.not.match(text, /initrd/);
  assert.not.match(text, /null/);
  assert.not.match(text, /specialisation/);
  assert.is(encodeBootDocument(await decodeBootDocument(text, 'x')), text);
});

test('malformed and incomplete documents name every problem with its key path', async () => {
  assert.equal(await problemsOf('{"org.nixos.bootspec.v1": {"system": "x86_64-linux", "kernel": "bzImage", "kernelParams": "quiet", "label": null, "toplevel": "/t", "initrd": 7}}'), [
    'org.nixos.bootspec.v1.init: missing required key (an absolute path, e.g. /cairn/store/<hash>-<name>/<file>)',
    'org.nixos.bootspec.v1.initrd: expected a string (got 7)',
    'org.nixos.bootspec.v1.kernel: expected an absolute path, e.g. /cairn/store/<hash>-<name>/<file> (got "bzImage")',
    'org.nixos.bootspec.v1.kernelParams: expected a list (got "quiet")',
    'org.nixos.bootspec.v1.label: expected a string (got null)',
  ]);
  assert.equal(await problemsOf('{"something": 1}'), [': missing required key "org.nixos.bootspec.v1"']);
  assert.match((await problemsOf('{"org.nixos.bootspec.v1": '))[0]!, /^: not valid JSON/);
  assert.equal(await problemsOf('[]'), [': expected a JSON object']);
});

test('unknown keys inside the bootspec object are refused: extensions belong at the top level', async () => {
  const problems = await problemsOf(JSON.stringify({
    'org.nixos.bootspec.v1': { system: 'x', init: '/i', kernel: '/k', kernelParams: [], label: 'l', toplevel: '/t', kernelparams: [] },
  }));
  assert.equal(problems, ['org.nixos.bootspec.v1.kernelparams: unknown key; did you mean "kernelParams"?']);
});

test('a broken specialisation is reported at its own path', async () => {
  const problems = await problemsOf(JSON.stringify({
    'org.nixos.bootspec.v1': { system: 'x', init: '/i', kernel: '/k', kernelParams: [], label: 'l', toplevel: '/t' },
    'org.nixos.specialisation.v1': { 'bad name': {}, ok: { 'org.nixos.bootspec.v1': { system: 'x' } } },
  }));
  assert.ok(problems.some((p) => p === 'org.nixos.specialisation.v1.bad name: missing required key "org.nixos.bootspec.v1"'), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('org.nixos.specialisation.v1.ok.org.nixos.bootspec.v1.kernel: missing required key')));
});

const reference = join(repoRoot, 'fixtures/bootspec');

test('every valid case of the reference implementation decodes (fixtures/bootspec/valid)', async () => {
  const names = (await readdir(join(reference, 'valid'))).sort();
  assert.is(names.length, 8);
  for (const name of names) {
    const file = join(reference, 'valid', name);
    const text = await readFile(file, 'utf8');
    const raw = JSON.parse(text) as Record<string, { initrd?: string | null; initrdSecrets?: string | null }>;
    const document = await decodeBootDocument(text, file);
    const spec = raw['org.nixos.bootspec.v1']!;
    assert.is(document.bootspec.initrd, spec.initrd ?? undefined, `${name}: initrd (null is absent)`);
    assert.is(document.bootspec.initrdSecrets, spec.initrdSecrets ?? undefined, `${name}: initrdSecrets`);
    const written = JSON.parse(encodeBootDocument(document)) as Record<string, Record<string, unknown>>;
    assert.not.ok(Object.values(written['org.nixos.bootspec.v1']!).includes(null), `${name}: Cairn writes an absent key left out, never null`);
    assert.equal(await decodeBootDocument(encodeBootDocument(document), file), { ...document, keyOrder: document.keyOrder }, `${name}: encode then decode is the same document`);
  }
  const rfc = await decodeBootDocument(await readFile(join(reference, 'valid', 'rfc-example.json'), 'utf8'), 'rfc-example.json');
  assert.equal(Object.keys(rfc.specialisations), ['<name>']);
  assert.equal(rfc.specialisations['<name>']!.extensions, { 'org.example.test': { colour: 'green' } });
  const extension = await decodeBootDocument(await readFile(join(reference, 'valid', 'extension.json'), 'utf8'), 'extension.json');
  assert.equal(extension.extensions, { 'org.example.test': { key: 'hello' } });
});

test('every invalid case of the reference implementation is refused, naming the key (fixtures/bootspec/invalid)', async () => {
  const expected: Record<string, string[]> = {
    'null-extension.json': ['org.example.test: an extension may not be null: leave the key out'],
    'null-extension-in-specialisation.json': ['org.nixos.specialisation.v1.debug.org.example.test: an extension may not be null: leave the key out'],
    'null-specialisations.json': ['org.nixos.specialisation.v1: expected an object of specialisation name -> boot document (got null)'],
    'other-version.json': [': missing required key "org.nixos.bootspec.v1"'],
  };
  assert.equal((await readdir(join(reference, 'invalid'))).sort(), Object.keys(expected).sort());
  for (const [name, problems] of Object.entries(expected)) assert.equal(await problemsOf(await readFile(join(reference, 'invalid', name), 'utf8')), problems, name);
});

test('a specialisation may have any name, "__proto__" included, and keeps it as its own key', async () => {
  const spec = JSON.stringify({ system: 'x', init: '/i', kernel: '/k', kernelParams: [], label: 'l', toplevel: '/t' });
  const raw = `{"org.nixos.bootspec.v1": ${spec}, "org.nixos.specialisation.v1": {"__proto__": {"org.nixos.bootspec.v1": ${spec}}, "with space": {"org.nixos.bootspec.v1": ${spec}}}}`;
  const document = await decodeBootDocument(raw, 'x');
  assert.equal(Object.keys(document.specialisations), ['__proto__', 'with space']);
  assert.is(Object.getPrototypeOf(document.specialisations), Object.prototype, 'the name did not become the prototype');
});

test('the check without the schema library accepts exactly what the schema accepts (every key missing, null, of each wrong type)', async () => {
  const valid = { system: 'x86_64-linux', init: '/s/init', initrd: '/s/initrd', initrdSecrets: '/s/secrets', kernel: '/s/bzImage', kernelParams: ['quiet'], label: 'L', toplevel: '/s' };
  const values: unknown[] = [undefined, null, 7, '', 'relative', '/absolute', [], ['a', 'b'], ['a', 1], {}, true];
  const variants: Record<string, unknown>[] = [{ ...valid, extra: 1 }];
  for (const key of Object.keys(valid)) for (const value of values) variants.push({ ...valid, [key]: value });
  let accepted = 0;
  for (const variant of variants) {
    const text = JSON.stringify({ 'org.nixos.bootspec.v1': variant });
    const decoded = await decodeBootDocument(text, 'boot.json').then(() => true, () => false);
    // What the schema says of the object as decode sees it: JSON drops undefined, and a null optional is absent.
    const parsed = JSON.parse(text) as Record<string, object>;
    const seen = Object.fromEntries(Object.entries(parsed['org.nixos.bootspec.v1']!).filter(([k, v]) => !(v === null && (k === 'initrd' || k === 'initrdSecrets'))));
    assert.is(decoded, bootspecV1Schema.safeParse(seen).success, JSON.stringify(variant));
    if (decoded) accepted++;
  }
  assert.ok(accepted > 5 && accepted < variants.length - 50, `both outcomes covered (${accepted} of ${variants.length} accepted)`);
});

test.run();
