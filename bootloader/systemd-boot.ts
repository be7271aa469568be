/**
 * systemd-boot's configuration (Boot Loader Specification, type #1 entries): `loader/loader.conf` and one
 * `loader/entries/<id>.conf` per entry, rendered from the entry model; and the parser that reads them back
 * the way systemd-boot does (tests and `cairn boot list` use it).
 *
 * Order: every Cairn entry has sort-key `cairn`, and systemd-boot sorts entries with equal sort keys by
 * `version`, newest first; the model's versions (`<generation>.<position>`) therefore give the model's order.
 * The default is chosen in loader.conf by entry id, which is the file name.
 */
import type { BootEntry, BootMenu } from './entries.js';
import { checkTimeout, type LoaderMenu, type LoaderMenuEntry, type RenderOptions } from './loader-menu.js';
import { TextChecker } from './writable-text.js';

export const LOADER_CONF_PATH = 'loader/loader.conf';
export const BLS_ENTRIES_DIRECTORY = 'loader/entries';
/** The first line of every configuration file Cairn writes: tells Cairn's own files from others'. */
export const CAIRN_CONFIG_HEADER = '# Written by Cairn (cairn boot update); the next update replaces this file.';

/** A name ending `+LEFT[-DONE].conf` turns on boot counting (systemd-boot renames such files at boot). */
const BOOT_COUNTING_SUFFIX = /\+\d+(-\d+)?\.conf$/i;

export interface BlsFile {
  /** File name inside loader/entries. */
  readonly name: string;
  readonly text: string;
}

export interface SystemdBootConfig {
  readonly loaderConf: string;
  /** One per entry, in menu order. */
  readonly entries: readonly BlsFile[];
}

export function blsEntryFileName(id: string): string {
  const name = `${id}.conf`;
  if (BOOT_COUNTING_SUFFIX.test(name) || !/^[a-z0-9][a-z0-9._-]*\.conf$/.test(name)) {
    throw new Error(`entry id ${id} would make the BLS file name ${name}, which systemd-boot would misread`);
  }
  return name;
}

export interface SystemdBootRenderOptions extends RenderOptions, LoaderConfOptions {}

export function renderSystemdBoot(menu: BootMenu, options: SystemdBootRenderOptions): SystemdBootConfig {
  checkTimeout(options.timeout);
  const checker = new TextChecker('systemd-boot');
  const entries = menu.entries.map((entry) => ({ name: blsEntryFileName(entry.id), text: renderBlsEntry(entry, options, checker) }));
  checker.throwIfAny();
  return { loaderConf: renderLoaderConf(menu.defaultId, options.timeout, options), entries };
}

export interface LoaderConfOptions {
  /**
   * Let the user edit an entry's kernel command line at boot (`e`). Off on installed systems, where it
   * would hand anyone at the keyboard a root shell (`init=/bin/sh`); on for live media, where the
   * person at the keyboard owns the medium anyway and `cairn iso test` needs it to add a serial console.
   */
  readonly editor?: boolean;
}

export function renderLoaderConf(defaultId: string, timeout: number, options: LoaderConfOptions = {}): string {
  return [CAIRN_CONFIG_HEADER, `timeout ${timeout}`, `default ${blsEntryFileName(defaultId)}`, `editor ${options.editor === true ? 'yes' : 'no'}`, 'console-mode keep', ''].join('\n');
}

function renderBlsEntry(entry: BootEntry, options: RenderOptions, checker: TextChecker): string {
  const { kernel, initrd } = checker.entry(entry, options.loaderPath);
  const lines = [`title ${entry.title}`, `sort-key ${entry.sortKey}`, `version ${entry.version}`, `linux ${kernel}`];
  if (initrd !== undefined) lines.push(`initrd ${initrd}`);
  lines.push(`options ${entry.kernelParams.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** A type #1 entry as systemd-boot reads it. */
export interface BlsEntry {
  readonly title: string | undefined;
  readonly sortKey: string | undefined;
  readonly version: string | undefined;
  readonly machineId: string | undefined;
  readonly linux: string | undefined;
  readonly initrds: readonly string[];
  /** The `options` lines joined by a space, as systemd-boot joins them. */
  readonly options: string | undefined;
}

/**
 * Reads `key value` lines as systemd-boot does: lines end at LF or CR; leading blanks and `#` comment lines
 * are skipped; the key ends at the first space or tab, the value starts after the blanks that follow; a value
 * wrapped in double quotes loses them. Trailing blanks are dropped too, as `bootctl` does.
 */
function readBlsLines(text: string): { key: string; value: string }[] {
  const pairs: { key: string; value: string }[] = [];
  for (const raw of text.split(/[\n\r]/)) {
    const line = raw.replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^ \t]+)[ \t]+(.*)$/s.exec(line);
    if (!match) continue;
    let value = match[2]!.replace(/[ \t]+$/, '');
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    pairs.push({ key: match[1]!, value });
  }
  return pairs;
}

function parseBlsEntry(text: string): BlsEntry {
  const entry: { -readonly [K in keyof BlsEntry]: BlsEntry[K] } = {
    title: undefined,
    sortKey: undefined,
    version: undefined,
    machineId: undefined,
    linux: undefined,
    initrds: [],
    options: undefined,
  };
  for (const { key, value } of readBlsLines(text)) {
    switch (key) {
      case 'title':
        entry.title = value;
        break;
      case 'sort-key':
        entry.sortKey = value;
        break;
      case 'version':
        entry.version = value;
        break;
      case 'machine-id':
        entry.machineId = value;
        break;
      case 'linux':
        entry.linux = value;
        break;
      case 'initrd':
        entry.initrds = [...entry.initrds, value];
        break;
      case 'options':
        entry.options = entry.options === undefined ? value : `${entry.options} ${value}`;
        break;
    }
  }
  return entry;
}

export interface LoaderConf {
  readonly timeout: string | undefined;
  readonly default: string | undefined;
  readonly editor: string | undefined;
  readonly consoleMode: string | undefined;
}

export function parseLoaderConf(text: string): LoaderConf {
  const conf: { -readonly [K in keyof LoaderConf]: LoaderConf[K] } = { timeout: undefined, default: undefined, editor: undefined, consoleMode: undefined };
  for (const { key, value } of readBlsLines(text)) {
    if (key === 'timeout') conf.timeout = value;
    else if (key === 'default') conf.default = value;
    else if (key === 'editor') conf.editor = value;
    else if (key === 'console-mode') conf.consoleMode = value;
  }
  return conf;
}

/** The menu systemd-boot shows for these files: entries sorted as it sorts them, the default it picks. */
export interface SystemdBootMenu extends LoaderMenu {
  /** loader.conf's `default` pattern, and whether it matched an entry (else the first entry boots). */
  readonly defaultPattern: string | undefined;
  readonly defaultMatched: boolean;
}

export function parseSystemdBoot(config: { readonly loaderConf: string | undefined; readonly entries: readonly BlsFile[] }): SystemdBootMenu {
  const parsed = config.entries
    .filter((file) => /\.conf$/i.test(file.name) && !file.name.startsWith('.') && !file.name.startsWith('auto-'))
    .map((file) => ({ fileId: file.name.toLowerCase(), entry: parseBlsEntry(file.text) }))
    .filter((p) => p.entry.linux !== undefined);
  parsed.sort((a, b) => compareBlsEntries({ id: a.fileId, ...a.entry }, { id: b.fileId, ...b.entry }));
  const entries: LoaderMenuEntry[] = parsed.map(({ fileId, entry }) => ({
    id: fileId.replace(/\.conf$/, ''),
    title: entry.title ?? fileId,
    kernel: entry.linux!,
    initrds: entry.initrds,
    params: (entry.options ?? '').split(' ').filter((p) => p !== ''),
  }));
  const conf = config.loaderConf === undefined ? undefined : parseLoaderConf(config.loaderConf);
  const pattern = conf?.default?.toLowerCase();
  const matched = pattern === undefined ? -1 : parsed.findIndex((p) => globMatches(pattern, p.fileId));
  const timeout = conf?.timeout !== undefined && /^\d+$/.test(conf.timeout) ? Number(conf.timeout) : undefined;
  return {
    entries,
    defaultId: matched >= 0 ? entries[matched]!.id : entries[0]?.id,
    timeout,
    defaultPattern: conf?.default,
    defaultMatched: matched >= 0,
  };
}

/**
 * systemd-boot's order: entries with a sort key before those without; by sort key, then machine id, then
 * version downwards; then by id downwards.
 */
function compareBlsEntries(
  a: { readonly id: string; readonly sortKey: string | undefined; readonly machineId: string | undefined; readonly version: string | undefined },
  b: { readonly id: string; readonly sortKey: string | undefined; readonly machineId: string | undefined; readonly version: string | undefined },
): number {
  if ((a.sortKey === undefined) !== (b.sortKey === undefined)) return a.sortKey === undefined ? 1 : -1;
  if (a.sortKey !== undefined && b.sortKey !== undefined) {
    const byKey = compareStrings(a.sortKey, b.sortKey);
    if (byKey !== 0) return byKey;
    const byMachine = compareStrings(a.machineId ?? '', b.machineId ?? '');
    if (byMachine !== 0) return byMachine;
    const byVersion = -compareVersions(a.version ?? '', b.version ?? '');
    if (byVersion !== 0) return byVersion;
  }
  return -compareVersions(a.id, b.id);
}

/**
 * Version order for the versions Cairn writes and the usual `<number>.<number>` kind: runs of digits compare
 * as numbers, runs of letters as text, anything else separates runs; a number is newer than letters, and a
 * version with more runs is newer than its prefix.
 */
export function compareVersions(a: string, b: string): number {
  const runs = (v: string) => v.match(/[0-9]+|[A-Za-z]+/g) ?? [];
  const left = runs(a);
  const right = runs(b);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNumber = /^\d/.test(x);
    const yNumber = /^\d/.test(y);
    if (xNumber !== yNumber) return xNumber ? 1 : -1;
    const order = xNumber ? compareNumbers(x, y) : compareStrings(x, y);
    if (order !== 0) return order;
  }
  return 0;
}

function compareNumbers(x: string, y: string): number {
  const a = x.replace(/^0+(?=\d)/, '');
  const b = y.replace(/^0+(?=\d)/, '');
  return a.length !== b.length ? a.length - b.length : compareStrings(a, b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `default` pattern of loader.conf: a glob with `*`, `?` and `[...]`. */
export function globMatches(pattern: string, text: string): boolean {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) source += '\\[';
      else {
        source += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/[\\\]]/g, '\\$&')}]`;
        i = end;
      }
    } else source += char.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${source}$`, 's').test(text);
}
