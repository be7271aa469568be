#!/usr/bin/env node
/** Entry point of the `cairn` command: the only place that calls process.exit. */
import { buildProgram } from './program.js';
import { reportError } from './exit.js';

async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
    return 0;
  } catch (error) {
    return reportError(error, process.stderr);
  }
}

const code = await main(process.argv);
// Let pending writes to stdout/stderr drain before exiting.
process.exitCode = code;
if (code !== 0) setImmediate(() => process.exit(code));
