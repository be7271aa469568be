/**
 * The boot menus of an ISO, for `cairn iso inspect` and `cairn iso test`: for BIOS, isolinux's or GRUB's,
 * read from its configuration file on the ISO; for UEFI, systemd-boot's or GRUB's, read from the FAT ESP
 * inside the image (the El Torito UEFI image, else the ESP partition), or for a GRUB that reads its menu
 * from the ISO (as grub-mkrescue's does) from the ISO. Every entry in menu order with the default marked,
 * its kernel command line, the submenu it is in and whether it depends on a condition (GRUB), and the
 * generation it boots when the ISO carries the profile's links (`<profile>-<N>-link` pointing at the
 * toplevel whose `init` the entry names).
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { identifyEfiLoader } from '../../bootloader/esp-state.js';
import { readGrubMenu, type GrubMenuEntry } from '../../bootloader/grub-menu-reader.js';
import type { LoaderMenu } from '../../bootloader/loader-menu.js';
import { parseSyslinuxConfig } from '../../bootloader/syslinux.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, parseLoaderConf, parseSystemdBoot } from '../../bootloader/systemd-boot.js';
import { PLATFORM } from '../el-torito/boot-catalog.js';
import { openFatImage, type FatImageReader } from '../fat/index.js';
import { SECTOR_SIZE } from '../iso9660/constants.js';
import { inspectElTorito, type ElToritoReport } from './el-torito-section.js';
import type { InspectContext, InspectSection } from './inspect.js';
import { findIsoEntry, readIsoFile, type IsoImage } from './iso-reader.js';
import { espPartitionOf, inspectPartitionTables } from './partition-section.js';

/** Where isolinux looks for its configuration after the directory isolinux.bin is in (syslinux 4+). */
const ISOLINUX_CONFIG_PATHS = ['/boot/isolinux/isolinux.cfg', '/isolinux/isolinux.cfg', '/boot/syslinux/syslinux.cfg', '/syslinux/syslinux.cfg', '/isolinux.cfg', '/syslinux.cfg'] as const;
/** Where GRUB's menu is on an ISO 9660 tree (grub-mkrescue and distribution ISOs put it in /boot/grub). */
const GRUB_ISO_CONFIG_PATHS = ['/boot/grub/grub.cfg', '/EFI/BOOT/grub.cfg'] as const;
/** Where GRUB's menu is on an ESP: Cairn's prefix /grub, beside the loader, or a /boot/grub tree. */
const GRUB_ESP_CONFIG_PATHS = ['grub/grub.cfg', 'EFI/BOOT/grub.cfg', 'boot/grub/grub.cfg'] as const;
const REMOVABLE_LOADER = 'EFI/BOOT/BOOTX64.EFI';
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
  const partitions = await inspectPartitionTables(context);
  const espPartition = partitions === undefined ? undefined : espPartitionOf(partitions);
  if (elTorito === undefined && espPartition === undefined) return undefined;
  const generations = generationsByToplevel(context.image);
  const menus: BootMenuReport[] = [];
  const problems: string[] = [];

  const bios = elTorito?.images.find((i) => i.platform === PLATFORM.x86 && i.bootable);
  if (bios !== undefined) {
    const menu = await readBiosMenu(context, elTorito!, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }

  const uefi = elTorito?.images.find((i) => i.platform === PLATFORM.efi && i.bootable);
  const esp = uefi !== undefined ? { offset: uefi.lba * SECTOR_SIZE, source: 'el-torito' as const } : espPartition === undefined ? undefined : { offset: espPartition.offset, source: espPartition.table };
  if (esp !== undefined) {
    const menu = await readEspMenu(context, esp, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }
  return { menus, problems };
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
    for (const path of GRUB_ESP_CONFIG_PATHS) {
      const found = await fat.find(path);
      if (found?.kind === 'file') return grubReport('uefi', found.path, 'esp', decode(await fat.readFile(found.path)), generations, location);
    }
    // A GRUB that reads its menu from the ISO (grub-mkrescue's searches for the ISO and reads /boot/grub/grub.cfg).
    const loader = await fat.find(REMOVABLE_LOADER);
    if (loader?.kind === 'file' && identifyEfiLoader(await fat.readFile(loader.path)) === 'grub') {
      const grub = await readIsoGrubMenu(context, 'uefi', generations, location);
      if (grub !== undefined) return grub;
    }
    return `the ESP at byte ${esp.offset} holds no systemd-boot configuration (${LOADER_CONF_PATH}, ${BLS_ENTRIES_DIRECTORY}/) and no GRUB configuration (${GRUB_ESP_CONFIG_PATHS.join(', ')}, or on the ISO for a GRUB ${REMOVABLE_LOADER}); its menu is not decoded`;
  } finally {
    await fat.close();
  }
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
      const where = menu.esp === undefined ? menu.config : menu.configOn === 'esp' ? `${menu.config} on ${esp}` : `${menu.config} on the ISO, for the loader on ${esp}`;
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
