/**
 * The real grub-bios-setup as an oracle for Cairn's BIOS boot code, run without root on an image file.
 * grub-bios-setup insists on finding the device of the directory holding boot.img and core.img among the
 * disks of its device map; in a user and mount namespace a tmpfs can be mounted with the image file's path
 * as its source, so /proc/self/mountinfo names the image and the directory "is" on it. Nothing is mounted
 * outside the namespace and the image is only written by grub-bios-setup itself.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/run.js';
import { findExecutable } from '../../lib/tools.js';

export function findGrubBiosSetup(): string | undefined {
  return findExecutable('/usr/lib/grub/i386-pc/grub-bios-setup') ?? findExecutable('grub-bios-setup') ?? findExecutable('grub2-bios-setup');
}

/** Whether an unprivileged user and mount namespace with a tmpfs can be made here. */
export async function canMountInNamespace(): Promise<boolean> {
  try {
    await run('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs probe "$1"', 'sh', '/tmp']);
    return true;
  } catch {
    return false;
  }
}

/** Runs `grub-bios-setup --no-rs-codes` on `image` with the given boot.img and core.img. */
export async function runGrubBiosSetup(image: string, images: { readonly core: Uint8Array; readonly bootImage: Uint8Array }, work: string): Promise<void> {
  const tool = findGrubBiosSetup();
  if (tool === undefined) throw new Error('grub-bios-setup not found: install grub-pc-bin');
  const mountPoint = join(work, 'grub-dir');
  await mkdir(mountPoint, { recursive: true });
  await writeFile(join(work, 'boot.img'), images.bootImage);
  await writeFile(join(work, 'core.img'), images.core);
  await writeFile(join(work, 'device.map'), `(hd0) ${image}\n`);
  const script = [
    'mount -t tmpfs "$1" "$2"',
    'cp "$3/boot.img" "$3/core.img" "$2/"',
    '"$4" --skip-fs-probe --no-rs-codes --directory "$2" --device-map "$3/device.map" "$1"',
  ].join(' && ');
  await run('unshare', ['-rm', 'sh', '-c', script, 'sh', image, mountPoint, work, tool]);
}
