/**
 * What FAT can name, and the 8.3 short names it needs beside long ones.
 *
 * Long names: 1-255 UTF-16 units of UCS-2 (characters outside the Basic Multilingual Plane are refused:
 * they need surrogate pairs, which mtools and many firmware drivers mangle), none of `"*\/:<>?|` or control
 * characters, not `.` or `..`, and not ending in a dot or a space (Windows and Linux drop those, so the name
 * would not read back as written). FAT compares names without regard to case, so two names of one directory
 * that differ only in case are one name.
 *
 * Short names follow Microsoft's basis-name rules: upper case, spaces and extra dots removed, characters
 * not allowed in 8.3 names replaced by `_`, base cut to 8 and extension to 3 characters; a name that lost
 * nothing but case keeps its basis (`readme.txt` -> `README.TXT`), any other gets a numeric tail
 * (`Long File Name.txt` -> `LONGFI~1.TXT`), the smallest number free in the directory. A name that is
 * already a valid upper-case 8.3 name (`EFI`, `BOOTX64.EFI`) is stored as a short entry alone.
 */

/** Characters an 8.3 name may hold besides A-Z and 0-9 (bytes above 0x7F are allowed too, never made here). */
const SHORT_NAME_SPECIALS = "$%'-_@~`!(){}^#&";
const LONG_NAME_FORBIDDEN = '"*/:<>?\\|';
const MAX_LONG_NAME_UNITS = 255;

/** Why `name` cannot be a FAT long name, or undefined if it can. */
export function longNameProblem(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name === '.' || name === '..') return `"${name}" is reserved for directory links`;
  if (name.length > MAX_LONG_NAME_UNITS) return `the name is ${name.length} UTF-16 units long; FAT allows at most ${MAX_LONG_NAME_UNITS}`;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return `the name contains the control character U+${hex4(code)}`;
    if (LONG_NAME_FORBIDDEN.includes(name[i]!)) return `the name contains "${name[i]}", which FAT does not allow (none of ${LONG_NAME_FORBIDDEN.split('').join(' ')})`;
    if (code >= 0xd800 && code <= 0xdfff) {
      return `the name contains a character outside the Basic Multilingual Plane (U+${name.codePointAt(i)!.toString(16).toUpperCase()}); FAT long names are UCS-2`;
    }
  }
  if (name.endsWith('.') || name.endsWith(' ')) return 'the name ends with a dot or a space, which FAT drivers drop';
  return undefined;
}

/** The key two names of one directory collide on: FAT's case-insensitive comparison. */
export function fatNameKey(name: string): string {
  let key = '';
  for (const char of name) {
    const upper = char.toUpperCase();
    // Characters whose upper case is longer ("ß" -> "SS") have no single-unit upper case in FAT's table.
    key += upper.length === char.length ? upper : char;
  }
  return key;
}

function isShortNameCharacter(char: string): boolean {
  return (char >= 'A' && char <= 'Z') || (char >= '0' && char <= '9') || SHORT_NAME_SPECIALS.includes(char);
}

/** The 11-character raw short name when `name` is already a valid upper-case 8.3 name, else undefined. */
export function exactShortName(name: string): string | undefined {
  const match = /^([^.]{1,8})(?:\.([^.]{1,3}))?$/.exec(name);
  if (!match) return undefined;
  const base = match[1]!;
  const extension = match[2] ?? '';
  if (![...base, ...extension].every(isShortNameCharacter)) return undefined;
  return base.padEnd(8, ' ') + extension.padEnd(3, ' ');
}

/** The basis name of a long name (base and extension) and whether anything but case was lost. */
function basisName(name: string): { base: string; extension: string; lossy: boolean } {
  let lossy = false;
  let text = name.replace(/ /g, '');
  if (text.length !== name.length) lossy = true;
  const withoutLeadingDots = text.replace(/^\.+/, '');
  if (withoutLeadingDots.length !== text.length) lossy = true;
  text = withoutLeadingDots;
  const lastDot = text.lastIndexOf('.');
  let base = lastDot < 0 ? text : text.slice(0, lastDot);
  const extension = lastDot < 0 ? '' : text.slice(lastDot + 1);
  if (base.includes('.')) {
    base = base.replace(/\./g, '');
    lossy = true;
  }
  const convert = (part: string): string => {
    let out = '';
    for (const char of part) {
      const upper = char >= 'a' && char <= 'z' ? char.toUpperCase() : char;
      if (isShortNameCharacter(upper)) out += upper;
      else {
        out += '_';
        lossy = true;
      }
    }
    return out;
  };
  let shortBase = convert(base);
  let shortExtension = convert(extension);
  if (shortBase.length > 8) {
    shortBase = shortBase.slice(0, 8);
    lossy = true;
  }
  if (shortExtension.length > 3) {
    shortExtension = shortExtension.slice(0, 3);
    lossy = true;
  }
  if (shortBase === '') {
    shortBase = '_';
    lossy = true;
  }
  return { base: shortBase, extension: shortExtension, lossy };
}

/**
 * Hands out the short names of one directory. Reserve every exact 8.3 name first, then allocate the others
 * in a fixed order, so the same directory always gets the same short names.
 */
export class ShortNameAllocator {
  private readonly taken = new Set<string>();
  /** The next tail to try per basis, so that thousands of similar names do not rescan every tail. */
  private readonly nextTail = new Map<string, number>();

  /** Claims a raw short name; false if it was already taken. */
  reserve(rawName: string): boolean {
    if (this.taken.has(rawName)) return false;
    this.taken.add(rawName);
    return true;
  }

  /** A free raw short name for a long name. */
  allocate(longName: string): string {
    const { base, extension, lossy } = basisName(longName);
    const ext = extension.padEnd(3, ' ');
    if (!lossy) {
      const plain = base.padEnd(8, ' ') + ext;
      if (this.reserve(plain)) return plain;
    }
    const basis = base + ext;
    for (let n = this.nextTail.get(basis) ?? 1; n <= 999_999; n++) {
      const tail = `~${n}`;
      const candidate = (base.slice(0, 8 - tail.length) + tail).padEnd(8, ' ') + ext;
      if (this.reserve(candidate)) {
        this.nextTail.set(basis, n + 1);
        return candidate;
      }
    }
    throw new RangeError(`no free short name for "${longName}"`);
  }
}

/** Why `label` cannot be a volume label, or undefined. Labels are 1-11 upper-case 8.3 characters or spaces. */
export function volumeLabelProblem(label: string): string | undefined {
  if (label.length === 0 || label.length > 11) return `a FAT volume label is 1 to 11 characters, got ${label.length}`;
  if (label.startsWith(' ')) return 'a FAT volume label cannot start with a space';
  for (const char of label) {
    if (char >= 'a' && char <= 'z') return `a FAT volume label is upper case ("${label.toUpperCase()}")`;
    if (char !== ' ' && !isShortNameCharacter(char)) {
      return `a FAT volume label may hold A-Z, 0-9, spaces and ${SHORT_NAME_SPECIALS}, not "${char}"`;
    }
  }
  return undefined;
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}
