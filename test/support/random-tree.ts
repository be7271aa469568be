/**
 * Random source trees for the ISO property test, reproducible from a seed: unicode and 255-byte names,
 * names differing only in case, deep chains, symbolic links (absolute, relative, dangling, long), empty
 * files, hard links, sizes around sector boundaries, random modes and times. The generator returns what it
 * made, so the test compares the extracted image against the intent rather than against the source tree.
 */
import { Buffer } from 'node:buffer';
import { link, lutimes, mkdir, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';

export type ExpectedEntry =
  | { readonly kind: 'directory'; readonly mode: number; readonly mtime: number }
  | { readonly kind: 'file'; readonly mode: number; readonly mtime: number; readonly content: Buffer; readonly linkOf?: string }
  | { readonly kind: 'symlink'; readonly target: string; readonly mtime: number };

/** Relative path (from the tree root, "" for the root) -> what it should be. */
export type ExpectedTree = Map<string, ExpectedEntry>;

/** mulberry32: small, fast, good enough to pick test cases from a seed. */
export function randomSource(seed: number): { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

const WORDS = ['boot', 'kernel', 'initrd', 'etc', 'README', 'data.tar.gz', 'x', 'a.b.c', '.hidden', 'with space', 'semi;colon', 'star*', 'q?', 'back\\slash', 'colon:name'];
const UNICODE = ['é', 'naïve', '日本語', 'Ωmega', '🙂smile', 'ß', 'Ärger', 'ﬁ', 'e\u0301', 'κόσμε', '\u{1F600}\u{1F601}'];
const SIZES = [0, 1, 2, 100, 2047, 2048, 2049, 4095, 4096, 4097, 6143, 6144, 6145, 65535, 65536, 65537];
const MODES = [0o644, 0o600, 0o755, 0o700, 0o444, 0o640, 0o4755, 0o2755, 0o1755];
const DIR_MODES = [0o755, 0o700, 0o750, 0o1777, 0o2775];

/** A 255-byte name: ASCII, 2-byte or 3-byte characters filling exactly 255 bytes. */
function longName(random: ReturnType<typeof randomSource>): string {
  const unit = random.pick(['a', 'é', '日']);
  const bytes = Buffer.byteLength(unit);
  const name = unit.repeat(Math.floor(255 / bytes));
  return name + 'z'.repeat(255 - Buffer.byteLength(name));
}

/** Times are drawn from 1980 to about 2035, so an image date in between clamps some of them. */
export async function makeRandomTree(root: string, seed: number): Promise<ExpectedTree> {
  const random = randomSource(seed);
  const expected: ExpectedTree = new Map();
  const directories: string[] = [''];
  const files: string[] = [];
  const contents: Buffer[] = [];
  const time = () => 315532800 + random.int(1_735_000_000 - 315532800 + 300_000_000);

  const nameIn = (dir: string): string => {
    for (;;) {
      const roll = random.next();
      let name: string;
      if (roll < 0.08 && dir.split('/').length < 3) name = longName(random);
      else if (roll < 0.3) name = random.pick(UNICODE) + (random.chance(0.5) ? String(random.int(100)) : '');
      else if (roll < 0.4 && files.length > 0) {
        // Same letters, other case, as a sibling of an existing name in this directory.
        const siblings = [...expected.keys()].filter((p) => parentOf(p) === dir && p !== '');
        const base = siblings.length > 0 ? baseOf(random.pick(siblings)) : 'Readme';
        name = base === base.toUpperCase() ? base.toLowerCase() : base.toUpperCase();
      } else name = random.pick(WORDS) + (random.chance(0.6) ? `-${random.int(1000)}` : '');
      const path = dir === '' ? name : `${dir}/${name}`;
      if (!expected.has(path) && name !== '' && Buffer.byteLength(name) <= 255 && name !== '.' && name !== '..') return path;
    }
  };

  // A deep chain in some trees.
  if (random.chance(0.3)) {
    let dir = '';
    for (let depth = 0; depth < 20; depth++) {
      dir = dir === '' ? `d${depth}` : `${dir}/d${depth}`;
      expected.set(dir, { kind: 'directory', mode: 0o755, mtime: time() });
      directories.push(dir);
    }
  }
  const entryCount = 4 + random.int(20);
  for (let i = 0; i < entryCount; i++) {
    const dir = random.pick(directories);
    const roll = random.next();
    if (roll < 0.2 && dir.split('/').length < 22) {
      const path = nameIn(dir);
      expected.set(path, { kind: 'directory', mode: random.pick(DIR_MODES), mtime: time() });
      directories.push(path);
    } else if (roll < 0.75) {
      const path = nameIn(dir);
      let content: Buffer;
      if (contents.length > 0 && random.chance(0.2)) content = random.pick(contents);
      else {
        const size = random.chance(0.8) ? random.pick(SIZES) : random.int(200_000);
        content = Buffer.alloc(size);
        for (let b = 0; b < size; b++) content[b] = random.int(256);
        contents.push(content);
      }
      expected.set(path, { kind: 'file', mode: random.pick(MODES), mtime: time(), content });
      files.push(path);
    } else if (roll < 0.85 && files.length > 0) {
      const original = random.pick(files);
      const source = expected.get(original) as Extract<ExpectedEntry, { kind: 'file' }>;
      const path = nameIn(dir);
      expected.set(path, { ...source, linkOf: source.linkOf ?? original });
    } else {
      const path = nameIn(dir);
      expected.set(path, { kind: 'symlink', target: symlinkTarget(random, dir, [...expected.keys()].filter((p) => p !== '' && expected.get(p)!.kind !== 'symlink')), mtime: time() });
    }
  }
  expected.set('', { kind: 'directory', mode: 0o755, mtime: time() });
  // Hard links share everything with their original, including the time set last.
  for (const [path, entry] of expected) {
    if (entry.kind === 'file' && entry.linkOf !== undefined) expected.set(path, { ...(expected.get(entry.linkOf) as object), linkOf: entry.linkOf } as ExpectedEntry);
  }

  await mkdir(root, { recursive: true });
  const paths = [...expected.keys()].sort((a, b) => a.split('/').length - b.split('/').length);
  for (const path of paths) {
    const entry = expected.get(path)!;
    const host = join(root, path);
    if (entry.kind === 'directory' && path !== '') await mkdir(host);
  }
  for (const path of paths) {
    const entry = expected.get(path)!;
    const host = join(root, path);
    if (entry.kind === 'file' && entry.linkOf === undefined) {
      await writeFile(host, entry.content);
      await chmod(host, entry.mode);
    }
  }
  for (const path of paths) {
    const entry = expected.get(path)!;
    const host = join(root, path);
    if (entry.kind === 'file' && entry.linkOf !== undefined) await link(join(root, entry.linkOf), host);
    if (entry.kind === 'symlink') {
      await symlink(entry.target, host);
      await lutimes(host, entry.mtime, entry.mtime);
    }
  }
  // Times last, deepest first, so that creating children does not move a directory's time.
  for (const path of [...paths].reverse()) {
    const entry = expected.get(path)!;
    const host = join(root, path);
    if (entry.kind === 'file') await utimes(host, entry.mtime, entry.mtime);
    if (entry.kind === 'directory') {
      await chmod(host, entry.mode);
      await utimes(host, entry.mtime, entry.mtime);
    }
  }
  return expected;
}

function symlinkTarget(random: ReturnType<typeof randomSource>, dir: string, existing: readonly string[]): string {
  const roll = random.next();
  if (roll < 0.3 && existing.length > 0) return `/${random.pick(existing)}`;
  if (roll < 0.6 && existing.length > 0) {
    const up = dir === '' ? '' : '../'.repeat(dir.split('/').length);
    return `${up}${random.pick(existing)}`;
  }
  if (roll < 0.75) return `/missing/${random.int(1000)}`;
  if (roll < 0.85) return `./${'long-component-'.repeat(8)}/${'x'.repeat(200)}/${'y'.repeat(250)}/../${'z'.repeat(300)}`;
  return random.pick(['.', '..', '../..', '/', 'dangling-name', 'a//b', 'trailing/']);
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
