/**
 * The image spec's own check (validImageSpec, which `iso build` runs without loading the schema library) against
 * the schema (image-spec-schema.ts): on every variant below the two accept the same specs and make the same
 * spec of them, defaults included.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { validImageSpec } from '../../system/image-spec.js';
import { imageSpecSchema } from '../../system/image-spec-schema.js';
import { MEDIUM_ANSWERS_PATH } from '../../system/live-medium.js';
import { repoRoot } from '../support/cli.js';

const VALUES: unknown[] = [
  undefined, null, 0, 7, -1, 3600, 3601, 1.5, '', 'X', 'CAIRN_LIVE', 'lower case', 'A'.repeat(33), '/abs', 'relative', '/a/../b', '/a\u0000b',
  MEDIUM_ANSWERS_PATH, 'all', 'newest', [], ['a'], [''], [1, 2], [0], ['x', 1], {}, { newest: 2 }, { newest: 0 }, { other: 1 }, true, false,
  { shim: 's' }, { shim: '' }, { grub: 'g', mokManager: 'm' },
];

const FULL = {
  volumeId: 'CAIRN_TEST',
  root: 'build/root',
  profile: '/cairn/var/profiles/system',
  store: '/cairn/store',
  generations: [1, 3],
  boot: { bios: true, uefi: true, timeout: 5, serial: false, kernelParams: ['quiet'], isolinux: '/usr/lib/ISOLINUX', systemdBoot: '/usr/lib/sd.efi', secureBoot: false },
  files: [{ from: 'README.txt', to: '/README.txt' }],
  installer: { answers: 'answers.yaml' },
};

/** `base` with `key` (a path of keys) set to `value`, or left out when the value is undefined. */
function variant(base: object, path: readonly (string | number)[], value: unknown): object {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let holder = copy;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete holder[last];
  else holder[last] = value;
  return copy;
}

test('the check without the schema library accepts exactly what the schema accepts, and makes the same spec', () => {
  const bases = [FULL, { volumeId: 'MINIMAL' }, variant(variant(FULL, ['boot', 'systemdBoot'], undefined), ['boot', 'secureBoot'], true)];
  const paths: (string | number)[][] = [
    ...Object.keys(FULL).map((key) => [key]),
    ...Object.keys(FULL.boot).map((key) => ['boot', key]),
    ['files', 0], ['files', 0, 'from'], ['files', 0, 'to'], ['installer', 'answers'], ['generations', 0], ['boot', 'kernelParams', 0], ['extra'], ['boot', 'extra'],
  ];
  let accepted = 0;
  let checked = 0;
  for (const base of bases) {
    for (const path of paths) {
      for (const value of VALUES) {
        let spec: object;
        try {
          spec = variant(base, path, value);
        } catch {
          continue; // the base has nothing at that path
        }
        checked++;
        const own = validImageSpec(spec);
        const schema = imageSpecSchema.safeParse(spec);
        const described = `${path.join('.')} = ${JSON.stringify(value)} in ${JSON.stringify(base)}`;
        assert.is(own !== undefined, schema.success, described);
        if (own !== undefined) {
          assert.equal(own, schema.data, described);
          accepted++;
        }
      }
    }
  }
  assert.ok(accepted > 100 && accepted < checked - 500, `both outcomes covered (${accepted} of ${checked} accepted)`);
});

test('the examples pass the check without the schema library', async () => {
  for (const example of ['examples/live/image.yaml', 'examples/installer/image.yaml']) {
    const data: unknown = parse(await readFile(join(repoRoot, example), 'utf8'));
    const own = validImageSpec(data);
    assert.ok(own !== undefined, example);
    assert.equal(own, imageSpecSchema.parse(data), example);
  }
});

test.run();
