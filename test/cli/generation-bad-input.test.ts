import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cairn, cairnOk } from '../support/cli.js';
import { removeTree, snapshotTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  root: string;
  toplevel: string;
}

const badInput = suite<Context>('generation bad input');

badInput.before.each(async (context) => {
  context.dir = await temporaryDirectory();
  context.root = join(context.dir, 'root');
  await writeFile(join(context.dir, 'kernel'), 'a kernel');
  await writeFile(join(context.dir, 'initrd'), 'an initrd');
  const added = await cairnOk(['generation', 'add', '--root', context.root, '--kernel', join(context.dir, 'kernel'), '--json']);
  context.toplevel = (JSON.parse(added.stdout) as { toplevel: string }).toplevel;
});

badInput.after.each(async (context) => {
  await removeTree(context.dir);
});

/** Runs a command that must fail with exit code 1, a message matching `pattern`, and no change under root. */
async function failsCleanly(context: Context, args: string[], pattern: RegExp): Promise<string> {
  const before = await snapshotTree(context.dir);
  const result = await cairn(args);
  assert.is(result.code, 1, `exit code (stderr: ${result.stderr})`);
  assert.match(result.stderr, pattern);
  assert.not.match(result.stderr, /internal error/);
  assert.equal(await snapshotTree(context.dir), before, 'nothing changed');
  return result.stderr;
}

badInput('a missing kernel file is named, and nothing is stored', async (context) => {
  const missing = join(context.dir, 'no-such-vmlinuz');
  await failsCleanly(context, ['generation', 'add', '--root', context.root, '--kernel', missing], new RegExp(`${missing}: no such kernel image`));
});

badInput('a directory given as the kernel is named', async (context) => {
  await failsCleanly(context, ['generation', 'add', '--root', context.root, '--kernel', context.dir], /is a directory, expected a kernel image/);
});

badInput('a missing initrd stops the add before the kernel is copied', async (context) => {
  await writeFile(join(context.dir, 'new-kernel'), 'a new kernel');
  const before = await snapshotTree(context.root);
  const result = await cairn(['generation', 'add', '--root', context.root, '--kernel', join(context.dir, 'new-kernel'), '--initrd', join(context.dir, 'gone')]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /gone: no such initrd/);
  assert.equal(await snapshotTree(context.root), before, 'the store holds no orphaned kernel');
});

badInput('a malformed boot.json is named with what is wrong', async (context) => {
  const bootJson = join(context.root, context.toplevel, 'boot.json');
  await rm(bootJson, { force: true });
  await writeFile(bootJson, '{"org.nixos.bootspec.v1": {"label": ');
  await failsCleanly(context, ['generation', 'list', '--root', context.root], new RegExp(`${bootJson}: not valid JSON`));
});

badInput('an incomplete boot.json names the missing keys', async (context) => {
  const bootJson = join(context.root, context.toplevel, 'boot.json');
  await rm(bootJson, { force: true });
  await writeFile(bootJson, JSON.stringify({ 'org.nixos.bootspec.v1': { system: 'x86_64-linux', kernelParams: [], label: 'x', toplevel: context.toplevel } }));
  const stderr = await failsCleanly(context, ['generation', 'list', '--root', context.root], /org\.nixos\.bootspec\.v1\.init: missing required key/);
  assert.match(stderr, /org\.nixos\.bootspec\.v1\.kernel: missing required key/);
  assert.match(stderr, new RegExp(bootJson));
});

badInput('a generation link pointing nowhere is named', async (context) => {
  const link = join(context.root, 'cairn/var/profiles/system-2-link');
  await symlink('/cairn/store/00000000000000000000000000000000-gone', link);
  await failsCleanly(context, ['generation', 'list', '--root', context.root], new RegExp(`${link}: generation 2 points nowhere`));
  // Adding still works around a broken generation, and numbers after it.
  const added = await cairnOk(['generation', 'add', '--root', context.root, '--kernel', join(context.dir, 'kernel')]);
  assert.is(added.stdout, '3\n');
});

badInput('a duplicate generation number is named', async (context) => {
  await symlink(context.toplevel, join(context.root, 'cairn/var/profiles/system-01-link'));
  await failsCleanly(context, ['generation', 'list', '--root', context.root], /system-1-link: duplicate generation number 1 \(also system-01-link\)/);
});

badInput('a store path that is not a directory is named, and the profile is untouched', async (context) => {
  await writeFile(join(context.dir, 'not-a-store'), 'oops');
  await mkdir(join(context.dir, 'empty-root'));
  await writeFile(join(context.dir, 'empty-root', 'store-file'), 'x');
  await failsCleanly(
    context,
    ['generation', 'add', '--root', join(context.dir, 'empty-root'), '--store', '/store-file', '--kernel', join(context.dir, 'kernel')],
    /empty-root\/store-file: the store path is not a directory/,
  );
});

badInput('rollback from the oldest generation explains itself', async (context) => {
  await failsCleanly(context, ['generation', 'rollback', '--root', context.root], /generation 1 is the oldest generation/);
});

badInput('usage errors exit with 2', async (context) => {
  const result = await cairn(['generation', 'add', '--root', context.root]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /required option '--kernel <file>' not specified/);
});

badInput.run();
