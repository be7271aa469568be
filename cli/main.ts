#!/usr/bin/env node
/**
 * Entry point of the `cairn` command. Every error ends in reportError (exit.ts) and its exit code is set here.
 * Only cli/ calls process.exit: here (a reader that closed stdout, and a failure once output has drained) and
 * `cairn install` on a second Ctrl-C, which stops at once instead of at the next safe point.
 */
import { buildProgram } from './program.js';
import { reportError } from './exit.js';

// A reader that stops early (`cairn ... | head`) is not an error: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
    return 0;
  } catch (error) {
    return reportError(error, process.stderr);
  }
}

// Not awaited at the top level: the build makes this module CommonJS (scripts/build.mjs).
void main(process.argv).then((code) => {
  // Let pending writes to stdout/stderr drain before exiting.
  process.exitCode = code;
  if (code !== 0) setImmediate(() => process.exit(code));
});
