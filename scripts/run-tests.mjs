#!/usr/bin/env node
/**
 * Runs every uvu test file (test/**\/*.test.ts, or those under the paths given) in its own Node process
 * with tsx, several at a time, prints each file's output when it finishes, and ends with the line CI reads:
 * "N passed, N failed, N skipped" (CI takes the first two numbers).
 *
 * Nothing a file does can hide a failure or outlive it:
 * - a throw in a suite's `before`/`after` is printed with its stack and fails the file (uvu 0.5 drops it;
 *   scripts/uvu-hooks wraps the hooks);
 * - a file that crashes before uvu's summary, or exits non-zero after it, counts as one failed test;
 * - each file runs in its own process group; when it ends, or passes its time limit, the whole group is
 *   killed, so no QEMU, tmux server (test/support/tmux.ts keeps its server in the group) or other child
 *   outlives it.
 *
 *   npm test                       # everything
 *   npm test -- test/system        # the files under a path
 *   CAIRN_TEST_JOBS=1 npm test     # one file at a time
 *   CAIRN_TEST_TIMEOUT=60000       # a file's time limit in ms (default 20 minutes; a file may ask for more)
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const preload = new URL('./uvu-hooks/preload.mjs', import.meta.url).href;
const uvuFilePattern = /\.test\.tsx?$/;
const fileTimeoutMs = Number(process.env.CAIRN_TEST_TIMEOUT ?? 20 * 60_000);

/**
 * A file's time limit: CAIRN_TEST_TIMEOUT, or more where the file asks for it with a line
 * `// run-tests: time limit N minutes` (whole installs under TCG take longer than any other file).
 */
function fileTimeLimit(file) {
  const asked = /^\/\/ run-tests: time limit (\d+) minutes?$/m.exec(readFileSync(file, 'utf8'));
  return asked === null ? fileTimeoutMs : Math.max(fileTimeoutMs, Number(asked[1]) * 60_000);
}

function findTests(path) {
  const info = statSync(path);
  if (info.isFile()) return uvuFilePattern.test(path) ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => (name === 'node_modules' || name.startsWith('.') ? [] : findTests(join(path, name))));
}

const targets = process.argv.slice(2);
const files = (targets.length > 0 ? targets : ['test']).flatMap((t) => findTests(resolve(root, t)));
const jobs = Math.max(1, Number(process.env.CAIRN_TEST_JOBS ?? Math.min(availableParallelism(), 4)));

// Slow files (boot tests) first, so they overlap with the many quick ones.
const weight = (file) => (/\.boot\.test\./.test(file) ? 0 : 1);
const queue = [...files].sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
/** Process groups of the files running now, killed if the runner itself is stopped. */
const running = new Set();

function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex -- colour codes begin with ESC (U+001B)
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** What a file's output says: uvu's totals, and the hook failures scripts/uvu-hooks reported. */
function countResults(output, exitCode) {
  const plain = stripAnsi(output);
  const total = /Total:\s+(\d+)/.exec(plain);
  const done = /Passed:\s+(\d+)/.exec(plain);
  const skips = /Skipped:\s+(\d+)/.exec(plain);
  const hookFailures = (plain.match(/^\[uvu-hook-failure\]/gm) ?? []).length;
  if (!total || !done) return { passed: 0, failed: 1, skipped: 0 };
  const result = { passed: Number(done[1]), failed: Number(total[1]) - Number(done[1]), skipped: skips ? Number(skips[1]) : 0 };
  // A hook that threw after every test passed, a crash after the summary, an unhandled rejection.
  if (result.failed === 0 && (exitCode !== 0 || hookFailures > 0)) result.failed = 1;
  return result;
}

function runFile(file) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group (and session): the group is what gets killed.
      detached: true,
    });
    running.add(child.pid);
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const limitMs = fileTimeLimit(file);
    const timer = setTimeout(() => {
      timedOut = true;
      output += `\n[run-tests] ${relative(root, file)} took longer than ${limitMs / 1000}s: killed with its process group\n`;
      killGroup(child.pid);
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever the file started and left behind goes with it.
      killGroup(child.pid);
      running.delete(child.pid);
      const counts = timedOut ? { passed: 0, failed: 1, skipped: 0 } : countResults(output, code);
      passed += counts.passed;
      failed += counts.failed;
      skipped += counts.skipped;
      const name = relative(root, file);
      if (counts.failed > 0) failures.push(name);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n### ${name} (${seconds}s): ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n${output.trimEnd()}\n`);
      resolvePromise();
    });
  });
}

async function worker() {
  for (;;) {
    const file = queue.shift();
    if (file === undefined) return;
    await runFile(file);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of running) killGroup(pid);
    process.stdout.write(`\n[run-tests] stopped by ${signal}\n`);
    process.exit(130);
  });
}

if (files.length === 0) {
  process.stdout.write('no test files found\n0 passed, 1 failed, 0 skipped\n');
  process.exit(1);
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
if (failures.length > 0) process.stdout.write(`\nfailing files:\n${failures.sort().map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 ? 1 : 0;
