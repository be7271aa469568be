import { lstat, readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBootDocument, encodeBootDocument } from '../../system/bootspec.js';
import { ENTRY_RECORDS_DIRECTORY } from '../../system/store.js';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface ListedGeneration {
  number: number;
  current: boolean;
  date: string;
  label: string;
  kernel: string;
  initrd: string | null;
  init: string;
  kernelParams: string[];
  toplevel: string;
  specialisations: string[];
}

async function list(root: string, profile?: string): Promise<{ current: number | null; generations: ListedGeneration[] }> {
  const result = await cairnOk(['generation', 'list', '--root', root, ...(profile ? ['--profile', profile] : []), '--json']);
  return JSON.parse(result.stdout) as { current: number | null; generations: ListedGeneration[] };
}

test('three generations, two sharing a kernel; list, rollback, byte-exact boot.json', async () => {
  const dir = await temporaryDirectory();
  try {
    const root = join(dir, 'root');
    await writeFile(join(dir, 'vmlinuz-a'), 'kernel A');
    await writeFile(join(dir, 'vmlinuz-b'), 'kernel B');
    await writeFile(join(dir, 'initrd'), 'initrd');
    const env = { SOURCE_DATE_EPOCH: '1763640000' }; // 2025-11-20 12:00 UTC
    const add = (kernel: string, label: string, ...params: string[]) =>
      cairnOk(['generation', 'add', '--root', root, '--kernel', join(dir, kernel), '--initrd', join(dir, 'initrd'), '--label', label, ...params.flatMap((p) => ['--param', p])], { env });
    assert.is((await add('vmlinuz-a', 'First', 'quiet')).stdout, '1\n');
    assert.is((await add('vmlinuz-a', 'Second', 'quiet', 'splash')).stdout, '2\n');
    assert.is((await add('vmlinuz-b', 'Third')).stdout, '3\n');

    const store = await readdir(join(root, 'cairn/store'));
    assert.is(store.filter((n) => /-linux$/.test(n)).length, 2, 'two distinct kernels, the shared one stored once');
    assert.is(store.filter((n) => /-initrd$/.test(n)).length, 1, 'one initrd for all three');
    assert.is(store.filter((n) => /-cairn-system$/.test(n)).length, 3);

    const listed = await list(root);
    assert.is(listed.current, 3);
    assert.equal(listed.generations.map((g) => [g.number, g.label, g.current]), [[3, 'Third', true], [2, 'Second', false], [1, 'First', false]]);
    assert.is(listed.generations[2]!.kernel, listed.generations[1]!.kernel);
    assert.is.not(listed.generations[0]!.kernel, listed.generations[1]!.kernel);
    assert.equal(listed.generations[1]!.kernelParams, ['quiet', 'splash']);
    assert.is(listed.generations[0]!.date, '2025-11-20T12:00:00.000Z');
    assert.is(listed.generations[0]!.init, `${listed.generations[0]!.toplevel}/init`);

    // The profile links are NixOS-shaped: relative profile link, absolute generation links.
    assert.is(await readlink(join(root, 'cairn/var/profiles/system')), 'system-3-link');
    assert.is(await readlink(join(root, 'cairn/var/profiles/system-1-link')), listed.generations[2]!.toplevel);

    for (const generation of listed.generations) {
      const file = join(root, generation.toplevel, 'boot.json');
      const text = await readFile(file, 'utf8');
      assert.is(encodeBootDocument(await decodeBootDocument(text, file)), text, 'boot.json round-trips byte for byte');
      const validated = await cairnOk(['config', 'validate', file]);
      assert.match(validated.stdout, /valid bootspec v1 document/);
      assert.ok((await lstat(join(root, generation.kernel))).isFile());
    }

    const human = await cairnOk(['generation', 'list', '--root', root]);
    assert.match(human.stdout, /^\*\s+3\s+2025-11-20 12:00\s+Third\s/m);

    const rolled = await cairnOk(['generation', 'rollback', '--root', root]);
    assert.is(rolled.stdout, 'switched from generation 3 to 2\n');
    const after = await list(root);
    assert.is(after.current, 2);
    assert.equal(after.generations.filter((g) => g.current).map((g) => g.number), [2]);

    // A new generation after a rollback gets the next free number, not current + 1.
    assert.is((await add('vmlinuz-b', 'Fourth')).stdout, '4\n');
  } finally {
    await removeTree(dir);
  }
});

/** The entries of a root's store and the names in its records folder. */
async function storeListing(root: string): Promise<{ entries: string[]; records: string[] }> {
  const entries = (await readdir(join(root, 'cairn/store'))).filter((name) => !name.startsWith('.')).sort();
  const records = (await readdir(join(root, 'cairn/store', ENTRY_RECORDS_DIRECTORY))).sort();
  return { entries, records };
}

test('delete never removes the current generation; garbage is reported, and removed with --gc', async () => {
  const dir = await temporaryDirectory();
  try {
    const root = join(dir, 'root');
    for (const name of ['k1', 'k2', 'k3']) await writeFile(join(dir, name), `kernel ${name}`);
    for (const name of ['k1', 'k2', 'k3']) await cairnOk(['generation', 'add', '--root', root, '--kernel', join(dir, name)]);

    const refused = await cairn(['generation', 'delete', '3', '--root', root]);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /generation 3 is the current generation and cannot be deleted/);
    const unknown = await cairn(['generation', 'delete', '9', '--root', root]);
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, /generation 9 does not exist \(existing: 1, 2, 3\)/);
    const usage = await cairn(['generation', 'delete', 'two', '--root', root]);
    assert.is(usage.code, 2);

    const deleted = await cairnOk(['generation', 'delete', '1', '--root', root, '--json']);
    const report = JSON.parse(deleted.stdout) as { deleted: number[]; garbage: string[]; removed: boolean };
    assert.equal(report.deleted, [1]);
    assert.is(report.garbage.length, 2, 'the toplevel and kernel of generation 1');
    assert.is(report.removed, false);
    const reported = await storeListing(root);
    assert.is(reported.entries.length, 6, 'reported, not removed');
    assert.equal(reported.records, reported.entries.map((e) => `${e}.json`), 'each entry recorded when it was added');

    // --keep counts the newest generations, and the current one stays even when it is older.
    await cairnOk(['generation', 'rollback', '--root', root]); // current is now 2
    const none = await cairnOk(['generation', 'delete', '--keep', '1', '--root', root]);
    assert.match(none.stdout, /^no generations deleted\n/);
    await cairnOk(['generation', 'add', '--root', root, '--kernel', join(dir, 'k3')]); // 4, same content as 3
    const kept = await cairnOk(['generation', 'delete', '--keep', '1', '--gc', '--root', root]);
    assert.match(kept.stdout, /^deleted generations 2, 3\n/);
    assert.match(kept.stdout, /removed 4 store entries/);
    const remaining = await list(root);
    assert.equal(remaining.generations.map((g) => [g.number, g.current]), [[4, true]]);
    const left = await storeListing(root);
    assert.is(left.entries.length, 2, 'only the toplevel and kernel of generation 4 are left');
    assert.equal(left.records, left.entries.map((e) => `${e}.json`), 'the records of the removed entries are removed with them');
  } finally {
    await removeTree(dir);
  }
});

test('a NixOS profile is read as it is: absolute links, specialisations, extension keys', async () => {
  const listed = await list('fixtures/profiles/nixos', '/nix/var/nix/profiles/system');
  assert.is(listed.current, 142);
  assert.equal(listed.generations.map((g) => g.number), [143, 142, 141]);
  const [g143, g142, g141] = listed.generations as [ListedGeneration, ListedGeneration, ListedGeneration];
  assert.is(g143.label, 'NixOS 25.05.20250603 (Linux 6.12.34)');
  assert.equal(g143.specialisations, ['debug']);
  assert.equal(g142.kernelParams, ['loglevel=4', 'nvidia-drm.modeset=1']);
  assert.ok(g142.current);
  assert.is(g141.kernel, '/nix/store/0a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-linux-6.12.30/bzImage');
  assert.is(g141.toplevel, '/nix/store/4a1b2c3d4f5g6h7i8j9k0l1m2n3p4q5r-nixos-system-host-25.05.20250601');
  const human = await cairnOk(['generation', 'list', '--root', 'fixtures/profiles/nixos', '--profile', '/nix/var/nix/profiles/system']);
  assert.match(human.stdout, /^\*\s+142\s/m);
});

test('--gc refuses a Nix store', async () => {
  const result = await cairn(['generation', 'delete', '--keep', '5', '--gc', '--root', 'fixtures/profiles/nixos', '--profile', '/nix/var/nix/profiles/system', '--store', '/nix/store']);
  assert.is(result.code, 1);
  assert.match(result.stderr, /does not remove entries from a Nix store/);
});

test.run();
