/**
 * The boot menus of an ISO, for `cairn iso inspect` and `cairn iso test`: for BIOS, isolinux's or GRUB's,
 * read from its configuration file on the ISO; for UEFI, systemd-boot's or GRUB's, read from the FAT ESP
 * inside the image (the El Torito UEFI image, else the ESP partition) where that GRUB reads it (its built-in
 * prefix on the ESP; with Debian's signed images, /boot/grub on a medium with /.disk/info; beside the
 * binary), or for a GRUB that reads its menu from the ISO (as grub-mkrescue's does) from the ISO. Every
 * entry in menu order with the default marked, its kernel command line, the submenu it is in and whether
 * it depends on a condition (GRUB), and the generation it boots when the ISO carries the profile's links
 * (`<profile>-<N>-link` pointing at the toplevel whose `init` the entry names).
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { identifyEfiLoader } from '../../bootloader/esp-state.js';
import { readGrubMenu, type GrubMenuEntry } from '../../bootloader/grub-menu-reader.js';
import type { LoaderMenu } from '../../bootloader/loader-menu.js';
import { SHIM_DIRECTORY, SHIM_SECOND_STAGE } from '../../bootloader/secure-boot.js';
import { REMOVABLE_LOADER_PATH } from '../../bootloader/esp-layout.js';
import { PeFormatError, decodePeImage } from '../../system/secure-boot/pe-image.js';
import { describeUefiBinary } from '../../system/secure-boot/uefi-binary.js';
import { parseSyslinuxConfig } from '../../bootloader/syslinux.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, parseLoaderConf, parseSystemdBoot } from '../../bootloader/systemd-boot.js';
import { PLATFORM } from '../el-torito/boot-catalog.js';
import { openFatImage, type FatImageReader } from '../fat/index.js';
import { SECTOR_SIZE } from '../iso9660/constants.js';
import { inspectElTorito, type ElToritoReport } from './el-torito-section.js';
import type { InspectContext, InspectSection } from './inspect-section.js';
import { findIsoEntry, readIsoFile, type IsoImage } from './iso-reader.js';
import { espPartitionOf, inspectPartitionTables } from './partition-section.js';

/** Where isolinux looks for its configuration after the directory isolinux.bin is in (syslinux 4+). */
const ISOLINUX_CONFIG_PATHS = ['/boot/isolinux/isolinux.cfg', '/isolinux/isolinux.cfg', '/boot/syslinux/syslinux.cfg', '/syslinux/syslinux.cfg', '/isolinux.cfg', '/syslinux.cfg'] as const;
/** Where GRUB's menu is on an ISO 9660 tree (grub-mkrescue and distribution ISOs put it in /boot/grub). */
const GRUB_ISO_CONFIG_PATHS = ['/boot/grub/grub.cfg', '/EFI/BOOT/grub.cfg'] as const;
/** Where GRUB's menu is on an ESP: Cairn's prefix /grub, beside the loader, or a /boot/grub tree. */
const GRUB_ESP_CONFIG_PATHS = ['grub/grub.cfg', 'EFI/BOOT/grub.cfg', 'boot/grub/grub.cfg'] as const;
/** A GRUB binary on the ESP: the removable-media loader itself, or the signed GRUB shim starts beside it. */
const GRUB_BINARY_PATHS = [REMOVABLE_LOADER_PATH, `${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`] as const;
/** Larger files are not GRUB images (a signed GRUB is about 4 MiB). */
const MAX_LOADER_BYTES = 32 * 1024 * 1024;
/** What the script in Debian's signed GRUB searches for to find the CD it was started from. */
const DISK_INFO_PATHS = ['/.disk/info', '/.disk/mini-info'] as const;
const MAX_CONFIG_BYTES = 1024 * 1024;

export interface BootMenuEntryReport {
  /** 0-based place in the menu, top first. */
  readonly position: number;
  readonly id: string;
  readonly title: string;
  readonly isDefault: boolean;
  readonly kernel: string;
  readonly initrds: readonly string[];
  readonly params: readonly string[];
  /** The entry's `init=` parameter. */
  readonly init?: string;
  /** The generation whose toplevel holds that init, found through the profile links on the ISO. */
  readonly generation?: number;
  /** GRUB: the submenus the entry is in, outermost first. */
  readonly submenu?: readonly string[];
  /** GRUB: the entry is inside an `if` (or loop), shown only when its condition holds at boot. */
  readonly conditional?: boolean;
}

export interface EspLocation {
  /** Byte offset of the FAT volume in the image. */
  readonly offset: number;
  /** Bytes of the FAT volume (from its boot sector). */
  readonly size: number;
  readonly fatType: 12 | 16 | 32;
  readonly label?: string;
  /** How the firmware finds it: the El Torito UEFI image (CD), or a partition (USB stick). */
  readonly source: 'el-torito' | 'gpt' | 'mbr';
}

export interface BootMenuReport {
  readonly firmware: 'bios' | 'uefi';
  readonly loader: 'isolinux' | 'systemd-boot' | 'grub';
  /** The configuration read: a path on the ISO (isolinux, GRUB) or inside the ESP (systemd-boot, GRUB). */
  readonly config: string;
  /** Where the configuration is: on the ISO 9660 tree, or inside the ESP. */
  readonly configOn: 'iso' | 'esp';
  /** GRUB for UEFI whose menu sets its root by a file (`search --file`): that file, and the filesystem holding it, where the kernel paths lead. */
  readonly searchFile?: string;
  readonly kernelsOn?: 'esp' | 'iso';
  readonly esp?: EspLocation;
  /** Seconds before the default boots; undefined when the menu waits. */
  readonly timeout?: number;
  /** isolinux, GRUB: the menu is also on the first serial port (`SERIAL`, `terminal_output serial`). */
  readonly serial?: boolean;
  /** GRUB: `set default` as written, when it names no entry known without booting. */
  readonly unresolvedDefault?: string;
  /** systemd-boot: the kernel command line may be edited at boot (`editor`, on unless loader.conf says no). */
  readonly editor?: boolean;
  readonly defaultId?: string;
  readonly entries: readonly BootMenuEntryReport[];
}

export interface BootMenusReport {
  readonly menus: readonly BootMenuReport[];
  /** Boot images whose menu could not be read, and why. */
  readonly problems: readonly string[];
}

export async function inspectBootMenus(context: InspectContext): Promise<BootMenusReport | undefined> {
  const elTorito = await inspectElTorito(context);
  const esp = await uefiEspOf(context);
  if (elTorito === undefined && esp === undefined) return undefined;
  const generations = generationsByToplevel(context.image);
  const menus: BootMenuReport[] = [];
  const problems: string[] = [];

  const bios = elTorito?.images.find((i) => i.platform === PLATFORM.x86 && i.bootable);
  if (bios !== undefined) {
    const menu = await readBiosMenu(context, elTorito!, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }

  if (esp !== undefined) {
    const menu = await readEspMenu(context, esp, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }
  return { menus, problems };
}

/** The ESP UEFI firmware boots: the El Torito UEFI image (a CD), else the ESP partition (a USB stick). */
export async function uefiEspOf(context: InspectContext): Promise<{ readonly offset: number; readonly source: EspLocation['source'] } | undefined> {
  const elTorito = await inspectElTorito(context);
  const uefi = elTorito?.images.find((i) => i.platform === PLATFORM.efi && i.bootable);
  if (uefi !== undefined) return { offset: uefi.lba * SECTOR_SIZE, source: 'el-torito' };
  const partitions = await inspectPartitionTables(context);
  const partition = partitions === undefined ? undefined : espPartitionOf(partitions);
  return partition === undefined ? undefined : { offset: partition.offset, source: partition.table };
}

async function readBiosMenu(context: InspectContext, elTorito: ElToritoReport, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string> {
  const binary = elTorito.images.find((i) => i.platform === PLATFORM.x86)?.path;
  const candidates = [...(binary === undefined ? [] : [posix.join(posix.dirname(binary), 'isolinux.cfg')]), ...ISOLINUX_CONFIG_PATHS];
  for (const path of candidates) {
    const found = await readIsoText(context, path);
    if (found === undefined) continue;
    const menu = parseSyslinuxConfig(found.text);
    return { firmware: 'bios', loader: 'isolinux', config: found.path, configOn: 'iso', ...menuFields(menu, generations), serial: menu.serial };
  }
  const grub = await readIsoGrubMenu(context, 'bios', generations);
  if (grub !== undefined) return grub;
  return `the BIOS boot image ${binary ?? '(hidden)'} has no isolinux configuration at ${candidates.join(', ')} and no GRUB configuration at ${GRUB_ISO_CONFIG_PATHS.join(', ')}; its menu is not decoded`;
}

/** A text file of the ISO 9660 tree (names compared without case), or undefined when there is none. */
async function readIsoText(context: InspectContext, path: string): Promise<{ path: string; text: string } | undefined> {
  const entry = findIsoEntry(context.image, path, { ignoreCase: true });
  if (entry === undefined || entry.type !== 'file') return undefined;
  return { path: entry.path, text: new TextDecoder('latin1').decode(await readIsoFile(context.access, entry, MAX_CONFIG_BYTES)) };
}

async function readIsoGrubMenu(context: InspectContext, firmware: 'bios' | 'uefi', generations: ReadonlyMap<string, number>, esp?: EspLocation): Promise<BootMenuReport | string | undefined> {
  for (const path of GRUB_ISO_CONFIG_PATHS) {
    const found = await readIsoText(context, path);
    if (found !== undefined) return grubReport(firmware, found.path, 'iso', found.text, generations, esp);
  }
  return undefined;
}

function grubReport(firmware: 'bios' | 'uefi', config: string, configOn: 'iso' | 'esp', text: string, generations: ReadonlyMap<string, number>, esp?: EspLocation): BootMenuReport | string {
  let menu;
  try {
    menu = readGrubMenu(text);
  } catch (error) {
    return `GRUB's configuration ${config} cannot be read: ${(error as Error).message}`;
  }
  const fields = menuFields(menu, generations);
  const byId = new Map<string, GrubMenuEntry>(menu.entries.map((e) => [e.id, e]));
  return {
    firmware,
    loader: 'grub',
    config,
    configOn,
    ...(esp === undefined ? {} : { esp }),
    ...fields,
    entries: fields.entries.map((entry) => {
      const grub = byId.get(entry.id)!;
      return { ...entry, ...(grub.submenu.length === 0 ? {} : { submenu: grub.submenu }), ...(grub.conditional ? { conditional: true } : {}) };
    }),
    serial: menu.serial,
    ...(menu.unresolvedDefault === undefined ? {} : { unresolvedDefault: menu.unresolvedDefault }),
    ...(menu.searchFile === undefined ? {} : { searchFile: menu.searchFile }),
  };
}

async function readEspMenu(context: InspectContext, esp: { offset: number; source: EspLocation['source'] }, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string> {
  let fat: FatImageReader;
  try {
    fat = await openFatImage(context.image.file, { offset: esp.offset });
  } catch (error) {
    if (error instanceof DomainError) return `the UEFI boot image at byte ${esp.offset}: ${error.message}`;
    throw error;
  }
  try {
    const location: EspLocation = {
      offset: esp.offset,
      size: fat.info.geometry.size,
      fatType: fat.info.type,
      ...(fat.info.volumeLabel === undefined ? {} : { label: fat.info.volumeLabel }),
      source: esp.source,
    };
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const entriesPrefix = `${BLS_ENTRIES_DIRECTORY.toLowerCase()}/`;
    const entryFiles = (await fat.list()).filter((e) => e.kind === 'file' && e.path.toLowerCase().startsWith(entriesPrefix) && !e.path.slice(entriesPrefix.length).includes('/'));
    const conf = await fat.find(LOADER_CONF_PATH);
    if (conf !== undefined || entryFiles.length > 0) {
      const loaderConf = conf?.kind === 'file' ? decode(await fat.readFile(conf.path)) : undefined;
      const entries = await Promise.all(entryFiles.map(async (e) => ({ name: e.name, text: decode(await fat.readFile(e.path)) })));
      const menu = parseSystemdBoot({ loaderConf, entries });
      const editor = loaderConf === undefined ? undefined : parseLoaderConf(loaderConf).editor;
      return { firmware: 'uefi', loader: 'systemd-boot', config: LOADER_CONF_PATH, configOn: 'esp', esp: location, ...menuFields(menu, generations), editor: editor === undefined || parseBoolean(editor) !== false };
    }
    const binary = await findEspGrub(fat);
    const candidates = grubConfigCandidates(context, binary);
    for (const candidate of candidates) {
      const text = candidate.on === 'esp' ? await readFatText(fat, candidate.path) : (await readIsoText(context, candidate.path))?.text;
      if (text === undefined) continue;
      const report = grubReport('uefi', candidate.path, candidate.on, text, generations, location);
      if (typeof report === 'string' || report.searchFile === undefined) return report;
      // Where the kernels are read: the filesystem holding the file the menu searches for, else where the menu is.
      const kernelsOn = findIsoEntry(context.image, report.searchFile) !== undefined ? 'iso' : (await fat.find(report.searchFile)) !== undefined ? 'esp' : candidate.on;
      return { ...report, kernelsOn };
    }
    const looked = candidates.map((c) => (c.on === 'esp' ? c.path : `${c.path} on the ISO`)).join(', ');
    return binary === undefined
      ? `the ESP at byte ${esp.offset} holds no systemd-boot configuration (${LOADER_CONF_PATH}, ${BLS_ENTRIES_DIRECTORY}/) and no GRUB configuration (${looked}); its menu is not decoded`
      : `GRUB (${binary.path} on the ESP at byte ${esp.offset}${binary.prefix === undefined ? '' : `, prefix ${binary.prefix}`}) finds no grub.cfg at ${looked}; its menu is not decoded`;
  } finally {
    await fat.close();
  }
}

/**
 * The GRUB binary UEFI firmware ends up in on this ESP: the removable-media loader itself, or the signed
 * GRUB shim starts beside it; with its built-in prefix and whether it carries a memdisk (Debian's signed
 * images do, with a script that looks for /.disk/info). Undefined when neither is GRUB.
 */
async function findEspGrub(fat: FatImageReader): Promise<EspGrub | undefined> {
  for (const path of GRUB_BINARY_PATHS) {
    const entry = await fat.find(path);
    if (entry?.kind !== 'file' || entry.size > MAX_LOADER_BYTES) continue;
    const bytes = await fat.readFile(path);
    try {
      const facts = describeUefiBinary(bytes, decodePeImage(bytes));
      if (facts.kind === 'grub') return { path, prefix: facts.grub?.prefix, memdisk: facts.grub?.memdisk === true };
    } catch (error) {
      if (!(error instanceof PeFormatError)) throw error;
    }
    if (identifyEfiLoader(bytes) === 'grub') return { path, prefix: undefined, memdisk: false };
  }
  return undefined;
}

interface EspGrub {
  readonly path: string;
  readonly prefix: string | undefined;
  readonly memdisk: boolean;
}

/**
 * Where GRUB's menu is looked for, in GRUB's order: `$prefix/x86_64-efi/grub.cfg` and `$prefix/grub.cfg` on
 * the ESP; for images with Debian's embedded search script, /boot/grub on a medium holding /.disk/info (this
 * ISO); beside the binary and the other usual places on the ESP; and for a GRUB with no menu on the ESP, the
 * ISO's (grub-mkrescue's searches for the ISO and reads /boot/grub/grub.cfg).
 */
function grubConfigCandidates(context: InspectContext, binary: EspGrub | undefined): { path: string; on: 'esp' | 'iso' }[] {
  const candidates: { path: string; on: 'esp' | 'iso' }[] = [];
  const prefix = binary?.prefix === undefined || !binary.prefix.startsWith('/') ? undefined : binary.prefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== undefined) candidates.push({ path: `${prefix}/x86_64-efi/grub.cfg`, on: 'esp' }, { path: `${prefix}/grub.cfg`, on: 'esp' });
  if (binary?.memdisk === true && DISK_INFO_PATHS.some((p) => findIsoEntry(context.image, p)?.type === 'file')) {
    candidates.push({ path: '/boot/grub/x86_64-efi/grub.cfg', on: 'iso' }, { path: '/boot/grub/grub.cfg', on: 'iso' });
  }
  const beside = binary === undefined ? [] : [`${posix.dirname(binary.path)}/grub.cfg`];
  for (const path of [...beside, ...GRUB_ESP_CONFIG_PATHS]) candidates.push({ path, on: 'esp' });
  if (binary !== undefined) for (const path of GRUB_ISO_CONFIG_PATHS) candidates.push({ path, on: 'iso' });
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.on}:${c.path.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A small text file of the ESP (names compared without case), or undefined when there is none. */
async function readFatText(fat: FatImageReader, path: string): Promise<string | undefined> {
  const entry = await fat.find(path);
  if (entry?.kind !== 'file' || entry.size > MAX_CONFIG_BYTES) return undefined;
  return new TextDecoder().decode(await fat.readFile(entry.path));
}

function menuFields(menu: LoaderMenu, generations: ReadonlyMap<string, number>): Pick<BootMenuReport, 'timeout' | 'defaultId' | 'entries'> {
  return {
    ...(menu.timeout === undefined ? {} : { timeout: menu.timeout }),
    ...(menu.defaultId === undefined ? {} : { defaultId: menu.defaultId }),
    entries: menu.entries.map((entry, position) => {
      const init = entry.params.find((p) => p.startsWith('init='))?.slice('init='.length);
      const generation = init === undefined ? undefined : generations.get(posix.dirname(init));
      return {
        position,
        id: entry.id,
        title: entry.title,
        isDefault: entry.id === menu.defaultId,
        kernel: entry.kernel,
        initrds: entry.initrds,
        params: entry.params,
        ...(init === undefined ? {} : { init }),
        ...(generation === undefined ? {} : { generation }),
      };
    }),
  };
}

/** Toplevel -> generation number, from the `<profile>-<N>-link` symbolic links on the ISO. */
function generationsByToplevel(image: IsoImage): Map<string, number> {
  const map = new Map<string, number>();
  for (const entry of image.tree.entries) {
    const match = /-(\d+)-link$/.exec(entry.path);
    if (entry.type !== 'symlink' || match === null || entry.target === undefined || !entry.target.startsWith('/')) continue;
    map.set(posix.normalize(entry.target), Number(match[1]));
  }
  return map;
}

/** systemd-boot's reading of a yes/no value; undefined for anything else. */
function parseBoolean(value: string): boolean | undefined {
  const v = value.toLowerCase();
  if (['1', 'yes', 'y', 'true', 't', 'on'].includes(v)) return true;
  if (['0', 'no', 'n', 'false', 'f', 'off'].includes(v)) return false;
  return undefined;
}

export const bootMenusSection: InspectSection<BootMenusReport> = {
  id: 'bootMenus',
  title: 'Boot menus',
  inspect: inspectBootMenus,
  render(value) {
    const lines: string[] = [];
    for (const menu of value.menus) {
      const details = [
        menu.timeout === undefined ? 'no timeout' : `timeout ${menu.timeout} s`,
        ...(menu.serial === undefined ? [] : [menu.serial ? 'menu also on the serial port' : 'menu on the screen only']),
        ...(menu.editor === undefined ? [] : [`editor ${menu.editor ? 'yes' : 'no'}`]),
      ];
      const esp = menu.esp === undefined ? '' : `the ESP at byte ${menu.esp.offset} (FAT${menu.esp.fatType}, ${formatSize(menu.esp.size)}, ${menu.esp.source === 'el-torito' ? 'the El Torito UEFI image' : `${menu.esp.source.toUpperCase()} partition`})`;
      let where = menu.esp === undefined ? menu.config : menu.configOn === 'esp' ? `${menu.config} on ${esp}` : `${menu.config} on the ISO, for the loader on ${esp}`;
      if (menu.kernelsOn !== undefined) where += `, kernels read from ${menu.kernelsOn === 'iso' ? 'ISO 9660' : 'the ESP'} (search --file ${menu.searchFile})`;
      if (menu.unresolvedDefault !== undefined) details.push(`default "${menu.unresolvedDefault}" (known at boot)`);
      lines.push(`${menu.firmware === 'bios' ? 'BIOS' : 'UEFI'}: ${menu.loader}, ${where}; ${details.join(', ')}`);
      for (const entry of menu.entries) {
        const title = [...(entry.submenu ?? []), entry.title].join(' > ');
        lines.push(`  ${entry.isDefault ? '*' : ' '} ${title}${entry.conditional === true ? '  (if)' : ''}${entry.generation === undefined ? '' : `  [generation ${entry.generation}]`}`);
        lines.push(`      ${entry.kernel === '' && entry.params.length === 0 ? '(loads no kernel)' : [entry.kernel, ...entry.initrds.map((i) => `initrd=${i}`), ...entry.params].join(' ')}`);
      }
    }
    if (value.menus.length > 0) lines.push(value.menus.some((m) => m.entries.some((e) => e.conditional === true)) ? '(* = default; (if) = shown when a condition holds at boot)' : '(* = default)');
    lines.push(...value.problems.map((p) => `problem: ${p}`));
    return lines;
  },
};
