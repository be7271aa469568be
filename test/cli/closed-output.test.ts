/**
 * A reader that stops early (`cairn generation list | head -1`) is not an error (cli/main.ts): output into a pipe
 * whose reader has gone ends the command quietly with exit 0, on stdout and on stderr, though main.ts attaches
 * its handler only when the stream is first used.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/cli.js';

/** Runs cairn from source with the reading end of stdout or stderr closed at once; the exit code and the other stream. */
function withClosedReader(closed: 'stdout' | 'stderr', args: readonly string[]): Promise<{ code: number | null; other: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'cli', 'main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child[closed].destroy();
    let other = '';
    child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (chunk: Buffer) => (other += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, other }));
  });
}

const nixos = ['--root', join(repoRoot, 'fixtures', 'profiles', 'nixos'), '--profile', '/nix/var/nix/profiles/system'];

test('a listing into a closed pipe ends with exit 0 and nothing on stderr', async () => {
  const { code, other } = await withClosedReader('stdout', ['generation', 'list', ...nixos]);
  assert.is(other, '');
  assert.is(code, 0);
});

test('an error message into a closed pipe ends with exit 0 and nothing on stdout', async () => {
  const { code, other } = await withClosedReader('stderr', ['generation', 'list', ...nixos.slice(0, 2), '--profile', 'relative']);
  assert.is(other, '');
  assert.is(code, 0);
});

test.run();
