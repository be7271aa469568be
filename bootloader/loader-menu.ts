/**
 * What a boot loader shows, in one shape for every loader: the entries in menu order with the paths the
 * loader reads and the parameters the kernel receives, the default and the timeout. Each renderer's parser
 * returns this shape, and `loaderMenuOf` gives the shape a renderer is meant to produce, so tests (and
 * `cairn boot list`) compare what a configuration really says with what was intended.
 */
import { UserError } from '../lib/errors.js';
import type { BootMenu } from './entries.js';

export interface LoaderMenuEntry {
  readonly id: string;
  readonly title: string;
  /** The kernel as the loader reads it (on an ESP: `/EFI/cairn/<hash>-<name>`). */
  readonly kernel: string;
  readonly initrds: readonly string[];
  /** The kernel command line, parameter by parameter. */
  readonly params: readonly string[];
}

export interface LoaderMenu {
  readonly entries: readonly LoaderMenuEntry[];
  readonly defaultId: string | undefined;
  /** Seconds the menu waits before booting the default. */
  readonly timeout: number | undefined;
}

/** Options every renderer takes. */
export interface RenderOptions {
  /**
   * Maps a kernel or initrd system path to the path the loader reads it at: on an installed system's ESP,
   * `/EFI/cairn/<content-hash>-<name>`; on the ISO, the file's ISO 9660 path.
   */
  readonly loaderPath: (systemPath: string) => string;
  /** Seconds before the default entry boots; 0 boots it at once (where the loader can). */
  readonly timeout: number;
  /** Also show the menu on the first serial port at 115200 baud (GRUB, syslinux; systemd-boot uses the firmware console). */
  readonly serial: boolean;
}

/** The menu a renderer is meant to produce from `menu`. */
export function loaderMenuOf(menu: BootMenu, options: Pick<RenderOptions, 'loaderPath' | 'timeout'>): LoaderMenu {
  return {
    entries: menu.entries.map((entry) => ({
      id: entry.id,
      title: entry.title,
      kernel: options.loaderPath(entry.kernel),
      initrds: entry.initrd === undefined ? [] : [options.loaderPath(entry.initrd)],
      params: [...entry.kernelParams],
    })),
    defaultId: menu.defaultId,
    timeout: options.timeout,
  };
}

/** Checks a timeout given in seconds. */
export function checkTimeout(timeout: number): void {
  if (!Number.isInteger(timeout) || timeout < 0 || timeout > 3600) {
    throw new UserError(`the boot menu timeout must be a whole number of seconds from 0 to 3600 (got ${timeout})`);
  }
}
