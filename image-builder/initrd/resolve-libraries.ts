/**
 * The shared libraries a program needs, found by reading ELF the way the dynamic loader (and dracut-install)
 * does, never by running ldd: the interpreter (PT_INTERP), then every DT_NEEDED, breadth first, each name
 * searched in
 *   1. DT_RPATH of the needing object and of the objects that loaded it, when the needing object has no DT_RUNPATH,
 *   2. the extra directories given (the spec's libraryPath, standing where LD_LIBRARY_PATH stands),
 *   3. DT_RUNPATH of the needing object,
 *   4. the directories of /etc/ld.so.conf (with its includes),
 *   5. the default directories,
 * with $ORIGIN, $LIB and $PLATFORM expanded. A candidate counts only if it is an ELF object of the target's
 * class, byte order and machine (as the loader skips others). A name already loaded (by name or soname) is not
 * searched again. Each program is resolved on its own, as its own process would be.
 */
import { realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { DomainError, UserError } from '../../lib/errors.js';
import { fileReadError } from '../../lib/user-file.js';
import { ELF_CLASS, ELF_DATA, ELF_MACHINE, describeElfKind } from '../elf/elf-header.js';
import { readExecutable, type ElfObject, type ExecutableKind } from '../elf/elf-object.js';
import { readLdSoConf } from './ld-so-conf.js';

/** The machine an initramfs is built for. */
export interface ElfTarget {
  readonly class: number;
  readonly data: number;
  readonly machine: number;
  /** For messages: "64-bit x86-64". */
  readonly name: string;
}

export const X86_64: ElfTarget = { class: ELF_CLASS.elf64, data: ELF_DATA.lsb, machine: ELF_MACHINE.x86_64, name: '64-bit x86-64' };

/** The default directories of a Debian, Fedora or Arch x86-64 loader, searched last. */
const DEFAULT_LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/lib'] as const;

export interface LibrarySearch {
  readonly target: ElfTarget;
  /** Searched where LD_LIBRARY_PATH would be. */
  readonly extra: readonly string[];
  /** The directories of /etc/ld.so.conf. */
  readonly configured: readonly string[];
  readonly defaults: readonly string[];
  /** What $LIB expands to: `lib/x86_64-linux-gnu` on Debian, `lib64` on Fedora and Arch. */
  readonly lib: string;
  /** What $PLATFORM expands to. */
  readonly platform: string;
}

/** The search as this host's loader does it. */
export async function hostLibrarySearch(options: { readonly extra?: readonly string[]; readonly ldSoConf?: string } = {}): Promise<LibrarySearch> {
  const multiarch = await stat('/lib/x86_64-linux-gnu').then((s) => s.isDirectory(), () => false);
  return {
    target: X86_64,
    extra: options.extra ?? [],
    configured: await readLdSoConf(options.ldSoConf ?? '/etc/ld.so.conf'),
    defaults: DEFAULT_LIBRARY_DIRS,
    lib: multiarch ? 'lib/x86_64-linux-gnu' : 'lib64',
    platform: 'x86_64',
  };
}

export type ElfRole = 'program' | 'interpreter' | 'library';

/** One object of a closure: where it was found and why it is there. */
export interface ResolvedObject {
  /** The path it was found at (not resolved through symlinks): what the loader in the initramfs will open. */
  readonly path: string;
  readonly role: ElfRole;
  /** Objects whose DT_NEEDED or PT_INTERP named it (empty for programs and dlopen libraries). */
  readonly neededBy: readonly string[];
}

/** A needed name and where it was found, per needing object: what ldd would print. */
export interface NeededLink {
  readonly from: string;
  readonly name: string;
  readonly path: string;
}

export interface ElfClosure {
  /** Every object, sorted by path. */
  readonly objects: readonly ResolvedObject[];
  readonly links: readonly NeededLink[];
}

interface Loaded {
  readonly path: string;
  readonly object: ElfObject;
  /** The object that loaded it (for the DT_RPATH chain); undefined for the program. */
  readonly loader: Loaded | undefined;
  readonly origin: string;
}

/**
 * Resolves programs (absolute host paths) and dlopen libraries (names searched like DT_NEEDED of an object
 * without search paths, or absolute paths), with everything they need.
 */
export async function resolveElfClosure(programs: readonly string[], dlopen: readonly string[], search: LibrarySearch): Promise<ElfClosure> {
  const objects = new Map<string, { role: ElfRole; neededBy: Set<string> }>();
  const links: NeededLink[] = [];
  const add = (path: string, role: ElfRole, neededBy?: string) => {
    const found = objects.get(path);
    if (found === undefined) objects.set(path, { role, neededBy: new Set(neededBy === undefined ? [] : [neededBy]) });
    else if (neededBy !== undefined) found.neededBy.add(neededBy);
  };

  // A dlopen library is loaded into a program that already has its interpreter: it shares the first one.
  const interpreters: Loaded[] = [];
  for (const program of programs) await resolveProgram(program, search, add, links, 'program', interpreters);
  for (const library of dlopen) {
    const path = library.startsWith('/') ? library : await searchLibrary(library, undefined, search, `${library} (loaded with dlopen)`);
    await resolveProgram(path, search, add, links, 'library', interpreters.slice(0, 1));
  }
  return {
    objects: [...objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, o]) => ({ path, role: o.role, neededBy: [...o.neededBy].sort() })),
    links,
  };
}

type Add = (path: string, role: ElfRole, neededBy?: string) => void;

/** One program (or dlopen library) and its closure, as one process would load it. */
async function resolveProgram(path: string, search: LibrarySearch, add: Add, links: NeededLink[], role: ElfRole, interpreters: Loaded[]): Promise<void> {
  const kind = await readObject(path, role === 'program' ? 'program' : 'library');
  if (kind.kind === 'script') {
    add(path, role);
    const interpreter = kind.interpreter;
    if (!interpreter.startsWith('/')) throw new UserError(`${path}: its #! line names "${interpreter}", not an absolute path`, { hint: 'give the interpreter as an absolute path' });
    await resolveProgram(interpreter, search, add, links, 'program', interpreters);
    return;
  }
  if (kind.kind === 'other') throw new UserError(`${path} is neither an ELF program nor a #! script`, { hint: 'name a program, or copy the file with files: instead' });
  const object = kind.object;
  checkTarget(path, object, search.target, role === 'program' ? 'program' : 'library');
  add(path, role);
  const root: Loaded = { path, object, loader: undefined, origin: posix.dirname(await realpath(path)) };
  const loadedByName = new Map<string, Loaded>();
  const queue: Loaded[] = [root];
  if (role !== 'program') for (const preloaded of interpreters) remember(loadedByName, preloaded);
  if (object.interpreter !== undefined) {
    const interpreterKind = await readObject(object.interpreter, 'interpreter', path);
    if (interpreterKind.kind !== 'elf') throw new UserError(`${object.interpreter}, the interpreter of ${path}, is not an ELF object`);
    checkTarget(object.interpreter, interpreterKind.object, search.target, 'interpreter', path);
    add(object.interpreter, 'interpreter', path);
    const interpreter: Loaded = { path: object.interpreter, object: interpreterKind.object, loader: root, origin: posix.dirname(object.interpreter) };
    remember(loadedByName, interpreter);
    interpreters.push(interpreter);
    links.push({ from: path, name: object.interpreter, path: object.interpreter });
  }
  remember(loadedByName, root);
  for (let index = 0; index < queue.length; index++) {
    const current = queue[index]!;
    for (const name of current.object.needed) {
      const already = loadedByName.get(name);
      if (already !== undefined) {
        add(already.path, already.object === object ? role : 'library', current.path);
        links.push({ from: current.path, name, path: already.path });
        continue;
      }
      const found = name.includes('/') ? name : await searchLibrary(name, current, search, `${name}, needed by ${current.path},`);
      const kindFound = await readObject(found, 'library', current.path);
      if (kindFound.kind !== 'elf') throw new UserError(`${found} (${name}, needed by ${current.path}) is not an ELF object`);
      checkTarget(found, kindFound.object, search.target, 'library', current.path);
      add(found, 'library', current.path);
      links.push({ from: current.path, name, path: found });
      const loaded: Loaded = { path: found, object: kindFound.object, loader: current, origin: posix.dirname(found) };
      loadedByName.set(name, loaded);
      remember(loadedByName, loaded);
      queue.push(loaded);
    }
  }
}

function remember(loadedByName: Map<string, Loaded>, loaded: Loaded): void {
  if (loaded.object.soname !== undefined && !loadedByName.has(loaded.object.soname)) loadedByName.set(loaded.object.soname, loaded);
  if (!loadedByName.has(loaded.path)) loadedByName.set(loaded.path, loaded);
}

async function readObject(path: string, what: string, neededBy?: string): Promise<ExecutableKind> {
  try {
    return await readExecutable(path);
  } catch (error) {
    const subject = neededBy === undefined ? `${path} (${what})` : `${path} (${what} of ${neededBy})`;
    if (error instanceof DomainError) throw new UserError(`${subject}: ${error.message}`, { hint: 'the file is damaged or not a program' });
    throw fileReadError(subject, error);
  }
}

/** Refuses an object of another class, byte order or machine than the target. */
function checkTarget(path: string, object: ElfObject, target: ElfTarget, what: string, neededBy?: string): void {
  if (matchesTarget(object, target)) return;
  const kind = describeElfKind(object.ident, object.machine);
  throw new UserError(`${path}${neededBy === undefined ? '' : ` (needed by ${neededBy})`} is a ${kind} ELF ${what}, but the initramfs is for ${target.name}`, {
    hint: `use a ${target.name} build of it`,
  });
}

function matchesTarget(object: ElfObject, target: ElfTarget): boolean {
  return object.ident.class === target.class && object.ident.data === target.data && object.machine === target.machine;
}

/** The directories searched for a name needed by `from` (undefined: a dlopen from no particular object). */
function searchDirectories(from: Loaded | undefined, search: LibrarySearch): string[] {
  const dirs: string[] = [];
  const expand = (list: readonly string[] | undefined, owner: Loaded) => {
    for (const entry of list ?? []) {
      const dir = expandTokens(entry, owner.origin, search);
      if (dir !== undefined) dirs.push(dir);
    }
  };
  if (from !== undefined && from.object.runpath === undefined) {
    for (let owner: Loaded | undefined = from; owner !== undefined; owner = owner.loader) expand(owner.object.rpath, owner);
  }
  dirs.push(...search.extra);
  if (from !== undefined) expand(from.object.runpath, from);
  dirs.push(...search.configured, ...search.defaults);
  return [...new Set(dirs.map((d) => posix.normalize(d)))];
}

/** $ORIGIN, $LIB and $PLATFORM (also as ${...}); a relative result is dropped (it would depend on the working directory). */
export function expandTokens(entry: string, origin: string, search: Pick<LibrarySearch, 'lib' | 'platform'>): string | undefined {
  const value = entry.replace(/\$\{(ORIGIN|LIB|PLATFORM)\}|\$(ORIGIN|LIB|PLATFORM)/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const token = braced ?? bare;
    return token === 'ORIGIN' ? origin : token === 'LIB' ? search.lib : search.platform;
  });
  return value.startsWith('/') ? value : undefined;
}

async function searchLibrary(name: string, from: Loaded | undefined, search: LibrarySearch, subject: string): Promise<string> {
  const dirs = searchDirectories(from, search);
  const skipped: string[] = [];
  for (const dir of dirs) {
    const candidate = posix.join(dir, name);
    const info = await stat(candidate).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    const kind = await readExecutable(candidate).catch(() => undefined);
    if (kind === undefined || kind.kind !== 'elf') {
      skipped.push(`${candidate} (not an ELF object)`);
      continue;
    }
    if (!matchesTarget(kind.object, search.target)) {
      skipped.push(`${candidate} (${describeElfKind(kind.object.ident, kind.object.machine)})`);
      continue;
    }
    return candidate;
  }
  throw new UserError(`${subject} not found; searched ${dirs.join(', ')}${skipped.length === 0 ? '' : `; skipped ${skipped.join(', ')}`}`, {
    hint: `install the package that provides ${name}, or add the folder holding it to libraryPath`,
  });
}
