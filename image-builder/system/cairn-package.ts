/**
 * What an installer system carries so that `cairn` runs on it: the Node.js running this build, and Cairn's
 * own package as npm would install it (`npm pack`, then `npm ci --omit=dev` against Cairn's lockfile, so the
 * production dependencies are the versions Cairn was tested with), each as a store entry:
 *
 *   <hash>-nodejs-20.20.2/bin/node
 *   <hash>-cairn-0.1.0/lib/node_modules/cairn/{package.json,dist,schemas,node_modules}
 *   <hash>-cairn-0.1.0/bin/cairn -> ../lib/node_modules/cairn/dist/cli/cairn.cjs   (#!/usr/bin/env node)
 *
 * The userland links bin/node and bin/cairn to them, and carries the libraries node needs.
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../lib/errors.js';
import { run } from '../../lib/run.js';
import { addTreeEntry, type StoreLocation } from '../../system/store.js';

export interface CairnPackage {
  /** The node binary's system path (`<store>/<hash>-nodejs-<version>/bin/node`). */
  readonly node: string;
  /** The cairn command's system path (`<store>/<hash>-cairn-<version>/bin/cairn`). */
  readonly cairn: string;
}

/** The root of the Cairn package this code runs from (the folder of its package.json). */
export async function cairnPackageRoot(): Promise<string> {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = await readFile(join(directory, 'package.json'), 'utf8').catch(() => undefined);
    if (manifest !== undefined && (JSON.parse(manifest) as { name?: string }).name === 'cairn') return directory;
    const parent = dirname(directory);
    if (parent === directory) throw new Error('cannot find the package.json of Cairn above its own code');
    directory = parent;
  }
}

/**
 * Adds Node.js and Cairn to the store. `staging` is a folder on the store's filesystem for the work; `node`
 * the node binary to carry (default: the one running).
 */
export async function addCairnPackage(location: StoreLocation, staging: string, node = process.execPath): Promise<CairnPackage> {
  const version = node === process.execPath ? process.version.replace(/^v/, '') : 'unknown';
  const nodeStage = join(staging, 'nodejs');
  await mkdir(join(nodeStage, 'bin'), { recursive: true });
  await copyFile(node, join(nodeStage, 'bin', 'node'));
  const nodeEntry = await addTreeEntry(location, `nodejs-${version}`, nodeStage);

  const root = await cairnPackageRoot();
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string; bin?: Record<string, string> };
  if (!(await stat(join(root, 'dist', 'cli', 'main.cjs')).then(() => true, () => false))) {
    throw new UserError(`${root}/dist is not built, so Cairn cannot be packed for an installer system`, { hint: 'run npm run build (npm ci does it too)' });
  }
  const work = await mkdtemp(join(staging, 'pack-'));
  try {
    await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, timeoutMs: 300_000 });
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (tarball === undefined) throw new Error(`npm pack left no tarball in ${work}`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work]);
    const packed = join(work, 'package');
    const lock = join(root, 'package-lock.json');
    const locked = await stat(lock).then(() => true, () => false);
    if (locked) await copyFile(lock, join(packed, 'package-lock.json'));
    await run('npm', [locked ? 'ci' : 'install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: packed, timeoutMs: 600_000 });
    const cairnStage = join(staging, 'cairn');
    await mkdir(join(cairnStage, 'lib', 'node_modules'), { recursive: true });
    await rename(packed, join(cairnStage, 'lib', 'node_modules', 'cairn'));
    await mkdir(join(cairnStage, 'bin'));
    // As npm does when it links a package's commands: each is made executable and linked into bin/.
    for (const [command, target] of Object.entries(manifest.bin ?? {}).sort()) {
      await chmod(join(cairnStage, 'lib', 'node_modules', 'cairn', target), 0o755);
      await symlink(posix.join('..', 'lib', 'node_modules', 'cairn', target), join(cairnStage, 'bin', command));
    }
    const cairnEntry = await addTreeEntry(location, `cairn-${manifest.version}`, cairnStage);
    return { node: posix.join(nodeEntry, 'bin', 'node'), cairn: posix.join(cairnEntry, 'bin', 'cairn') };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
