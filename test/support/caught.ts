/** The error a function throws (or its promise rejects with); fails the test if there is none. */
import * as assert from 'uvu/assert';

export async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.unreachable('expected an error');
  return undefined;
}
