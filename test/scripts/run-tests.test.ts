/**
 * The test runner itself (scripts/run-tests.mjs), on scratch test files in a temporary directory: a throw in
 * `before` or `after` is reported with its message and stack and counted as a failure; skipped tests are
 * counted in the closing line; a file that hangs past its time limit is killed together with the processes
 * it started (a plain child, and a tmux server with a program in its pane), unless the file asked for more.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/cli.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const uvu = pathToFileURL(join(repoRoot, 'node_modules/uvu/dist/index.mjs')).href;
const tmux = pathToFileURL(join(repoRoot, 'test/support/tmux.ts')).href;

const SCRATCH: Record<string, string> = {
  'before-throws.test.ts': `
import { suite } from '${uvu}';
const setup = suite('needs a setup');
setup.before(() => {
  throw new Error('scratch: the setup broke');
});
setup('first', () => {});
setup('second', () => {});
setup.run();
`,
  'after-throws.test.ts': `
import { suite } from '${uvu}';
const teardown = suite('cleans up');
teardown.after(async () => {
  throw new Error('scratch: the cleanup broke');
});
teardown('runs', () => {});
teardown.run();
`,
  'skips.test.ts': `
import { test } from '${uvu}';
test('runs', () => {});
test.skip('later', () => {});
test.skip('much later', () => {});
test.run();
`,
  'slow.test.ts': `
import { test } from '${uvu}';
test('takes 8 seconds', () => new Promise((resolve) => setTimeout(resolve, 8000)));
test.run();
`,
  'slow-asks-more.test.ts': `// run-tests: time limit 1 minute
import { test } from '${uvu}';
test('takes 8 seconds', () => new Promise((resolve) => setTimeout(resolve, 8000)));
test.run();
`,
  'hangs.test.ts': `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { test } from '${uvu}';
import { TmuxTerminal } from '${tmux}';
test('never ends', async () => {
  const child = spawn('sleep', ['997'], { stdio: 'ignore' });
  const terminal = await TmuxTerminal.start('sleep 998');
  const pane = await terminal.panePid();
  writeFileSync(process.env.SCRATCH_PIDS, JSON.stringify([child.pid, terminal.serverPid, pane]));
  await new Promise(() => setInterval(() => {}, 1000));
});
test.run();
`,
};

/** Whether a process is alive (a zombie left for init to reap counts as gone). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function writeScratch(directory: string, names: string[]): Promise<void> {
  // ES modules, as in the repository (tsx would compile .ts files outside a "type": "module" package to CommonJS).
  await writeFile(join(directory, 'package.json'), '{ "type": "module" }\n');
  for (const name of names) await writeFile(join(directory, name), SCRATCH[name]!);
}

function runRunner(directory: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/run-tests.mjs'), directory], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('a throw in before or after is printed with its stack and fails the file; skips are counted in the closing line', async () => {
  const directory = await temporaryDirectory('cairn-runner-');
  try {
    await writeScratch(directory, ['before-throws.test.ts', 'after-throws.test.ts', 'skips.test.ts']);
    const { code, output } = await runRunner(directory, {});
    assert.is(code, 1, output);
    assert.match(output, /\n2 passed, 3 failed, 2 skipped\n$/, `the closing line of:\n${output}`);
    assert.match(output, /before-throws\.test\.ts \([\d.]+s\): 0 passed, 2 failed, 0 skipped/);
    assert.match(output, /\[uvu-hook-failure\] before of suite "needs a setup" threw:\nError: scratch: the setup broke\n\s+at .*before-throws\.test\.ts/);
    assert.match(output, /after-throws\.test\.ts \([\d.]+s\): 1 passed, 1 failed, 0 skipped/);
    assert.match(output, /\[uvu-hook-failure\] after of suite "cleans up" threw:\nError: scratch: the cleanup broke\n\s+at .*after-throws\.test\.ts/);
    assert.match(output, /skips\.test\.ts \([\d.]+s\): 1 passed, 0 failed, 2 skipped/);
    assert.match(output, /failing files:\n.*after-throws\.test\.ts\n.*before-throws\.test\.ts\n/, 'failing files are listed in name order');
  } finally {
    await removeTree(directory);
  }
});

test('a file past its time limit is killed with its process group: its child, its tmux server and the program in the pane', async () => {
  const directory = await temporaryDirectory('cairn-runner-');
  try {
    await writeScratch(directory, ['hangs.test.ts']);
    const pids = join(directory, 'pids.json');
    const { code, output } = await runRunner(directory, { CAIRN_TEST_TIMEOUT: '15000', SCRATCH_PIDS: pids });
    assert.is(code, 1, output);
    assert.match(output, /hangs\.test\.ts \([\d.]+s\): 0 passed, 1 failed, 0 skipped/);
    assert.match(output, /hangs\.test\.ts took longer than 15s: killed with its process group/);
    assert.match(output, /\n0 passed, 1 failed, 0 skipped\n$/);
    const started = JSON.parse(await readFile(pids, 'utf8')) as number[];
    assert.is(started.length, 3, 'the hanging file started a child, a tmux server and a program in its pane');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await Promise.all(started.map(alive))).some(Boolean)) await sleep(100);
    assert.equal(await Promise.all(started.map(alive)), [false, false, false], `still running: ${started.join(', ')}`);
  } finally {
    await removeTree(directory);
  }
});

test('a file may ask for a longer time limit than CAIRN_TEST_TIMEOUT, never a shorter one', async () => {
  const directory = await temporaryDirectory('cairn-runner-');
  try {
    await writeScratch(directory, ['slow.test.ts', 'slow-asks-more.test.ts']);
    const { output } = await runRunner(directory, { CAIRN_TEST_TIMEOUT: '4000' });
    assert.match(output, /slow\.test\.ts took longer than 4s: killed with its process group/);
    assert.match(output, /slow-asks-more\.test\.ts \([\d.]+s\): 1 passed, 0 failed, 0 skipped/);
    assert.not.match(output, /slow-asks-more\.test\.ts took longer/);
  } finally {
    await removeTree(directory);
  }
});

test.run();
