/**
 * `cairn iso test`, the plan (pure): which boots to run — every menu entry (generation) in every boot mode
 * the image supports, narrowed by the caller — and for each, what to do on the serial console: wait for the
 * menu, move from the highlighted default to the entry with the arrow keys (the inspect report knows the
 * order), open its command line and append a serial console, so that a generation that prints nothing on
 * the serial port still shows how far its kernel got. GRUB's entries are only chosen and started (arrow
 * keys, Enter): its editor is never typed into, so GRUB menus are driven when their entries carry a serial
 * console of their own (every entry of Cairn's ISOs does, with boot.serial).
 */
import { UserError } from '../../lib/errors.js';
import { isUefi, type KeyName } from '../../lib/qemu.js';
import type { BootMenuEntryReport, BootMenuReport } from '../read/boot-menu-section.js';
import { espPartitionOf } from '../read/partition-section.js';
import { BOOT_MODES, bootModeSupport, type BootMedia, type BootMode, type BootSections } from './boot-modes.js';

/**
 * What is appended to the entry's command line: the kernel's messages on the first serial port; loglevel 7,
 * because "Run /init as init process" is an informational message that loglevel 6 hides; and panic=-1, so a
 * panic reboots at once (QEMU runs with -no-reboot, so it exits) instead of hanging until the timeout.
 */
export const SERIAL_CONSOLE_PARAMS = ['console=ttyS0,115200', 'loglevel=7', 'panic=-1'] as const;

export type BootStep =
  /** Wait until the console shows this (a regular expression's source) and the menu reads keys. */
  | { readonly kind: 'wait'; readonly pattern: string; readonly what: string }
  | { readonly kind: 'keys'; readonly keys: readonly KeyName[] }
  /** Type text, a character at a time. */
  | { readonly kind: 'type'; readonly text: string };

export interface BootTestEntry {
  readonly position: number;
  readonly title: string;
  readonly generation?: number;
  /** The entry's init= path: the kernel's command line must name it. */
  readonly init?: string;
}

export interface BootTestCase {
  readonly mode: BootMode;
  readonly loader: BootMenuReport['loader'];
  readonly entry: BootTestEntry;
  readonly steps: readonly BootStep[];
}

export interface SkippedBootMode {
  readonly mode: BootMode;
  readonly reason: string;
}

export interface BootTestPlan {
  readonly cases: readonly BootTestCase[];
  /** Modes the image cannot boot in, or whose menu cannot be driven over the serial port. */
  readonly skipped: readonly SkippedBootMode[];
}

export interface BootTestFilter {
  readonly firmware?: BootMode['firmware'];
  readonly media?: BootMedia;
  readonly generations?: readonly number[];
}

export function planBootTests(image: string, sections: BootSections, filter: BootTestFilter = {}): BootTestPlan {
  const modes = BOOT_MODES.filter((m) => (filter.firmware === undefined || m.firmware === filter.firmware) && (filter.media === undefined || m.media === filter.media));
  const menus = sections.bootMenus?.menus ?? [];
  checkGenerations(image, menus, filter.generations);
  const cases: BootTestCase[] = [];
  const skipped: SkippedBootMode[] = [];
  for (const mode of modes) {
    const support = bootModeSupport(sections, mode);
    if (!support.ok) {
      skipped.push({ mode, reason: support.reason });
      continue;
    }
    const menu = menus.find((m) => m.firmware === (isUefi(mode.firmware) ? 'uefi' : 'bios'));
    const unusable = menu === undefined ? missingMenuReason(sections, mode) : whyNotDrivable(menu, sections, mode);
    if (unusable !== undefined) {
      skipped.push({ mode, reason: unusable });
      continue;
    }
    const entries = menu!.entries.filter((e) => filter.generations === undefined || (e.generation !== undefined && filter.generations.includes(e.generation)));
    for (const entry of entries) cases.push({ mode, loader: menu!.loader, entry: testEntry(entry), steps: stepsFor(menu!, entry) });
  }
  return { cases, skipped };
}

function checkGenerations(image: string, menus: readonly BootMenuReport[], generations: readonly number[] | undefined): void {
  if (generations === undefined) return;
  const known = [...new Set(menus.flatMap((m) => m.entries.flatMap((e) => (e.generation === undefined ? [] : [e.generation]))))].sort((a, b) => b - a);
  const unknown = generations.filter((g) => !known.includes(g));
  if (unknown.length === 0) return;
  if (known.length === 0) {
    throw new UserError(`${image}: its boot menus name no generations, so --generation cannot choose one`, { hint: 'the ISO carries no profile links whose toplevel an entry boots; leave out --generation to test every entry' });
  }
  throw new UserError(`${image}: generation ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in its boot menus (they offer ${known.join(', ')})`);
}

function missingMenuReason(sections: BootSections, mode: BootMode): string {
  const problem = sections.bootMenus?.problems.find((p) => (mode.firmware === 'bios' ? /BIOS/.test(p) : /ESP|UEFI/.test(p)));
  return problem ?? `no ${mode.firmware === 'bios' ? 'isolinux' : 'systemd-boot or GRUB'} menu was found to drive`;
}

/** Why the menu cannot be driven over the serial console in this mode; undefined when it can. */
function whyNotDrivable(menu: BootMenuReport, sections: BootSections, mode: BootMode): string | undefined {
  if (menu.entries.length === 0) return `the ${menu.loader} menu has no entries`;
  if (menu.timeout === 0) return `the ${menu.loader} menu's timeout is 0, so it boots its default before keys can choose an entry (build with a boot.timeout of 1 or more)`;
  if (menu.loader === 'isolinux' && menu.serial !== true) {
    return `${menu.config} has no SERIAL line, so its menu cannot be driven over the serial port (build with boot.serial: true)`;
  }
  if (menu.loader === 'systemd-boot' && menu.editor === false) return `${menu.config} says "editor no", so an entry's command line cannot be given a serial console`;
  if (menu.loader === 'grub') {
    if (menu.serial !== true) return `${menu.config} does not put GRUB's menu on the serial port (terminal_output serial), so it cannot be driven over it (build with boot.serial: true)`;
    if (menu.entries.some((e) => (e.submenu?.length ?? 0) > 0 || e.conditional === true)) {
      return `${menu.config} has entries in submenus or under conditions, whose places in the menu are known only at boot; iso test drives flat GRUB menus`;
    }
    const silent = menu.entries.filter((e) => !hasSerialConsole(e));
    if (silent.length > 0) {
      return `${menu.config}: ${silent.map((e) => `"${e.title}"`).join(', ')} ${silent.length === 1 ? 'has' : 'have'} no serial console (console=ttyS0) on ${silent.length === 1 ? 'its' : 'their'} command line, and iso test does not type into GRUB's editor (build with boot.serial: true)`;
    }
    const quiet = menu.entries.filter((e) => !showsKernelMessages(e));
    if (quiet.length > 0) {
      return `${menu.config}: ${quiet.map((e) => `"${e.title}"`).join(', ')} keep${quiet.length === 1 ? 's' : ''} the kernel quiet, so its command line (which tells the entry that booted) never reaches the console, and iso test does not type into GRUB's editor (build with boot.kernelParams: [loglevel=7])`;
    }
  }
  if (mode.media === 'usb' && menu.esp?.source === 'el-torito') {
    const partition = sections.partitions === undefined ? undefined : espPartitionOf(sections.partitions);
    if (partition !== undefined && partition.offset !== menu.esp.offset) {
      return `the ESP partition (byte ${partition.offset}) is not the El Torito UEFI image (byte ${menu.esp.offset}) whose menu was read`;
    }
  }
  return undefined;
}

function testEntry(entry: BootMenuEntryReport): BootTestEntry {
  return {
    position: entry.position,
    title: entry.title,
    ...(entry.generation === undefined ? {} : { generation: entry.generation }),
    ...(entry.init === undefined ? {} : { init: entry.init }),
  };
}

/** From the menu's highlighted default to `entry`, then into its command line and out again with Enter. */
function stepsFor(menu: BootMenuReport, entry: BootMenuEntryReport): BootStep[] {
  const from = menu.entries.find((e) => e.isDefault)?.position ?? 0;
  const moves: KeyName[] = Array.from({ length: Math.abs(entry.position - from) }, () => (entry.position > from ? 'down' : 'up'));
  const append = ` ${SERIAL_CONSOLE_PARAMS.join(' ')}`;
  if (menu.loader === 'isolinux') {
    // menu.c32 prints its help line under the entries once it reads keys; Tab opens the command line, cursor at its end.
    return [
      { kind: 'wait', pattern: 'Press \\[Tab\\] to edit options|Automatic boot in', what: 'the isolinux menu' },
      ...(moves.length === 0 ? [] : [{ kind: 'keys' as const, keys: moves }]),
      { kind: 'keys', keys: ['tab'] },
      { kind: 'type', text: append },
      { kind: 'keys', keys: ['enter'] },
    ];
  }
  const defaultTitle = menu.entries.find((e) => e.isDefault)?.title ?? menu.entries[0]!.title;
  if (menu.loader === 'grub') {
    // GRUB draws the entries, then reads keys. The entry already sends the kernel's messages to the serial
    // port (whyNotDrivable checks it): chosen and started as it is, nothing typed into GRUB's editor.
    return [
      { kind: 'wait', pattern: escapeRegExp(defaultTitle.slice(0, 30)), what: 'the GRUB menu' },
      ...(moves.length === 0 ? [] : [{ kind: 'keys' as const, keys: moves }]),
      { kind: 'keys', keys: ['enter'] },
    ];
  }
  // systemd-boot draws the entries, highlighted default included, then its countdown ("Boot in 9 s.": a menu it
  // drives has a timeout, whyNotDrivable checks it), then reads keys; `e` opens the options line with the cursor at
  // its start, End moves it to the end. Either shows the menu: under TCG, OVMF's serial console has been seen to
  // lose the entries' text while the countdown came through.
  return [
    { kind: 'wait', pattern: `${escapeRegExp(defaultTitle.slice(0, 30))}|Boot in \\d+ s\\.`, what: 'the systemd-boot menu' },
    ...(moves.length === 0 ? [] : [{ kind: 'keys' as const, keys: moves }]),
    { kind: 'type', text: 'e' },
    { kind: 'keys', keys: ['end'] },
    { kind: 'type', text: append },
    { kind: 'keys', keys: ['enter'] },
  ];
}

/** The kernel prints its notices (its command line among them): no `quiet`, or a `loglevel=` of 6 or more after it (a notice shows below the console's level). */
function showsKernelMessages(entry: BootMenuEntryReport): boolean {
  const quiet = entry.params.lastIndexOf('quiet');
  const level = entry.params.findLastIndex((p) => p.startsWith('loglevel='));
  if (level >= 0 && level > quiet) return Number(entry.params[level]!.slice('loglevel='.length)) >= 6;
  return quiet < 0;
}

/** The entry's command line sends the kernel's console to the first serial port. */
function hasSerialConsole(entry: BootMenuEntryReport): boolean {
  return entry.params.some((p) => /^console=ttyS0(,|$)/.test(p));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
