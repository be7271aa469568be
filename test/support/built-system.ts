/**
 * The bundled example built for real (examples/system: three generations from `cairn system build`, as
 * `npm run example` makes them), shared by every test that boots or installs a real system. It is built once
 * per set of inputs: the key covers the spec files, the kernel package, busybox and Cairn's own code that
 * builds systems, and the result lives in the cache (`$CAIRN_CACHE/systems/<key>/sysroot`) for the next test
 * file and the next run. Tests only read it: they install from it and build ISOs of it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDirectory, ensureTestKernelPackage } from '../../scripts/test-system.js';
import { readKernelRelease } from '../../system/kernel-image.js';
import { readProfile } from '../../system/profile.js';
import { cairnOk, repoRoot } from './cli.js';
import { pathExists, removeTree, temporaryDirectory } from './tree.js';

/** The example's date (2025-11-20 12:00 UTC); generation N is dated 3 - N days earlier. */
export const EXAMPLE_EPOCH = 1763640000;
/** The example user's name and password (examples/system/configuration.yaml). */
export const EXAMPLE_USER = { name: 'cairn', password: 'cairn' } as const;
export const EXAMPLE_HOST = 'cairn-example';

export interface BuiltSystem {
  /** The root directory the store and profile live under (read-only for tests). */
  readonly root: string;
  /** Each generation's toplevel, by number. */
  readonly toplevels: ReadonlyMap<number, string>;
  /** Each generation's label, by number. */
  readonly labels: ReadonlyMap<number, string>;
  /** The kernel release (the test kernel's). */
  readonly release: string;
  /** Each generation's kernel and initramfs on this machine (host paths), by number. */
  readonly bootFiles: ReadonlyMap<number, { readonly kernel: string; readonly initrd: string }>;
}

/** Code whose change changes what `cairn system build` makes. */
const BUILDER_SOURCES = ['image-builder/system', 'image-builder/initrd', 'image-builder/elf', 'system', 'lib'];

/** The example's three generations, built (or found in the cache) for this checkout. */
export function builtExampleSystem(): Promise<BuiltSystem> {
  return builtSystem('example', [1, 2, 3].map((n) => `generation-${n}.system.yaml`));
}

/** What `npm pack` puts in the Cairn an installer system carries: the built code and the manifests. */
const PACKED_SOURCES = ['dist', 'package.json', 'package-lock.json'];

/**
 * The example's newest generation with `installer: true` (Node.js and Cairn inside), as generation 1: a
 * variant of the example's spec, built once per set of inputs like the example, and per packed Cairn.
 */
export function builtInstallerSystem(): Promise<BuiltSystem> {
  return builtSystem('installer', ['generation-3.system.yaml'], (text) => `${text}installer: true\nlabel: Cairn installer example\n`.replace(/^label: .*\n/m, ''), PACKED_SOURCES);
}

/**
 * The installer ISO's system: the example's generations 2 and 3 with `installer: true` and the installer on
 * the live consoles (`live.console: installer`), as examples/installer builds all three; built once per
 * set of inputs like the others.
 */
export function builtLiveInstallerSystem(): Promise<BuiltSystem> {
  return builtSystem('live-installer', ['generation-2.system.yaml', 'generation-3.system.yaml'], (text) => `${text}installer: true\nlive: { console: installer }\n`, PACKED_SOURCES);
}

/**
 * Builds the specs of examples/system named in `specs` in turn into one profile, a day apart, the last on the
 * example's date, with `edit` applied to their text; cached by the inputs (and by what `edit` adds).
 */
async function builtSystem(variant: string, specs: readonly string[], edit: (text: string) => string = (text) => text, packed: readonly string[] = []): Promise<BuiltSystem> {
  const deb = await ensureTestKernelPackage();
  const examples = join(repoRoot, 'examples', 'system');
  const key = `${variant}-${await inputsKey(deb, examples, edit(''), packed)}`;
  const systems = join(cacheDirectory(), 'systems');
  const root = join(systems, key, 'sysroot');
  if (!(await pathExists(root))) {
    await mkdir(systems, { recursive: true });
    const work = await temporaryDirectory('cairn-built-system-');
    try {
      // The specs as they are, but with the kernel package where this machine has it.
      for (const name of await readdir(examples)) {
        const text = (await readFile(join(examples, name), 'utf8')).replace(/package: \S+/, `package: ${deb}`);
        await writeFile(join(work, name), specs.includes(name) ? edit(text) : text);
      }
      const sysroot = join(work, key, 'sysroot');
      for (const [index, spec] of specs.entries()) {
        await cairnOk(['system', 'build', join(work, spec), '--root', sysroot], { env: { SOURCE_DATE_EPOCH: String(EXAMPLE_EPOCH - (specs.length - 1 - index) * 86400) } });
      }
      await rename(join(work, key), join(systems, key)).catch(async (error: unknown) => {
        if (!(await pathExists(root))) throw error; // another test file built it first
      });
    } finally {
      await removeTree(work);
    }
  }
  const profile = await readProfile(root, '/cairn/var/profiles/system');
  const release = await readKernelRelease(join(root, profile.generations[0]!.document.bootspec.kernel));
  return {
    release: release!,
    root,
    toplevels: new Map(profile.generations.map((g) => [g.number, g.toplevel])),
    labels: new Map(profile.generations.map((g) => [g.number, g.document.bootspec.label])),
    bootFiles: new Map(profile.generations.map((g) => [g.number, { kernel: join(root, g.document.bootspec.kernel), initrd: join(root, g.document.bootspec.initrd!) }])),
  };
}

async function inputsKey(deb: string, specs: string, edit: string, packed: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`${edit}\0`);
  const debInfo = await stat(deb);
  hash.update(`${deb}\0${debInfo.size}\0`);
  for (const name of (await readdir(specs)).sort()) hash.update(`${name}\0`).update(await readFile(join(specs, name)));
  const busybox = await stat('/bin/busybox').catch(() => undefined);
  hash.update(`busybox\0${busybox?.size ?? 0}\0${busybox?.mtimeMs ?? 0}\0`);
  const builder = await Promise.all(BUILDER_SOURCES.map((d) => sourceFiles(join(repoRoot, d), '.ts')));
  const packedFiles = await Promise.all(packed.map(async (p) => ((await stat(join(repoRoot, p))).isDirectory() ? sourceFiles(join(repoRoot, p), '.js') : [join(repoRoot, p)])));
  for (const file of [...builder, ...packedFiles].flat().sort()) {
    hash.update(`${file.slice(repoRoot.length)}\0`).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 20);
}

async function sourceFiles(directory: string, extension: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...(await sourceFiles(path, extension)));
    else if (entry.name.endsWith(extension)) found.push(path);
  }
  return found;
}

