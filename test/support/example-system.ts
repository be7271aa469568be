/**
 * The bundled example system for tests: a profile of three generations made from the test kernel and
 * initramfs (as `npm run example` makes it), built once per test file in a temporary root.
 */
import { join } from 'node:path';
import { ensureTestSystem } from '../../scripts/test-system.js';
import { cairnOk } from './cli.js';

export interface ExampleSystem {
  /** The root directory the store and profile live under. */
  readonly root: string;
  readonly kernel: string;
  readonly initramfs: string;
}

/** Makes generations 1..3 (one a day up to 2025-11-20), sharing kernel and initrd, with console=ttyS0. */
export async function makeExampleSystem(directory: string, count = 3): Promise<ExampleSystem> {
  const { kernel, initramfs } = await ensureTestSystem();
  const root = join(directory, 'sysroot');
  for (let n = 1; n <= count; n++) {
    await cairnOk(
      ['generation', 'add', '--root', root, '--kernel', kernel, '--initrd', initramfs, '--param', 'console=ttyS0,115200', '--param', 'quiet', '--param', `cairn.example=${n}`, '--label', `Cairn example 1.${n - 1}`],
      { env: { SOURCE_DATE_EPOCH: String(1763640000 - (count - n) * 86400) } },
    );
  }
  return { root, kernel, initramfs };
}
