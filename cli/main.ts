#!/usr/bin/env node
/**
 * Entry point of the `cairn` command. Every error ends in reportError (exit.ts) and its exit code is set here.
 * Only cli/ calls process.exit: here (a reader that closed stdout, and a failure once output has drained) and
 * `cairn install` on a second Ctrl-C, which stops at once instead of at the next safe point.
 */
import { buildProgram } from './program.js';
import { reportError } from './exit.js';

// A reader that stops early (`cairn ... | head`) is not an error: stop quietly, as Unix tools do. The handler is
// attached when Node first makes the stream: making process.stderr for a pipe or a terminal loads Node's `net`
// module (about 3 ms), which a command that prints nothing to it need not pay.
for (const name of ['stdout', 'stderr'] as const) {
  const made = Object.getOwnPropertyDescriptor(process, name)!;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: made.enumerable,
    get() {
      const stream = made.get!.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, name, { configurable: true, enumerable: made.enumerable, writable: true, value: stream });
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      return stream;
    },
  });
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
    return 0;
  } catch (error) {
    // process.stderr only when there is something to write: `--help` ends here too, with nothing to add.
    return reportError(error, { write: (text: string) => process.stderr.write(text) });
  }
}

const code = await main(process.argv);
// Let pending writes to stdout/stderr drain before exiting.
process.exitCode = code;
if (code !== 0) setImmediate(() => process.exit(code));
