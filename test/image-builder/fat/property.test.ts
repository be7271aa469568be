/**
 * Random trees (seeded, so a failure reproduces) through the planner and writer, for FAT12, FAT16 and FAT32,
 * checked by fsck.fat, extracted by mtools and compared byte for byte, and read by Cairn's reader. The
 * trees mix long, unicode and 8.3 names, names at the 13-unit boundaries of long-name entries and at the
 * 255-unit limit, deep directories, empty files and directories, sizes at cluster boundaries, and a
 * directory of many similar names (numeric tails beyond ~9). Names differing only in case are refused.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ValidationError } from '../../../lib/errors.js';
import { fatNameKey } from '../../../image-builder/fat/file-name.js';
import {
  fatDirectory,
  fatFileFromBytes,
  openFatImage,
  planFatImage,
  writeFatImage,
  type FatTreeDirectory,
  type FatTreeNode,
  type FatType,
} from '../../../image-builder/fat/index.js';
import { caught } from '../../support/caught.js';
import { assertFsckClean, extractWithMtools, readTree } from '../../support/fat-tools.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

/** mulberry32: a small seeded generator, so every run builds the same trees. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASCII = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const PUNCTUATION = " +,;=[]'`!@#$%^&(){}~-_.";
const UNICODE = 'éüßΩЖ名前çÑøåœ€ŁĳǅΣσ中文한국語';

type Random = () => number;
const pick = <T,>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const int = (r: Random, low: number, high: number) => low + Math.floor(r() * (high - low + 1));

function randomName(r: Random): string {
  const text = (alphabet: string, length: number) => Array.from({ length }, () => pick(r, [...alphabet])).join('');
  const kind = int(r, 0, 9);
  let name: string;
  if (kind === 0) name = text('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_', int(r, 1, 8)) + (r() < 0.5 ? `.${text('ABCXYZ', int(r, 1, 3))}` : '');
  else if (kind === 1) name = `${text(ASCII, int(r, 1, 8)).toLowerCase()}.${text('abc', 3)}`;
  else if (kind === 2) name = text(ASCII + PUNCTUATION, int(r, 2, 60));
  else if (kind === 3) name = text(ASCII + UNICODE + ' ', int(r, 1, 40));
  else if (kind === 4) name = text(ASCII, pick(r, [12, 13, 14, 25, 26, 27]));
  else if (kind === 5) name = `.${text(ASCII, int(r, 1, 10))}`;
  else if (kind === 6) name = ` ${text(ASCII, int(r, 1, 10))}`;
  else if (kind === 7) name = text(ASCII + UNICODE, r() < 0.3 ? 255 : int(r, 100, 200));
  else if (kind === 8) name = `${text(ASCII, int(r, 1, 6))}.${text(ASCII, int(r, 1, 6))}.${text(ASCII, int(r, 1, 6))}`;
  else name = `Linux ${int(r, 1, 9)}.${int(r, 0, 20)}`;
  // mtools extracts to Linux, whose names are at most 255 bytes of UTF-8 (FAT counts 255 UTF-16 units).
  while (Buffer.byteLength(name) > 255) name = name.slice(0, -1);
  // Names may not end in a dot or a space.
  return name.replace(/[. ]+$/, '') || 'x';
}

function randomBytes(r: Random, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(r() * 256);
  return bytes;
}

function randomSize(r: Random): number {
  return pick(r, [0, 1, 511, 512, 513, 2047, 2048, 2049, 4096, 4097, int(r, 0, 3 * 2048), int(r, 0, 20000)]);
}

function uniqueNames(r: Random, count: number): string[] {
  const keys = new Set<string>();
  const names: string[] = [];
  while (names.length < count) {
    const name = randomName(r);
    if (!keys.has(fatNameKey(name))) {
      keys.add(fatNameKey(name));
      names.push(name);
    }
  }
  return names;
}

function randomDirectory(r: Random, name: string, depth: number): FatTreeDirectory {
  const entries: FatTreeNode[] = [];
  for (const childName of uniqueNames(r, int(r, depth === 0 ? 10 : 0, depth === 0 ? 24 : 12))) {
    if (depth < 4 && r() < 0.3) entries.push(randomDirectory(r, childName, depth + 1));
    else entries.push(fatFileFromBytes(childName, randomBytes(r, randomSize(r))));
  }
  return fatDirectory(name, entries);
}

function randomTree(seed: number): FatTreeDirectory {
  const r = random(seed);
  const root = randomDirectory(r, '', 0);
  // A chain ten directories deep, and a directory of many names sharing one short-name basis.
  let deep: FatTreeDirectory = fatDirectory('level 10', [fatFileFromBytes('bottom.txt', randomBytes(r, 100))]);
  for (let level = 9; level >= 1; level--) deep = fatDirectory(`level ${level}`, [deep]);
  const many = Array.from({ length: 120 }, (_, i) => fatFileFromBytes(`generation entry number ${i}.conf`, `entry ${i}\n`));
  const edges = fatDirectory('Edge Cases', [
    fatFileFromBytes('n'.repeat(255), 'the longest name'),
    fatFileFromBytes('thirteen char', 'one full long-name entry'),
    fatFileFromBytes('twenty-six characters long', 'two full long-name entries'),
    fatFileFromBytes('empty file', ''),
    fatDirectory('empty directory', []),
  ]);
  return fatDirectory('', [...root.entries, deep, edges, fatDirectory('Many Entries', many)]);
}

/** What the image must hold: path -> bytes (null for directories). */
function expectedTree(directory: FatTreeDirectory, prefix = '', out = new Map<string, Buffer | null>()): Map<string, Buffer | null> {
  for (const node of [...directory.entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = prefix === '' ? node.name : `${prefix}/${node.name}`;
    if (node.kind === 'directory') {
      out.set(path, null);
      expectedTree(node, path, out);
    } else out.set(path, Buffer.from((node.source as { bytes: Uint8Array }).bytes));
  }
  return out;
}

function sortedEntries(tree: Map<string, Buffer | null>): [string, Buffer | null][] {
  return [...tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const SEEDS = [1, 2, 3, 4];

test('random trees: fsck.fat accepts them and mtools extracts them byte-identical, FAT12/16/32', async () => {
  const dir = await temporaryDirectory();
  try {
    for (const seed of SEEDS) {
      const tree = randomTree(seed);
      const expected = expectedTree(tree);
      for (const fatType of [12, 16, 32] as FatType[]) {
        const what = `seed ${seed}, FAT${fatType}`;
        const plan = planFatImage(tree, { fatType, volumeLabel: `SEED ${seed}` });
        const image = join(dir, `seed${seed}-fat${fatType}.img`);
        await writeFatImage(plan, image);
        await assertFsckClean(image);
        const out = join(dir, `out-${seed}-${fatType}`);
        await extractWithMtools(image, out);
        const got = sortedEntries(await readTree(out));
        const want = sortedEntries(expected);
        assert.equal(got.map(([p]) => p), want.map(([p]) => p), `${what}: names`);
        for (let i = 0; i < want.length; i++) {
          const [path, bytes] = want[i]!;
          if (bytes === null) assert.is(got[i]![1], null, `${what}: ${path} is a directory`);
          else assert.ok(bytes.equals(got[i]![1]!), `${what}: ${path} byte-identical`);
        }
        const reader = await openFatImage(image);
        try {
          const listed = await reader.list();
          assert.equal(listed.map((e) => e.path).sort(), [...expected.keys()].sort(), `${what}: Cairn's reader`);
          const someFile = plan.files.find((f) => f.size > 0)!;
          assert.ok(Buffer.from(await reader.readFile(someFile.path)).equals(expected.get(someFile.path)!));
        } finally {
          await reader.close();
        }
        await removeTree(out);
        await removeTree(image);
      }
    }
  } finally {
    await removeTree(dir);
  }
});

test('random trees plan to the same bytes every time', () => {
  for (const seed of SEEDS) {
    const a = planFatImage(randomTree(seed));
    const b = planFatImage(randomTree(seed));
    assert.equal(a.regions, b.regions, `seed ${seed}`);
    assert.is(a.volumeId, b.volumeId);
  }
});

test('a name that differs from a sibling only in case is refused, wherever it is', async () => {
  for (const seed of SEEDS) {
    const r = random(seed + 100);
    const tree = randomTree(seed);
    // Find a random directory and add a case variant of one of its names.
    let directory = tree;
    while (true) {
      const subdirectories = directory.entries.filter((e): e is FatTreeDirectory => e.kind === 'directory' && e.entries.length > 0);
      if (subdirectories.length === 0 || r() < 0.4) break;
      directory = pick(r, subdirectories);
    }
    const victim = directory.entries.find((e) => /[a-z]/i.test(e.name))!;
    const variant = [...victim.name].map((c) => (c.toUpperCase() === c ? c.toLowerCase() : c.toUpperCase())).join('');
    (directory.entries as FatTreeNode[]).push(fatFileFromBytes(variant, 'twin'));
    const error = await caught(() => planFatImage(tree));
    assert.instance(error, ValidationError);
    assert.match((error as Error).message, /are the same name to FAT, which ignores case/);
    assert.ok((error as Error).message.includes(victim.name), `seed ${seed}: names ${victim.name}`);
  }
});

test.run();
