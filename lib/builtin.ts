/**
 * Node's `crypto` and `child_process`, loaded at their first use rather than when a module naming them is
 * imported. Each costs 5-6 ms of a start (`node -e 'require("crypto")'` against `node -e 0`), and the modules
 * on every command's start path (lib/run.ts, lib/atomic-file.ts, system/store-hash.ts) name them for work that
 * `cairn generation list` or `cairn install --help` never does (README, Performance). Modules that only the
 * heavy commands load import them as usual.
 */
import { createRequire } from 'node:module';

let requireBuiltin: NodeJS.Require | undefined;

function load<T>(name: string): T {
  requireBuiltin ??= createRequire(import.meta.url);
  return requireBuiltin(name) as T;
}

export const crypto = (): typeof import('node:crypto') => load('node:crypto');
export const childProcess = (): typeof import('node:child_process') => load('node:child_process');
