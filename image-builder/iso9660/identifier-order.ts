/**
 * The order of directory records and path table entries (ECMA-119 9.3, 9.4.8): by file name, then by
 * extension, each compared as if the shorter were padded with spaces, then by version, highest first.
 * Identifiers are compared as strings of code units: bytes of d-characters in the primary tree, UCS-2 units
 * in Joliet, which is what the rule compares. Called for every pair a sort compares, so nothing is allocated.
 */

const SPACE = 0x20;
const DOT = 0x2e;
const SEMICOLON = 0x3b;

export function compareIdentifiers(a: string, b: string): number {
  const aSemicolon = indexOrEnd(a, SEMICOLON, a.length);
  const bSemicolon = indexOrEnd(b, SEMICOLON, b.length);
  const aDot = indexOrEnd(a, DOT, aSemicolon);
  const bDot = indexOrEnd(b, DOT, bSemicolon);
  return (
    comparePadded(a, 0, aDot, b, 0, bDot) ||
    comparePadded(a, Math.min(aDot + 1, aSemicolon), aSemicolon, b, Math.min(bDot + 1, bSemicolon), bSemicolon) ||
    versionOf(b, bSemicolon) - versionOf(a, aSemicolon)
  );
}

function indexOrEnd(text: string, unit: number, end: number): number {
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === unit) return i;
  return end;
}

function comparePadded(a: string, aStart: number, aEnd: number, b: string, bStart: number, bEnd: number): number {
  const length = Math.max(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const ua = aStart + i < aEnd ? a.charCodeAt(aStart + i) : SPACE;
    const ub = bStart + i < bEnd ? b.charCodeAt(bStart + i) : SPACE;
    if (ua !== ub) return ua - ub;
  }
  return 0;
}

function versionOf(text: string, semicolon: number): number {
  let value = 0;
  for (let i = semicolon + 1; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return 0;
    value = value * 10 + digit;
  }
  return value;
}
