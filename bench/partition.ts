/**
 * Partitioning benchmark, compared with the peer tools in the same run (ratios, not absolute times):
 *
 * 1. Planning and writing the table of a 2 TiB sparse image: Cairn's planner and GPT codec in-process,
 *    against `sfdisk` writing the same table (same start, size, type, GUIDs, names) from a script.
 * 2. `partition apply` of the guided layout (ESP + ext4 root) on an 8 GiB image, filesystems included:
 *    Cairn's applyPlan() in-process and the `cairn` command as a process, against the same `sfdisk` +
 *    `mkfs.fat` + `mke2fs` commands run by hand from a shell script.
 *
 *   npm run bench:partition            # medians of several runs each
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan } from '../partitioning/apply.js';
import { guidedLayout } from '../partitioning/guided-layout.js';
import { encodePlanTable } from '../partitioning/plan-table.js';
import { planPartitions, type PartitionPlan } from '../partitioning/plan.js';
import { identityOfImage, resolveTarget } from '../partitioning/target.js';
import { run } from '../lib/run.js';
import { repoRoot } from '../scripts/repo-root.js';

const TiB = 1024 ** 4;
const GiB = 1024 ** 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds `action` takes, until its promise settles when it returns one. */
async function time(action: () => unknown): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

async function sparseFile(path: string, size: number): Promise<void> {
  await rm(path, { force: true });
  await (await open(path, 'w')).close();
  await truncate(path, size);
}

/** The sfdisk script that writes the same table as a plan. */
function sfdiskScript(plan: PartitionPlan): string {
  const lines = [`label: gpt`, `label-id: ${plan.diskId}`, 'first-lba: 34'];
  for (const p of plan.partitions) lines.push(`start=${p.firstLba}, size=${p.sectors}, type=${p.typeGuid}, uuid=${p.partUuid}, name="${p.name}"`);
  return `${lines.join('\n')}\n`;
}

async function benchTable(dir: string, rounds: number): Promise<{ cairn: number; sfdisk: number }> {
  const image = join(dir, 'table-2t.img');
  const cairn: number[] = [];
  const sfdisk: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await sparseFile(image, 2 * TiB);
    cairn.push(
      await time(async () => {
        const plan = planPartitions(guidedLayout({ swapBytes: 8 * GiB }), identityOfImage(image, 2 * TiB), { seed: `bench-${i}` });
        const handle = await open(image, 'r+');
        try {
          for (const block of encodePlanTable(plan)) await handle.write(block.bytes, 0, block.bytes.length, block.lba * 512);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }),
    );
    const script = sfdiskScript(planPartitions(guidedLayout({ swapBytes: 8 * GiB }), identityOfImage(image, 2 * TiB), { seed: `bench-${i}` }));
    await sparseFile(image, 2 * TiB);
    sfdisk.push(await time(() => run('sfdisk', ['-q', '--no-reread', '--no-tell-kernel', image], { input: script })));
  }
  await rm(image, { force: true });
  return { cairn: median(cairn), sfdisk: median(sfdisk) };
}

/** The commands a person would type for the guided layout, with the same options Cairn passes. */
function handScript(image: string, plan: PartitionPlan): string {
  const [esp, root] = plan.partitions;
  return [
    'set -e',
    `truncate -s ${plan.disk.sizeBytes} ${image}`,
    `sfdisk -q --no-reread --no-tell-kernel ${image} <<'EOF'\n${sfdiskScript(plan)}EOF`,
    `mkfs.fat --invariant -S 512 -i ${esp!.filesystem!.uuid.replace('-', '')} -F 32 -n ESP --offset ${esp!.firstLba} -h ${esp!.firstLba} ${image} ${esp!.sizeBytes / 1024} >/dev/null 2>&1`,
    `mke2fs -t ext4 -F -q -E hash_seed=${root!.filesystem!.uuid},nodiscard,offset=${root!.offsetBytes} -U ${root!.filesystem!.uuid} -L cairn-root ${image} ${Math.floor(root!.sizeBytes / 1024)}k`,
  ].join('\n');
}

async function benchApply(dir: string, rounds: number): Promise<{ library: number; command: number; startup: number; hand: number }> {
  const image = join(dir, 'guided-8g.img');
  const library: number[] = [];
  const command: number[] = [];
  const hand: number[] = [];
  const startup: number[] = [];
  const built = join(repoRoot, 'dist', 'cli', 'cairn.cjs');
  const cli = existsSync(built) ? [built] : ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts')];
  for (let i = 0; i < rounds; i++) {
    await rm(image, { force: true });
    library.push(
      await time(async () => {
        const target = await resolveTarget(image, { sizeBytes: 8 * GiB });
        const plan = planPartitions(guidedLayout(), target.identity, { seed: 'bench' });
        await applyPlan(plan, target);
      }),
    );
    await rm(image, { force: true });
    command.push(
      await time(() => {
        const result = spawnSync(process.execPath, [...cli, 'partition', 'apply', 'guided', '--disk', image, '--size', '8G', '--seed', 'bench', '--yes'], { cwd: repoRoot, stdio: 'ignore' });
        if (result.status !== 0) throw new Error(`cairn partition apply failed (${result.status})`);
      }),
    );
    // Node and the partition command's modules, without any work: what every `cairn partition` call pays.
    startup.push(await time(() => spawnSync(process.execPath, [...cli, 'partition', '--help'], { cwd: repoRoot, stdio: 'ignore' })));
    const plan = planPartitions(guidedLayout(), identityOfImage(image, 8 * GiB), { seed: 'bench' });
    const script = handScript(image, plan);
    await rm(image, { force: true });
    hand.push(await time(() => run('bash', ['-c', script])));
  }
  await rm(image, { force: true });
  return { library: median(library), command: median(command), startup: median(startup), hand: median(hand) };
}

const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-partition-'));
try {
  const table = await benchTable(dir, 15);
  const apply = await benchApply(dir, 7);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const lines = [
    'Partitioning benchmark (medians)',
    '',
    `2 TiB sparse image, plan + write the GPT:  cairn ${ms(table.cairn)}  sfdisk ${ms(table.sfdisk)}  ratio cairn/sfdisk ${(table.cairn / table.sfdisk).toFixed(2)}`,
    `8 GiB image, guided layout with filesystems:`,
    `  by hand (sfdisk + mkfs.fat + mke2fs)    ${ms(apply.hand)}`,
    `  cairn applyPlan() in-process             ${ms(apply.library)}  ratio ${(apply.library / apply.hand).toFixed(2)}`,
    `  cairn partition apply (a new process)    ${ms(apply.command)}  ratio ${(apply.command / apply.hand).toFixed(2)}`,
    `    of which starting the cairn process      ${ms(apply.startup)}  (cairn partition --help: Node and the command's modules); the rest ${ms(apply.command - apply.startup)}, ratio ${((apply.command - apply.startup) / apply.hand).toFixed(2)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
