/**
 * Host files as initramfs entries: programs found by name in a fixed list of directories (not the caller's
 * PATH, so that a build does not depend on who runs it), and paths copied with their symlink chains
 * (`libfoo.so.1 -> libfoo.so.1.2.3` stays a link to a file, as on the host).
 */
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError } from '../../lib/errors.js';
import { fileReadError } from '../../lib/user-file.js';
import type { InitramfsEntry } from './archive-plan.js';

/** Where programs named without a path are looked for, in order: root's PATH on Debian, Fedora and Arch. */
export const PROGRAM_SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const;

/** Links followed before a chain counts as a loop. */
const MAX_CHAIN = 40;

/**
 * The absolute path of a program given by name (searched) or by path (checked). `subject` (where the name
 * came from, e.g. `system.yaml: packages: x`) starts the error messages when given.
 */
export async function findHostProgram(program: string, searchPath: readonly string[] = PROGRAM_SEARCH_PATH, subject?: string): Promise<string> {
  const where = subject === undefined ? '' : `${subject}: `;
  if (program.includes('/')) {
    if (!program.startsWith('/')) throw new UserError(`${where}program "${program}" is a relative path`, { hint: 'give a program by name, or by its absolute path' });
    const info = await stat(program).catch((error: unknown) => {
      throw fileReadError(`${where}${program}`, error, 'program');
    });
    if (!info.isFile()) throw new UserError(`${where}program ${program} is not a file`, { hint: 'name a program' });
    return program;
  }
  for (const dir of searchPath) {
    const candidate = posix.join(dir, program);
    const info = await stat(candidate).catch(() => undefined);
    if (info !== undefined && info.isFile() && (info.mode & 0o111) !== 0) return candidate;
  }
  throw new UserError(`${where}program "${program}" is not on this host; searched ${searchPath.join(', ')}`, {
    hint: `install the package that provides ${program}, or give its absolute path`,
  });
}

/**
 * Entries that reproduce a host path inside the initramfs at the same path: each symlink of the chain as a
 * symlink with the same target text, and the file it ends at (read from the host's own resolution of the
 * path). Directories along the way are not copied as links: the archive's parents are plain directories.
 * Copied to another path (`as`), the file alone is copied there.
 */
export async function hostPathEntries(path: string, options: { readonly mode?: number; readonly as?: string } = {}): Promise<InitramfsEntry[]> {
  const mode = options.mode === undefined ? {} : { mode: options.mode };
  if (options.as !== undefined) {
    // Copied to another place: the file itself, since relative links would point elsewhere there.
    const source = await realpath(path).catch((error: unknown) => {
      throw fileReadError(path, error);
    });
    return [{ kind: 'file', path: options.as, source, ...mode }];
  }
  const entries: InitramfsEntry[] = [];
  let current = path;
  let at = path;
  for (let hop = 0; ; hop++) {
    if (hop > MAX_CHAIN) throw new UserError(`${path}: too many levels of symbolic links`, { hint: 'fix the link chain' });
    const info = await lstat(current).catch((error: unknown) => {
      throw fileReadError(current, error);
    });
    if (!info.isSymbolicLink()) {
      if (!info.isFile()) throw new UserError(`${current} is not a regular file`, { hint: 'name a file' });
      const source = await realpath(current);
      entries.push({ kind: 'file', path: at, source, ...mode });
      return entries;
    }
    const target = await readlink(current);
    entries.push({ kind: 'symlink', path: at, target });
    // The next link is where the initramfs itself would look: the target against the link's own folder.
    at = posix.resolve(posix.dirname(at), target);
    current = posix.resolve(await realpath(posix.dirname(current)), target);
  }
}
