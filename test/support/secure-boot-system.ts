/**
 * Systems and image specs for the Secure Boot tests: generations of the test kernel (Debian's, signed) and
 * the test initramfs, each printing its command line and powering off, and a spec naming the signed chain
 * unpacked from Debian's packages (ensureSignedBootFiles).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureTestSystem } from '../../scripts/test-system.js';
import { ISO_EPOCH } from './bootable-iso.js';
import { cairnOk } from './cli.js';
import type { SignedBootFiles } from './signed-boot.js';

export interface SignedSystem {
  readonly root: string;
  /** Each generation's toplevel, by number. */
  readonly toplevels: ReadonlyMap<number, string>;
}

/**
 * Generations 1..count under `dir/<name>`, each with `console=ttyS0,115200 cairn.generation=N` (the test init
 * prints the command line, so the generation that came up is known); `kernel` instead of the signed test kernel.
 */
export async function makeSignedSystem(dir: string, options: { name?: string; count?: number; kernel?: string } = {}): Promise<SignedSystem> {
  const { kernel, initramfs } = await ensureTestSystem();
  const root = join(dir, options.name ?? 'sb-root');
  const toplevels = new Map<number, string>();
  const count = options.count ?? 2;
  for (let n = 1; n <= count; n++) {
    const added = await cairnOk(
      ['generation', 'add', '--root', root, '--kernel', options.kernel ?? kernel, '--initrd', initramfs, '--param', 'console=ttyS0,115200', '--param', `cairn.generation=${n}`, '--label', `Signed ${n}`, '--json'],
      { env: { SOURCE_DATE_EPOCH: String(Number(ISO_EPOCH) - (count - n) * 86400) } },
    );
    toplevels.set(n, (JSON.parse(added.stdout) as { toplevel: string }).toplevel);
  }
  return { root, toplevels };
}

/** `secureBoot:` naming the unpacked signed files (GRUB for CDs unless `grub` says otherwise). */
export function secureBootValue(signed: SignedBootFiles, override: { shim?: string; grub?: string; mokManager?: string } = {}): string {
  return `{ shim: ${override.shim ?? signed.shim}, grub: ${override.grub ?? signed.grubCd}, mokManager: ${override.mokManager ?? signed.mokManager} }`;
}

/** Writes `<name>` (a Secure Boot image spec for `root`) into `dir` and returns its path. */
export async function writeSecureBootSpec(dir: string, root: string, secureBoot: string, options: { name?: string; boot?: string; volumeId?: string } = {}): Promise<string> {
  const spec = join(dir, options.name ?? 'sb.yaml');
  await writeFile(
    spec,
    [`volumeId: ${options.volumeId ?? 'CAIRN_SB'}`, `root: ${root}`, 'profile: /cairn/var/profiles/system', 'boot:', `  timeout: 5`, `  secureBoot: ${secureBoot}`, ...(options.boot === undefined ? [] : [options.boot]), ''].join('\n'),
  );
  return spec;
}
