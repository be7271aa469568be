/**
 * Reading the GRUB menus other tools write (distribution ISOs, grub-mkconfig, grub-mkrescue), for
 * `cairn iso inspect`: menu entries with their titles, `--id`, kernels, initrds and parameters, entries in
 * submenus, the default (`set default` by number, id, title or a `1>2` path into submenus; one that names
 * no entry is the first, as GRUB falls back to it) and the timeout.
 *
 * GRUB runs its configuration as a script at boot; this reads it without running it. Variables set earlier
 * in the file (`set x=...`, `x=...`) are expanded where they are used, unknown ones are kept as `${name}`;
 * the commands inside `if`, `for` and `while` are all read and their entries marked conditional (which
 * branch runs is known only at boot); inside a conditional, the first value given to a variable is kept
 * (grub-mkconfig's files set `menuentry_id_option="--id"` first, for GRUBs that have the feature);
 * `function` bodies are skipped. Cairn's own menus are read exactly by `parseGrubConfig` (grub.ts).
 */
import { VARIABLE_MARK, menuEntryOf, parseGrubScript, type GrubCommand } from './grub.js';
import type { LoaderMenu, LoaderMenuEntry } from './loader-menu.js';

export interface GrubMenuEntry extends LoaderMenuEntry {
  /** The submenus the entry is in, outermost first (empty at the top level). */
  readonly submenu: readonly string[];
  /** Inside `if`, `for` or `while`: shown only when the condition holds at boot. */
  readonly conditional: boolean;
}

export interface GrubMenuRead extends LoaderMenu {
  /** Every entry, submenus' included, in the order GRUB shows them. */
  readonly entries: readonly GrubMenuEntry[];
  /** The configuration sends the menu to the serial port too. */
  readonly serial: boolean;
  /** `set default=...` as written, when it is read from a variable known only at boot (`${saved_entry}`). */
  readonly unresolvedDefault?: string;
  /** The file a top-level `search --file` makes GRUB's root by, when there is one. */
  readonly searchFile?: string;
}

const OPENERS = new Set(['if', 'for', 'while', 'until']);
const CLOSERS = new Set(['fi', 'done']);
const BRANCHES = new Set(['then', 'else', 'elif', 'do']);

/** A menu item at one level: an entry, or a submenu with its items. */
type MenuItem = { readonly kind: 'entry'; readonly entry: GrubMenuEntry } | { readonly kind: 'submenu'; readonly id: string; readonly title: string; readonly items: readonly MenuItem[] };

export function readGrubMenu(text: string): GrubMenuRead {
  const commands = parseGrubScript(text, 'lenient');
  const variables = new Map<string, string>();
  const state = { serial: false, defaultValue: undefined as string | undefined, timeout: undefined as number | undefined, searchFile: undefined as string | undefined };
  let depth = 0;

  const expand = (word: string): string =>
    word.includes(VARIABLE_MARK) ? word.replace(new RegExp(`${VARIABLE_MARK}([^${VARIABLE_MARK}]*)${VARIABLE_MARK}`, 'g'), (_, name: string) => variables.get(name) ?? `\${${name}}`) : word;
  const assign = (key: string, value: string, topLevel: boolean) => {
    if (depth > 0 && variables.has(key)) return;
    variables.set(key, value);
    if (!topLevel) return;
    if (key === 'default') state.defaultValue = value;
    if (key === 'timeout' && /^-?\d+$/.test(value)) state.timeout = Number(value);
  };

  const walk = (list: readonly GrubCommand[], submenu: readonly string[], prefix: string): MenuItem[] => {
    const items: MenuItem[] = [];
    for (const command of list) {
      let words = command.words.map(expand);
      while (words.length > 0 && BRANCHES.has(words[0]!)) words = words.slice(1);
      const [name, ...args] = words;
      if (name === undefined) continue;
      if (OPENERS.has(name)) depth++;
      else if (CLOSERS.has(name)) depth = Math.max(0, depth - 1);
      else if (name === 'set' && args[0] !== undefined && args[0].includes('=')) assign(args[0].slice(0, args[0].indexOf('=')), args[0].slice(args[0].indexOf('=') + 1), submenu.length === 0);
      else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(name) && args.length === 0) assign(name.slice(0, name.indexOf('=')), name.slice(name.indexOf('=') + 1), submenu.length === 0);
      else if (name === 'terminal_output' && args.includes('serial')) state.serial = true;
      else if (name === 'search' && depth === 0 && submenu.length === 0 && args.includes('--file')) state.searchFile ??= args[args.indexOf('--file') + 1];
      else if (name === 'menuentry') {
        const block = (command.block ?? []).map((c) => ({ words: c.words.map(expand) }));
        items.push({ kind: 'entry', entry: { ...menuEntryOf(args, block, `${prefix}${items.length}`), submenu, conditional: depth > 0 } });
      } else if (name === 'submenu') {
        const head = menuEntryOf(args, [], `${prefix}${items.length}`);
        items.push({ kind: 'submenu', id: head.id, title: head.title, items: walk(command.block ?? [], [...submenu, head.title], `${prefix}${items.length}>`) });
      }
    }
    return items;
  };
  const items = walk(commands, [], '');

  const entries: GrubMenuEntry[] = [];
  const flatten = (list: readonly MenuItem[]) => {
    for (const item of list) {
      if (item.kind === 'entry') entries.push(item.entry);
      else flatten(item.items);
    }
  };
  flatten(items);

  // A default that names no entry makes GRUB boot the first one; one read from a variable is known only at boot.
  const atBoot = state.defaultValue?.includes('${') === true;
  const target = atBoot ? undefined : (resolveDefault(items, state.defaultValue) ?? resolveDefault(items, undefined));
  return {
    entries,
    defaultId: target?.id,
    timeout: state.timeout,
    serial: state.serial,
    ...(atBoot ? { unresolvedDefault: state.defaultValue! } : {}),
    ...(state.searchFile === undefined ? {} : { searchFile: state.searchFile }),
  };
}

/**
 * The entry `set default` chooses, as GRUB does: unset or empty is the first item; otherwise a `>`
 * separated path whose parts are item numbers, ids or titles at each level. A submenu chosen as a whole
 * gives its first entry.
 */
function resolveDefault(items: readonly MenuItem[], value: string | undefined): GrubMenuEntry | undefined {
  const parts = value === undefined || value === '' ? ['0'] : value.split('>');
  let level = items;
  for (const [i, part] of parts.entries()) {
    const item = /^\d+$/.test(part) ? level[Number(part)] : level.find((it) => (it.kind === 'entry' ? it.entry.id === part || it.entry.title === part : it.id === part || it.title === part));
    if (item === undefined) return undefined;
    if (item.kind === 'entry') return i === parts.length - 1 ? item.entry : undefined;
    level = item.items;
  }
  const first = (list: readonly MenuItem[]): GrubMenuEntry | undefined => {
    const head = list[0];
    return head === undefined ? undefined : head.kind === 'entry' ? head.entry : first(head.items);
  };
  return first(level);
}
