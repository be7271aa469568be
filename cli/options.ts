/** Option parsers and shared option sets for the commands. */
import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import { tableLines } from '../lib/text-table.js';
import { DEFAULT_PROFILE } from '../system/profile.js';
import { DEFAULT_STORE } from '../system/store.js';

export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
}

export function parsePositive(value: string): number {
  const number = parseCount(value);
  if (number < 1) throw new InvalidArgumentError(`expected a number of at least 1, got "${value}"`);
  return number;
}

/** For repeatable options such as `--param a --param b`. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

export function addRootOptions(command: Command, options: { store?: boolean } = {}): Command {
  command
    .option('--root <dir>', 'directory under which absolute store and profile paths resolve', '/')
    .option('--profile <path>', 'the profile (generations are <profile>-<N>-link)', DEFAULT_PROFILE);
  if (options.store) command.option('--store <path>', 'the store directory (a system path under --root)', DEFAULT_STORE);
  return command;
}

export function rootOf(options: { root: string }): string {
  return resolve(options.root);
}

/** "1 file", "3 files": a number with its noun. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** JSON output: stable, two-space indented, one trailing newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The date of a generation as Cairn shows it: UTC, to the minute. */
export function formatDate(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

/** Left-aligned text table, for human output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return `${tableLines(header, rows).join('\n')}\n`;
}
