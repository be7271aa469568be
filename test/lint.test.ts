/**
 * The rules `npm run lint` enforces (scripts/lint.mjs: dependency-cruiser with .dependency-cruiser.cjs, ESLint
 * with eslint.config.js), tried on a copy of the sources: clean, it passes; with scratch files that break each
 * rule (an upward import, an import of test/, a cycle, the install engine importing a screen, a floating
 * promise, an effect that misses a dependency), it fails and names every one. The copy keeps the repository
 * itself untouched while other tests run (npm pack builds from it).
 */
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../lib/run.js';
import { repoRoot } from './support/cli.js';
import { removeTree, temporaryDirectory } from './support/tree.js';

const SOURCE_FOLDERS = ['lib', 'system', 'image-builder', 'partitioning', 'bootloader', 'installer', 'cli', 'scripts', 'bench', 'test'];
const CONFIG_FILES = ['package.json', 'tsconfig.json', 'eslint.config.js', '.dependency-cruiser.cjs'];

const lint = suite<{ copy: string }>('npm run lint', { copy: '' });

lint.before(async (context) => {
  context.copy = await temporaryDirectory('cairn-lint-');
  for (const folder of SOURCE_FOLDERS) await cp(join(repoRoot, folder), join(context.copy, folder), { recursive: true });
  for (const file of CONFIG_FILES) await cp(join(repoRoot, file), join(context.copy, file));
  await symlink(join(repoRoot, 'node_modules'), join(context.copy, 'node_modules'));
});

lint.after(async (context) => {
  await removeTree(context.copy);
});

/** `node scripts/lint.mjs PATHS...` in the copy: what `npm run lint -- PATHS...` runs. */
async function lintCopy(copy: string, paths: readonly string[]): Promise<{ exitCode: number; output: string }> {
  const result = await run(process.execPath, [join(copy, 'scripts', 'lint.mjs'), ...paths], { cwd: copy, okCodes: [0, 1], timeoutMs: 900_000 });
  return { exitCode: result.exitCode, output: result.stdout + result.stderr };
}

lint('the clean sources pass both tools', async ({ copy }) => {
  const { exitCode, output } = await lintCopy(copy, ['system', 'installer/engine', 'installer/screens/select-list']);
  assert.is(exitCode, 0, output);
  assert.match(output, /^dependency-cruiser: passed$/m);
  assert.match(output, /^eslint: passed$/m);
});

lint('an upward import, an import of test/, a cycle and a lint error each fail it, by name', async ({ copy }) => {
  const scratch: Record<string, string> = {
    'system/scratch-upward.ts': "import type { DraftAnswers } from '../installer/engine/contract.js';\nexport type Scratch = DraftAnswers;\n",
    'bench/scratch-test-import.ts': "import { repoRoot } from '../test/support/cli.js';\nexport const scratch = repoRoot;\n",
    'installer/engine/scratch-front-end.ts': "import { SelectList } from '../screens/select-list/index.js';\nexport const scratch = SelectList;\n",
    'lib/scratch-cycle-a.ts': "import { b } from './scratch-cycle-b.js';\nexport const a = (): number => b() + 1;\n",
    'lib/scratch-cycle-b.ts': "import { a } from './scratch-cycle-a.js';\nexport const b = (): number => (Math.random() > 2 ? a() : 0);\n",
    'lib/scratch-floating.ts': 'export function scratch(work: () => Promise<void>): void {\n  work();\n}\n',
    'installer/screens/scratch-hooks.tsx': [
      "import { useEffect, useState } from 'react';",
      "import { Text } from 'ink';",
      'export function Scratch({ value }: { readonly value: string }) {',
      "  const [shown, setShown] = useState('');",
      '  useEffect(() => {',
      '    const timer = setTimeout(() => setShown(value), 10);',
      '    return () => clearTimeout(timer);',
      '  }, []);',
      '  return <Text>{shown}</Text>;',
      '}',
      '',
    ].join('\n'),
  };
  for (const [path, text] of Object.entries(scratch)) {
    await mkdir(join(copy, path, '..'), { recursive: true });
    await writeFile(join(copy, path), text);
  }
  const { exitCode, output } = await lintCopy(copy, Object.keys(scratch));
  assert.is(exitCode, 1, output);
  assert.match(output, /^dependency-cruiser: FAILED$/m);
  assert.match(output, /^eslint: FAILED$/m);
  assert.match(output, /error system-imports-upward: system\/scratch-upward\.ts → installer\/engine\/contract\.ts/);
  assert.match(output, /error not-to-test: bench\/scratch-test-import\.ts → test\/support\/cli\.ts/);
  assert.match(output, /error install-engine-imports-front-end: installer\/engine\/scratch-front-end\.ts → installer\/screens\/select-list\/index\.tsx/);
  assert.match(output, /error no-circular: lib\/scratch-cycle-[ab]\.ts →\s+lib\/scratch-cycle-[ab]\.ts/);
  assert.match(output, /lib\/scratch-floating\.ts\n\s+2:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/);
  assert.match(output, /installer\/screens\/scratch-hooks\.tsx\n\s+8:6\s+error\s+React Hook useEffect has a missing dependency: 'value'.*react-hooks\/exhaustive-deps/);
});

lint.run();
