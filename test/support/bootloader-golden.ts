/**
 * The boot configurations kept as golden files in fixtures/bootloader: the sample menus they are rendered
 * from, and every file with its expected text. The renderer tests compare against the files; only
 * `npm run golden` (test/update-golden.ts) rewrites them, never a test run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBootMenu, type BootMenu } from '../../bootloader/entries.js';
import { renderGrubConfig } from '../../bootloader/grub.js';
import type { RenderOptions } from '../../bootloader/loader-menu.js';
import { renderSyslinuxConfig } from '../../bootloader/syslinux.js';
import { renderSystemdBoot } from '../../bootloader/systemd-boot.js';
import { repoRoot } from './cli.js';
import { fakeProfile } from './profiles.js';

export const bootloaderGoldenDirectory = join(repoRoot, 'fixtures/bootloader');

/** Three generations, one with a specialisation; labels with characters every loader must treat with care. */
export function sampleMenu(): BootMenu {
  const profile = fakeProfile(
    [
      { number: 1, label: 'Cairn 1.0 (Linux 6.1.0)', params: ['console=ttyS0,115200', 'quiet'] },
      { number: 2, label: "Cairn's $HOME; {test}", specialisations: { debug: { kernelParams: ['console=ttyS0,115200', 'loglevel=7'] } } },
      { number: 3, label: 'Cairn 1.1', initrd: null, kernel: '/cairn/store/0000000000000000000000000000000z-linux-6.2.0/bzImage' },
    ],
    2,
  );
  return buildBootMenu(profile, { extraParams: ['root=LABEL=cairn'] });
}

export const onEsp: RenderOptions = {
  loaderPath: (path) => `/EFI/cairn/${path.split('/')[3]!.slice(0, 32)}-${path.split('/').at(-1)}`,
  timeout: 5,
  serial: true,
};

/** Two generations for the syslinux menu (ASCII only), the second with characters syslinux shows as they are. */
export function syslinuxSampleMenu(): BootMenu {
  return buildBootMenu(fakeProfile([{ number: 1, label: 'Cairn 1.0' }, { number: 2, label: "Cairn's {best} $build; 2" }], 1));
}

export const syslinuxGoldenOptions = { ...onEsp, loaderPath: (path: string) => `/boot${path}`, menuTitle: 'Cairn live' };

/** Every golden file of fixtures/bootloader (path relative to it) with the text the renderers give now. */
export function bootloaderGoldenFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const systemdBoot = renderSystemdBoot(sampleMenu(), onEsp);
  files.set('systemd-boot/loader.conf', systemdBoot.loaderConf);
  for (const entry of systemdBoot.entries) files.set(`systemd-boot/entries/${entry.name}`, entry.text);
  files.set('grub/grub.cfg', renderGrubConfig(sampleMenu(), onEsp));
  files.set('syslinux/syslinux.cfg', renderSyslinuxConfig(syslinuxSampleMenu(), syslinuxGoldenOptions));
  return files;
}

export async function readGolden(name: string): Promise<string> {
  return readFile(join(bootloaderGoldenDirectory, name), 'utf8');
}
