/**
 * Names in the primary (plain ECMA-119) tree, for readers that ignore Rock Ridge: d-characters only
 * (`A-Z 0-9 _`), ISO level 3 lengths (a file's name and extension together at most 30 characters, a
 * directory's identifier at most 31), files as `NAME.EXT;1`. Rock Ridge NM entries carry the real names.
 */

const MAX_FILE_NAME_AND_EXTENSION = 30;
const MAX_DIRECTORY_IDENTIFIER = 31;
/** Extensions longer than this are cut, so that the name keeps most of the room. */
const MAX_EXTENSION = 8;

export interface IsoFileName {
  readonly name: string;
  readonly extension: string;
}

/**
 * A character outside `A-Za-z0-9_`; a high surrogate takes the next unit with it (a surrogate pair is one
 * character, so one `_`).
 */
const NOT_D_CHARACTER = /[\uD800-\uDBFF][^]|[^A-Za-z0-9_]/g;

/** Maps any character to a d-character: letters upper-cased, anything else outside `A-Z0-9_` to `_`. */
export function toDCharacters(text: string): string {
  // Two passes of the engine's own code instead of a string built a character at a time (tens of thousands
  // of names are mapped for a big tree): what is left after the first is ASCII, so upper-casing is exact.
  return text.replace(NOT_D_CHARACTER, '_').toUpperCase();
}

/** The name and extension a file gets, before uniqueness is settled: split at the last dot. */
export function isoFileNameOf(name: string): IsoFileName {
  const dot = name.lastIndexOf('.');
  const rawName = dot === -1 ? name : name.slice(0, dot);
  const rawExtension = dot === -1 ? '' : name.slice(dot + 1);
  const extension = toDCharacters(rawExtension).slice(0, MAX_EXTENSION);
  return { name: toDCharacters(rawName).slice(0, MAX_FILE_NAME_AND_EXTENSION - extension.length), extension };
}

export function isoDirectoryNameOf(name: string): string {
  return toDCharacters(name).slice(0, MAX_DIRECTORY_IDENTIFIER);
}

/**
 * Where the search for a free `_<n>` goes on, by the name it started from: for a caller that takes every identifier
 * it is given (adds it to what `isTaken` checks), the numbers below it are all taken already, so siblings whose
 * names begin alike (thousands of icons whose names are cut to the same 27 characters) cost one check each instead
 * of one for every sibling before them.
 */
export type NextMarks = Map<string, number>;

/**
 * The identifier of a file, unique among `isTaken`: when `NAME.EXT` is taken, the end of the name gives way
 * to `_<n>`, the smallest n that is free.
 */
export function uniqueIsoFileName(value: IsoFileName, isTaken: (identifier: string) => boolean, next?: NextMarks): IsoFileName {
  const limit = MAX_FILE_NAME_AND_EXTENSION - value.extension.length;
  if (value.name.length <= limit && !isTaken(`${value.name}.${value.extension}`)) return value;
  const key = `${value.name}.${value.extension}`;
  for (let n = next?.get(key) ?? 0; ; n++) {
    const mark = n === 0 ? '' : `_${n}`;
    const name = value.name.slice(0, limit - mark.length) + mark;
    if (!isTaken(`${name}.${value.extension}`)) {
      next?.set(key, n + 1);
      return { name, extension: value.extension };
    }
  }
}

/** The identifier of a directory, unique among `isTaken` in the same way. */
export function uniqueIsoDirectoryName(name: string, isTaken: (identifier: string) => boolean, next?: NextMarks): string {
  for (let n = next?.get(name) ?? 0; ; n++) {
    const mark = n === 0 ? '' : `_${n}`;
    const candidate = name.slice(0, MAX_DIRECTORY_IDENTIFIER - mark.length) + mark;
    if (!isTaken(candidate)) {
      next?.set(name, n + 1);
      return candidate;
    }
  }
}
