/**
 * Benchmark: writing an initramfs with Cairn's writer (newc + gzip from node:zlib) against the usual tools,
 * `find | sort | cpio -o -H newc --reproducible | gzip`, on the same contents in the same run: busybox, sh,
 * mke2fs and node with their libraries, and ext4 and virtio_blk with their modules (from the test kernel).
 * The peer archives a staged copy of the tree (cpio reads a directory); Cairn writes from the collected
 * entries, as `cairn initrd build` does after resolving them (that step is timed on its own). Medians of
 * alternating runs, and the ratio (below 1: Cairn is faster), uncompressed and gzip.
 *
 *   node --import tsx bench/initrd.ts [--runs N]
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { run } from '../lib/run.js';
import { collectInitrdEntries, type InitrdContents } from '../image-builder/initrd/build-initrd.js';
import { writeInitramfs, type InitramfsCompression } from '../image-builder/initrd/write-initramfs.js';
import { ensureTestKernelModules } from '../scripts/test-system.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const MiB = 1024 * 1024;

async function timed(action: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

/** Median times of two actions run alternately, so that a machine slowing down weighs on both alike. */
async function alternate(a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    times[0].push(await timed(a));
    times[1].push(await timed(b));
  }
  const median = (list: number[]) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

const work = join(tmpdir(), `cairn-bench-initrd-${process.pid}`);
try {
  await mkdir(work, { recursive: true });
  const { directory } = await ensureTestKernelModules();
  const contents: InitrdContents = {
    programs: [{ from: 'busybox' }, { from: 'sh' }, { from: 'mke2fs' }, { from: process.execPath }],
    libraries: ['libgcc_s.so.1'],
    libraryPath: [],
    modules: { directory, include: ['ext4', 'virtio_blk'] },
    entries: [{ kind: 'file', path: '/init', data: '#!/bin/sh\nexec sh\n', mode: 0o755 }],
  };
  let collected!: Awaited<ReturnType<typeof collectInitrdEntries>>;
  const resolveMs = await timed(async () => {
    collected = await collectInitrdEntries(contents);
  });
  const date = new Date(1_700_000_000 * 1000);

  // The peer's input: the same tree on disk (unpacked from Cairn's own uncompressed archive by GNU cpio).
  const tree = join(work, 'tree');
  await mkdir(tree);
  const plain = join(work, 'plain.cpio');
  await writeInitramfs(collected.entries, { output: plain, compression: 'none', date });
  await run('bash', ['-c', `cpio -idm --quiet --no-absolute-filenames < '${plain}'`], { cwd: tree });

  console.log(`initramfs of ${collected.entries.length} entries (${collected.elf.objects.length} ELF objects, ${collected.modules?.names.length ?? 0} modules), median of ${runs} runs`);
  console.log(`  resolving the contents (ELF, modules, depmod): ${resolveMs.toFixed(0)} ms (once)`);
  for (const compression of ['none', 'gzip'] as InitramfsCompression[]) {
    const ours = join(work, `cairn-${compression}.img`);
    const peer = join(work, `peer-${compression}.img`);
    const filter = compression === 'gzip' ? ' | gzip -6' : '';
    const [cairn, tools] = await alternate(
      () => writeInitramfs(collected.entries, { output: ours, compression, date }).then(() => undefined),
      () => run('bash', ['-c', `set -o pipefail; find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --reproducible --owner=0:0 --quiet${filter} > '${peer}'`], { cwd: tree }).then(() => undefined),
    );
    const [ourSize, peerSize] = [(await stat(ours)).size, (await stat(peer)).size];
    console.log(`  ${compression === 'gzip' ? 'gzip' : 'uncompressed'}:`);
    console.log(`    Cairn writeInitramfs:                 ${cairn.toFixed(0)} ms, ${(ourSize / MiB).toFixed(2)} MiB`);
    console.log(`    find | sort | cpio -o -H newc${compression === 'gzip' ? ' | gzip' : '       '}: ${tools.toFixed(0)} ms, ${(peerSize / MiB).toFixed(2)} MiB`);
    console.log(`    ratio Cairn / peer: time ${(cairn / tools).toFixed(2)}, size ${(ourSize / peerSize).toFixed(3)}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
