import { chmod, lstat, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addEntry, deleteEntries, describeEntry, encodeEntryRecord, entryOf, entryRecordPath, ENTRY_RECORDS_DIRECTORY, listStore, readEntryRecord, storeClosure, storeClosureRecords, writeEntryRecord } from '../../system/store.js';
import { encodeBase32, storeHash, STORE_ENTRY_PATTERN } from '../../system/store-hash.js';
import { caught } from '../support/caught.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

test('base32 uses the Nix alphabet and 32 characters for 160 bits', () => {
  const encoded = encodeBase32(new Uint8Array(20).fill(0xff));
  assert.is(encoded, 'z'.repeat(32));
  assert.is(encodeBase32(new Uint8Array(20)), '0'.repeat(32));
  assert.not.match(storeHash('x', { type: 'directory', entries: {} }), /[eotu]/);
});

test('the hash covers name, content, modes and symlink targets', () => {
  const file = (sha256: string, executable = false) => ({ type: 'file' as const, sha256, executable });
  const base = storeHash('n', { type: 'directory', entries: { a: file('00') } });
  assert.is.not(storeHash('m', { type: 'directory', entries: { a: file('00') } }), base);
  assert.is.not(storeHash('n', { type: 'directory', entries: { a: file('01') } }), base);
  assert.is.not(storeHash('n', { type: 'directory', entries: { a: file('00', true) } }), base);
  assert.is.not(storeHash('n', { type: 'directory', entries: { b: file('00') } }), base);
  assert.is.not(storeHash('n', { type: 'directory', entries: { a: { type: 'symlink', target: '00' } } }), base);
});

test('identical content is stored once; entries are read-only and dated 1970', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/cairn/store' };
    await writeFile(join(dir, 'k1'), 'kernel');
    await writeFile(join(dir, 'k2'), 'kernel');
    await writeFile(join(dir, 'k3'), 'other kernel');
    const a = await addEntry(location, 'linux', { bzImage: { type: 'file', source: join(dir, 'k1') } });
    const b = await addEntry(location, 'linux', { bzImage: { type: 'file', source: join(dir, 'k2') } });
    const c = await addEntry(location, 'linux', { bzImage: { type: 'file', source: join(dir, 'k3') } });
    assert.is(a, b);
    assert.is.not(a, c);
    assert.match(a.split('/').pop()!, STORE_ENTRY_PATTERN);
    assert.equal(await listStore(location), [a, c].sort());
    const stat = await lstat(join(dir, a, 'bzImage'));
    assert.is(stat.mode & 0o777, 0o444);
    assert.is(stat.mtimeMs, 1000);
    assert.is((await lstat(join(dir, a))).mode & 0o777, 0o555);
    assert.equal((await readdir(join(dir, 'cairn/store'))).sort(), [ENTRY_RECORDS_DIRECTORY, ...[a, c].map((e) => basename(e))].sort(), 'no temporary leftovers');
    assert.equal((await readdir(join(dir, 'cairn/store', ENTRY_RECORDS_DIRECTORY))).sort(), [a, c].map((e) => `${basename(e)}.json`).sort());
  } finally {
    await removeTree(dir);
  }
});

test('self references: the hash is computed over a placeholder, the file names the real path', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/s' };
    const entry = await addEntry(location, 'top', { 'self.txt': (self) => ({ type: 'text', text: `I am ${self}\n` }) });
    assert.is(await readFile(join(dir, entry, 'self.txt'), 'utf8'), `I am ${entry}\n`);
    assert.is(await addEntry(location, 'top', { 'self.txt': (self) => ({ type: 'text', text: `I am ${self}\n` }) }), entry);
  } finally {
    await removeTree(dir);
  }
});

test('closure follows references found in file contents and symlink targets', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/s' };
    const leaf = await addEntry(location, 'leaf', { f: { type: 'text', text: 'leaf' } });
    const viaLink = await addEntry(location, 'linked', { l: { type: 'symlink', target: `${leaf}/f` } });
    const viaText = await addEntry(location, 'top', { 'boot.json': { type: 'text', text: JSON.stringify({ k: viaLink }) } });
    const unrelated = await addEntry(location, 'unrelated', { f: { type: 'text', text: 'x' } });
    assert.equal(await storeClosure(location, [`${viaText}/boot.json`]), [leaf, viaLink, viaText].sort());
    assert.not.ok((await storeClosure(location, [viaText])).includes(unrelated));
    assert.is(entryOf('/s', `${leaf}/f`), leaf);
    assert.is(entryOf('/s', '/elsewhere/x'), undefined);
  } finally {
    await removeTree(dir);
  }
});

test('each entry records its references and size when it is added: what a scan finds, in fixed bytes', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/s' };
    const leaf = await addEntry(location, 'leaf', { f: { type: 'text', text: 'x'.repeat(5000) } });
    const top = await addEntry(location, 'top', {
      l: { type: 'symlink', target: `${leaf}/f` },
      'self.txt': (self) => ({ type: 'text', text: `I am ${self}, not ${'0'.repeat(32)}-missing\n` }),
    });
    const known = new Map((await listStore(location)).map((e) => [basename(e).slice(0, 32), e]));
    // The top's own path and a hash of no entry are no references; the leaf (through the symlink) is.
    const expected = { references: [basename(leaf)], files: 3, diskBytes: 4096 + 4096 + 4096 };
    assert.equal(await readEntryRecord(location, top), expected);
    assert.equal(await describeEntry(location, top, known), expected);
    assert.equal(await readEntryRecord(location, leaf), { references: [], files: 2, diskBytes: 4096 + 8192 });
    const record = join(dir, entryRecordPath(location, top));
    assert.is(await readFile(record, 'utf8'), `{"references":["${basename(leaf)}"],"files":3,"diskBytes":12288}\n`);
    assert.is(encodeEntryRecord(expected), await readFile(record, 'utf8'));
    const stat = await lstat(record);
    assert.is(stat.mode & 0o777, 0o444);
    assert.is(stat.mtimeMs, 1000);
  } finally {
    await removeTree(dir);
  }
});

test('closures follow the records, and scan only entries without one (an older store): the same closure', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/s' };
    const leaf = await addEntry(location, 'leaf', { f: { type: 'text', text: 'leaf' } });
    const middle = await addEntry(location, 'middle', { l: { type: 'symlink', target: `${leaf}/f` } });
    const top = await addEntry(location, 'top', { 'boot.json': { type: 'text', text: JSON.stringify({ k: middle }) } });
    const other = await addEntry(location, 'other', { f: { type: 'text', text: 'x' } });
    const recorded = await storeClosureRecords(location, [top]);
    assert.equal([...recorded.keys()], [leaf, middle, top].sort());

    // Without records (a store written before them): the same closure and the same records, by scanning.
    await chmod(join(dir, 's', ENTRY_RECORDS_DIRECTORY), 0o755);
    await rm(join(dir, 's', ENTRY_RECORDS_DIRECTORY), { recursive: true });
    assert.equal(await storeClosureRecords(location, [top]), recorded);

    // With a record, the entry is not read: a record naming another entry is followed.
    await writeEntryRecord(location, top, { references: [basename(middle), basename(other)], files: 2, diskBytes: 8192 });
    assert.equal(await storeClosure(location, [top]), [leaf, middle, other, top].sort());
    // Adding an entry again gives an entry of an older store its record.
    await addEntry(location, 'leaf', { f: { type: 'text', text: 'leaf' } });
    assert.equal(await readEntryRecord(location, leaf), { references: [], files: 2, diskBytes: 8192 });
  } finally {
    await removeTree(dir);
  }
});

test('deleting entries deletes their records; a record alone is no entry', async () => {
  const dir = await temporaryDirectory();
  try {
    const location = { root: dir, store: '/s' };
    const kept = await addEntry(location, 'kept', { f: { type: 'text', text: 'k' } });
    const gone = await addEntry(location, 'gone', { f: { type: 'text', text: 'g' } });
    await deleteEntries(location, [gone]);
    assert.equal(await readdir(join(dir, 's', ENTRY_RECORDS_DIRECTORY)), [`${basename(kept)}.json`]);
    assert.equal(await listStore(location), [kept]);
    await writeEntryRecord(location, gone, { references: [], files: 1, diskBytes: 4096 });
    assert.match(String(await caught(() => storeClosure(location, [gone]))), /ENOENT/);
  } finally {
    await removeTree(dir);
  }
});

test.run();
