#!/usr/bin/env node
/** Entry point of the `cairn` command: the only place that calls process.exit. */
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

const code = await main(process.argv);
// Let pending writes to stdout/stderr drain before exiting.
process.exitCode = code;
if (code !== 0) setImmediate(() => process.exit(code));
