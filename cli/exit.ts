/**
 * Where every error ends (STYLE.md 4): it becomes a message and the exit code main.ts exits with.
 * 0 success, 1 a user error (bad input, a failed tool, a refused disk), 2 a usage error, 70 a bug in Cairn.
 */
import { CommanderError } from 'commander';
import { ProcessError, UsageError, UserError } from '../lib/errors.js';
import { style } from './terminal.js';

const EXIT_OK = 0;
export const EXIT_USER = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

/** Prints an error to `stderr` and returns the exit code it maps to. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help text).
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    stderr.write(`${style.error('cairn: usage error:')} ${error.message}\n`);
    if (error.hint) stderr.write(`  hint: ${error.hint}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof UserError) {
    stderr.write(`${style.error('cairn: error:')} ${error.message}\n`);
    if (error.hint) stderr.write(`  hint: ${error.hint}\n`);
    return EXIT_USER;
  }
  if (error instanceof ProcessError) {
    stderr.write(`${style.error('cairn: error:')} ${error.message}\n`);
    return EXIT_USER;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(`${style.error('cairn: internal error:')} ${detail}\n`);
  stderr.write(`This is a bug in Cairn. Please report it to Cairn's issue tracker with the command you ran and this output.\n`);
  return EXIT_INTERNAL;
}
