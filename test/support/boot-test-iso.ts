/**
 * Bootable ISOs for the inspect, `iso run` and `iso test` tests: an image spec for a system root, built by
 * the CLI with a fixed date; and a system whose generations print nothing on the serial port (no console=
 * parameter), one of which panics, to show that `iso test` finds out anyway.
 */
import { join } from 'node:path';
import { ensureTestSystem } from '../../scripts/test-system.js';
import { buildIso, ISO_EPOCH, writeBootableSpec } from './bootable-iso.js';
import { cairnOk } from './cli.js';


/** Writes `<name>.yaml` into `dir` for the profile under `root` and builds it to `dir/<name>.iso`. */
export async function buildBootableIso(dir: string, root: string, options: { name?: string; boot?: string; volumeId?: string } = {}): Promise<string> {
  const name = options.name ?? 'live';
  const spec = await writeBootableSpec(dir, root, {
    name: `${name}.yaml`,
    ...(options.volumeId === undefined ? {} : { volumeId: options.volumeId }),
    boot: `boot: ${options.boot ?? '{ bios: true, uefi: true, timeout: 5, serial: true }'}`,
  });
  return buildIso(spec, join(dir, `${name}.iso`));
}

export interface QuietSystem {
  readonly root: string;
  /** Each generation's toplevel, by number. */
  readonly toplevels: ReadonlyMap<number, string>;
}

/**
 * Generations 1 to 3 of the test kernel and initramfs without any console= parameter: their kernels print
 * nothing on the serial port. Generation 2 names an init the initramfs does not have (rdinit=), so its
 * kernel panics; generation 3 is current.
 */
export async function makeQuietSystem(dir: string): Promise<QuietSystem> {
  const { kernel, initramfs } = await ensureTestSystem();
  const root = join(dir, 'quiet-root');
  const toplevels = new Map<number, string>();
  for (const n of [1, 2, 3]) {
    const params = n === 2 ? ['rdinit=/no-such-init', `cairn.quiet=${n}`] : [`cairn.quiet=${n}`];
    const added = await cairnOk(
      ['generation', 'add', '--root', root, '--kernel', kernel, '--initrd', initramfs, ...params.flatMap((p) => ['--param', p]), '--label', `Quiet ${n}`, '--json'],
      { env: { SOURCE_DATE_EPOCH: String(Number(ISO_EPOCH) - (3 - n) * 86400) } },
    );
    toplevels.set(n, (JSON.parse(added.stdout) as { toplevel: string }).toplevel);
  }
  return { root, toplevels };
}
