/**
 * uvu with hooks that cannot hide a failure. Every suite's `before` and `after` handler is wrapped: a throw
 * is printed to stderr with its stack and a line the runner counts ("[uvu-hook-failure] ..."), and the
 * process exits non-zero. A throw in `before` is passed on, so uvu skips that suite's tests (they count as
 * failed: "(0 / N)"); a throw in `after` is not, so uvu still prints its summary of the tests that ran.
 */
import { exec as uvuExec, suite as uvuSuite, test as uvuTest } from 'uvu';

let hookFailures = 0;

function report(kind, name, error) {
  hookFailures += 1;
  const where = name === '' ? kind : `${kind} of suite "${name}"`;
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  process.stderr.write(`\n[uvu-hook-failure] ${where} threw:\n${text}\n`);
}

function wrapHooks(test, name) {
  const before = test.before;
  const after = test.after;
  const wrappedBefore = (handler) =>
    before(async (state) => {
      try {
        await handler(state);
      } catch (error) {
        report('before', name, error);
        throw error;
      }
    });
  wrappedBefore.each = before.each;
  const wrappedAfter = (handler) =>
    after(async (state) => {
      try {
        await handler(state);
      } catch (error) {
        report('after', name, error);
      }
    });
  wrappedAfter.each = after.each;
  test.before = wrappedBefore;
  test.after = wrappedAfter;
  return test;
}

process.on('exit', () => {
  if (hookFailures > 0) process.exitCode = 1;
});

export const suite = (name = '', state = {}) => wrapHooks(uvuSuite(name, state), name);
export const test = wrapHooks(uvuTest, '');
export const exec = uvuExec;
