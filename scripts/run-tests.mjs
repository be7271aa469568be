#!/usr/bin/env node
/**
 * Runs every uvu test file (test/**\/*.test.ts, or those under the paths given) in its own Node process
 * with tsx, several at a time, prints each file's output when it finishes, and ends with the one line CI
 * reads: "N passed, N failed". A file that crashes before uvu's summary counts as one failed test.
 *
 *   npm test                       # everything
 *   npm test -- test/system        # the files under a path
 *   CAIRN_TEST_JOBS=1 npm test     # one file at a time
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const uvuFilePattern = /\.test\.tsx?$/;
const fileTimeoutMs = Number(process.env.CAIRN_TEST_TIMEOUT ?? 20 * 60_000);

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
const failures = [];

function stripAnsi(text) {
  // eslint-disable-next-line no-control-regex -- colour codes begin with ESC (U+001B)
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function runFile(file) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => {
      output += `\n[run-tests] ${relative(root, file)} took longer than ${fileTimeoutMs / 1000}s: killed\n`;
      child.kill('SIGKILL');
    }, fileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const plain = stripAnsi(output);
      const total = /Total:\s+(\d+)/.exec(plain);
      const done = /Passed:\s+(\d+)/.exec(plain);
      let filePassed = 0;
      let fileFailed = 0;
      if (total && done) {
        filePassed = Number(done[1]);
        fileFailed = Number(total[1]) - filePassed;
        if (code !== 0 && fileFailed === 0) fileFailed = 1; // crashed after the summary, or an unhandled rejection
      } else {
        fileFailed = 1;
      }
      passed += filePassed;
      failed += fileFailed;
      const name = relative(root, file);
      if (fileFailed > 0) failures.push(name);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n### ${name} (${seconds}s): ${filePassed} passed, ${fileFailed} failed\n${output.trimEnd()}\n`);
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

if (files.length === 0) {
  process.stdout.write('no test files found\n0 passed, 1 failed\n');
  process.exit(1);
}
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
if (failures.length > 0) process.stdout.write(`\nfailing files:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
