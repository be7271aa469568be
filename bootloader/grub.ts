/**
 * GRUB's configuration (`grub.cfg`) from the entry model: a flat list newest first, the default chosen by
 * the entries' generated `--id`, every title and kernel parameter a single-quoted word; and a parser that
 * reads such a file back with GRUB's quoting rules (tests and `cairn boot list` use it).
 */
import type { BootMenu } from './entries.js';
import { checkTimeout, type LoaderMenu, type LoaderMenuEntry, type RenderOptions } from './loader-menu.js';
import { CAIRN_CONFIG_HEADER } from './systemd-boot.js';
import { TextChecker } from './writable-text.js';

/** Where Cairn's GRUB image reads its configuration on an ESP (its prefix is `/grub`). */
export const GRUB_CONFIG_PATH = 'grub/grub.cfg';
export const GRUB_PREFIX = '/grub';

export interface GrubRenderOptions extends RenderOptions {
  /**
   * A file that identifies the filesystem holding the kernels (for example a marker on an ISO): the
   * configuration starts with `search --file` so GRUB sets its root there. Without it, GRUB reads kernels
   * from the device it was loaded from (the ESP).
   */
  readonly searchFile?: string;
  /**
   * With `serial`: the firmware's console already reads the serial port (UEFI firmware with a serial
   * console, as OVMF has), so GRUB does not read it too. Two readers of one UART split the bytes of a key
   * between them (an arrow key's escape sequence arrives as garbage); GRUB for BIOS needs its own reader.
   */
  readonly firmwareReadsSerial?: boolean;
}

/** A word GRUB reads back as exactly `text`: single quotes, each `'` written as `'\''`. */
export function quoteGrubWord(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

export function renderGrubConfig(menu: BootMenu, options: GrubRenderOptions): string {
  checkTimeout(options.timeout);
  const checker = new TextChecker('grub');
  const lines = [CAIRN_CONFIG_HEADER, `set timeout=${options.timeout}`, 'set timeout_style=menu', `set default=${quoteGrubWord(menu.defaultId)}`];
  if (options.serial) lines.push('serial --unit=0 --speed=115200', ...(options.firmwareReadsSerial === true ? [] : ['terminal_input --append serial']), 'terminal_output --append serial');
  if (options.searchFile !== undefined) {
    checker.path({ what: 'the search file' }, options.searchFile);
    lines.push(`search --no-floppy --set=root --file ${quoteGrubWord(options.searchFile)}`);
  }
  for (const entry of menu.entries) {
    const { kernel, initrd } = checker.entry(entry, options.loaderPath);
    lines.push('', `menuentry ${quoteGrubWord(entry.title)} --id ${quoteGrubWord(entry.id)} {`);
    lines.push(`\tlinux ${[kernel, ...entry.kernelParams].map(quoteGrubWord).join(' ')}`);
    if (initrd !== undefined) lines.push(`\tinitrd ${quoteGrubWord(initrd)}`);
    lines.push('}');
  }
  checker.throwIfAny();
  return `${lines.join('\n')}\n`;
}

export interface GrubMenu extends LoaderMenu {
  /** Whether the configuration sends the menu to the serial port too. */
  readonly serial: boolean;
  /** The `search --file` target, if the configuration sets its root by one. */
  readonly searchFile: string | undefined;
}

/** A command: its words, and for `menuentry` its block's commands. */
export interface GrubCommand {
  readonly words: readonly string[];
  readonly block?: readonly GrubCommand[];
}

/**
 * Parses the subset of GRUB script Cairn writes (and plain hand-written files): commands, `menuentry`
 * blocks, quoting. Variables, pipes and redirections are refused rather than guessed.
 */
export function parseGrubConfig(text: string): GrubMenu {
  const commands = parseGrubScript(text);
  let timeout: number | undefined;
  let defaultValue: string | undefined;
  let serial = false;
  let searchFile: string | undefined;
  const entries: LoaderMenuEntry[] = [];
  for (const command of commands) {
    const [name, ...args] = command.words;
    if (name === 'set' && args.length === 1) {
      const [key, ...rest] = args[0]!.split('=');
      const value = rest.join('=');
      if (key === 'timeout' && /^\d+$/.test(value)) timeout = Number(value);
      if (key === 'default') defaultValue = value;
    } else if (name === 'terminal_output' && args.includes('serial')) {
      serial = true;
    } else if (name === 'search') {
      const index = args.indexOf('--file');
      if (index >= 0) searchFile = args[index + 1];
    } else if (name === 'menuentry') {
      entries.push(menuEntryOf(args, command.block ?? [], String(entries.length)));
    }
  }
  let defaultId: string | undefined;
  if (defaultValue === undefined || defaultValue === '') defaultId = entries[0]?.id;
  else if (/^\d+$/.test(defaultValue)) defaultId = entries[Number(defaultValue)]?.id;
  else defaultId = entries.find((e) => e.id === defaultValue || e.title === defaultValue)?.id;
  return { entries, defaultId, timeout, serial, searchFile };
}

/** A `menuentry`'s title, `--id` (else `fallbackId`), and the kernel and initrds its block loads. */
export function menuEntryOf(args: readonly string[], block: readonly GrubCommand[], fallbackId: string): LoaderMenuEntry {
  let title: string | undefined;
  let id: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--id') id = args[++i];
    else if (arg.startsWith('--id=')) id = arg.slice(5);
    else if (['--class', '--users', '--hotkey', '--source'].includes(arg)) i++;
    else if (arg === '') continue; // a variable that expanded to nothing
    else if (arg.startsWith('--')) continue;
    else title ??= arg;
  }
  let kernel = '';
  let params: string[] = [];
  let initrds: string[] = [];
  for (const command of block) {
    const [name, ...rest] = command.words;
    if (name === 'linux' || name === 'linuxefi' || name === 'linux16') {
      kernel = rest[0] ?? '';
      params = rest.slice(1);
    } else if (name === 'initrd' || name === 'initrdefi' || name === 'initrd16') {
      initrds = rest;
    }
  }
  return { id: id ?? fallbackId, title: title ?? '', kernel, initrds, params };
}

/**
 * How the lexer meets what Cairn never writes: `strict` refuses variables and the operators `| & < >` (so
 * Cairn's own files are read exactly or not at all); `lenient` reads the menus other tools write: each
 * variable reference is kept in the word as `VARIABLE_MARK name VARIABLE_MARK`, for the reader to expand,
 * and the operators are taken as text.
 */
export type GrubLexing = 'strict' | 'lenient';

/** Encloses a variable's name in a word read leniently. */
export const VARIABLE_MARK = '\u0000';

/**
 * Splits GRUB script into commands, following GRUB's lexer for quoting. A `{ ... }` block belongs to the
 * command before it: `menuentry` and `submenu` (and, read leniently, `function`).
 */
export function parseGrubScript(text: string, lexing: GrubLexing = 'strict'): GrubCommand[] {
  const tokens = tokenizeGrub(text, lexing);
  const blockOwners = lexing === 'strict' ? ['menuentry', 'submenu'] : ['menuentry', 'submenu', 'function'];
  let position = 0;
  const parseCommands = (inBlock: boolean): GrubCommand[] => {
    const commands: GrubCommand[] = [];
    let words: string[] = [];
    const flush = () => {
      if (words.length > 0) commands.push({ words });
      words = [];
    };
    while (position < tokens.length) {
      const token = tokens[position++]!;
      if (token.kind === 'end') flush();
      else if (token.kind === 'open') {
        if (!blockOwners.includes(words[0] ?? '')) throw new SyntaxError(`GRUB script: a block after "${words[0] ?? ''}" is not supported`);
        const block = parseCommands(true);
        commands.push({ words, block });
        words = [];
      } else if (token.kind === 'close') {
        if (!inBlock) throw new SyntaxError('GRUB script: "}" without "{"');
        flush();
        return commands;
      } else if (token.kind === 'word') words.push(token.text);
    }
    if (inBlock) throw new SyntaxError('GRUB script: "{" without "}"');
    flush();
    return commands;
  };
  return parseCommands(false);
}

type GrubToken = { readonly kind: 'word'; readonly text: string } | { readonly kind: 'end' | 'open' | 'close' };

/** A variable reference at `text[i]` (after its `$`): its name and where it ends, or undefined for a lone `$`. */
function variableAt(text: string, i: number): { name: string; end: number } | undefined {
  if (text[i] === '{') {
    const close = text.indexOf('}', i + 1);
    if (close < 0) throw new SyntaxError('GRUB script: "${" without "}"');
    return { name: text.slice(i + 1, close), end: close + 1 };
  }
  const match = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#*@])/.exec(text.slice(i));
  return match === null ? undefined : { name: match[0], end: i + match[0].length };
}

function tokenizeGrub(text: string, lexing: GrubLexing): GrubToken[] {
  const tokens: GrubToken[] = [];
  const variable = (i: number): { text: string; end: number } => {
    if (lexing === 'strict') throw new SyntaxError('GRUB script: variables are not supported');
    const found = variableAt(text, i);
    return found === undefined ? { text: '$', end: i } : { text: `${VARIABLE_MARK}${found.name}${VARIABLE_MARK}`, end: found.end };
  };
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === ' ' || char === '\t') {
      i++;
    } else if (char === '\n' || char === ';') {
      tokens.push({ kind: 'end' });
      i++;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if ((char === '{' || char === '}') && isWordEnd(text[i + 1])) {
      tokens.push({ kind: char === '{' ? 'open' : 'close' });
      i++;
    } else {
      let word = '';
      while (i < text.length && !isWordEnd(text[i])) {
        const c = text[i]!;
        if (c === "'") {
          const end = text.indexOf("'", i + 1);
          if (end < 0) throw new SyntaxError('GRUB script: unterminated single quote');
          word += text.slice(i + 1, end);
          i = end + 1;
        } else if (c === '"') {
          i++;
          for (;;) {
            if (i >= text.length) throw new SyntaxError('GRUB script: unterminated double quote');
            const d = text[i]!;
            if (d === '"') break;
            if (d === '$') {
              const found = variable(i + 1);
              word += found.text;
              i = Math.max(found.end, i + 1);
            } else if (d === '\\' && i + 1 < text.length && '$"\\\n'.includes(text[i + 1]!)) {
              if (text[i + 1] !== '\n') word += text[i + 1];
              i += 2;
            } else {
              word += d;
              i++;
            }
          }
          i++;
        } else if (c === '\\') {
          if (i + 1 < text.length && text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else if (c === '$' && lexing === 'lenient') {
          const found = variable(i + 1);
          word += found.text;
          i = Math.max(found.end, i + 1);
        } else if ((c === '$' || c === '|' || c === '&' || c === '<' || c === '>') && lexing === 'strict') {
          throw new SyntaxError(`GRUB script: unquoted "${c}" is not supported`);
        } else {
          word += c;
          i++;
        }
      }
      tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

function isWordEnd(char: string | undefined): boolean {
  return char === undefined || char === ' ' || char === '\t' || char === '\n' || char === ';';
}
