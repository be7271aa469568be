/**
 * Splitting terminal input into single keys (pure). A terminal, a serial line or a pipe delivers bytes in
 * chunks of any size: one key, a whole typed-ahead screen ("box\ralice\r"), a paste, or half an escape
 * sequence whose rest comes in the next chunk. The installer sees only the keys this module makes, one at
 * a time and in order, whatever the chunking was.
 *
 * The state between chunks is the unfinished tail of the input (an escape sequence cut off, a bracketed
 * paste not yet closed) and whether the last key was a carriage return (so "\r\n" is one Enter even when
 * cut between chunks). A held tail is given up by `flushKeys` when no more input comes for a moment: a lone
 * Esc becomes the Escape key, a paste whose end marker never came becomes a paste of what arrived.
 */

export type NamedKey =
  | 'enter'
  | 'tab'
  | 'backspace'
  | 'delete'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'page-up'
  | 'page-down';

export type Key =
  /** One printable character (a Unicode code point). */
  | { readonly kind: 'char'; readonly text: string }
  | { readonly kind: NamedKey }
  /** Ctrl and a letter, e.g. Ctrl-C as "c" (Enter, Tab and Backspace have their own kinds). */
  | { readonly kind: 'ctrl'; readonly letter: string }
  /** Text pasted between the terminal's bracketed-paste markers, as one key: never a command. */
  | { readonly kind: 'paste'; readonly text: string }
  /** A complete escape sequence that names no key the installer uses (F-keys, mouse, focus reports). */
  | { readonly kind: 'unknown'; readonly sequence: string };

export interface SplitterState {
  /** Input held back: an escape sequence or a bracketed paste that has not ended yet. */
  readonly pending: string;
  /** The last key was Enter as "\r": a "\n" right after it belongs to the same Enter. */
  readonly afterCarriageReturn: boolean;
}

export const initialSplitter: SplitterState = { pending: '', afterCarriageReturn: false };

/** How long a held tail waits for the rest before flushKeys gives it up (ms; the app's timer). */
export const ESCAPE_HOLD_MS = 100;

const ESC = '\u001b';
const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;

/** CSI sequences (ESC [ parameters final) by parameters + final byte; modifiers (";5") are ignored. */
const CSI_KEYS: Readonly<Record<string, NamedKey>> = {
  A: 'up',
  B: 'down',
  C: 'right',
  D: 'left',
  H: 'home',
  F: 'end',
  '1~': 'home',
  '7~': 'home',
  '4~': 'end',
  '8~': 'end',
  '3~': 'delete',
  '5~': 'page-up',
  '6~': 'page-down',
};

/** SS3 sequences (ESC O final), as terminals send arrows and Home/End in application mode. */
const SS3_KEYS: Readonly<Record<string, NamedKey>> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };

type Scan = { readonly key: Key | undefined; readonly length: number } | 'incomplete';

/** Splits a chunk into keys, holding back an unfinished tail for the next chunk. */
export function splitKeys(state: SplitterState, chunk: string): { readonly state: SplitterState; readonly keys: readonly Key[] } {
  const input = state.pending + chunk;
  const keys: Key[] = [];
  let afterCarriageReturn = state.afterCarriageReturn;
  let index = 0;
  while (index < input.length) {
    const scan = scanKey(input, index);
    if (scan === 'incomplete') return { state: { pending: input.slice(index), afterCarriageReturn }, keys };
    const text = input.slice(index, index + scan.length);
    index += scan.length;
    if (text === '\n' && afterCarriageReturn) {
      afterCarriageReturn = false;
      continue;
    }
    afterCarriageReturn = text === '\r';
    if (scan.key !== undefined) keys.push(scan.key);
  }
  return { state: { pending: '', afterCarriageReturn }, keys };
}

/** Gives up the held tail (no more input came): a lone Esc is Escape, an unclosed paste is what arrived. */
export function flushKeys(state: SplitterState): { readonly state: SplitterState; readonly keys: readonly Key[] } {
  const pending = state.pending;
  if (pending === '') return { state, keys: [] };
  if (pending.startsWith(PASTE_START)) return { state: initialSplitter, keys: [{ kind: 'paste', text: pending.slice(PASTE_START.length) }] };
  // An escape sequence cut short: the Escape key, then whatever followed it, as typed.
  const rest = splitKeys(initialSplitter, pending.slice(1));
  const tail = flushKeys(rest.state);
  return { state: tail.state, keys: [{ kind: 'escape' }, ...rest.keys, ...tail.keys] };
}

function scanKey(input: string, index: number): Scan {
  const code = input.codePointAt(index)!;
  const character = String.fromCodePoint(code);
  if (character === ESC) return scanEscape(input, index);
  switch (character) {
    case '\r':
    case '\n':
      return { key: { kind: 'enter' }, length: 1 };
    case '\t':
      return { key: { kind: 'tab' }, length: 1 };
    case '\u007f':
    case '\b':
      return { key: { kind: 'backspace' }, length: 1 };
  }
  if (code < 0x20) return { key: { kind: 'ctrl', letter: String.fromCharCode(code + 0x60) }, length: 1 };
  if (code >= 0x80 && code < 0xa0) return { key: undefined, length: 1 };
  return { key: { kind: 'char', text: character }, length: character.length };
}

function scanEscape(input: string, index: number): Scan {
  const next = input[index + 1];
  if (next === undefined) return 'incomplete';
  if (next === '[') {
    if (input.startsWith(PASTE_START, index)) {
      const end = input.indexOf(PASTE_END, index + PASTE_START.length);
      if (end < 0) return 'incomplete';
      return { key: { kind: 'paste', text: input.slice(index + PASTE_START.length, end) }, length: end + PASTE_END.length - index };
    }
    // ESC [ parameter bytes (0x30-0x3f), intermediate bytes (0x20-0x2f), one final byte (0x40-0x7e).
    let end = index + 2;
    while (end < input.length && input.charCodeAt(end) >= 0x20 && input.charCodeAt(end) <= 0x3f) end++;
    if (end >= input.length) return 'incomplete';
    const final = input.charCodeAt(end);
    if (final < 0x40 || final > 0x7e) return { key: { kind: 'escape' }, length: 1 };
    const sequence = input.slice(index, end + 1);
    const body = input.slice(index + 2, end + 1);
    const withoutModifiers = body.replace(/^1;\d+([A-Z])$/, '$1').replace(/^(\d+);\d+~$/, '$1~');
    const named = CSI_KEYS[withoutModifiers];
    return { key: named === undefined ? { kind: 'unknown', sequence } : { kind: named }, length: sequence.length };
  }
  if (next === 'O') {
    const final = input[index + 2];
    if (final === undefined) return 'incomplete';
    const named = SS3_KEYS[final];
    if (named !== undefined) return { key: { kind: named }, length: 3 };
    if (/^[P-S]$/.test(final)) return { key: { kind: 'unknown', sequence: input.slice(index, index + 3) }, length: 3 };
  }
  // Esc followed by anything else (another Esc, a letter typed after it): the Escape key alone.
  return { key: { kind: 'escape' }, length: 1 };
}

/** Keys as a short readable text, for tests and the log: "b o x Enter Down Ctrl-C". */
export function describeKeys(keys: readonly Key[]): string {
  return keys
    .map((key) => {
      switch (key.kind) {
        case 'char':
          return key.text;
        case 'ctrl':
          return `Ctrl-${key.letter.toUpperCase()}`;
        case 'paste':
          return `Paste(${key.text.length})`;
        case 'unknown':
          return `Unknown(${JSON.stringify(key.sequence)})`;
        default:
          return key.kind;
      }
    })
    .join(' ');
}
