/**
 * Benchmark: building a FAT image of an ESP-like directory with Cairn's writer against the usual tools,
 * `mkfs.fat` + `mcopy -s` (+ `sync`, as Cairn fsyncs), on the same tree and the same image size, in the same run. Reports the median of
 * a few alternating runs of each and the ratio (below 1: Cairn is faster).
 *
 *   node --import tsx bench/fat-image.ts [--runs N] [--kernels N] [--small N]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { run } from '../lib/run.js';
import { planFatImage, readFatTreeFromDirectory, writeFatImage } from '../image-builder/fat/index.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    kernels: { type: 'string', default: '4' },
    small: { type: 'string', default: '2000' },
  },
});
const runs = Number(values.runs);
const MiB = 1024 * 1024;

function filler(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE((Math.imul(i + 1, 2654435761) ^ seed) >>> 0, i);
  return bytes;
}

async function makeTree(root: string): Promise<void> {
  await mkdir(join(root, 'EFI/BOOT'), { recursive: true });
  await writeFile(join(root, 'EFI/BOOT/BOOTX64.EFI'), filler(128 * 1024, 1));
  await mkdir(join(root, 'EFI/cairn'), { recursive: true });
  for (let k = 0; k < Number(values.kernels); k++) {
    await writeFile(join(root, `EFI/cairn/linux-${k}.efi`), filler(12 * MiB, k + 10));
    await writeFile(join(root, `EFI/cairn/initrd-${k}.img`), filler(8 * MiB, k + 20));
  }
  for (let i = 0; i < Number(values.small); i++) {
    const directory = join(root, 'loader/entries', `group-${i % 50}`);
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, `cairn-generation-${i}.conf`), filler(1024 + (i % 7) * 1000, i));
  }
}

/** Median times of two actions run alternately, so that a machine slowing down weighs on both alike. */
async function alternate(a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  const time = async (action: () => Promise<void>, into: number[]) => {
    const start = performance.now();
    await action();
    into.push(performance.now() - start);
  };
  for (let i = 0; i < runs; i++) {
    await time(a, times[0]);
    await time(b, times[1]);
  }
  const median = (list: number[]) => list.sort((x, y) => x - y)[Math.floor(list.length / 2)]!;
  return [median(times[0]), median(times[1])];
}

const work = join(tmpdir(), `cairn-bench-fat-${process.pid}`);
try {
  const source = join(work, 'esp');
  await makeTree(source);
  const plan = planFatImage(await readFatTreeFromDirectory(source));
  const cairnImage = join(work, 'cairn.img');
  const peerImage = join(work, 'peer.img');
  const withCairn = async () => {
    await rm(cairnImage, { force: true });
    await writeFatImage(planFatImage(await readFatTreeFromDirectory(source)), cairnImage);
  };
  const withPeer = async () => {
    await rm(peerImage, { force: true });
    // The same type and (2% more, as mkfs.fat lays out its own metadata) size.
    await run('mkfs.fat', ['-C', '-F', String(plan.geometry.type), peerImage, String(Math.ceil((plan.size * 1.02) / 1024))]);
    await run('mcopy', ['-s', '-i', peerImage, join(source, 'EFI'), join(source, 'loader'), '::/']);
    // Cairn fsyncs the image before renaming it into place; mcopy does not, so the peer gets an fsync too.
    await run('sync', [peerImage]);
  };
  const [cairn, peer] = await alternate(withCairn, withPeer);
  const files = plan.files.length;
  console.log(`FAT${plan.geometry.type} image of ${(plan.size / MiB).toFixed(1)} MiB, ${files} files, median of ${runs} runs`);
  console.log(`  Cairn (walk + plan + write): ${cairn.toFixed(0)} ms`);
  console.log(`  mkfs.fat + mcopy -s + sync:  ${peer.toFixed(0)} ms`);
  console.log(`  ratio Cairn / peer:          ${(cairn / peer).toFixed(2)}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
