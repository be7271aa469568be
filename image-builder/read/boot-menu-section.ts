/**
 * The boot menus of an ISO, for `cairn iso inspect` and `cairn iso test`: isolinux's (BIOS), read from its
 * configuration file on the ISO, and the UEFI loader's, read from the FAT ESP inside the image (the El
 * Torito UEFI image, else the ESP partition): systemd-boot's entries, or GRUB's grub.cfg where that GRUB
 * reads it (its built-in prefix on the ESP; with Debian's signed images, /boot/grub on a medium with
 * /.disk/info; beside the binary). Every entry in menu order with the default marked, its kernel command
 * line, and the generation it boots when the ISO carries the profile's links (`<profile>-<N>-link`
 * pointing at the toplevel whose `init` the entry names).
 */
import { posix } from 'node:path';
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { parseGrubConfig } from '../../bootloader/grub.js';
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
import type { InspectContext, InspectSection } from './inspect.js';
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
  readonly loader: 'isolinux' | 'systemd-boot' | 'grub';
  /** The configuration read: a path on the ISO (isolinux) or inside the ESP (systemd-boot; GRUB's may be on either). */
  readonly config: string;
  /** GRUB: whether its configuration was read from the ESP or from ISO 9660, and where its kernel paths lead. */
  readonly configOn?: 'esp' | 'iso';
  readonly kernelsOn?: 'esp' | 'iso';
  /** GRUB: the file its configuration searches for to set its root (`search --file`). */
  readonly searchFile?: string;
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
  const esp = await uefiEspOf(context);
  if (elTorito === undefined && esp === undefined) return undefined;
  const generations = generationsByToplevel(context.image);
  const menus: BootMenuReport[] = [];
  const problems: string[] = [];

  const bios = elTorito?.images.find((i) => i.platform === PLATFORM.x86 && i.bootable);
  if (bios !== undefined) {
    const menu = await readIsolinuxMenu(context, elTorito!, generations);
    if (typeof menu === 'string') problems.push(menu);
    else menus.push(menu);
  }

  if (esp !== undefined) {
    const menu = await readUefiMenu(context, esp, generations);
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

/** The UEFI loader's menu on the ESP: systemd-boot's when its configuration is there, else GRUB's. */
async function readUefiMenu(context: InspectContext, esp: { offset: number; source: EspLocation['source'] }, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string> {
  const file = context.image.file;
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
    if (conf === undefined && entryFiles.length === 0) {
      const grub = await readGrubMenu(context, fat, location, generations);
      return grub ?? `the ESP at byte ${esp.offset} holds no systemd-boot configuration (${LOADER_CONF_PATH}, ${BLS_ENTRIES_DIRECTORY}/) and no GRUB; its menu is not decoded`;
    }
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

/** A GRUB binary on the ESP: the removable-media loader itself, or the one shim starts beside it. */
const GRUB_BINARY_PATHS = [REMOVABLE_LOADER_PATH, `${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`] as const;
/** Larger files are not GRUB images (a signed GRUB is about 4 MiB). */
const MAX_LOADER_BYTES = 32 * 1024 * 1024;

/**
 * GRUB's menu, found where GRUB looks: `$prefix/x86_64-efi/grub.cfg` and `$prefix/grub.cfg` on the ESP;
 * for images with Debian's embedded search script, /boot/grub on a medium holding /.disk/info (this ISO);
 * then `grub.cfg` beside the binary. Undefined when the ESP holds no GRUB; a problem when it finds no menu.
 */
async function readGrubMenu(context: InspectContext, fat: FatImageReader, esp: EspLocation, generations: ReadonlyMap<string, number>): Promise<BootMenuReport | string | undefined> {
  let binary: { path: string; prefix: string | undefined; memdisk: boolean } | undefined;
  for (const path of GRUB_BINARY_PATHS) {
    const entry = await fat.find(path);
    if (entry?.kind !== 'file' || entry.size > MAX_LOADER_BYTES) continue;
    const bytes = await fat.readFile(path);
    try {
      const facts = describeUefiBinary(bytes, decodePeImage(bytes));
      if (facts.kind === 'grub') {
        binary = { path, prefix: facts.grub?.prefix, memdisk: facts.grub?.memdisk === true };
        break;
      }
    } catch (error) {
      if (!(error instanceof PeFormatError)) throw error;
    }
  }
  if (binary === undefined) return undefined;
  const prefix = binary.prefix === undefined || !binary.prefix.startsWith('/') ? undefined : binary.prefix.replace(/^\/+|\/+$/g, '');
  const candidates: { path: string; on: 'esp' | 'iso' }[] = [];
  if (prefix !== undefined) candidates.push({ path: `${prefix}/x86_64-efi/grub.cfg`, on: 'esp' }, { path: `${prefix}/grub.cfg`, on: 'esp' });
  if (binary.memdisk && ['/.disk/info', '/.disk/mini-info'].some((p) => findIsoEntry(context.image, p)?.type === 'file')) {
    candidates.push({ path: '/boot/grub/x86_64-efi/grub.cfg', on: 'iso' }, { path: '/boot/grub/grub.cfg', on: 'iso' });
  }
  candidates.push({ path: `${posix.dirname(binary.path)}/grub.cfg`, on: 'esp' });
  for (const candidate of candidates) {
    let text: string | undefined;
    if (candidate.on === 'esp') {
      const entry = await fat.find(candidate.path);
      if (entry?.kind === 'file' && entry.size <= MAX_CONFIG_BYTES) text = new TextDecoder().decode(await fat.readFile(candidate.path));
    } else {
      const entry = findIsoEntry(context.image, candidate.path);
      if (entry?.type === 'file') text = new TextDecoder().decode(await readIsoFile(context.access, entry, MAX_CONFIG_BYTES));
    }
    if (text === undefined) continue;
    let menu;
    try {
      menu = parseGrubConfig(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return `GRUB's menu ${candidate.on === 'esp' ? `${candidate.path} on the ESP at byte ${esp.offset}` : candidate.path} is not decoded: ${error.message}`;
    }
    // Where the kernels are read: the filesystem holding the file the menu searches for, else where the menu is.
    const kernelsOn = menu.searchFile === undefined ? candidate.on : findIsoEntry(context.image, menu.searchFile) !== undefined ? 'iso' : (await fat.find(menu.searchFile)) !== undefined ? 'esp' : candidate.on;
    return {
      firmware: 'uefi',
      loader: 'grub',
      config: candidate.path,
      configOn: candidate.on,
      kernelsOn,
      ...(menu.searchFile === undefined ? {} : { searchFile: menu.searchFile }),
      esp,
      ...menuFields(menu, generations),
      serial: menu.serial,
    };
  }
  return `GRUB (${binary.path} on the ESP at byte ${esp.offset}${binary.prefix === undefined ? '' : `, prefix ${binary.prefix}`}) finds no grub.cfg at ${candidates.map((c) => (c.on === 'esp' ? `${c.path} on the ESP` : c.path)).join(', ')}; its menu is not decoded`;
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
      const espWhere = menu.esp === undefined ? '' : `the ESP at byte ${menu.esp.offset} (FAT${menu.esp.fatType}, ${formatSize(menu.esp.size)}, ${menu.esp.source === 'el-torito' ? 'the El Torito UEFI image' : `${menu.esp.source.toUpperCase()} partition`})`;
      let where = menu.esp === undefined || menu.configOn === 'iso' ? menu.config : `${menu.config} on ${espWhere}`;
      if (menu.configOn === 'iso') where += ` (found through ${espWhere})`;
      if (menu.kernelsOn !== undefined) where += `, kernels read from ${menu.kernelsOn === 'iso' ? 'ISO 9660' : 'the ESP'}${menu.searchFile === undefined ? '' : ` (search --file ${menu.searchFile})`}`;
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
