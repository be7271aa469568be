import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { ValidationError } from '../../lib/errors.js';
import { validate, toJsonSchema } from '../../lib/schema.js';
import { parseYaml } from '../../lib/yaml.js';

const schema = z.strictObject({
  volumeId: z.string().regex(/^[A-Z0-9_]{1,32}$/).describe('up to 32 characters of A-Z, 0-9 and _'),
  boot: z
    .strictObject({
      uefi: z.enum(['systemd-boot', 'grub', 'none']).default('systemd-boot'),
      timeout: z.number().int().min(0).default(10),
    })
    .default({ uefi: 'systemd-boot', timeout: 10 }),
  files: z.array(z.strictObject({ from: z.string(), to: z.string() })).default([]),
});

function problemsOf(text: string): ValidationError {
  try {
    validate(schema, parseYaml(text, 'image.yaml'));
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

test('valid files get their defaults', () => {
  const value = validate(schema, parseYaml('volumeId: CAIRN\n', 'image.yaml'));
  assert.equal(value, { volumeId: 'CAIRN', boot: { uefi: 'systemd-boot', timeout: 10 }, files: [] });
});

test('every problem at once, with file, line, key path and a fix', () => {
  const error = problemsOf(['volumeId: cairn live', 'boot:', '  uefi: sdboot', '  timout: 5', 'files:', '  - from: a', ''].join('\n'));
  const lines = error.problems.map((p) => `${p.file}:${p.line}: ${p.path}: ${p.message}`);
  assert.equal(lines, [
    'image.yaml:1: volumeId: expected up to 32 characters of A-Z, 0-9 and _ (got "cairn live")',
    'image.yaml:3: boot.uefi: expected one of systemd-boot, grub, none (got "sdboot")',
    'image.yaml:4: boot.timout: unknown key; did you mean "timeout"?',
    'image.yaml:6: files[0].to: missing required key',
  ]);
  assert.match(error.message, /^4 problems:/);
});

test('wrong types name what was expected and what was found', () => {
  const error = problemsOf('volumeId: A\nboot:\n  timeout: soon\nfiles: nope\n');
  assert.equal(
    error.problems.map((p) => `${p.line} ${p.path}: ${p.message}`),
    ['3 boot.timeout: expected a number (got "soon")', '4 files: expected a list (got "nope")'],
  );
});

test('YAML syntax errors carry their line', () => {
  try {
    parseYaml('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml');
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ValidationError);
    const problem = (error as ValidationError).problems[0]!;
    assert.is(problem.file, 'bad.yaml');
    assert.ok(problem.line !== undefined && problem.line >= 2, `line ${problem.line}`);
    assert.match(problem.message, /YAML syntax/);
  }
});

test('duplicate keys are an error, not a silent overwrite', () => {
  assert.throws(() => parseYaml('a: 1\na: 2\n', 'dup.yaml'), (e: unknown) => e instanceof ValidationError && /dup\.yaml/.test(e.message));
});

test('JSON Schema export describes the same format', () => {
  const json = toJsonSchema(schema, { id: 'urn:test', title: 'Test' }) as { properties: Record<string, { pattern?: string }>; required: string[] };
  assert.is(json.properties.volumeId!.pattern, '^[A-Z0-9_]{1,32}$');
  assert.equal(json.required, ['volumeId']);
});

test.run();
