/**
 * Two `cairn boot` runs on one ESP, as real processes: while the first holds the ESP's lock (it is stopped
 * with SIGSTOP right after taking it, so the overlap is certain), a second run with --lock-wait 0 stops with
 * a message naming the first and changes nothing, and a second run that waits goes on only after the first
 * has finished. A lock left by a process that no longer runs is taken over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ESP_LOCK_NAME } from '../../bootloader/esp-lock.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { contentSnapshot } from '../support/esp.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  root: string;
}

interface Running {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

function startCairn(args: string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli/main.ts'), ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => (output.stdout += c));
  child.stderr.on('data', (c) => (output.stderr += c));
  return { child, output, exited: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts `boot install` and stops it (SIGSTOP) as soon as its lock file appears; undefined if it finished first. */
async function startAndFreeze(esp: string, root: string): Promise<Running | undefined> {
  const lock = join(esp, ESP_LOCK_NAME);
  let frozen = false;
  let first: Running | undefined;
  const watcher = watch(esp, (_event, name) => {
    if (name === ESP_LOCK_NAME && !frozen && first !== undefined && first.child.exitCode === null) {
      frozen = true;
      first.child.kill('SIGSTOP');
    }
  });
  try {
    first = startCairn(['boot', 'install', '--esp', esp, '--root', root, '--allow-non-fat']);
    const finished = first.exited.then(() => 'exited' as const);
    await Promise.race([until(() => frozen, 'the lock file appearing'), finished]);
    if (!frozen) return undefined;
    // The lock may still be being written when the process is stopped: let it finish that much.
    const owner = await readFile(lock, 'utf8').catch(() => '');
    if (!owner.includes(`"pid":${first.child.pid}`)) {
      first.child.kill('SIGCONT');
      await until(async () => (await readFile(lock, 'utf8').catch(() => '')).includes(`"pid":${first!.child.pid}`), 'the lock naming the first run', 10_000);
      first.child.kill('SIGSTOP');
    }
    return first;
  } finally {
    watcher.close();
  }
}

const lock = suite<Context>('the ESP lock');

lock.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-esp-lock-');
  context.root = join(context.dir, 'root');
  // Large kernels, so that an update takes long enough to be caught holding its lock.
  for (const n of [1, 2, 3]) {
    await writeFile(join(context.dir, `kernel-${n}`), Buffer.alloc(24 * 1024 * 1024, n));
    await cairnOk(['generation', 'add', '--root', context.root, '--kernel', join(context.dir, `kernel-${n}`), '--label', `Lock test ${n}`], { env: { SOURCE_DATE_EPOCH: String(1795176000 + n * 86400) } });
  }
});

lock.after(async (context) => {
  await removeTree(context.dir);
});

lock('a second update waits for the first (or, told not to wait, stops with a clear message) and never interleaves with it', async ({ dir, root }) => {
  let first: Running | undefined;
  const others: Running[] = [];
  try {
    let esp = '';
    for (let attempt = 1; attempt <= 5 && first === undefined; attempt++) {
      esp = join(dir, `esp-${attempt}`);
      await mkdir(esp);
      first = await startAndFreeze(esp, root);
    }
    assert.ok(first !== undefined, 'the first run was caught holding its lock');
    const frozen = await contentSnapshot(esp);

    const impatient = await cairn(['boot', 'update', '--esp', esp, '--root', root, '--allow-non-fat', '--lock-wait', '0']);
    assert.is(impatient.code, 1, impatient.stderr);
    assert.match(impatient.stderr, new RegExp(`ESP ${esp} is being updated by another cairn \\(pid ${first.child.pid} on ${hostname()}, since [0-9T:.-]+Z\\); nothing was changed`));
    assert.match(impatient.stderr, /--lock-wait SECONDS waits longer/);
    assert.equal(await contentSnapshot(esp), frozen, 'the refused run changed nothing');

    const patient = startCairn(['boot', 'update', '--esp', esp, '--root', root, '--allow-non-fat']);
    others.push(patient);
    await until(() => /is being updated by another cairn \(pid \d+ on .*\): waiting up to 60 s/.test(patient.output.stderr), 'the second run saying it waits');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.is(patient.child.exitCode, null, 'the second run is still waiting');
    assert.equal(await contentSnapshot(esp), frozen, 'the waiting run changed nothing');

    let firstDone = 0;
    let secondDone = 0;
    const order: string[] = [];
    void first.exited.then(() => ((firstDone = Date.now()), order.push('first')));
    void patient.exited.then(() => ((secondDone = Date.now()), order.push('second')));
    first.child.kill('SIGCONT');
    assert.is(await first.exited, 0, first.output.stderr);
    assert.is(await patient.exited, 0, patient.output.stderr);
    assert.equal(order, ['first', 'second']);
    assert.ok(secondDone >= firstDone);
    assert.not.ok(await stat(join(esp, ESP_LOCK_NAME)).then(() => true, () => false), 'the lock is gone');
    const listed = JSON.parse((await cairnOk(['boot', 'list', '--esp', esp, '--json'])).stdout) as { entries: unknown[]; problems: string[] };
    assert.is(listed.entries.length, 3);
    assert.equal(listed.problems, []);
  } finally {
    for (const running of [first, ...others]) {
      if (running !== undefined && running.child.exitCode === null) {
        running.child.kill('SIGCONT');
        running.child.kill('SIGKILL');
      }
    }
  }
});

lock('a lock left by a process that no longer runs is taken over', async ({ dir, root }) => {
  const esp = join(dir, 'esp-stale');
  await mkdir(esp);
  const gone = spawn('true');
  const pid = gone.pid!;
  await new Promise((resolve) => gone.on('close', resolve));
  await writeFile(join(esp, ESP_LOCK_NAME), `${JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`);
  const result = await cairnOk(['boot', 'install', '--esp', esp, '--root', root, '--allow-non-fat', '--lock-wait', '0']);
  assert.match(result.stderr, new RegExp(`removed the lock of an update that is no longer running \\(pid ${pid} on `));
  assert.not.ok(await stat(join(esp, ESP_LOCK_NAME)).then(() => true, () => false));
});

lock('the root\'s times, whole seconds as a FAT root\'s are, are put back by busybox\'s touch too (an installed system has no other)', async ({ dir, root }) => {
  const esp = join(dir, 'esp-busybox');
  await mkdir(esp);
  await cairnOk(['boot', 'install', '--esp', esp, '--root', root, '--allow-non-fat']);
  await utimes(esp, 0, 1795176000);
  const bin = join(dir, 'busybox-bin');
  await mkdir(bin);
  await symlink('/bin/busybox', join(bin, 'touch'));
  await cairnOk(['boot', 'update', '--esp', esp, '--root', root, '--allow-non-fat'], { env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
  const after = await stat(esp);
  assert.equal([after.atimeMs, after.mtimeMs], [0, 1795176000_000], 'the times the ESP root had');
});

lock.run();
