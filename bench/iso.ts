/**
 * `npm run bench:iso`: Cairn's ISO engine against `xorriso -as mkisofs -R -J` on the same trees, in the same
 * run, as ratios; `cat` of the same bytes into one file is the physical bound (coreutils' cat copies inside the
 * kernel with copy_file_range, which Node cannot do, so `dd bs=4M`, a read/write copy through user memory like
 * Cairn's, is shown too for the trees of few files). Three trees: 20,000 small files, a few large files (1 GiB),
 * and a store of 50 generations sharing kernels (each generation a copy, as a naive export of a store would
 * be). Sources are read from the page cache (each tool runs after a warm-up), outputs go to the same disk, and
 * `sync` runs before each measurement. Wall time is the median of the runs, peak RSS the largest (GNU time).
 *
 *   npm run bench:iso                      # builds dist/ first; trees are kept in $CAIRN_BENCH_DIR
 *   CAIRN_BENCH_RUNS=5 npm run bench:iso
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSize } from '../lib/size.js';
import { repoRoot } from '../scripts/repo-root.js';
import { fill, measure, median, type Measurement } from './measure.js';

const benchDir = process.env.CAIRN_BENCH_DIR ?? join(tmpdir(), 'cairn-bench');
const runs = Number(process.env.CAIRN_BENCH_RUNS ?? 3);
const EPOCH = '1700000000';

async function makeSmallTree(root: string): Promise<void> {
  let seed = 1;
  for (let i = 0; i < 20_000; i++) {
    const dir = join(root, `d${String(i % 200).padStart(3, '0')}`, `s${i % 7}`);
    if (i < 1400) await mkdir(dir, { recursive: true });
    const size = (i * 7919) % 16_384;
    await writeFile(join(dir, `file${String(i).padStart(5, '0')}.txt`), fill(Buffer.alloc(size), seed++));
  }
}

async function makeLargeTree(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  const sizes = [512, 256, 192, 64].map((m) => m * 1024 * 1024);
  for (const [i, size] of sizes.entries()) {
    const chunk = 16 * 1024 * 1024;
    const handle = await (await import('node:fs/promises')).open(join(root, `large-${i}.img`), 'w');
    for (let offset = 0; offset < size; offset += chunk) await handle.write(fill(Buffer.alloc(Math.min(chunk, size - offset)), i * 1000 + offset / chunk + 1));
    await handle.close();
  }
}

/** 50 generations, each with its own copy of a kernel (5 distinct) and an initrd (10 distinct), and small files. */
async function makeStoreTree(root: string): Promise<void> {
  const kernels = Array.from({ length: 5 }, (_, i) => fill(Buffer.alloc(12 * 1024 * 1024 + i * 4096), 100 + i));
  const initrds = Array.from({ length: 10 }, (_, i) => fill(Buffer.alloc(30 * 1024 * 1024 + i * 8192), 200 + i));
  for (let generation = 1; generation <= 50; generation++) {
    const dir = join(root, 'generations', String(generation));
    await mkdir(join(dir, 'etc'), { recursive: true });
    await writeFile(join(dir, 'bzImage'), kernels[Math.floor((generation - 1) / 10)]!);
    await writeFile(join(dir, 'initrd'), initrds[Math.floor((generation - 1) / 5)]!);
    await writeFile(join(dir, 'boot.json'), JSON.stringify({ generation, label: `Generation ${generation}` }));
    for (let f = 0; f < 20; f++) await writeFile(join(dir, 'etc', `config-${f}`), `generation ${generation} setting ${f}\n`);
  }
}

const TREES = [
  { name: 'small', title: '20,000 small files (0-16 KiB)', make: makeSmallTree },
  { name: 'large', title: '4 large files, 1 GiB in all', make: makeLargeTree },
  { name: 'store', title: '50 generations sharing 5 kernels and 10 initrds (copies)', make: makeStoreTree },
] as const;

async function filesOf(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(path);
    }
  };
  await walk(root);
  return out;
}

async function main(): Promise<void> {
  await mkdir(benchDir, { recursive: true });
  // The executable as npm links it (package.json bin), as `npm run bench` runs it.
  const cli = join(repoRoot, 'dist', 'cli', 'cairn.cjs');
  const rows: string[] = [];
  for (const tree of TREES) {
    const source = join(benchDir, tree.name);
    if (!existsSync(join(benchDir, `${tree.name}.done`))) {
      process.stderr.write(`making the ${tree.name} tree in ${source}\n`);
      await rm(source, { recursive: true, force: true });
      await tree.make(source);
      await writeFile(join(benchDir, `${tree.name}.done`), '');
    }
    const files = await filesOf(source);
    let bytes = 0;
    for (const file of files) bytes += (await stat(file)).size;
    const spec = join(benchDir, `${tree.name}.yaml`);
    await writeFile(spec, `volumeId: BENCH_${tree.name.toUpperCase()}\nfiles:\n  - from: ${source}\n    to: /\n`);
    const outputs = {
      cairn: join(benchDir, `${tree.name}-cairn.iso`),
      xorriso: join(benchDir, `${tree.name}-xorriso.iso`),
      cat: join(benchDir, `${tree.name}-cat.out`),
      dd: join(benchDir, `${tree.name}-dd.out`),
    };
    const commands = {
      cairn: () => measure([process.execPath, cli, 'iso', 'build', spec, '-o', outputs.cairn, '--date', EPOCH], { env: { CI: 'true' } }),
      xorriso: () => measure(['xorriso', '-as', 'mkisofs', '-quiet', '-R', '-J', '-V', `BENCH_${tree.name.toUpperCase()}`, '-o', outputs.xorriso, source], { env: { SOURCE_DATE_EPOCH: EPOCH } }),
      cat: () => measure(['xargs', '-0', '-a', join(benchDir, `${tree.name}.files`), 'cat'], { stdout: outputs.cat }),
      // One dd per file: meaningful for trees of few files only.
      dd: () =>
        files.length > 2000
          ? { seconds: Number.NaN, peakKiB: 0 }
          : measure(['sh', '-c', 'for f in "$@"; do dd if="$f" bs=4M status=none; done', 'sh', ...files], { stdout: outputs.dd }),
    };
    await writeFile(join(benchDir, `${tree.name}.files`), files.join('\0'));
    const results: Record<keyof typeof commands, Measurement[]> = { cairn: [], xorriso: [], cat: [], dd: [] };
    // A warm-up of each puts the sources in the page cache; then the tools take turns.
    for (let run = 0; run <= runs; run++) {
      for (const tool of ['cairn', 'xorriso', 'cat', 'dd'] as const) {
        await rm(outputs[tool], { force: true });
        // Each tool starts with no dirty pages of the one before still being written back.
        spawnSync('sync');
        const measurement = commands[tool]();
        if (run > 0) results[tool].push(measurement);
      }
    }
    const time = (tool: keyof typeof commands) => median(results[tool].map((m) => m.seconds));
    const peak = (tool: keyof typeof commands) => Math.max(...results[tool].map((m) => m.peakKiB)) / 1024;
    const size = async (file: string) => (await stat(file)).size;
    const line = {
      tree: tree.title,
      files: files.length,
      bytes,
      catSeconds: time('cat'),
      ddSeconds: time('dd'),
      xorrisoSeconds: time('xorriso'),
      cairnSeconds: time('cairn'),
      xorrisoPeakMiB: peak('xorriso'),
      cairnPeakMiB: peak('cairn'),
      xorrisoImage: await size(outputs.xorriso),
      cairnImage: await size(outputs.cairn),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    rows.push(
      `| ${line.tree} | ${formatSize(bytes)} | ${line.cairnSeconds.toFixed(2)} s | ${line.xorrisoSeconds.toFixed(2)} s | **${(line.cairnSeconds / line.xorrisoSeconds).toFixed(2)}** | ${line.catSeconds.toFixed(2)} s | ${(line.cairnSeconds / line.catSeconds).toFixed(2)} | ${Number.isNaN(line.ddSeconds) ? '-' : `${line.ddSeconds.toFixed(2)} s`} | ${line.cairnPeakMiB.toFixed(0)} MiB | ${line.xorrisoPeakMiB.toFixed(0)} MiB | ${(line.cairnPeakMiB / line.xorrisoPeakMiB).toFixed(1)} | ${formatSize(line.cairnImage)} / ${formatSize(line.xorrisoImage)} |`,
    );
    for (const file of Object.values(outputs)) await rm(file, { force: true });
  }
  process.stdout.write(
    [
      '',
      `| tree | sources | Cairn | xorriso | Cairn / xorriso | cat | Cairn / cat | dd bs=4M | Cairn peak RSS | xorriso peak RSS | RSS ratio | image (Cairn / xorriso) |`,
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `(median of ${runs} runs after a warm-up; ${benchDir})`,
      '',
    ].join('\n'),
  );
}

await main();
