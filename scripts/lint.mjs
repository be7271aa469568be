#!/usr/bin/env node
/**
 * `npm run lint`: the dependency rule (dependency-cruiser, .dependency-cruiser.cjs) and ESLint (eslint.config.js)
 * side by side, each report printed whole when it ends; exits 1 when either found a problem. The paths given are
 * linted instead of the whole repository (`npm run lint -- installer`).
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceFolders = ['lib', 'system', 'image-builder', 'partitioning', 'bootloader', 'installer', 'cli', 'scripts', 'bench', 'test'];
const paths = process.argv.slice(2);
const bin = (name) => resolve(root, 'node_modules', '.bin', name);

const checks = [
  { name: 'dependency-cruiser', command: bin('depcruise'), args: ['--config', '.dependency-cruiser.cjs', ...(paths.length > 0 ? paths : sourceFolders)] },
  { name: 'eslint', command: bin('eslint'), args: ['--max-warnings', '0', ...(paths.length > 0 ? paths : ['.'])] },
];

function runCheck({ name, command, args }) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => done({ name, ok: false, output: `${error.message}\n` }));
    child.on('close', (code) => done({ name, ok: code === 0, output }));
  });
}

const results = await Promise.all(checks.map(runCheck));
for (const { name, ok, output } of results) {
  process.stdout.write(`${name}: ${ok ? 'passed' : 'FAILED'}\n${output.trim() === '' ? '' : `${output.trimEnd()}\n`}`);
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
