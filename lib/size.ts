/**
 * Sizes as users write them: `512M`, `1.5G`, `4096`, `2TiB`, `100%`. Units are binary (K = 1024), as in
 * disko, sfdisk and systemd-repart; `MB`-style decimal suffixes are refused rather than guessed.
 */

export type SizeSpec =
  | { readonly kind: 'bytes'; readonly bytes: number }
  | { readonly kind: 'percent'; readonly percent: number };

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  B: 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
  P: 1024 ** 5,
};

/** Parses a size; returns an error message (for validation reports) instead of throwing. */
export function parseSize(text: string): SizeSpec | { readonly error: string } {
  const trimmed = text.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(trimmed);
  if (percent) {
    const value = Number(percent[1]);
    if (value <= 0 || value > 100) return { error: `a percentage must be above 0 and at most 100 (got "${text}")` };
    return { kind: 'percent', percent: value };
  }
  const match = /^(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B)?$/i.exec(trimmed);
  if (!match) {
    return { error: `expected a size such as 512M, 1.5G, 4096 or 100% (got "${text}")` };
  }
  const [, number, unitLetter = '', suffix] = match;
  const unit = unitLetter.toUpperCase();
  if (suffix !== undefined && suffix.toUpperCase() === 'B' && unit !== '') {
    return { error: `"${text}" is ambiguous: write ${number}${unit} or ${number}${unit}iB (binary units, 1${unit} = ${UNITS[unit]} bytes)` };
  }
  const bytes = Number(number) * UNITS[unit]!;
  if (!Number.isInteger(bytes)) return { error: `"${text}" is not a whole number of bytes` };
  if (!Number.isSafeInteger(bytes)) return { error: `"${text}" is too large` };
  return { kind: 'bytes', bytes };
}

/** Parses a size in bytes (no percentage), returning an error message on failure. */
export function parseByteSize(text: string): number | { readonly error: string } {
  const size = parseSize(text);
  if ('error' in size) return size;
  if (size.kind === 'percent') return { error: `expected a size in bytes such as 512M or 8G, not a percentage (got "${text}")` };
  return size.bytes;
}

/** `1536` -> `1.5K`, `8589934592` -> `8G`: the shortest exact-ish form for messages and tables. */
export function formatSize(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes}B`;
  const rounded = value >= 100 ? Math.round(value).toString() : value.toFixed(value >= 10 ? 1 : 2).replace(/\.?0+$/, '');
  return `${rounded}${units[unit]}`;
}

/** The exact size in the largest binary unit that divides it (`8G`, `1536M`, `512`): for files that are read back. */
export function formatExactSize(bytes: number): string {
  for (const [unit, factor] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}
