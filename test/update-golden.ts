/**
 * `npm run golden`: rewrites the golden files from what the code gives now, the one way they change: the
 * boot configurations in fixtures/bootloader and the expected files of each recorded machine in
 * fixtures/machines/<name>/expected. Refused when CI is set (CI checks golden files; it never makes them).
 * Read the diff (git diff fixtures/) before committing.
 */
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { expectedFilesOf, machinesDirectory } from '../scripts/make-machine-fixtures.js';
import { bootloaderGoldenDirectory, bootloaderGoldenFiles } from './support/bootloader-golden.js';
import { repoRoot } from './support/cli.js';

if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false') {
  process.stderr.write('npm run golden: refused while CI is set: golden files are rewritten on purpose, by a person, and the diff read before committing\n');
  process.exit(1);
}

const files = new Map<string, string>();
for (const [name, text] of bootloaderGoldenFiles()) files.set(join(bootloaderGoldenDirectory, name), text);
for (const name of (await readdir(machinesDirectory)).sort()) {
  if (!(await stat(join(machinesDirectory, name, 'recording')).then((s) => s.isDirectory(), () => false))) continue;
  const expected = await expectedFilesOf(join(machinesDirectory, name, 'recording'));
  files.set(join(machinesDirectory, name, 'expected', 'hardware-configuration.yaml'), expected.hardware);
  files.set(join(machinesDirectory, name, 'expected', 'configuration.yaml'), expected.configuration);
}

let changed = 0;
for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === text) continue;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  changed += 1;
  process.stdout.write(`${before === undefined ? 'created' : 'rewrote'} ${relative(repoRoot, path)}\n`);
}
process.stdout.write(`${changed} of ${files.size} golden files changed${changed > 0 ? ': read git diff fixtures/ before committing' : ''}\n`);

