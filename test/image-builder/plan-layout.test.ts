/** The layout planner on its own: pure, no file read, so every rule can be checked on small trees. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ContentKeys, DedupCandidate } from '../../image-builder/content-identity.js';
import { encodeDirectory } from '../../image-builder/encode-metadata.js';
import { ImageTree, type ImageFile } from '../../image-builder/image-tree.js';
import { SECTOR_SIZE } from '../../image-builder/iso9660/constants.js';
import { decodeDirectoryRecord } from '../../image-builder/iso9660/directory-record.js';
import { decodeContinuationEntry, decodeSuspEntries } from '../../image-builder/iso9660/susp.js';
import type { IsoPlan } from '../../image-builder/layout/iso-plan.js';
import { walkRecords } from '../../image-builder/layout/plan-directories.js';
import { locateFile, planIsoLayout } from '../../image-builder/layout/plan-layout.js';

const DATE = new Date('2024-06-01T00:00:00Z');
const EPOCH_SECONDS = DATE.getTime() / 1000;

function file(bytes: string, extra: Partial<ImageFile> = {}): ImageFile {
  return { kind: 'file', mode: 0o644, mtime: EPOCH_SECONDS - 100, content: { kind: 'bytes', bytes: Buffer.from(bytes) }, origin: 'test', ...extra };
}

/** Content keys as identifyContents would give them, from the bytes themselves. */
function keysFor(tree: ImageTree): ContentKeys {
  const keys = new Map<DedupCandidate, number>();
  const ids = new Map<string, number>();
  const visit = (node: ImageTree['root']) => {
    for (const child of node.entries.values()) {
      if (child.kind === 'directory') visit(child);
      else if (child.kind === 'file' && child.content.kind === 'bytes') {
        const text = Buffer.from(child.content.bytes).toString('latin1');
        if (!ids.has(text)) ids.set(text, ids.size + 1);
        keys.set(child, ids.get(text)!);
      }
    }
  };
  visit(tree.root);
  return keys;
}

function plan(tree: ImageTree): IsoPlan {
  return planIsoLayout({ volumeId: 'PLAN', date: DATE, tree, contentKeys: keysFor(tree) });
}

test('the sector map: descriptors, path tables, directories, then data', () => {
  const tree = new ImageTree();
  tree.add('/a/b.txt', file('b'));
  const p = plan(tree);
  assert.equal(p.volumeDescriptors, [{ kind: 'primary', lba: 16 }, { kind: 'joliet', lba: 17 }, { kind: 'terminator', lba: 18 }]);
  assert.equal([p.primaryPathTable.lLba, p.primaryPathTable.mLba, p.jolietPathTable.lLba, p.jolietPathTable.mLba], [19, 20, 21, 22]);
  // The root's directory is followed by the continuation sector holding its ER entry.
  assert.equal(p.primaryDirectories.map((d) => [d.lba, d.continuationSectors]), [[23, 1], [25, 0]]);
  assert.equal(p.jolietDirectories.map((d) => d.lba), [26, 27]);
  assert.is(locateFile(p, '/a/b.txt')!.lba, 28);
  assert.is(p.volumeSectors, 29);
  assert.is(p.imageSize, 29 * SECTOR_SIZE);
});

test('identical contents share one extent; empty files take none', () => {
  const tree = new ImageTree();
  tree.add('/gen/1/kernel', file('same kernel'));
  tree.add('/gen/2/kernel', file('same kernel'));
  tree.add('/gen/2/initrd', file('other'));
  tree.add('/empty', file(''));
  const p = plan(tree);
  assert.is(locateFile(p, '/gen/1/kernel')!.lba, locateFile(p, '/gen/2/kernel')!.lba);
  assert.is.not(locateFile(p, '/gen/2/initrd')!.lba, locateFile(p, '/gen/1/kernel')!.lba);
  assert.equal(locateFile(p, '/empty'), { lba: 0, size: 0, sectors: 0 });
  assert.is(p.counts.sharedExtents, 1);
  assert.is(p.data.length, 2);
});

test('names differing only in case get distinct primary identifiers and keep their Joliet names', () => {
  const tree = new ImageTree();
  for (const name of ['README', 'Readme', 'readme']) tree.add(`/${name}`, file(name));
  const p = plan(tree);
  assert.equal([...p.primaryDirectories[0]!.identifiers].sort(), ['README.;1', 'README_1.;1', 'README_2.;1']);
  assert.equal([...p.jolietDirectories[0]!.identifiers].sort(), ['README', 'Readme', 'readme']);
});

test('hard links: one inode number, one extent, the link count of the names', () => {
  const tree = new ImageTree();
  tree.add('/a', file('linked', { linkKey: '1:99' }));
  tree.add('/dir/b', file('linked', { linkKey: '1:99' }));
  tree.add('/c', file('linked'));
  const p = plan(tree);
  const root = p.primaryDirectories[0]!;
  const child = (directory: typeof root, name: string) => p.nodes[directory.children.find((c) => p.nodes[c]!.name === name)!]!;
  const a = child(root, 'a');
  const b = child(p.primaryDirectories[1]!, 'b');
  const c = child(root, 'c');
  assert.equal([a.inode, a.links], [b.inode, 2]);
  assert.is.not(c.inode, a.inode);
  assert.is(c.links, 1);
  assert.is(a.lba, c.lba, 'identical content shares the extent all the same');
});

test('times newer than the image date are clamped to it, older ones kept', () => {
  const tree = new ImageTree();
  tree.add('/old', file('o', { mtime: EPOCH_SECONDS - 3600 }));
  tree.add('/new', file('n', { mtime: EPOCH_SECONDS + 3600 }));
  const p = plan(tree);
  const byName = new Map(p.primaryDirectories[0]!.children.map((c) => [p.nodes[c]!.name, p.nodes[c]!.time]));
  assert.is(byName.get('old'), EPOCH_SECONDS - 3600);
  assert.is(byName.get('new'), EPOCH_SECONDS);
  assert.is(p.nodes[p.primaryDirectories[0]!.node]!.time, EPOCH_SECONDS, 'a directory made implicitly has the image date');
});

test('Rock Ridge entries that do not fit a record continue in sectors after the directory, one sector per area at most', () => {
  const tree = new ImageTree();
  tree.add(`/${'n'.repeat(255)}`, file('x'));
  tree.add('/link', { kind: 'symlink', target: `${'../'.repeat(100)}${'t'.repeat(3000)}`, mtime: 0, origin: 'test' });
  const planned = plan(tree);
  const root = { ...planned.primaryDirectories[0]!, lba: 100 };
  const p: IsoPlan = { ...planned, primaryDirectories: [root, ...planned.primaryDirectories.slice(1)] };
  assert.ok(root.continuationSectors >= 2, `continuation sectors: ${root.continuationSectors}`);
  const bytes = encodeDirectory(p, 'primary', 0);
  let slots = 0;
  walkRecords(p.nodes, p.primaryDirectories, 0, (record) => {
    for (const slot of record.systemUse?.slots ?? []) {
      slots++;
      assert.ok(slot.offset + slot.length <= SECTOR_SIZE, 'an area never crosses a sector');
    }
  });
  assert.ok(slots >= 3);
  // The root's "." record starts with SP and ends with a CE to its ER, in the first sector after the directory.
  const self = decodeDirectoryRecord(bytes, 0)!;
  const entries = decodeSuspEntries(self.systemUse);
  assert.equal(entries.map((e) => e.signature), ['SP', 'PX', 'TF', 'CE']);
  assert.is(decodeContinuationEntry(entries[3]!).block, 100 + root.size / SECTOR_SIZE);
});

test('extension points are checked', () => {
  const tree = new ImageTree();
  tree.add('/dir/file', file('x'));
  const attempt = (extensions: Parameters<typeof planIsoLayout>[0]['extensions']) => () =>
    planIsoLayout({ volumeId: 'X', date: DATE, tree, contentKeys: keysFor(tree), ...(extensions ? { extensions } : {}) });
  assert.throws(attempt({ groups: [{ id: 'g', members: [{ kind: 'file', path: '/dir' }] }] }), /group "g" names \/dir, which is not a regular file/);
  assert.throws(
    attempt({ groups: [{ id: 'g', members: [{ kind: 'file', path: '/dir/file' }] }, { id: 'h', members: [{ kind: 'file', path: '/dir/file' }] }] }),
    /\/dir\/file is a member of two groups/,
  );
  const bytes = { kind: 'bytes', bytes: Buffer.from('b') } as const;
  assert.throws(attempt({ hiddenExtents: [{ id: 'x', content: bytes, origin: 'one' }, { id: 'x', content: bytes, origin: 'two' }] }), /two extents share the id "x"/);
  assert.throws(attempt({ elTorito: { bios: { file: '/dir', loadSectors: 4, bootInfoTable: false } } }), /El Torito's BIOS image \/dir is not a regular file of the image/);
  assert.throws(attempt({ elTorito: { bios: { file: '/dir/file', loadSectors: 4, bootInfoTable: true } } }), /\/dir\/file is 1 bytes; a boot info table needs at least 64/);
  assert.throws(attempt({ elTorito: { uefi: { group: 'esp', size: 2048 } } }), /El Torito names the group "esp", which is not in the image/);
  assert.throws(attempt({ hybridTables: { seed: 's', bootCode: { code: new Uint8Array(432), file: '/missing' } } }), /the hybrid MBR's boot code loads \/missing, which is not a regular file/);
  assert.throws(
    attempt({ elTorito: { bios: { file: '/dir/file', loadSectors: 4, bootInfoTable: false } }, hybridTables: { seed: 's', bootCode: { code: new Uint8Array(400), file: '/dir/file' } } }),
    /isohdpfx\.bin is 400 bytes, expected 432/,
  );
  assert.throws(attempt({ padding: { imageAlignment: 1000 } }), /imageAlignment must be a multiple of 512/);
  assert.throws(() => planIsoLayout({ volumeId: 'cairn live', date: DATE, tree, contentKeys: keysFor(tree) }), /the volume id "cairn live" may hold only A-Z, 0-9 and _/);
  assert.throws(() => planIsoLayout({ volumeId: 'X'.repeat(33), date: DATE, tree, contentKeys: keysFor(tree) }), /is 33 characters long \(at most 32\)/);
});

test('a directory encoded into a buffer used before, or window by window, is the same bytes as into a new one', () => {
  const tree = new ImageTree();
  tree.add(`/${'n'.repeat(255)}`, file('x'));
  tree.add('/link', { kind: 'symlink', target: `${'../'.repeat(100)}${'t'.repeat(3000)}`, mtime: 0, origin: 'test' });
  for (let i = 0; i < 60; i++) tree.add(`/d/file-${i}`, file(`${i}`));
  const p = plan(tree);
  const largest = Math.max(...[...p.primaryDirectories, ...p.jolietDirectories].map((d) => d.size + d.continuationSectors * SECTOR_SIZE));
  // Left over from an earlier directory: every byte set, so a byte the encoder leaves alone shows.
  const reused = new Uint8Array(largest + SECTOR_SIZE).fill(0xa5);
  let windowed = 0;
  for (const namespace of ['primary', 'joliet'] as const) {
    const directories = namespace === 'primary' ? p.primaryDirectories : p.jolietDirectories;
    for (const [index, directory] of directories.entries()) {
      const length = directory.size + directory.continuationSectors * SECTOR_SIZE;
      const fresh = encodeDirectory(p, namespace, index);
      const into = encodeDirectory(p, namespace, index, reused);
      assert.is(into.buffer, reused.buffer, 'encoded in the buffer given');
      assert.is(into.length, length);
      assert.ok(Buffer.from(into).equals(Buffer.from(fresh)), `${namespace} directory ${index}`);
      // Through windows of one and of two sectors: the continuation sectors come in windows without the records
      // whose entries continue there.
      for (const sectors of [1, 2]) {
        const window = new Uint8Array(sectors * SECTOR_SIZE);
        const pieces: Buffer[] = [];
        for (let from = 0; from < length; from += window.length) {
          window.fill(0xa5);
          pieces.push(Buffer.from(encodeDirectory(p, namespace, index, window, from)));
        }
        if (pieces.length > 1) windowed++;
        assert.ok(Buffer.concat(pieces).equals(Buffer.from(fresh)), `${namespace} directory ${index} through windows of ${sectors} sectors`);
      }
    }
  }
  assert.ok(p.primaryDirectories[0]!.continuationSectors > 0, 'the root has continuation sectors, which the windows and the reused buffer hold too');
  assert.ok(windowed >= 4, `directories taking more than one window: ${windowed}`);
  assert.throws(() => encodeDirectory(p, 'primary', 0, new Uint8Array(1000)), /directory 0 takes \d+ bytes from byte 0, the buffer given has 1000, not whole sectors/);
  assert.throws(() => encodeDirectory(p, 'primary', 0, reused, 100), /no window of whole sectors starts at byte 100/);
  assert.throws(() => encodeDirectory(p, 'primary', 0, reused, largest * 2), /no window of whole sectors starts at byte/);
});

test.run();
