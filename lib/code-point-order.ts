/**
 * Orders strings by Unicode code point, which is also the order of their UTF-8 bytes: the same on every host
 * and in every locale (localeCompare depends on the locale), so sorted reports, files and hashes are stable.
 * JavaScript's own `<` compares UTF-16 units instead, which puts characters beyond U+FFFF (stored as
 * surrogates, 0xD800-0xDFFF) before those from U+E000 to U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Ranks UTF-16 units in code point order: surrogates stand for U+10000 and above. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}
