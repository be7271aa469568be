/**
 * syslinux/isolinux's configuration from the entry model: `UI menu.c32`, one `LABEL` block per entry with
 * its `MENU LABEL`, the default marked, optionally mirrored on the first serial port. syslinux has no
 * quoting at all, so whatever it cannot hold is refused (writable-text.ts); the parser reads a file back the
 * way syslinux and menu.c32 do.
 */
import type { BootMenu } from './entries.js';
import { checkTimeout, type LoaderMenu, type LoaderMenuEntry, type RenderOptions } from './loader-menu.js';
import { TextChecker } from './writable-text.js';

/** syslinux reads configuration lines into a buffer of this many characters (longer lines are cut). */
const SYSLINUX_MAX_LINE = 4095;

export interface SyslinuxRenderOptions extends RenderOptions {
  /** The menu's heading (default `Cairn`). */
  readonly menuTitle?: string;
}

export function renderSyslinuxConfig(menu: BootMenu, options: SyslinuxRenderOptions): string {
  checkTimeout(options.timeout);
  const checker = new TextChecker('syslinux');
  const menuTitle = options.menuTitle ?? 'Cairn';
  checker.title({ what: 'the menu title' }, menuTitle);
  // SERIAL must come before anything else; TIMEOUT is in tenths of a second and 0 would mean "wait forever".
  const lines = [
    ...(options.serial ? ['SERIAL 0 115200'] : []),
    '# Written by Cairn; the next build replaces this file.',
    'UI menu.c32',
    'PROMPT 0',
    `TIMEOUT ${options.timeout === 0 ? 1 : options.timeout * 10}`,
    `MENU TITLE ${menuTitle}`,
    `DEFAULT ${menu.defaultId}`,
  ];
  for (const entry of menu.entries) {
    const { owner, kernel, initrd } = checker.entry(entry, options.loaderPath);
    const block = ['', `LABEL ${entry.id}`, `  MENU LABEL ${entry.title}`];
    if (entry.id === menu.defaultId) block.push('  MENU DEFAULT');
    block.push(`  LINUX ${kernel}`);
    if (initrd !== undefined) {
      if (initrd.includes(',')) checker.other(owner, `the path "${initrd}" contains "," (U+002C), which syslinux reads as a separator between initrds`);
      block.push(`  INITRD ${initrd}`);
    }
    block.push(`  APPEND ${entry.kernelParams.join(' ')}`);
    for (const line of block) checker.lineLength(owner, line, SYSLINUX_MAX_LINE);
    lines.push(...block);
  }
  checker.throwIfAny();
  return `${lines.join('\n')}\n`;
}

export interface SyslinuxMenu extends LoaderMenu {
  readonly serial: boolean;
  readonly menuTitle: string | undefined;
}

/**
 * Reads a configuration as syslinux does: a line ends at LF and is cut at CR, leading blanks are skipped,
 * keywords are case-insensitive and end at a blank; `MENU LABEL` text loses its `^` hotkey markers as
 * menu.c32 shows it; `TIMEOUT` is converted to whole seconds (0 means no timeout: undefined).
 */
export function parseSyslinuxConfig(text: string): SyslinuxMenu {
  const entries: { id: string; title: string | undefined; kernel: string; initrds: string[]; params: string[]; isDefault: boolean }[] = [];
  let defaultLabel: string | undefined;
  let timeout: number | undefined;
  let serial = false;
  let menuTitle: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.split('\r')[0]!.replace(/^[ \t]+/, '');
    const keyword = (name: string): string | undefined => {
      const match = new RegExp(`^${name.replace(' ', '[ \\t]+')}(?:[ \\t]+(.*))?$`, 'is').exec(line);
      return match ? (match[1] ?? '') : undefined;
    };
    const current = entries.at(-1);
    let value: string | undefined;
    if ((value = keyword('menu label')) !== undefined) {
      if (current) current.title = value.replaceAll('^', '');
    } else if ((value = keyword('menu title')) !== undefined) {
      menuTitle = value;
    } else if (keyword('menu default') !== undefined) {
      if (current) current.isDefault = true;
    } else if ((value = keyword('label')) !== undefined) {
      entries.push({ id: value, title: undefined, kernel: '', initrds: [], params: [], isDefault: false });
    } else if ((value = keyword('linux') ?? keyword('kernel')) !== undefined) {
      if (current) current.kernel = value;
    } else if ((value = keyword('initrd')) !== undefined) {
      if (current) current.initrds = value.split(',').filter((p) => p !== '');
    } else if ((value = keyword('append')) !== undefined) {
      if (current) current.params = value.trim() === '-' ? [] : value.split(/[ \t]+/).filter((p) => p !== '');
    } else if ((value = keyword('default')) !== undefined) {
      defaultLabel = value;
    } else if ((value = keyword('timeout')) !== undefined) {
      const tenths = Number(value.trim());
      timeout = Number.isInteger(tenths) && tenths > 0 ? Math.floor(tenths / 10) : undefined;
    } else if (keyword('serial') !== undefined) {
      serial = true;
    }
  }
  const marked = entries.find((e) => e.isDefault);
  const menuEntries: LoaderMenuEntry[] = entries.map((e) => ({ id: e.id, title: e.title ?? e.id, kernel: e.kernel, initrds: e.initrds, params: e.params }));
  return { entries: menuEntries, defaultId: marked?.id ?? entries.find((e) => e.id === defaultLabel)?.id, timeout, serial, menuTitle };
}
