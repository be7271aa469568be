/**
 * Paths inside an image (`/boot/vmlinuz`): what a name may hold and how a target path is read. Shared by the
 * image spec's validation and by the image builder, so both refuse the same things with the same words.
 */
import { Buffer } from 'node:buffer';
import { compareCodePoints } from '../lib/code-point-order.js';

/** Longest name Cairn accepts: what Linux and most filesystems allow (NAME_MAX), in UTF-8 bytes. */
const MAX_NAME_BYTES = 255;

/** Why a name cannot be a file name on the image, or undefined when it can. */
export function invalidNameReason(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is "${name}"`;
  if (name.includes('/')) return 'contains "/"';
  if (name.includes('\u0000')) return 'contains a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long (at most ${MAX_NAME_BYTES})`;
  return undefined;
}

/**
 * Splits an absolute image path into names, or says what is wrong with it. `.` and empty segments are
 * skipped; `..` goes up, but never above the root.
 */
export function imagePathNames(path: string): { names: string[] } | { error: string } {
  if (!path.startsWith('/')) return { error: 'must be an absolute path inside the image, starting with /' };
  if (path.includes('\u0000')) return { error: 'contains a NUL character' };
  const names: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (names.length === 0) return { error: 'escapes the image root "/" with ".."' };
      names.pop();
      continue;
    }
    const reason = invalidNameReason(segment);
    if (reason !== undefined) return { error: `has a name that ${reason}` };
    names.push(segment);
  }
  return { names };
}

export function joinImagePath(names: readonly string[]): string {
  return `/${names.join('/')}`;
}

/** Orders the names of an image by their UTF-8 bytes (code point order), the same on every host and locale. */
export const compareImageNames = compareCodePoints;
