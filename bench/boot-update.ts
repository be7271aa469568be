/**
 * Benchmark: `cairn boot update` for a profile of 1,000 generations sharing 10 kernels (and one initrd),
 * onto an empty ESP directory and then again with nothing to change and with one new generation. The ESP
 * must end up holding exactly 10 kernel files. The peer is `cp` of the same 11 distinct files into an
 * empty directory, the least work any tool doing this job must do (and `cp` followed by `sync`, the least
 * work of a durable copy); figures are printed as ratios to plain `cp`.
 *
 *   npm run build && node --import tsx bench/boot-update.ts [--generations 1000] [--kernels 10] [--runs 3]
 *
 * CAIRN_BENCH_KEEP=1 keeps the sysroot and ESPs (the directory is printed) for profiling.
 */
import { createHash } from 'node:crypto';
import { lutimes, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run } from '../lib/run.js';
import { encodeBootDocument } from '../system/bootspec.js';
import { DEFAULT_PROFILE } from '../system/profile.js';
import { encodeBase32 } from '../system/store-hash.js';
import { repoRoot } from '../scripts/repo-root.js';

const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const GENERATIONS = argument('generations', 1000);
const KERNELS = argument('kernels', 10);
const RUNS = argument('runs', 3);
const KERNEL_BYTES = 8 * 1024 * 1024;
const INITRD_BYTES = 2 * 1024 * 1024;

function storeName(seed: string, name: string): string {
  return `${encodeBase32(createHash('sha256').update(seed).digest().subarray(0, 20))}-${name}`;
}

/** Deterministic file content of a given size. */
function content(seed: string, size: number): Buffer {
  const block = createHash('sha512').update(seed).digest();
  const buffer = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += block.length) block.copy(buffer, offset);
  return buffer;
}

/** A sysroot with the profile, written directly (the store layout Cairn uses), so setup stays quick. */
async function makeSysroot(root: string): Promise<string[]> {
  const store = join(root, 'cairn/store');
  await mkdir(store, { recursive: true });
  const kernels: string[] = [];
  for (let k = 0; k < KERNELS; k++) {
    const entry = storeName(`kernel-${k}`, `linux-6.1.${k}`);
    await mkdir(join(store, entry));
    await writeFile(join(store, entry, 'bzImage'), content(`kernel-${k}`, KERNEL_BYTES));
    kernels.push(`/cairn/store/${entry}/bzImage`);
  }
  const initrdEntry = storeName('initrd', 'initrd');
  await mkdir(join(store, initrdEntry));
  await writeFile(join(store, initrdEntry, 'initrd'), content('initrd', INITRD_BYTES));
  const profiles = join(root, dirname(DEFAULT_PROFILE));
  await mkdir(profiles, { recursive: true });
  for (let n = 1; n <= GENERATIONS; n++) await addGeneration(root, n, kernels[n % KERNELS]!, `/cairn/store/${initrdEntry}/initrd`);
  await symlink(`system-${GENERATIONS}-link`, join(root, DEFAULT_PROFILE));
  return [...kernels, `/cairn/store/${initrdEntry}/initrd`].map((p) => join(root, p));
}

async function addGeneration(root: string, n: number, kernel: string, initrd: string): Promise<void> {
  const toplevel = `/cairn/store/${storeName(`system-${n}`, 'cairn-system')}`;
  await mkdir(join(root, toplevel));
  const document = {
    bootspec: { system: 'x86_64-linux', init: `${toplevel}/init`, initrd, kernel, kernelParams: ['console=ttyS0,115200', 'quiet'], label: `Cairn 1.${n}`, toplevel },
    specialisations: {},
    extensions: {},
  };
  await writeFile(join(root, toplevel, 'boot.json'), encodeBootDocument(document));
  const link = join(root, `${DEFAULT_PROFILE}-${n}-link`);
  await symlink(toplevel, link);
  const date = new Date(Date.UTC(2026, 0, 1) + n * 3600_000);
  await lutimes(link, date, date);
}

async function timed(command: string, args: readonly string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await run(command, args, { cwd: repoRoot, env: { NO_COLOR: '1', CI: 'true' } });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const cli = join(repoRoot, 'dist/cli/cairn.cjs');
const work = await mkdtemp(join(tmpdir(), 'cairn-bench-boot-'));
try {
  const root = join(work, 'root');
  const files = await makeSysroot(root);
  const update = (esp: string) => timed(process.execPath, [cli, 'boot', 'update', '--esp', esp, '--root', root, '--allow-non-fat', '--timeout', '3']);
  const first: number[] = [];
  const unchanged: number[] = [];
  const copies: number[] = [];
  const durable: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const esp = join(work, `esp-${run}`);
    await mkdir(esp);
    first.push(await update(esp));
    unchanged.push(await update(esp));
    const kernelFiles = (await readdir(join(esp, 'EFI/cairn'))).filter((n) => n.endsWith('-bzImage'));
    if (kernelFiles.length !== KERNELS) throw new Error(`the ESP holds ${kernelFiles.length} kernel files, expected ${KERNELS}`);
    const entries = await readdir(join(esp, 'loader/entries'));
    if (entries.length !== GENERATIONS) throw new Error(`the ESP holds ${entries.length} entries, expected ${GENERATIONS}`);
    const peer = join(work, `cp-${run}`);
    await mkdir(peer);
    // Same basenames (bzImage) in one directory: numbered backups keep every copy.
    copies.push(await timed('cp', ['--backup=numbered', ...files, peer]));
    await rm(peer, { recursive: true });
    await mkdir(peer);
    durable.push((await timed('cp', ['--backup=numbered', ...files, peer])) + (await timed('sync', ['--file-system', peer])));
    await rm(peer, { recursive: true });
  }
  // One more generation: one entry and loader.conf change.
  const esp = join(work, 'esp-0');
  await addGeneration(root, GENERATIONS + 1, files[0]!.slice(root.length), files.at(-1)!.slice(root.length));
  await rm(join(root, DEFAULT_PROFILE));
  await symlink(`system-${GENERATIONS + 1}-link`, join(root, DEFAULT_PROFILE));
  const added = await update(esp);
  const cp = median(copies);
  const line = (what: string, seconds: number) => `${what.padEnd(44)} ${seconds.toFixed(2).padStart(6)} s   ${(seconds / cp).toFixed(1).padStart(6)} x cp`;
  process.stdout.write(
    [
      `boot update, ${GENERATIONS} generations sharing ${KERNELS} kernels (${KERNEL_BYTES / 1048576} MiB each) and one initrd; median of ${RUNS}`,
      line(`cp of the ${files.length} distinct files (peer)`, cp),
      line('cp, then sync --file-system (durable peer)', median(durable)),
      line('cairn boot update, empty ESP', median(first)),
      line('cairn boot update, nothing to change', median(unchanged)),
      line('cairn boot update, one generation added', added),
      `ESP: ${KERNELS} kernel files, ${GENERATIONS} entries`,
      '',
    ].join('\n'),
  );
} finally {
  if (process.env.CAIRN_BENCH_KEEP === undefined) await rm(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
}
