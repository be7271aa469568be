/**
 * The test system every boot test uses: a Debian kernel (the package `linux-image-amd64` depends on, fetched
 * with `apt-get download` and unpacked with `dpkg -x`) and a tiny busybox initramfs whose /init prints the
 * kernel command line on the first serial port and powers off. Both are cached under .cache/test-system
 * (or $CAIRN_CACHE), so only the first run downloads.
 *
 *   node --import tsx scripts/test-system.ts     # fetch/build, print the two paths
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, utimes, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../lib/errors.js';
import { run, runBinary } from '../lib/run.js';
import { repoRoot } from './repo-root.js';

/** What the test /init prints, followed by the kernel command line. */
export const TEST_INIT_MARKER = 'CAIRN-TEST-INIT';
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

/** Path of the cached test kernel (a bzImage with EFI stub), downloading it on first use. */
export async function ensureTestKernel(): Promise<string> {
  const directory = join(cacheDirectory(), 'test-system');
  const kernel = join(directory, 'vmlinuz');
  if (await exists(kernel)) return kernel;
  await mkdir(directory, { recursive: true });
  const work = await mkdtemp(join(directory, '.download-'));
  try {
    const pkg = await kernelPackage();
    await run('apt-get', ['download', pkg], { cwd: work, timeoutMs: 600_000 });
    const deb = (await readdir(work)).find((n) => n.endsWith('.deb'));
    if (deb === undefined) throw new UserError(`apt-get download ${pkg} left no .deb file`);
    await run('dpkg', ['-x', join(work, deb), join(work, 'unpacked')]);
    const boot = join(work, 'unpacked', 'boot');
    const image = (await readdir(boot)).find((n) => n.startsWith('vmlinuz-'));
    if (image === undefined) throw new UserError(`${deb} holds no /boot/vmlinuz-*`);
    await copyFile(join(boot, image), join(work, 'vmlinuz'));
    await writeFile(join(directory, 'kernel-package'), `${pkg}\n`);
    await rename(join(work, 'vmlinuz'), kernel);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return kernel;
}

const INIT_SCRIPT = `#!/bin/busybox sh
# Cairn's test init: report the kernel command line on the first serial port, then power off.
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
line="${TEST_INIT_MARKER} cmdline=[$(/bin/busybox cat /proc/cmdline)]"
if ! echo "$line" > /dev/ttyS0 2>/dev/null; then echo "$line" > /dev/console; fi
/bin/busybox sync
/bin/busybox poweroff -f
`;

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/initramfs-tools/bin/busybox'];

/** Path of the cached test initramfs (an uncompressed newc cpio archive), building it on first use. */
export async function ensureTestInitramfs(): Promise<string> {
  const directory = join(cacheDirectory(), 'test-system');
  const initramfs = join(directory, 'initramfs.cpio');
  if (await exists(initramfs)) return initramfs;
  await mkdir(directory, { recursive: true });
  let busybox: string | undefined;
  for (const candidate of BUSYBOX_CANDIDATES) if (await exists(candidate)) busybox = busybox ?? candidate;
  if (busybox === undefined) throw new UserError('busybox not found: install the package busybox-static');
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
    await rename(join(work, 'initramfs.cpio'), initramfs);
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
