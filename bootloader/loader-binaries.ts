/**
 * The boot loader binaries Cairn installs, from the distribution's packages: systemd-boot as shipped, and a
 * GRUB EFI image built with grub-mkimage from the x86_64-efi modules (every module the menus need is
 * embedded, so the ESP needs no module directory). Both ESPs and the ISO use these.
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

/** `normal.mod` stands for the whole x86_64-efi module directory. */
const GRUB_EFI_MODULES: DistroFile = {
  description: 'the GRUB x86_64-efi modules (normal.mod)',
  candidates: ['/usr/lib/grub/x86_64-efi/normal.mod', '/usr/lib64/grub/x86_64-efi/normal.mod', '/usr/share/grub2/x86_64-efi/normal.mod'],
  packages: { debian: 'grub-efi-amd64-bin', fedora: 'grub2-efi-x64-modules', arch: 'grub' },
};

/** What Cairn's GRUB menus use: filesystems of ESPs and ISOs, the Linux loader, serial console, search. */
const GRUB_IMAGE_MODULES = [
  'all_video',
  'configfile',
  'echo',
  'efi_gop',
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

/** Path of systemd-boot's EFI binary; an explicit path wins. */
export function findSystemdBoot(explicit?: string): string {
  return findDistroFile(SYSTEMD_BOOT_EFI, explicit);
}

/** The GRUB x86_64-efi module directory; an explicit directory wins and must hold normal.mod. */
async function findGrubModules(explicit?: string): Promise<string> {
  if (explicit !== undefined) {
    try {
      await stat(join(explicit, 'normal.mod'));
      return explicit;
    } catch {
      throw new UserError(`${explicit} holds no GRUB x86_64-efi modules (normal.mod is missing)`, {
        hint: `give the directory with GRUB's x86_64-efi modules, or leave the option out to search the usual locations (${describePackage(GRUB_EFI_MODULES.packages)})`,
      });
    }
  }
  return posix.dirname(findDistroFile(GRUB_EFI_MODULES));
}

export interface GrubImageOptions {
  /** Where GRUB looks for grub.cfg on the device it was loaded from, e.g. `/grub`. */
  readonly prefix: string;
  readonly modulesDirectory?: string;
  /** A configuration embedded in the image, run before `$prefix/grub.cfg` (the ISO uses it to search for its root). */
  readonly embeddedConfig?: string;
}

/**
 * Builds a GRUB EFI image (for EFI/BOOT/BOOTX64.EFI) and returns its bytes. grub-mkimage writes the same
 * bytes for the same modules, prefix and configuration, so the result is reproducible.
 */
export async function buildGrubEfiImage(options: GrubImageOptions): Promise<Buffer> {
  requireTools(['grub-mkimage']);
  const modules = await findGrubModules(options.modulesDirectory);
  const work = await mkdtemp(join(tmpdir(), 'cairn-grub-'));
  try {
    const output = join(work, 'BOOTX64.EFI');
    const args = ['--format', 'x86_64-efi', '--directory', modules, '--prefix', options.prefix, '--output', output];
    if (options.embeddedConfig !== undefined) {
      await writeFile(join(work, 'embedded.cfg'), options.embeddedConfig);
      args.push('--config', join(work, 'embedded.cfg'));
    }
    await run('grub-mkimage', [...args, ...GRUB_IMAGE_MODULES]);
    return await readFile(output);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
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
