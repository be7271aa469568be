/**
 * The build (scripts/build.mjs) loads only what a command runs: what each command group's module imports
 * statically (its closure of outputs, loaded before it runs), read from esbuild's metafile. `cairn generation`
 * and `cairn install --help` load the argument parser and Cairn's own code, never the schema library, the YAML
 * parser, Ink, React or systeminformation; the screens do load Ink and React (when they are drawn).
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleCairn } from '../../scripts/build.mjs';
import { repoRoot } from '../support/cli.js';

type Outputs = Awaited<ReturnType<typeof bundleCairn>>['metafile']['outputs'];

/** The packages in the static closure of the output whose sources include `source`. */
function packagesLoadedWith(outputs: Outputs, source: string): string[] {
  const start = Object.keys(outputs).find((output) => Object.hasOwn(outputs[output]!.inputs, source));
  assert.ok(start !== undefined, `an output holds ${source}`);
  const seen = new Set<string>();
  const visit = (output: string) => {
    if (seen.has(output)) return;
    seen.add(output);
    for (const imported of outputs[output]!.imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(start);
  const packages = new Set<string>();
  for (const output of seen) {
    for (const input of Object.keys(outputs[output]!.inputs)) {
      const inside = input.split('node_modules/').pop()!;
      if (inside !== input) packages.add(inside.split('/').slice(0, inside.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return [...packages].sort();
}

test('each command loads only what it runs', async () => {
  const { metafile, strays } = await bundleCairn(join(repoRoot, 'dist', 'cli'), { write: false });
  assert.equal(strays, [], 'nothing is imported from node_modules at run time');
  const outputs = metafile.outputs;
  const files = Object.keys(outputs).filter((output) => !output.endsWith('.map'));
  assert.ok(files.length < 100, `a few files, not hundreds (${files.length})`);

  assert.equal(packagesLoadedWith(outputs, 'cli/main.ts'), ['commander'], 'main.cjs: the argument parser; the groups are loaded on demand');
  assert.equal(packagesLoadedWith(outputs, 'cli/commands/generation.ts'), ['commander'], 'generation list: no schema library');
  assert.equal(packagesLoadedWith(outputs, 'cli/commands/install.ts'), ['commander'], 'install --help: no engine, screens or hardware detection');
  // iso build checks a valid spec without the schema library (system/image-spec.ts): its largest module, not loaded.
  assert.equal(packagesLoadedWith(outputs, 'cli/commands/iso.ts'), ['commander', 'yaml'], 'iso build: no schema library');
  const screens = packagesLoadedWith(outputs, 'installer/screens/installer-app.tsx');
  assert.ok(screens.includes('ink') && screens.includes('react'), `the screens load Ink and React: ${screens.join(', ')}`);
  const engine = packagesLoadedWith(outputs, 'installer/engine/installer-session.ts');
  assert.ok(engine.includes('systeminformation') && engine.includes('zod'), `the install engine loads its own: ${engine.join(', ')}`);
});

test.run();
