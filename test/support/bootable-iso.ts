/** Bootable ISOs of the example system for tests: a spec in a temporary folder, built by the CLI. */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { cairn, cairnOk } from './cli.js';
import { pathExists } from './tree.js';

/** The date every test ISO is built with (SOURCE_DATE_EPOCH). */
export const ISO_EPOCH = '1763640000';

export interface SpecOptions {
  /** The spec's file name in `dir` (default image.yaml). */
  readonly name?: string;
  readonly volumeId?: string;
  readonly generations?: string;
  readonly boot?: string;
  readonly extra?: string;
}

/** Writes a spec (`image.yaml` by default) for the system under `root` into `dir` and returns its path. */
export async function writeBootableSpec(dir: string, root: string, options: SpecOptions = {}): Promise<string> {
  const spec = join(dir, options.name ?? 'image.yaml');
  await writeFile(
    spec,
    [
      `volumeId: ${options.volumeId ?? 'CAIRN_TEST'}`,
      `root: ${root}`,
      'profile: /cairn/var/profiles/system',
      `generations: ${options.generations ?? 'all'}`,
      options.boot ?? 'boot: { bios: true, uefi: true, timeout: 5, serial: true }',
      options.extra ?? '',
      '',
    ].join('\n'),
  );
  return spec;
}

export async function buildIso(spec: string, output: string, env: Record<string, string> = {}): Promise<string> {
  await cairnOk(['iso', 'build', spec, '-o', output], { env: { SOURCE_DATE_EPOCH: ISO_EPOCH, ...env } });
  return output;
}

/** A build that must fail: exit 1, the message, and no ISO (nor a temporary file) left in `dir`; returns stderr. */
export async function assertBuildRefused(dir: string, spec: string, pattern: RegExp): Promise<string> {
  const output = join(dir, 'refused.iso');
  const result = await cairn(['iso', 'build', spec, '-o', output]);
  assert.is(result.code, 1, `exit code; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern, result.stderr);
  assert.not.match(result.stderr, /internal error/);
  assert.not.ok(await pathExists(output), `${output} was left behind`);
  assert.equal((await readdir(dir)).filter((n) => n.startsWith('refused.iso')), [], 'no temporary image left');
  return result.stderr;
}
