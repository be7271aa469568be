/**
 * Benchmark: `cairn detect` on this machine against systeminformation's own everything-at-once call
 * (`si.getStaticData()`, what a program that just asks systeminformation would do), in the same run. Each
 * measurement is a fresh Node process (systeminformation caches some answers within a process); the runs
 * alternate so that a machine slowing down weighs on both alike. Reports the medians and the ratio (below 1:
 * Cairn is faster), plus the platform-only detection `generate-config` uses and the whole `cairn detect`
 * command as users run it.
 *
 *   node --import tsx bench/detect.ts [--runs N]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../scripts/repo-root.js';

const here = fileURLToPath(import.meta.url);


type Mode = 'cairn' | 'platform' | 'systeminformation';

/** Worker: does one detection in this process and prints how long the work itself took, in milliseconds. */
async function work(mode: Mode): Promise<void> {
  if (mode === 'systeminformation') {
    const si = (await import('systeminformation')).default;
    const start = performance.now();
    await si.getStaticData();
    process.stdout.write(`${performance.now() - start}\n`);
    return;
  }
  const { detectHardware, detectPlatformOnly } = await import('../installer/hardware/detect-hardware.js');
  const { liveHardwareSource } = await import('../installer/hardware/hardware-source.js');
  const start = performance.now();
  await (mode === 'cairn' ? detectHardware(liveHardwareSource()) : detectPlatformOnly(liveHardwareSource()));
  process.stdout.write(`${performance.now() - start}\n`);
}

function spawnTimed(argv: readonly string[]): Promise<{ wallMs: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ wallMs: performance.now() - start, stdout }) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

const median = (list: number[]) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)]!;
const format = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, worker: { type: 'string' } } });
  if (values.worker !== undefined) {
    await work(values.worker as Mode);
    return;
  }
  const runs = Number(values.runs);
  const built = join(repoRoot, 'dist', 'cli', 'commands', 'detect.js');
  const cli = existsSync(built) ? [join(repoRoot, 'dist', 'cli', 'cairn.cjs')] : ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts')];
  const times = { cairn: [] as number[], systeminformation: [] as number[], platform: [] as number[], command: [] as number[] };
  for (let i = 0; i < runs; i++) {
    for (const mode of ['cairn', 'systeminformation', 'platform'] as const) {
      const { stdout } = await spawnTimed(['--import', 'tsx', here, '--worker', mode]);
      times[mode].push(Number(stdout.trim()));
    }
    times.command.push((await spawnTimed([...cli, 'detect', '--json'])).wallMs);
  }
  const cairn = median(times.cairn);
  const peer = median(times.systeminformation);
  const lines = [
    `cairn detect on this machine, median of ${runs} runs (fresh process each):`,
    `  Cairn detection (full report)         ${format(cairn)}`,
    `  si.getStaticData() (peer)              ${format(peer)}`,
    `  ratio Cairn / peer                     ${(cairn / peer).toFixed(2)}`,
    `  platform only (generate-config)        ${format(median(times.platform))}`,
    `  \`cairn detect --json\` command, wall    ${format(median(times.command))}  (${existsSync(built) ? 'dist/' : 'from source through tsx'}, budget 3 s)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
