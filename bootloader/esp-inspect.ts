/**
 * `boot list`: what an ESP offers, read back with the same parsers the tests use: the loader, its entries
 * in menu order with the default marked and any file they miss (and GRUB's menu for BIOS boot beside
 * systemd-boot's), Cairn's kernels and initrds with the entries using them, and the free space.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { errnoCode } from '../lib/errors.js';
import { bootsOnBios, bootsOnUefi, type FirmwareChoice } from '../system/firmware.js';
import { ESP_BOOT_FILE_DIRECTORY, type EspLoader } from './esp-layout.js';
import { detectEspFirmware, detectEspLoader, readEspState, statEspDirectory, type EspFilesystem, type ObservedEsp, type RemovableLoader } from './esp-state.js';
import { GRUB_CONFIG_PATH, parseGrubConfig } from './grub.js';
import type { LoaderMenu, LoaderMenuEntry } from './loader-menu.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, parseSystemdBoot, type BlsFile } from './systemd-boot.js';

export interface EspReportEntry extends LoaderMenuEntry {
  readonly isDefault: boolean;
  /** Files the entry names that are not on the ESP. */
  readonly missing: readonly string[];
}

export interface EspMenuReport {
  readonly timeout: number | undefined;
  readonly defaultId: string | undefined;
  readonly entries: readonly EspReportEntry[];
}

export interface EspReport extends EspMenuReport {
  readonly esp: string;
  readonly filesystem: EspFilesystem;
  readonly freeBytes: number;
  /** The loader whose menu the top-level fields are: the UEFI loader, or GRUB on an ESP for BIOS alone. */
  readonly loader: EspLoader | undefined;
  /** What EFI/BOOT/BOOTX64.EFI is (shim: the Secure Boot chain, which starts the signed GRUB). */
  readonly removableLoader: RemovableLoader | undefined;
  /** Which firmware the ESP serves. */
  readonly firmware: FirmwareChoice;
  /** GRUB's menu for BIOS boot, when it is not the menu above (systemd-boot for UEFI, grub.cfg for BIOS). */
  readonly biosMenu?: EspMenuReport;
  /** Cairn's kernels and initrds (EFI/cairn), with the entries that boot them. */
  readonly files: readonly { readonly path: string; readonly size: number; readonly usedBy: readonly string[] }[];
  /** What would keep the ESP from booting as intended. */
  readonly problems: readonly string[];
}

export async function inspectEsp(esp: string): Promise<EspReport> {
  const filesystem = await statEspDirectory(esp);
  const observed = await readEspState(esp, filesystem);
  const firmware = detectEspFirmware(observed);
  const loader = bootsOnUefi(firmware) ? detectEspLoader(observed) : 'grub';
  const problems: string[] = [];
  const main = await readMenu(esp, observed, loader, '', problems);
  const biosMenu = bootsOnBios(firmware) && loader !== 'grub' ? await readMenu(esp, observed, 'grub', 'BIOS menu: ', problems) : undefined;
  const menus = [main, ...(biosMenu === undefined ? [] : [biosMenu])];
  const files = [...observed.files.values()]
    .filter((f) => f.path.startsWith(`${ESP_BOOT_FILE_DIRECTORY}/`))
    .map((f) => ({
      path: f.path,
      size: f.size,
      usedBy: [...new Set(menus.flatMap((m) => m.entries.filter((e) => [e.kernel, ...e.initrds].some((p) => normalise(p) === f.path.toLowerCase())).map((e) => e.id)))],
    }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    esp,
    filesystem,
    freeBytes: observed.freeBytes,
    loader,
    removableLoader: observed.removableLoader,
    firmware,
    ...main,
    ...(biosMenu === undefined ? {} : { biosMenu }),
    files,
    problems,
  };
}

/** One loader's menu as the ESP holds it, each entry with the files it misses; problems go to `problems`, prefixed. */
async function readMenu(esp: string, observed: ObservedEsp, loader: EspLoader | undefined, prefix: string, problems: string[]): Promise<EspMenuReport> {
  let menu: LoaderMenu = { entries: [], defaultId: undefined, timeout: undefined };
  if (loader === 'systemd-boot') {
    const parsed = parseSystemdBoot({ loaderConf: observed.files.get(LOADER_CONF_PATH)?.text, entries: await readEntryFiles(esp) });
    menu = parsed;
    if (parsed.defaultPattern === undefined) problems.push(`${prefix}${LOADER_CONF_PATH} names no default entry`);
    else if (!parsed.defaultMatched) problems.push(`${prefix}${LOADER_CONF_PATH}: the default "${parsed.defaultPattern}" matches no entry`);
  } else if (loader === 'grub') {
    const text = observed.files.get(GRUB_CONFIG_PATH)?.text;
    if (text === undefined) problems.push(`${prefix}${GRUB_CONFIG_PATH} is missing`);
    else {
      try {
        menu = parseGrubConfig(text);
      } catch (error) {
        problems.push(`${prefix}${GRUB_CONFIG_PATH} cannot be read: ${(error as Error).message}`);
      }
    }
  } else {
    problems.push('no boot loader configuration (run cairn boot install)');
  }
  const entries: EspReportEntry[] = [];
  for (const entry of menu.entries) {
    const missing: string[] = [];
    for (const path of [entry.kernel, ...entry.initrds]) if (!(await existsOnEsp(esp, path))) missing.push(path);
    entries.push({ ...entry, isDefault: entry.id === menu.defaultId, missing });
    if (missing.length > 0) problems.push(`${prefix}entry ${entry.id} misses ${missing.join(', ')}`);
  }
  if (menu.entries.length > 0 && menu.defaultId === undefined) problems.push(`${prefix}the default entry is not among the entries`);
  return { timeout: menu.timeout, defaultId: menu.defaultId, entries };
}

async function readEntryFiles(esp: string): Promise<BlsFile[]> {
  let names: string[];
  try {
    names = (await readdir(posix.join(esp, BLS_ENTRIES_DIRECTORY))).sort();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
  const files: BlsFile[] = [];
  for (const name of names) {
    const path = posix.join(esp, BLS_ENTRIES_DIRECTORY, name);
    if ((await lstat(path)).isFile()) files.push({ name, text: await readFile(path, 'utf8') });
  }
  return files;
}

/** A loader path (`/EFI/cairn/x`, or `\EFI\cairn\x`) as an ESP-relative path, lower case for comparing. */
function normalise(loaderPath: string): string {
  return loaderPath.replaceAll('\\', '/').replace(/^\/+/, '').toLowerCase();
}

async function existsOnEsp(esp: string, loaderPath: string): Promise<boolean> {
  try {
    return (await lstat(posix.join(esp, loaderPath.replaceAll('\\', '/')))).isFile();
  } catch {
    return false;
  }
}
