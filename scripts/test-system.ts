/**
 * The test system every boot test uses: a Debian kernel (the package `linux-image-amd64` depends on, fetched
 * with `apt-get download` and unpacked with `dpkg -x`) and a tiny busybox initramfs whose /init prints the
 * kernel command line on the first serial port and powers off. Both are cached under .cache/test-system
 * (or $CAIRN_CACHE), so only the first run downloads. The kernel's package file and its unpacked modules
 * tree are cached there too, on first use (ensureTestKernelPackage, ensureTestKernelModules).
 *
 *   node --import tsx scripts/test-system.ts     # fetch/build, print the two paths
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../lib/errors.js';
import { run, runBinary } from '../lib/run.js';
import { sha256File, sha256Hex } from '../system/store-hash.js';
import { repoRoot } from './repo-root.js';

/** What the test /init prints, followed by the kernel command line. */
const TEST_INIT_MARKER = 'CAIRN-TEST-INIT';
/** Matches the marker line and captures the command line. */
export const TEST_INIT_LINE = /CAIRN-TEST-INIT cmdline=\[([^\]\n]*)\]/;


export function cacheDirectory(): string {
  return process.env.CAIRN_CACHE ?? join(repoRoot, '.cache');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The kernel package linux-image-amd64 currently depends on, e.g. linux-image-6.1.0-27-amd64. */
async function kernelPackage(): Promise<string> {
  const { stdout } = await run('apt-cache', ['depends', 'linux-image-amd64']);
  const match = /Depends:\s+(linux-image-[^\s]+)/.exec(stdout);
  if (!match) {
    throw new UserError('cannot find the kernel package linux-image-amd64 depends on', { hint: 'run apt-get update (scripts/setup does) and try again' });
  }
  return match[1]!;
}

/**
 * Path of the cached test kernel (a bzImage with EFI stub), taken from the cached kernel package on first use:
 * one download gives the kernel, its package file and its modules.
 */
export async function ensureTestKernel(): Promise<string> {
  const directory = join(cacheDirectory(), 'test-system');
  const kernel = join(directory, 'vmlinuz');
  if (await exists(kernel)) return kernel;
  const { root } = await ensureTestKernelModules();
  const boot = join(root, 'boot');
  const image = (await readdir(boot)).find((n) => n.startsWith('vmlinuz-'));
  if (image === undefined) throw new UserError(`${boot} holds no vmlinuz-*`, { hint: `remove ${directory} to fetch the kernel again` });
  const partial = `${kernel}.${process.pid}.tmp`;
  await copyFile(join(boot, image), partial);
  await rename(partial, kernel);
  return kernel;
}

/** The package the cached kernel came from (so its modules match it), else the current one. */
async function cachedKernelPackage(directory: string): Promise<string> {
  try {
    const recorded = (await readFile(join(directory, 'kernel-package'), 'utf8')).trim();
    if (recorded !== '') return recorded;
  } catch {
    // no kernel cached yet
  }
  return kernelPackage();
}

/**
 * Path of the cached Debian kernel package file (the .deb of the test kernel), downloading it on first use:
 * what `cairn system build` reads as "a Debian kernel package file".
 */
export async function ensureTestKernelPackage(): Promise<string> {
  const directory = join(cacheDirectory(), 'test-system');
  const debDirectory = join(directory, 'kernel-deb');
  const cached = await readdir(debDirectory).then((names) => names.find((n) => n.endsWith('.deb')), () => undefined);
  if (cached !== undefined) return join(debDirectory, cached);
  await mkdir(directory, { recursive: true });
  const pkg = await cachedKernelPackage(directory);
  const work = await mkdtemp(join(directory, '.download-deb-'));
  try {
    try {
      await run('apt-get', ['download', pkg], { cwd: work, timeoutMs: 600_000 });
    } catch (error) {
      throw new UserError(`cannot download ${pkg}, the package of the cached test kernel`, {
        hint: `remove ${directory} to fetch the current kernel, or run apt-get update`,
        cause: error,
      });
    }
    const deb = (await readdir(work)).find((n) => n.endsWith('.deb'));
    if (deb === undefined) throw new UserError(`apt-get download ${pkg} left no .deb file`);
    await writeFile(join(directory, 'kernel-package'), `${pkg}\n`);
    await mkdir(join(work, 'kernel-deb'));
    await rename(join(work, deb), join(work, 'kernel-deb', deb));
    await renameUnlessPresent(join(work, 'kernel-deb'), debDirectory);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return ensureTestKernelPackage();
}

/** The test kernel's modules, unpacked from its package: `<cache>/test-system/kernel-root/lib/modules/<release>`. */
export interface TestKernelModules {
  /** The kernel release, e.g. 6.1.0-57-amd64. */
  readonly release: string;
  /** The modules directory (`lib/modules/<release>`), as shipped: modules.builtin and modules.order, no modules.dep. */
  readonly directory: string;
  /** The whole unpacked package (boot/, lib/modules/, usr/). */
  readonly root: string;
}

/** The test kernel's package unpacked with `dpkg -x` (once), for its modules tree. */
export async function ensureTestKernelModules(): Promise<TestKernelModules> {
  const directory = join(cacheDirectory(), 'test-system');
  const root = join(directory, 'kernel-root');
  if (!(await exists(join(root, 'lib', 'modules')))) {
    const deb = await ensureTestKernelPackage();
    const work = await mkdtemp(join(directory, '.unpack-'));
    try {
      await run('dpkg', ['-x', deb, join(work, 'kernel-root')]);
      await renameUnlessPresent(join(work, 'kernel-root'), root);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  const releases = (await readdir(join(root, 'lib', 'modules'))).sort();
  if (releases.length !== 1) throw new UserError(`${root}/lib/modules holds ${releases.length} kernel releases, expected 1`, { hint: `remove ${root} to unpack it again` });
  const release = releases[0]!;
  return { release, directory: join(root, 'lib', 'modules', release), root };
}

/** Moves a finished directory into place; another process that got there first wins. */
async function renameUnlessPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!(await exists(to))) throw error;
  }
}

const INIT_SCRIPT = `#!/bin/busybox sh
# Cairn's test init: report the kernel command line on the first serial port, then power off.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
say() { if ! echo "$1" > /dev/ttyS0 2>/dev/null; then echo "$1" > /dev/console; fi; }
say "${TEST_INIT_MARKER} cmdline=[$(/bin/busybox cat /proc/cmdline)]"
/bin/busybox sync
/bin/busybox poweroff -f
`;

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/initramfs-tools/bin/busybox'];

/**
 * Path of the cached test initramfs (an uncompressed newc cpio archive), building it on first use. The file
 * is named by the hash of what goes in (the init, busybox), so a changed init gets a new file.
 */
async function ensureTestInitramfs(): Promise<string> {
  const directory = join(cacheDirectory(), 'test-system');
  let busybox: string | undefined;
  for (const candidate of BUSYBOX_CANDIDATES) if (await exists(candidate)) busybox = busybox ?? candidate;
  if (busybox === undefined) throw new UserError('busybox not found: install the package busybox-static');
  const inputs = [INIT_SCRIPT, await sha256File(busybox)];
  const initramfs = join(directory, `initramfs-${sha256Hex(inputs.join('\n')).slice(0, 16)}.cpio`);
  if (await exists(initramfs)) return initramfs;
  await mkdir(directory, { recursive: true });
  const work = await mkdtemp(join(directory, '.initramfs-'));
  try {
    const tree = join(work, 'tree');
    for (const dir of ['bin', 'dev', 'proc', 'sys']) await mkdir(join(tree, dir), { recursive: true });
    await copyFile(busybox, join(tree, 'bin', 'busybox'));
    await chmod(join(tree, 'bin', 'busybox'), 0o755);
    await symlink('busybox', join(tree, 'bin', 'sh'));
    await writeFile(join(tree, 'init'), INIT_SCRIPT, { mode: 0o755 });
    await chmod(join(tree, 'init'), 0o755);
    const members = ['.', 'bin', 'bin/busybox', 'bin/sh', 'dev', 'init', 'proc', 'sys'];
    for (const member of members) {
      if (member !== 'bin/sh') await utimes(join(tree, member), 1, 1);
    }
    const { stdout } = await runBinary('cpio', ['--create', '--format=newc', '--reproducible', '--owner=0:0', '--quiet'], {
      cwd: tree,
      input: `${members.join('\n')}\n`,
    });
    await writeFile(join(work, 'initramfs.cpio'), stdout);
    await renameUnlessPresent(join(work, 'initramfs.cpio'), initramfs);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return initramfs;
}

export async function ensureTestSystem(): Promise<{ kernel: string; initramfs: string }> {
  return { kernel: await ensureTestKernel(), initramfs: await ensureTestInitramfs() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { kernel, initramfs } = await ensureTestSystem();
  process.stdout.write(`kernel: ${kernel}\ninitramfs: ${initramfs}\n`);
}
