/**
 * Joliet names: UCS-2 (written as UTF-16BE, so characters beyond the BMP survive as surrogate pairs, as
 * Windows and Linux read them), at most 64 characters, without the characters Joliet forbids. Longer names
 * are shortened keeping their extension, and made unique among their siblings with a `~n` mark. Cairn omits
 * the `;1` version, as xorriso does by default.
 */

import type { NextMarks } from './iso-name.js';

const MAX_JOLIET_NAME = 64;
/** An extension longer than this is not worth keeping when a name must be shortened. */
const MAX_KEPT_EXTENSION = 16;

/** Replaces what Joliet cannot hold (control characters and `* / : ; ? \`) with `_`. */
function jolietCharactersOf(name: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters U+0000-U+001F are what Joliet forbids
  return name.replace(/[\u0000-\u001f*/:;?\\]/g, '_');
}

/**
 * The name a file gets in Joliet before uniqueness is settled: legal characters, at most 64 UTF-16 units,
 * the extension kept when the name is cut.
 */
export function jolietNameOf(name: string): string {
  return shortenJolietName(jolietCharactersOf(name), '');
}

/** Shortens `name` so that `name + mark` fits 64 units, keeping a short extension and whole surrogate pairs. */
function shortenJolietName(name: string, mark: string): string {
  if (mark === '' && name.length <= MAX_JOLIET_NAME) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_KEPT_EXTENSION ? name.slice(dot) : '';
  const stem = extension === '' ? name : name.slice(0, dot);
  const room = MAX_JOLIET_NAME - extension.length - mark.length;
  return `${cutUnits(stem, room)}${mark}${extension}`;
}

/** Makes a Joliet name unique among its siblings: the first free `~1`, `~2`, ... mark (`next` as in iso-name.ts). */
export function uniqueJolietName(name: string, isTaken: (candidate: string) => boolean, next?: NextMarks): string {
  if (!isTaken(name)) return name;
  for (let n = next?.get(name) ?? 1; ; n++) {
    const candidate = shortenJolietName(name, `~${n}`);
    if (!isTaken(candidate)) {
      next?.set(name, n + 1);
      return candidate;
    }
  }
}

export function encodeJolietIdentifier(name: string): Uint8Array {
  const bytes = new Uint8Array(name.length * 2);
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    bytes[2 * i] = unit >> 8;
    bytes[2 * i + 1] = unit & 0xff;
  }
  return bytes;
}

export function decodeJolietIdentifier(bytes: Uint8Array): string {
  let name = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) name += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
  return name;
}

/** The first `units` UTF-16 units of `text`, never ending in the middle of a surrogate pair. */
function cutUnits(text: string, units: number): string {
  if (text.length <= units) return text;
  let cut = Math.max(0, units);
  const last = text.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--;
  return text.slice(0, cut);
}
