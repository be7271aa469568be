/** The real FAT tools as oracles: fsck.fat checks an image, mtools lists and extracts it. */
import { mkdir, readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { run, runBinary } from '../../lib/run.js';

/** Words fsck.fat prints when it finds something to repair, even when it exits 0 (warnings). */
const FSCK_COMPLAINTS = /warning|differ|wrong|reclaim|assuming|contains|invalid|bad|corrupt|truncat|not a multiple|unused/i;

/** Runs `fsck.fat -n -v` and fails the test on a non-zero exit or any complaint; returns the output. */
export async function assertFsckClean(image: string): Promise<string> {
  const { stdout, stderr } = await run('fsck.fat', ['-n', '-v', image]);
  const complaints = `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => FSCK_COMPLAINTS.test(line) && !/^Checking for (bad|unused) clusters/.test(line));
  assert.equal(complaints, [], `fsck.fat -n -v ${image} complained:\n${stdout}${stderr}`);
  return stdout;
}

function mtoolsImage(image: string, offset: number): string {
  return offset === 0 ? image : `${image}@@${offset}`;
}

/** `mdir -/ -a` of the whole volume. */
export async function mdirListing(image: string, offset = 0): Promise<string> {
  return (await run('mdir', ['-/', '-a', '-i', mtoolsImage(image, offset), '::/'])).stdout;
}

/** Extracts every file with `mcopy -s -m` (dates kept) into `destination`. */
export async function extractWithMtools(image: string, destination: string, offset = 0): Promise<void> {
  await mkdir(destination, { recursive: true });
  await run('mcopy', ['-s', '-n', '-m', '-i', mtoolsImage(image, offset), '::*', destination]);
}

/** A file's bytes through `mtype`. */
export async function mtype(image: string, path: string, offset = 0): Promise<Buffer> {
  return (await runBinary('mtype', ['-i', mtoolsImage(image, offset), `::/${path}`])).stdout;
}

/** Every file (path -> bytes) and directory (path -> null) under `root`, paths `/`-separated. */
export async function readTree(root: string): Promise<Map<string, Buffer | null>> {
  const tree = new Map<string, Buffer | null>();
  const visit = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if ((await lstat(path)).isDirectory()) {
        tree.set(rel, null);
        await visit(path, rel);
      } else tree.set(rel, await readFile(path));
    }
  };
  await visit(root, '');
  return tree;
}
