/**
 * Where Cairn puts things on an EFI system partition. Paths are relative to the ESP's root, `/`-separated.
 *
 *   EFI/cairn/<content-hash>-<name>        kernels and initrds, each distinct content once
 *   loader/loader.conf                     systemd-boot: timeout and default
 *   loader/entries/cairn-generation-N.conf systemd-boot: one BLS entry per generation (and specialisation)
 *   grub/grub.cfg                          GRUB: the whole menu
 *   EFI/systemd/systemd-bootx64.efi        systemd-boot (boot install)
 *   EFI/BOOT/BOOTX64.EFI                   the removable-media path firmware boots: systemd-boot or GRUB
 */
import { posix } from 'node:path';
import { STORE_ENTRY_PATTERN } from '../system/store-hash.js';
import type { BootFile } from './boot-files.js';
import type { LoaderKind } from './writable-text.js';

/** The loaders Cairn installs on an ESP (syslinux is for the ISO's BIOS boot only). */
export type EspLoader = Exclude<LoaderKind, 'syslinux'>;
export const ESP_LOADERS: readonly EspLoader[] = ['systemd-boot', 'grub'];

export const ESP_BOOT_FILE_DIRECTORY = 'EFI/cairn';
export const REMOVABLE_LOADER_PATH = 'EFI/BOOT/BOOTX64.EFI';
export const SYSTEMD_BOOT_LOADER_PATH = 'EFI/systemd/systemd-bootx64.efi';
/** Entry files Cairn owns in loader/entries (others' entries are left alone). */
export const CAIRN_ENTRY_PATTERN = /^cairn-.*\.conf$/;

/** Temporary files are `.<name>.cairn-tmp` beside their target: a rerun recognises an interrupted run's. */
const TEMPORARY_SUFFIX = '.cairn-tmp';

export function temporaryPathFor(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}${TEMPORARY_SUFFIX}`);
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMPORARY_SUFFIX);
}

/**
 * The ESP name of a kernel or initrd: its content hash, then a readable name from its store path
 * (`<hash>-linux-6.1.0-bzImage` for `/cairn/store/<storehash>-linux-6.1.0/bzImage`), reduced to characters
 * every FAT implementation and every loader accepts.
 */
export function espBootFileName(file: Pick<BootFile, 'systemPath' | 'contentHash'>): string {
  const base = posix.basename(file.systemPath);
  const parent = STORE_ENTRY_PATTERN.exec(posix.basename(posix.dirname(file.systemPath)));
  const readable = (parent && parent[2] !== base ? `${parent[2]}-${base}` : base).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '');
  return `${file.contentHash}-${readable === '' ? 'file' : readable}`;
}

/** The path a loader reads an ESP-relative path at: absolute from the ESP's root. */
export function loaderPathOnEsp(espPath: string): string {
  return `/${espPath}`;
}
