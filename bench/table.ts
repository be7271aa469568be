/**
 * `npm run bench`: the performance table of the README (issue 18), every row measured side by side in one run,
 * Cairn against a peer on this machine, as ratios against a goal:
 *
 * - start-up: `cairn --version`, `cairn generation list` (the example's profile when `npm run example` made it,
 *   the recorded NixOS profile otherwise), `cairn install --help`, each against `node -e 0`;
 * - many files: `cairn iso build` of a tree (default /usr/share, on every Debian machine and CI runner) against
 *   `xorriso -as mkisofs -R -J -joliet-long` and against `tar cf - TREE > FILE` (one sequential copy); and, as
 *   notes, bench/node-copy.mjs: what Node alone costs for that copy, and for it storing identical contents once;
 * - large files: one 1 GiB file and a kernel-sized file against xorriso and against `cat` of both into one file;
 * - peak memory (GNU time's maximum RSS) of the many-files build against xorriso's, and (`--only memory`, not in
 *   the default run) Cairn's peak memory for generated trees of 47,000 and 200,000 small files: the bytes it keeps
 *   per file are the difference divided by the difference in files.
 *
 * Cairn runs from dist/ as the published package does (package.json bin). The tools take turns, after a warm-up of each (sources in the page
 * cache), `sync` before each measured build; figures are medians, peak memory the largest of the runs.
 *
 *   npm run bench                              # builds dist/ first
 *   npm run bench -- --quick                   # for development: fewer runs, a 256 MiB large file
 *   npm run bench -- --tree /usr/lib --runs 7  # another many-files tree, more runs
 *   npm run bench -- --only start --example-root ../main/build/example/sysroot
 *
 * Trees and outputs live in $CAIRN_BENCH_DIR (default /tmp/cairn-bench); generated sources are kept between runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSize } from '../lib/size.js';
import { repoRoot } from '../scripts/repo-root.js';
import { describeMachine, fill, measure, median, wallSeconds, type Measurement } from './measure.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tree: { type: 'string', default: '/usr/share' },
    runs: { type: 'string' },
    'start-runs': { type: 'string' },
    only: { type: 'string', multiple: true },
    'example-root': { type: 'string' },
  },
});
const quick = flags.quick;
const runs = Number(flags.runs ?? (quick ? 1 : 5));
const startRuns = Number(flags['start-runs'] ?? (quick ? 5 : 21));
const benchDir = process.env.CAIRN_BENCH_DIR ?? join(tmpdir(), 'cairn-bench');
const only = new Set(flags.only ?? ['start', 'files', 'large']);
const EPOCH = '1700000000';
const LARGE_BYTES = quick ? 256 * 1024 ** 2 : 1024 ** 3;
const KERNEL_BYTES = 12 * 1024 ** 2 + 4321;

/** The `cairn` executable as npm links it (package.json bin). */
const cli = join(repoRoot, (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: { cairn: string } }).bin.cairn);
const node = process.execPath;
const nodeCopy = join(repoRoot, 'bench', 'node-copy.mjs');

interface Row {
  readonly what: string;
  readonly cairn: string;
  readonly peer: string;
  readonly ratio: number;
  readonly goal: string;
  readonly met: boolean;
}

const rows: Row[] = [];
const notes: string[] = [];

function seconds(value: number): string {
  return value < 1 ? `${(value * 1000).toFixed(0)} ms` : `${value.toFixed(2)} s`;
}

function addRow(what: string, cairn: string, peer: string, ratio: number, goal: number): void {
  rows.push({ what, cairn, peer, ratio, goal: `<= ${goal.toFixed(2)}x`, met: ratio <= goal });
  process.stderr.write(`  ${what}: ${ratio.toFixed(2)}x (goal <= ${goal.toFixed(2)}x)\n`);
}

/** The profile `generation list` reads: the example's when it was built, else the recorded NixOS profile. */
function listArguments(): { args: string[]; which: string } {
  const example = resolve(flags['example-root'] ?? join(repoRoot, 'build', 'example', 'sysroot'));
  if (existsSync(join(example, 'cairn', 'var', 'profiles'))) return { args: ['--root', example], which: `the example's profile (${example})` };
  return {
    args: ['--root', join(repoRoot, 'fixtures', 'profiles', 'nixos'), '--profile', '/nix/var/nix/profiles/system'],
    which: 'fixtures/profiles/nixos (run `npm run example` for the example\'s profile)',
  };
}

function benchStartUp(): void {
  const list = listArguments();
  notes.push(`generation list reads ${list.which}.`);
  const commands = {
    node: [node, '-e', '0'],
    version: [node, cli, '--version'],
    list: [node, cli, 'generation', 'list', ...list.args],
    install: [node, cli, 'install', '--help'],
  } as const;
  const times: Record<keyof typeof commands, number[]> = { node: [], version: [], list: [], install: [] };
  for (let run = 0; run <= startRuns; run++) {
    for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
      const time = wallSeconds(commands[name], { env: { CI: 'true', NO_COLOR: '1' } });
      if (run > 0) times[name].push(time);
    }
  }
  const base = median(times.node);
  const row = (what: string, name: keyof typeof commands, goal: number) => addRow(what, seconds(median(times[name])), `${seconds(base)} (node -e 0)`, median(times[name]) / base, goal);
  row('`cairn --version` vs `node -e 0`', 'version', 1.1);
  row('`cairn generation list` vs `node -e 0`', 'list', 1.4);
  row('`cairn install --help` vs `node -e 0`', 'install', 1.4);
}

/** Runs each tool `runs` times after a warm-up, taking turns, output removed and `sync` before each. */
function takeTurns<T extends string>(tools: Record<T, { run: () => Measurement; output: string }>): Record<T, Measurement[]> {
  const names = Object.keys(tools) as T[];
  const results = Object.fromEntries(names.map((name) => [name, [] as Measurement[]])) as Record<T, Measurement[]>;
  for (let run = 0; run <= runs; run++) {
    for (const name of names) {
      spawnSync('rm', ['-f', tools[name].output]);
      spawnSync('sync');
      const measurement = tools[name].run();
      if (run > 0) results[name].push(measurement);
    }
  }
  for (const name of names) spawnSync('rm', ['-f', tools[name].output]);
  return results;
}

const wall = (measurements: readonly Measurement[]) => median(measurements.map((m) => m.seconds));
const peakMiB = (measurements: readonly Measurement[]) => Math.max(...measurements.map((m) => m.peakKiB)) / 1024;

function isoTools(name: string, spec: string, sources: readonly string[]) {
  const volume = `BENCH_${name.toUpperCase()}`;
  return {
    cairn: { output: join(benchDir, `${name}-cairn.iso`), run: () => measure([node, cli, 'iso', 'build', spec, '-o', join(benchDir, `${name}-cairn.iso`), '--date', EPOCH], { env: { CI: 'true' } }) },
    xorriso: {
      output: join(benchDir, `${name}-xorriso.iso`),
      run: () => measure(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-J', '-joliet-long', '-V', volume, '-o', join(benchDir, `${name}-xorriso.iso`), ...sources], { env: { SOURCE_DATE_EPOCH: EPOCH } }),
    },
  };
}

async function benchManyFiles(): Promise<void> {
  const tree = resolve(flags.tree);
  const counted = spawnSync('sh', ['-c', 'find "$1" -type f | wc -l; du -sb "$1" | cut -f1', 'sh', tree], { encoding: 'utf8' });
  const [files, bytes] = counted.stdout.trim().split('\n').map(Number);
  const spec = join(benchDir, 'tree.yaml');
  await writeFile(spec, `volumeId: BENCH_TREE\nfiles:\n  - from: ${JSON.stringify(tree)}\n    to: /\n`);
  process.stderr.write(`many files: ${tree}, ${files} files, ${formatSize(bytes!)}\n`);
  const results = takeTurns({
    ...isoTools('tree', spec, [tree]),
    tar: { output: join(benchDir, 'tree.tar'), run: () => measure(['tar', 'cf', '-', tree], { stdout: join(benchDir, 'tree.tar') }) },
    // What Node alone costs for the same pass over the tree: the floor under Cairn's row against tar; and the same
    // pass storing identical contents once, as a builder that reads each file once would.
    node: { output: join(benchDir, 'tree.copy'), run: () => measure([node, nodeCopy, tree, join(benchDir, 'tree.copy')]) },
    nodeIdentical: { output: join(benchDir, 'tree.copy-identical'), run: () => measure([node, nodeCopy, '--identical', tree, join(benchDir, 'tree.copy-identical')]) },
  });
  const what = `\`iso build\`, ${tree} (${files!.toLocaleString('en')} files, ${formatSize(bytes!)})`;
  const cairn = wall(results.cairn);
  addRow(`${what} vs \`xorriso -as mkisofs -R -J -joliet-long\``, seconds(cairn), seconds(wall(results.xorriso)), cairn / wall(results.xorriso), 0.45);
  addRow(`same tree vs \`tar cf - TREE > FILE\``, seconds(cairn), seconds(wall(results.tar)), cairn / wall(results.tar), 1.4);
  const copy = wall(results.node);
  const copyIdentical = wall(results.nodeIdentical);
  notes.push(
    `bench/node-copy.mjs (Node walking the same tree, reading each file once and writing it out, nothing else): ${seconds(copy)}, ${(copy / wall(results.tar)).toFixed(2)}x tar; Cairn ${(cairn / copy).toFixed(2)}x that.`,
    `bench/node-copy.mjs --identical (the same, hashing each file whose size is shared and writing each content once): ${seconds(copyIdentical)}, ${(copyIdentical / wall(results.tar)).toFixed(2)}x tar.`,
  );
  const memory = { cairn: peakMiB(results.cairn), xorriso: peakMiB(results.xorriso) };
  rows.push({ what: 'peak memory, the same tree', cairn: `${memory.cairn.toFixed(0)} MiB`, peer: `${memory.xorriso.toFixed(0)} MiB (xorriso)`, ratio: memory.cairn / memory.xorriso, goal: '<= 100 MiB', met: memory.cairn <= 100 });
  process.stderr.write(`  peak memory: Cairn ${memory.cairn.toFixed(0)} MiB, xorriso ${memory.xorriso.toFixed(0)} MiB\n`);
}

async function writeGenerated(path: string, size: number, seed: number): Promise<void> {
  if ((await stat(path).catch(() => undefined))?.size === size) return;
  const handle = await open(`${path}.tmp`, 'w');
  const chunk = 16 * 1024 * 1024;
  for (let offset = 0; offset < size; offset += chunk) await handle.write(fill(Buffer.alloc(Math.min(chunk, size - offset)), seed + offset / chunk));
  await handle.close();
  await rm(path, { force: true });
  await (await import('node:fs/promises')).rename(`${path}.tmp`, path);
}

async function benchLargeFile(): Promise<void> {
  const dir = join(benchDir, `large-${LARGE_BYTES}`);
  await mkdir(dir, { recursive: true });
  const large = join(dir, 'large.img');
  const kernel = join(dir, 'vmlinuz');
  await writeGenerated(large, LARGE_BYTES, 7);
  await writeGenerated(kernel, KERNEL_BYTES, 99);
  const spec = join(benchDir, 'large.yaml');
  await writeFile(spec, `volumeId: BENCH_LARGE\nfiles:\n  - from: ${JSON.stringify(dir)}\n    to: /\n`);
  process.stderr.write(`large file: ${formatSize(LARGE_BYTES)} + a ${formatSize(KERNEL_BYTES)} kernel\n`);
  const results = takeTurns({
    ...isoTools('large', spec, [dir]),
    cat: { output: join(benchDir, 'large.cat'), run: () => measure(['cat', large, kernel], { stdout: join(benchDir, 'large.cat') }) },
  });
  const cairn = wall(results.cairn);
  addRow(`\`iso build\`, one ${formatSize(LARGE_BYTES)} file + a kernel vs xorriso`, seconds(cairn), seconds(wall(results.xorriso)), cairn / wall(results.xorriso), 0.8);
  addRow('same vs `cat` of the files into one file', seconds(cairn), seconds(wall(results.cat)), cairn / wall(results.cat), 1.5);
  notes.push(`large-file build: Cairn's peak memory ${peakMiB(results.cairn).toFixed(0)} MiB, xorriso's ${peakMiB(results.xorriso).toFixed(0)} MiB.`);
}

/** A tree of `count` small files (1 to 64 bytes) in folders of 100, generated once and kept. */
async function smallFilesTree(count: number): Promise<string> {
  const root = join(benchDir, `files-${count}`);
  if (existsSync(`${root}.done`)) return root;
  await rm(root, { recursive: true, force: true });
  for (let i = 0; i < count; i++) {
    const dir = join(root, `d${String(Math.floor(i / 100)).padStart(4, '0')}`);
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `file-${String(i).padStart(6, '0')}.txt`), `${i}\n`.repeat(1 + (i % 8)));
  }
  await writeFile(`${root}.done`, '');
  return root;
}

async function benchMemory(): Promise<void> {
  const peaks: [number, number][] = [];
  for (const count of [47_000, 200_000]) {
    const tree = await smallFilesTree(count);
    const spec = join(benchDir, `files-${count}.yaml`);
    await writeFile(spec, `volumeId: BENCH_FILES\nfiles:\n  - from: ${JSON.stringify(tree)}\n    to: /\n`);
    const results = takeTurns(isoTools(`files-${count}`, spec, [tree]));
    peaks.push([count, peakMiB(results.cairn)]);
    rows.push({ what: `peak memory, ${count.toLocaleString('en')} small files`, cairn: `${peakMiB(results.cairn).toFixed(0)} MiB`, peer: `${peakMiB(results.xorriso).toFixed(0)} MiB (xorriso)`, ratio: peakMiB(results.cairn) / peakMiB(results.xorriso), goal: '-', met: true });
  }
  const [[few, fewMiB], [many, manyMiB]] = peaks as [[number, number], [number, number]];
  notes.push(`Cairn keeps about ${(((manyMiB - fewMiB) * 1024 * 1024) / (many - few)).toFixed(0)} bytes per file (peak memory at ${many.toLocaleString('en')} files minus at ${few.toLocaleString('en')}, over the difference).`);
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is not built: run npm run build (npm run bench does)`);
  await mkdir(benchDir, { recursive: true });
  const started = new Date();
  const machineBefore = describeMachine();
  process.stderr.write(`${machineBefore}\n`);
  if (only.has('start')) benchStartUp();
  if (only.has('files')) await benchManyFiles();
  if (only.has('large')) await benchLargeFile();
  if (only.has('memory')) await benchMemory();
  const lines = [
    '',
    '| what | Cairn | peer | Cairn / peer | goal | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.what} | ${r.cairn} | ${r.peer} | **${r.ratio.toFixed(2)}x** | ${r.goal} | ${r.goal === '-' ? '-' : r.met ? 'yes' : 'no'} |`),
    '',
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} to ${new Date().toISOString().slice(11, 16)} UTC; start-up: medians of ${startRuns} runs, builds: medians of ${runs} runs after a warm-up, tools taking turns.`,
    `Machine at the start: ${machineBefore}.`,
    `Machine at the end: ${describeMachine()}.`,
    ...notes,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

await main();
