/**
 * What each boot loader's configuration can hold (REFERENCE.md, escaping rules). A title, kernel parameter
 * or path either passes these checks, and then its renderer writes it so that the loader reads back exactly
 * it, or is refused with a message naming the generation, the text and the character.
 *
 * - Kernel parameters, every loader: printable ASCII without spaces or `"` (the kernel splits the command
 *   line at spaces and reads double quotes as quoting; UEFI loaders pass it through UCS-2).
 * - systemd-boot (BLS type 1): values run to the end of the line, leading blanks are dropped and the firmware
 *   strings are UCS-2: no control characters, no trailing space, nothing beyond U+FFFF.
 * - GRUB: titles are single-quoted (any character but control characters); parameters are single-quoted
 *   words, and `'` and `\` are refused in them.
 * - syslinux: no quoting at all, one byte per character on screen: printable ASCII only, no `^` (the menu's
 *   hotkey marker) in titles, no trailing space, lines of at most 4095 characters.
 */
import { DomainError } from '../lib/errors.js';
import type { BootEntry } from './entries.js';

export type LoaderKind = 'systemd-boot' | 'grub' | 'syslinux';

/** One refused piece of text. */
export interface UnwritableText {
  readonly generation: number | undefined;
  readonly entryId: string | undefined;
  readonly message: string;
}

const SHOWN_PROBLEMS = 10;

export class UnwritableEntryError extends DomainError {
  override readonly name: string = 'UnwritableEntryError';
  readonly problems: readonly UnwritableText[];
  constructor(loader: LoaderKind, problems: readonly UnwritableText[]) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => `  ${p.message}`);
    if (problems.length > SHOWN_PROBLEMS) shown.push(`  ... and ${problems.length - SHOWN_PROBLEMS} more`);
    super('unwritable-boot-entry', `${problems.length === 1 ? 'a boot entry' : `${problems.length} boot entries`} cannot be written safely for ${loader}:\n${shown.join('\n')}`, {
      hint: 'change the label or kernel parameter (labels and parameters come from each generation\'s boot.json, extra parameters from --param)',
      actual: problems,
    });
    this.problems = problems;
  }
}

/** Collects refusals while a renderer walks the menu, then throws them all at once. */
export class TextChecker {
  private readonly problems: UnwritableText[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly loader: LoaderKind) {}

  title(owner: TextOwner, title: string): void {
    const reason = titleProblem(this.loader, title);
    if (reason !== undefined) this.add(owner, `the title ${quoteForMessage(title)} ${reason}`);
  }

  param(owner: TextOwner, param: string): void {
    const reason = paramProblem(this.loader, param);
    if (reason !== undefined) this.add(owner, `the kernel parameter ${quoteForMessage(param)} ${reason}`);
  }

  path(owner: TextOwner, path: string): void {
    const reason = pathProblem(this.loader, path);
    if (reason !== undefined) this.add(owner, `the path ${quoteForMessage(path)} ${reason}`);
  }

  /** A line of a line-based format (syslinux) must fit the loader's line buffer. */
  lineLength(owner: TextOwner, line: string, max: number): void {
    if (line.length > max) this.add(owner, `a line of ${line.length} characters is longer than ${this.loader} reads (${max})`);
  }

  /**
   * Checks everything of an entry a renderer writes (title, parameters, the kernel's and initrd's loader
   * paths) and returns the loader paths.
   */
  entry(entry: BootEntry, loaderPath: (systemPath: string) => string): { owner: TextOwner; kernel: string; initrd: string | undefined } {
    const owner = { generation: entry.generation, specialisation: entry.specialisation, id: entry.id };
    this.title(owner, entry.title);
    for (const param of entry.kernelParams) this.param(owner, param);
    const kernel = loaderPath(entry.kernel);
    this.path(owner, kernel);
    const initrd = entry.initrd === undefined ? undefined : loaderPath(entry.initrd);
    if (initrd !== undefined) this.path(owner, initrd);
    return { owner, kernel, initrd };
  }

  /** Any other refusal, already worded. */
  other(owner: TextOwner, message: string): void {
    this.add(owner, message);
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new UnwritableEntryError(this.loader, this.problems);
  }

  private add(owner: TextOwner, what: string): void {
    const where = owner.generation === undefined ? owner.what ?? 'the menu' : `generation ${owner.generation}${owner.specialisation === undefined ? '' : `, specialisation ${owner.specialisation}`}`;
    const message = `${where}: ${what}`;
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.problems.push({ generation: owner.generation, entryId: owner.id, message });
  }
}

/** Whose text is being checked, for the message. */
export interface TextOwner {
  readonly generation?: number | undefined;
  readonly specialisation?: string | undefined;
  readonly id?: string | undefined;
  /** For text that belongs to no entry (the menu title). */
  readonly what?: string;
}

function titleProblem(loader: LoaderKind, title: string): string | undefined {
  if (title === '') return 'is empty';
  const bad = firstCodePoint(title, (cp) => {
    if (isSurrogate(cp)) return 'is not valid Unicode';
    if (loader === 'syslinux') {
      if (cp < 0x20 || cp > 0x7e) return 'cannot be shown by syslinux (it shows only printable ASCII)';
      if (cp === 0x5e) return 'would be read by the syslinux menu as a hotkey marker';
      return undefined;
    }
    if (isControl(cp)) return 'is a control character (a boot menu cannot show it)';
    if (loader === 'systemd-boot' && cp > 0xffff) return 'lies beyond U+FFFF (systemd-boot shows titles in UCS-2)';
    return undefined;
  });
  if (bad !== undefined) return bad;
  if (loader !== 'grub' && /[ \t]$/.test(title)) return `ends with ${describeCharacter(title.at(-1)!)}, which ${loader} drops`;
  return undefined;
}

function paramProblem(loader: LoaderKind, param: string): string | undefined {
  if (param === '') return 'is empty';
  return firstCodePoint(param, (cp) => {
    if (isSurrogate(cp)) return 'is not valid Unicode';
    if (cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d) return 'would split the parameter in two on the kernel command line';
    if (cp < 0x20 || cp >= 0x7f) return 'is not printable ASCII (kernel parameters must be)';
    if (cp === 0x22) return 'is read by the kernel as quoting';
    if (loader === 'grub' && (cp === 0x27 || cp === 0x5c)) return 'cannot be written inside a GRUB parameter';
    return undefined;
  });
}

function pathProblem(loader: LoaderKind, path: string): string | undefined {
  if (!path.startsWith('/')) return 'is not absolute';
  return firstCodePoint(path, (cp) => {
    if (cp <= 0x20 || cp >= 0x7f) return 'is not printable ASCII without spaces (boot loader paths must be)';
    if (loader === 'grub' && (cp === 0x27 || cp === 0x5c)) return 'cannot be written inside a GRUB path';
    return undefined;
  });
}

/** The first code point `judge` refuses, described with its reason. */
function firstCodePoint(text: string, judge: (codePoint: number) => string | undefined): string | undefined {
  let index = 0;
  for (const char of text) {
    const reason = judge(char.codePointAt(0)!);
    if (reason !== undefined) return `contains ${describeCharacter(char)} at position ${index + 1}, which ${reason}`;
    index += 1;
  }
  return undefined;
}

const CHARACTER_NAMES: Readonly<Record<string, string>> = {
  '\n': 'a newline',
  '\r': 'a carriage return',
  '\t': 'a tab',
  '\0': 'a NUL byte',
  ' ': 'a space',
  '\u00a0': 'a no-break space',
};

/** `a newline (U+000A)`, `"^" (U+005E)`: a character as a message shows it. */
export function describeCharacter(char: string): string {
  const cp = char.codePointAt(0)!;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHARACTER_NAMES[char];
  if (name !== undefined) return `${name} (${code})`;
  // Invisible or unprintable characters are shown by their code alone.
  if (isControl(cp) || isSurrogate(cp) || /^[\p{Z}\p{C}]$/u.test(char)) return `the character ${code}`;
  return `"${char}" (${code})`;
}

function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

function isSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** Text in a message: JSON-quoted so that newlines and quotes are visible, shortened when long. */
function quoteForMessage(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length <= 90 ? quoted : `${quoted.slice(0, 80)}..."`;
}
