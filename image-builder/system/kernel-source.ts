/**
 * The kernel of a system build, from a Debian kernel package (`linux-image-*.deb`) or from a kernel image
 * and its modules directory, with its release checked three ways (the image's header, the image's file
 * name in a package, the modules directory's name) so that a kernel never boots with another's modules.
 *
 * A package is unpacked once (`dpkg-deb -x`, about 10 s for Debian's 70 MB package) into Cairn's cache,
 * under the sha256 of the package file: `$CAIRN_CACHE/kernel-packages/<sha256>`, else
 * `$XDG_CACHE_HOME/cairn/...`, else `~/.cache/cairn/...`. Builds of the same kernel reuse it.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, posix } from 'node:path';
import { DomainError, ProcessError, UserError, errnoCode } from '../../lib/errors.js';
import { run } from '../../lib/run.js';
import { checkReadableFile, fileReadError } from '../../lib/user-file.js';
import { readKernelRelease } from '../../system/kernel-image.js';
import { sha256File } from '../../system/store-hash.js';
import type { KernelSource } from '../../system/system-spec.js';

export interface KernelFiles {
  /** The kernel release, e.g. 6.1.0-57-amd64. */
  readonly release: string;
  /** The bzImage on this machine. */
  readonly image: string;
  /** The modules directory on this machine (`.../lib/modules/<release>`). */
  readonly modules: string;
}

/** Cairn's cache on this machine: `$CAIRN_CACHE`, else `$XDG_CACHE_HOME/cairn`, else `~/.cache/cairn`. */
export function cairnCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAIRN_CACHE) return env.CAIRN_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cairn');
}

/** The kernel's files, unpacking a package (once) when given one; checks that image and modules agree. */
export async function kernelFiles(source: KernelSource, where: string): Promise<KernelFiles> {
  if (source.kind === 'image') return checkedKernel(source.image, source.modules, where);
  await checkReadableFile(source.path, 'kernel package');
  const unpacked = await unpackKernelPackage(source.path);
  const boot = join(unpacked, 'boot');
  const images = (await readdir(boot).catch(() => [])).filter((n) => n.startsWith('vmlinuz-')).sort();
  if (images.length !== 1) {
    throw new UserError(`${where}: ${source.path} is not a kernel package: it holds ${images.length === 0 ? 'no boot/vmlinuz-*' : `${images.length} kernels (${images.join(', ')})`}`, {
      hint: 'give a linux-image-*.deb (apt-get download linux-image-amd64 names the current one)',
    });
  }
  const named = images[0]!.slice('vmlinuz-'.length);
  const modules = await modulesDirectories(unpacked);
  if (modules.length !== 1 || posix.basename(modules[0]!) !== named) {
    throw new DomainError('kernel-modules-mismatch', `${where}: the kernel package ${source.path} holds the kernel ${named} but ${modules.length === 0 ? 'no modules (lib/modules/<release>)' : `modules for ${modules.map((m) => posix.basename(m)).join(', ')}`}`, {
      hint: 'use an unmodified linux-image package, whose modules are built for its kernel',
      expected: named,
      actual: modules.map((m) => posix.basename(m)),
    });
  }
  return checkedKernel(join(boot, images[0]!), modules[0]!, `${where} (${source.path})`);
}

async function checkedKernel(image: string, modules: string, where: string): Promise<KernelFiles> {
  await checkReadableFile(image, 'kernel image');
  let release: string | undefined;
  try {
    release = await readKernelRelease(image);
  } catch (error) {
    throw fileReadError(image, error, 'kernel image');
  }
  if (release === undefined) throw new UserError(`${where}: ${image} is not a Linux kernel image (no bzImage header)`, { hint: 'give a bzImage such as /boot/vmlinuz-<release>' });
  const info = await stat(modules).catch((error: unknown) => {
    throw fileReadError(modules, error, 'modules directory');
  });
  if (!info.isDirectory()) throw new UserError(`${where}: ${modules} is not a directory`, { hint: 'give the modules directory, /lib/modules/<release>' });
  const order = await stat(join(modules, 'modules.order')).catch(() => undefined);
  if (order === undefined) throw new UserError(`${where}: ${modules} is not a kernel modules directory (it has no modules.order)`, { hint: 'give /lib/modules/<release> of this kernel' });
  if (posix.basename(modules) !== release) {
    throw new DomainError('kernel-modules-mismatch', `${where}: the kernel image ${image} is release ${release}, but the modules directory ${modules} is for ${posix.basename(modules)}`, {
      hint: `give the modules of the same kernel: .../lib/modules/${release}`,
      expected: release,
      actual: posix.basename(modules),
    });
  }
  return { release, image, modules };
}

/** lib/modules/* (and usr/lib/modules/*, where newer packages put them) of an unpacked package. */
async function modulesDirectories(unpacked: string): Promise<string[]> {
  const found: string[] = [];
  for (const base of ['lib/modules', 'usr/lib/modules']) {
    for (const name of (await readdir(join(unpacked, base)).catch(() => [])).sort()) found.push(join(unpacked, base, name));
  }
  return found;
}

async function unpackKernelPackage(deb: string): Promise<string> {
  const directory = join(cairnCacheDirectory(), 'kernel-packages');
  const unpacked = join(directory, await sha256File(deb));
  if (await stat(unpacked).then(() => true, () => false)) return unpacked;
  await mkdir(directory, { recursive: true });
  const temporary = `${unpacked}.tmp-${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  try {
    await run('dpkg-deb', ['-x', deb, temporary], { timeoutMs: 600_000 });
    await rename(temporary, unpacked);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    if (errnoCode(error) === 'ENOTEMPTY' || errnoCode(error) === 'EEXIST') return unpacked; // another build unpacked it first
    if (error instanceof ProcessError) {
      throw new UserError(`${deb} could not be unpacked as a Debian package: ${error.stderrTail.trim().split('\n').pop()}`, { hint: 'give a linux-image-*.deb file' });
    }
    throw error;
  }
  return unpacked;
}
