/**
 * Debian's signed Secure Boot chain for tests: shim-signed, shim-helpers-amd64-signed and
 * grub-efi-amd64-signed, fetched with `apt-get download` and unpacked with `dpkg -x` into the cache (as the
 * test kernel is): no maintainer script runs, the host's boot loader is left alone, no root is needed.
 * Cached under $CAIRN_CACHE/secure-boot (or .cache/secure-boot); only the first run downloads.
 */
import { pathExists } from './tree.js';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/run.js';
import { cacheDirectory } from '../../scripts/test-system.js';

export const SIGNED_BOOT_PACKAGES = ['shim-signed', 'shim-helpers-amd64-signed', 'grub-efi-amd64-signed'] as const;

export interface SignedBootFiles {
  /** Where the packages are unpacked (their /usr tree). */
  readonly root: string;
  readonly shim: string;
  readonly mokManager: string;
  readonly fallback: string;
  /** The signed GRUB for CDs and removable media (prefix /boot/grub). */
  readonly grubCd: string;
  /** The signed GRUB for installed systems (prefix /EFI/debian). */
  readonly grub: string;
}

function filesUnder(root: string): SignedBootFiles {
  return {
    root,
    shim: join(root, 'usr/lib/shim/shimx64.efi.signed'),
    mokManager: join(root, 'usr/lib/shim/mmx64.efi.signed'),
    fallback: join(root, 'usr/lib/shim/fbx64.efi.signed'),
    grubCd: join(root, 'usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed'),
    grub: join(root, 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed'),
  };
}

export async function ensureSignedBootFiles(): Promise<SignedBootFiles> {
  const root = join(cacheDirectory(), 'secure-boot');
  const files = filesUnder(root);
  if (await pathExists(files.grub)) return files;
  await mkdir(cacheDirectory(), { recursive: true });
  const work = await mkdtemp(join(cacheDirectory(), '.secure-boot-'));
  try {
    await run('apt-get', ['download', ...SIGNED_BOOT_PACKAGES], { cwd: work, timeoutMs: 600_000 });
    const debs = (await readdir(work)).filter((n) => n.endsWith('.deb')).sort();
    if (debs.length !== SIGNED_BOOT_PACKAGES.length) throw new Error(`apt-get download ${SIGNED_BOOT_PACKAGES.join(' ')} left ${debs.join(', ') || 'nothing'}`);
    for (const deb of debs) await run('dpkg', ['-x', join(work, deb), join(work, 'root')]);
    try {
      await rename(join(work, 'root'), root);
    } catch (error) {
      // Another test file unpacked them meanwhile: use theirs.
      if (!(await pathExists(files.grub))) throw error;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return files;
}

