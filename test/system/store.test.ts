import { lstat, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addEntry, entryOf, listStore, storeClosure } from '../../system/store.js';
import { encodeBase32, storeHash, STORE_ENTRY_PATTERN } from '../../system/store-hash.js';
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
    assert.equal((await readdir(join(dir, 'cairn/store'))).length, 2, 'no temporary leftovers');
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

test.run();
