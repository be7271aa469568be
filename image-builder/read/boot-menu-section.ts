/**
 * The boot menus of an ISO, for `cairn iso inspect` and `cairn iso test`: isolinux's (BIOS), read from its
 * configuration file on the ISO, and systemd-boot's (UEFI), read from the FAT ESP inside the image (the
 * El Torito UEFI image, else the ESP partition). Every entry in menu order with the default marked, its
 * kernel command line, and the generation it boots when the ISO carries the profile's links
 * (`<profile>-<N>-link` pointing at the toplevel whose `init` the entry names).
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import type { LoaderMenu } from '../../bootloader/loader-menu.js';
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
  readonly loader: 'isolinux' | 'systemd-boot';
  /** The configuration read: a path on the ISO (isolinux) or inside the ESP (systemd-boot). */
  readonly config: string;
  readonly esp?: EspLocation;
  /** Seconds before the default boots; undefined when the menu waits. */
  readonly timeout?: number;
  /** isolinux: the menu is also on the first serial port (`SERIAL`). */
  readonly serial?: boolean;
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
    const menu = await readIsolinuxMenu(context, elTorito!, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }

  const uefi = elTorito?.images.find((i) => i.platform === PLATFORM.efi && i.bootable);
  const esp = uefi !== undefined ? { offset: uefi.lba * SECTOR_SIZE, source: 'el-torito' as const } : espPartition === undefined ? undefined : { offset: espPartition.offset, source: espPartition.table };
  if (esp !== undefined) {
    const menu = await readSystemdBootMenu(context.image.file, esp, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }
  return { menus, problems };
}

async function readIsolinuxMenu(context: InspectContext, elTorito: ElToritoReport, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string> {
  const binary = elTorito.images.find((i) => i.platform === PLATFORM.x86)?.path;
  const candidates = [...(binary === undefined ? [] : [posix.join(posix.dirname(binary), 'isolinux.cfg')]), ...ISOLINUX_CONFIG_PATHS];
  for (const path of candidates) {
    const entry = findIsoEntry(context.image, path, { ignoreCase: true });
    if (entry === undefined || entry.type !== 'file') continue;
    const text = new TextDecoder('latin1').decode(await readIsoFile(context.access, entry, MAX_CONFIG_BYTES));
    const menu = parseSyslinuxConfig(text);
    return { firmware: 'bios', loader: 'isolinux', config: entry.path, ...menuFields(menu, generations), serial: menu.serial };
  }
  return `the BIOS boot image ${binary ?? '(hidden)'} has no isolinux configuration at ${candidates.join(', ')}; its menu is not decoded`;
}

async function readSystemdBootMenu(file: string, esp: { offset: number; source: EspLocation['source'] }, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string> {
  let fat: FatImageReader;
  try {
    fat = await openFatImage(file, { offset: esp.offset });
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
    const entriesPrefix = `${BLS_ENTRIES_DIRECTORY.toLowerCase()}/`;
    const entryFiles = (await fat.list()).filter((e) => e.kind === 'file' && e.path.toLowerCase().startsWith(entriesPrefix) && !e.path.slice(entriesPrefix.length).includes('/'));
    const conf = await fat.find(LOADER_CONF_PATH);
    if (conf === undefined && entryFiles.length === 0) return `the ESP at byte ${esp.offset} holds no systemd-boot configuration (${LOADER_CONF_PATH}, ${BLS_ENTRIES_DIRECTORY}/); its menu is not decoded`;
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const loaderConf = conf?.kind === 'file' ? decode(await fat.readFile(conf.path)) : undefined;
    const entries = await Promise.all(entryFiles.map(async (e) => ({ name: e.name, text: decode(await fat.readFile(e.path)) })));
    const menu = parseSystemdBoot({ loaderConf, entries });
    const editor = loaderConf === undefined ? undefined : parseLoaderConf(loaderConf).editor;
    return { firmware: 'uefi', loader: 'systemd-boot', config: LOADER_CONF_PATH, esp: location, ...menuFields(menu, generations), editor: editor === undefined || parseBoolean(editor) !== false };
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
      const where = menu.esp === undefined ? menu.config : `${menu.config} on the ESP at byte ${menu.esp.offset} (FAT${menu.esp.fatType}, ${formatSize(menu.esp.size)}, ${menu.esp.source === 'el-torito' ? 'the El Torito UEFI image' : `${menu.esp.source.toUpperCase()} partition`})`;
      lines.push(`${menu.firmware === 'bios' ? 'BIOS' : 'UEFI'}: ${menu.loader}, ${where}; ${details.join(', ')}`);
      for (const entry of menu.entries) {
        lines.push(`  ${entry.isDefault ? '*' : ' '} ${entry.title}${entry.generation === undefined ? '' : `  [generation ${entry.generation}]`}`);
        lines.push(`      ${[entry.kernel, ...entry.initrds.map((i) => `initrd=${i}`), ...entry.params].join(' ')}`);
      }
    }
    if (value.menus.length > 0) lines.push('(* = default)');
    lines.push(...value.problems.map((p) => `problem: ${p}`));
    return lines;
  },
};
