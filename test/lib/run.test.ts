import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProcessError, UserError } from '../../lib/errors.js';
import { run, runBinary, toolEnvironment } from '../../lib/run.js';
import { ToolNotFoundError, requireTools } from '../../lib/tools.js';

test('runs a tool with argv, never a shell', async () => {
  const result = await run('printf', ['%s|', 'a b', '$(echo no)', "it's"]);
  assert.is(result.stdout, "a b|$(echo no)|it's|");
  assert.is(result.exitCode, 0);
});

test('the environment is fixed: C.UTF-8, UTC, nothing else from the caller', async () => {
  process.env.CAIRN_LEAK_TEST = 'leak';
  const { stdout } = await run('env', []);
  delete process.env.CAIRN_LEAK_TEST;
  assert.match(stdout, /^LC_ALL=C\.UTF-8$/m);
  assert.match(stdout, /^TZ=UTC$/m);
  assert.not.match(stdout, /CAIRN_LEAK_TEST/);
  assert.equal(Object.keys(toolEnvironment({ X: '1' })).includes('X'), true);
});

test('stdin is closed unless input is given', async () => {
  const closed = await run('cat', []);
  assert.is(closed.stdout, '');
  const fed = await runBinary('cat', [], { input: new Uint8Array([0, 1, 2, 255]) });
  assert.equal([...fed.stdout], [0, 1, 2, 255]);
});

test('a failing tool names the command line, the exit code and the stderr tail', async () => {
  try {
    await run('sh', ['-c', 'for i in $(seq 1 30); do echo line$i >&2; done; exit 3']);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ProcessError);
    const e = error as ProcessError;
    assert.is(e.exitCode, 3);
    assert.match(e.message, /^sh -c 'for i in .*' failed with exit code 3:/);
    assert.match(e.message, /line30/);
    assert.not.match(e.message, /line1\n/, 'only the tail of stderr');
  }
});

test('a missing tool is reported with the package that provides it', async () => {
  try {
    await run('definitely-not-a-cairn-tool', []);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ToolNotFoundError);
  }
  const original = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    // xorriso lives in /usr/bin, which is searched anyway; a tool only on PATH is not found.
    assert.throws(() => requireTools(['no-such-mkfs', 'also-missing']), (e: unknown) => e instanceof UserError && /2 required tools not found/.test((e as Error).message));
  } finally {
    process.env.PATH = original;
  }
  try {
    requireTools(['mkfs.not-a-filesystem']);
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /mkfs\.not-a-filesystem not found/);
  }
  const known = new ToolNotFoundError('xorriso');
  assert.is(known.message, 'xorriso not found: install the package xorriso (Fedora: xorriso, Arch: libisoburn)');
});

test('timeouts kill the tool and say so', async () => {
  try {
    await run('sleep', ['5'], { timeoutMs: 100 });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, ProcessError);
    assert.match((error as Error).message, /sleep 5 failed with signal SIGKILL/);
  }
});

test.run();
