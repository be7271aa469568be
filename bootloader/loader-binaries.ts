/**
 * The boot loader binaries Cairn installs, from the distribution's packages: systemd-boot as shipped, and
 * GRUB images built with grub-mkimage: an EFI program from the x86_64-efi modules and a core.img for BIOS
 * boot from the i386-pc modules (every module the menus need is embedded, so the ESP needs no module
 * directory). ESPs, BIOS boot partitions and the ISO use these.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { UserError } from '../lib/errors.js';
import { run } from '../lib/run.js';
import { describePackage, findDistroFile, requireTools, type DistroFile } from '../lib/tools.js';

const SYSTEMD_BOOT_EFI: DistroFile = {
  description: 'systemd-bootx64.efi (the systemd-boot UEFI boot loader)',
  candidates: ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi', '/usr/lib/systemd/boot/efi/systemd-bootx64.efi.signed'],
  packages: { debian: 'systemd-boot-efi', fedora: 'systemd-boot-unsigned', arch: 'systemd' },
};

/** GRUB's platforms Cairn builds images for: UEFI (EFI/BOOT/BOOTX64.EFI) and BIOS (core.img). */
export type GrubPlatform = 'x86_64-efi' | 'i386-pc';

/** Each platform's module directory, found by a file in it (`normal.mod`; `boot.img` for i386-pc). */
const GRUB_MODULE_DIRECTORIES: Readonly<Record<GrubPlatform, DistroFile>> = {
  'x86_64-efi': {
    description: 'the GRUB x86_64-efi modules (normal.mod)',
    candidates: ['/usr/lib/grub/x86_64-efi/normal.mod', '/usr/lib64/grub/x86_64-efi/normal.mod', '/usr/share/grub2/x86_64-efi/normal.mod'],
    packages: { debian: 'grub-efi-amd64-bin', fedora: 'grub2-efi-x64-modules', arch: 'grub' },
  },
  'i386-pc': {
    description: 'the GRUB i386-pc modules for BIOS boot (boot.img)',
    candidates: ['/usr/lib/grub/i386-pc/boot.img', '/usr/lib64/grub/i386-pc/boot.img', '/usr/share/grub2/i386-pc/boot.img'],
    packages: { debian: 'grub-pc-bin', fedora: 'grub2-pc-modules', arch: 'grub' },
  },
};

/** The files that must be in a platform's module directory (an explicit one is checked for them). */
const GRUB_DIRECTORY_FILES: Readonly<Record<GrubPlatform, readonly string[]>> = {
  'x86_64-efi': ['normal.mod'],
  'i386-pc': ['normal.mod', 'boot.img'],
};

/** What Cairn's GRUB menus use, on both platforms: filesystems of ESPs and ISOs, the Linux loader, serial console, search. */
const GRUB_COMMON_MODULES = [
  'configfile',
  'echo',
  'ext2',
  'fat',
  'gzio',
  'halt',
  'iso9660',
  'linux',
  'normal',
  'part_gpt',
  'part_msdos',
  'reboot',
  'search',
  'search_fs_file',
  'search_fs_uuid',
  'search_label',
  'serial',
  'sleep',
  'terminal',
  'test',
] as const;

/** The modules embedded in each platform's image: the common ones and the platform's disk and video access. */
const GRUB_IMAGE_MODULES: Readonly<Record<GrubPlatform, readonly string[]>> = {
  'x86_64-efi': [...GRUB_COMMON_MODULES, 'all_video', 'efi_gop'].sort(),
  'i386-pc': [...GRUB_COMMON_MODULES, 'biosdisk'].sort(),
};

/** Path of systemd-boot's EFI binary; an explicit path wins. */
export function findSystemdBoot(explicit?: string): string {
  return findDistroFile(SYSTEMD_BOOT_EFI, explicit);
}

/** A GRUB platform's module directory; an explicit directory wins and must hold the platform's files. */
export async function findGrubModules(platform: GrubPlatform, explicit?: string): Promise<string> {
  const directory = GRUB_MODULE_DIRECTORIES[platform];
  if (explicit !== undefined) {
    for (const name of GRUB_DIRECTORY_FILES[platform]) {
      try {
        await stat(join(explicit, name));
      } catch {
        throw new UserError(`${explicit} holds no GRUB ${platform} modules (${name} is missing)`, {
          hint: `give the directory with GRUB's ${platform} modules, or leave the option out to search the usual locations (${describePackage(directory.packages)})`,
        });
      }
    }
    return explicit;
  }
  return posix.dirname(findDistroFile(directory));
}

export interface GrubImageOptions {
  /** Where GRUB looks for grub.cfg, e.g. `/grub` (on the device it was loaded from) or `(,gpt2)/grub`. */
  readonly prefix: string;
  readonly modulesDirectory?: string;
  /** A configuration embedded in the image, run before `$prefix/grub.cfg` (to search for the root by UUID or a file). */
  readonly embeddedConfig?: string;
}

/**
 * Builds a GRUB image with every module Cairn's menus need embedded and returns its bytes: an EFI program
 * (x86_64-efi, for EFI/BOOT/BOOTX64.EFI) or a core.img for BIOS boot (i386-pc, without the boot sector).
 * grub-mkimage writes the same bytes for the same modules, prefix and configuration, so the result is
 * reproducible.
 */
export async function buildGrubImage(platform: GrubPlatform, options: GrubImageOptions): Promise<Buffer> {
  const modules = await findGrubModules(platform, options.modulesDirectory);
  requireTools(['grub-mkimage']);
  const work = await mkdtemp(join(tmpdir(), 'cairn-grub-'));
  try {
    const output = join(work, 'image');
    const args = ['--format', platform, '--directory', modules, '--prefix', options.prefix, '--output', output];
    if (options.embeddedConfig !== undefined) {
      await writeFile(join(work, 'embedded.cfg'), options.embeddedConfig);
      args.push('--config', join(work, 'embedded.cfg'));
    }
    await run('grub-mkimage', [...args, ...GRUB_IMAGE_MODULES[platform]]);
    return await readFile(output);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** GRUB's BIOS boot sector image (boot.img, 512 bytes) from the i386-pc module directory. */
export async function readGrubBootImage(modulesDirectory?: string): Promise<Buffer> {
  return readFile(join(await findGrubModules('i386-pc', modulesDirectory), 'boot.img'));
}

function syslinuxModule(name: string): DistroFile {
  return {
    description: `${name} (a syslinux BIOS module)`,
    candidates: [`/usr/lib/syslinux/modules/bios/${name}`, `/usr/share/syslinux/${name}`, `/usr/lib/syslinux/bios/${name}`],
    packages: { debian: 'syslinux-common', fedora: 'syslinux-nonlinux', arch: 'syslinux' },
  };
}

/** isolinux, its hybrid MBR and the BIOS modules its menu needs, from the syslinux packages. */
const ISOLINUX_FILES = {
  'isolinux.bin': {
    description: 'isolinux.bin (the BIOS boot loader for CDs)',
    candidates: ['/usr/lib/ISOLINUX/isolinux.bin', '/usr/share/syslinux/isolinux.bin', '/usr/lib/syslinux/bios/isolinux.bin'],
    packages: { debian: 'isolinux', fedora: 'syslinux-nonlinux', arch: 'syslinux' },
  },
  'isohdpfx.bin': {
    description: 'isohdpfx.bin (the isohybrid MBR boot code for USB sticks)',
    candidates: ['/usr/lib/ISOLINUX/isohdpfx.bin', '/usr/share/syslinux/isohdpfx.bin', '/usr/lib/syslinux/bios/isohdpfx.bin'],
    packages: { debian: 'isolinux', fedora: 'syslinux-nonlinux', arch: 'syslinux' },
  },
  'ldlinux.c32': syslinuxModule('ldlinux.c32'),
  'menu.c32': syslinuxModule('menu.c32'),
  'libutil.c32': syslinuxModule('libutil.c32'),
  'libcom32.c32': syslinuxModule('libcom32.c32'),
} as const satisfies Record<string, DistroFile>;

export type IsolinuxFile = keyof typeof ISOLINUX_FILES;

/** Every isolinux file, from an explicit directory (which must hold them all) or the usual places. */
export function findIsolinuxFiles(directory?: string): Record<IsolinuxFile, string> {
  const found = {} as Record<IsolinuxFile, string>;
  for (const [name, file] of Object.entries(ISOLINUX_FILES) as [IsolinuxFile, DistroFile][]) {
    found[name] = findDistroFile(file, directory === undefined ? undefined : posix.join(directory, name));
  }
  return found;
}
