/**
 * Bootable ISOs for the inspect, `iso run` and `iso test` tests: an image spec for a system root, built by
 * the CLI with a fixed date; and a system whose generations print nothing on the serial port (no console=
 * parameter), one of which panics, to show that `iso test` finds out anyway.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTestSystem } from '../../scripts/test-system.js';
import { cairnOk } from './cli.js';

export const ISO_EPOCH = '1763640000';

/** Writes `image.yaml` into `dir` for the profile under `root` and builds it to `dir/<name>`. */
export async function buildBootableIso(dir: string, root: string, options: { name?: string; boot?: string; volumeId?: string } = {}): Promise<string> {
  const spec = join(dir, `${options.name ?? 'live'}.yaml`);
  await writeFile(
    spec,
    [
      `volumeId: ${options.volumeId ?? 'CAIRN_TEST'}`,
      `root: ${root}`,
      'profile: /cairn/var/profiles/system',
      'generations: all',
      `boot: ${options.boot ?? '{ bios: true, uefi: true, timeout: 5, serial: true }'}`,
      '',
    ].join('\n'),
  );
  const iso = join(dir, `${options.name ?? 'live'}.iso`);
  await cairnOk(['iso', 'build', spec, '-o', iso], { env: { SOURCE_DATE_EPOCH: ISO_EPOCH } });
  return iso;
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
