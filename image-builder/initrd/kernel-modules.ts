/**
 * Kernel modules for an initramfs: the modules asked for and everything they need, read from each module's
 * own .modinfo section (the `depends=` modpost wrote, and `softdep=pre:` modules, which modprobe loads first),
 * never from a modules.dep (a kernel package ships none: its postinst runs depmod). Names in softdeps may be
 * aliases (`crypto-crc32c`); they are looked up in the aliases of every module of the tree, and of the
 * built-in ones (modules.builtin.modinfo). Then depmod (busybox's) makes modules.dep, modules.alias and
 * modules.symbols for the staged modules, so that modprobe works inside the initramfs.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DomainError, UserError, errnoCode } from '../../lib/errors.js';
import { progressCounter, type OnProgress } from '../../lib/progress.js';
import { run, runBinary } from '../../lib/run.js';
import { mapConcurrent } from '../../lib/map-concurrent.js';
import { closest } from '../../lib/schema.js';
import { fileReadError } from '../../lib/user-file.js';
import { findElf64Section, readElf64SectionOfFile } from '../elf/elf-object.js';
import type { InitramfsEntry } from './archive-plan.js';

const MODULE_SUFFIX = /\.ko(\.xz|\.zst|\.gz)?$/;
/** Files of the tree that depmod reads and modprobe uses, copied as they are. */
const TREE_FILES = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'] as const;

/** modprobe treats - and _ in module names alike. */
export function normalizeModuleName(name: string): string {
  return name.replaceAll('-', '_');
}

/** A kernel's modules directory (`lib/modules/<release>`), indexed by module name. */
export interface ModuleTree {
  /** Host path of the directory. */
  readonly directory: string;
  /** Its last component: the kernel release. */
  readonly release: string;
  /** Module name (with _) to its path relative to the directory, e.g. `kernel/fs/ext4/ext4.ko`. */
  readonly modules: ReadonlyMap<string, string>;
  /** Names of the modules built into the kernel (modules.builtin). */
  readonly builtin: ReadonlySet<string>;
  /** Aliases of built-in modules (modules.builtin.modinfo), alias to module name. */
  readonly builtinAliases: ReadonlyMap<string, string>;
}

/** Indexes a modules directory: every .ko (also .ko.xz, .ko.zst, .ko.gz) under it, in sorted order. */
export async function readModuleTree(directory: string): Promise<ModuleTree> {
  const release = basename(directory);
  const modules = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    let names;
    try {
      names = await readdir(join(directory, relative), { withFileTypes: true });
    } catch (error) {
      throw relative === '' ? fileReadError(directory, error, 'kernel modules directory') : fileReadError(join(directory, relative), error, 'folder');
    }
    for (const entry of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && MODULE_SUFFIX.test(entry.name)) {
        const name = normalizeModuleName(entry.name.replace(MODULE_SUFFIX, ''));
        if (!modules.has(name)) modules.set(name, path);
      }
    }
  };
  await walk('');
  if (modules.size === 0) {
    throw new UserError(`${directory} holds no kernel modules (*.ko)`, { hint: 'give the modules directory of a kernel, lib/modules/<release>' });
  }
  const builtinText = await readFile(join(directory, 'modules.builtin'), 'utf8').catch(() => '');
  const builtin = new Set(
    builtinText
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => normalizeModuleName(posix.basename(l).replace(MODULE_SUFFIX, ''))),
  );
  const builtinAliases = new Map<string, string>();
  const builtinInfo = await readFile(join(directory, 'modules.builtin.modinfo')).catch(() => undefined);
  if (builtinInfo !== undefined) {
    for (const field of splitNul(builtinInfo)) {
      const match = /^([^.=]+)\.alias=(.+)$/.exec(field);
      if (match && !builtinAliases.has(match[2]!)) builtinAliases.set(match[2]!, normalizeModuleName(match[1]!));
    }
  }
  return { directory, release, modules, builtin, builtinAliases };
}

/** The fields of a .modinfo section that decide what else a module needs. */
export interface ModuleInfo {
  readonly depends: readonly string[];
  /** softdep pre: modules (or aliases) modprobe loads before this one. */
  readonly softdepPre: readonly string[];
  readonly softdepPost: readonly string[];
  readonly aliases: readonly string[];
  readonly firmware: readonly string[];
}

/** Parses the NUL-separated `key=value` strings of a .modinfo section. Pure. */
export function parseModinfo(section: Uint8Array): ModuleInfo {
  const depends: string[] = [];
  const softdepPre: string[] = [];
  const softdepPost: string[] = [];
  const aliases: string[] = [];
  const firmware: string[] = [];
  for (const field of splitNul(section)) {
    const equals = field.indexOf('=');
    if (equals < 0) continue;
    const key = field.slice(0, equals);
    const value = field.slice(equals + 1);
    if (key === 'depends') depends.push(...value.split(',').filter((d) => d !== '').map(normalizeModuleName));
    else if (key === 'alias') aliases.push(value);
    else if (key === 'firmware') firmware.push(value);
    else if (key === 'softdep') {
      let list: string[] | undefined;
      for (const word of value.split(/\s+/).filter((w) => w !== '')) {
        if (word === 'pre:') list = softdepPre;
        else if (word === 'post:') list = softdepPost;
        else list?.push(word);
      }
    }
  }
  return { depends, softdepPre, softdepPost, aliases, firmware };
}

function splitNul(bytes: Uint8Array): string[] {
  return new TextDecoder()
    .decode(bytes)
    .split('\0')
    .filter((s) => s !== '');
}

/** A module's bytes, decompressed when it is a .ko.xz, .ko.zst or .ko.gz. */
async function readModuleFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileReadError(path, error, 'kernel module');
  }
  if (path.endsWith('.ko.gz')) return gunzipSync(bytes);
  if (path.endsWith('.ko.xz')) return (await runBinary('xz', ['-dc'], { input: bytes })).stdout;
  if (path.endsWith('.ko.zst')) return (await runBinary('zstd', ['-dc'], { input: bytes })).stdout;
  return bytes;
}

/** The .modinfo of the module file at `path` (of a plain .ko, only the headers and that section are read). */
export async function readModuleInfo(path: string): Promise<ModuleInfo> {
  let section: Uint8Array | undefined;
  try {
    if (path.endsWith('.ko')) {
      section = await readElf64SectionOfFile(path, '.modinfo').catch((error: unknown) => {
        throw error instanceof DomainError ? error : fileReadError(path, error, 'kernel module');
      });
    } else {
      section = await findElf64Section(await readModuleFile(path), '.modinfo');
    }
  } catch (error) {
    if (error instanceof DomainError) throw new UserError(`${path}: ${error.message}`, { hint: 'the module file is damaged, or not a 64-bit kernel module' });
    throw error;
  }
  if (section === undefined) throw new UserError(`${path} has no .modinfo section`, { hint: 'the file is not a kernel module' });
  return parseModinfo(section);
}

export interface ModuleClosure {
  /** Module names with their paths relative to the tree, sorted by path. */
  readonly modules: readonly { readonly name: string; readonly path: string }[];
  /** Names asked for (or needed) that are built into the kernel: nothing to carry. */
  readonly builtin: readonly string[];
  /** softdep names that match no module of the tree (modprobe skips them too). */
  readonly unresolvedSoftdeps: readonly string[];
}

/**
 * The modules named and all they need. Throws a UserError naming the tree when an asked-for module is in
 * neither the tree nor the built-in list; a `depends` that is missing means a broken tree, also an error.
 */
export async function resolveModuleClosure(tree: ModuleTree, names: readonly string[], onProgress?: OnProgress): Promise<ModuleClosure> {
  const infos = new Map<string, ModuleInfo>();
  const info = async (name: string): Promise<ModuleInfo> => {
    let found = infos.get(name);
    if (found === undefined) {
      found = await readModuleInfo(join(tree.directory, tree.modules.get(name)!));
      infos.set(name, found);
    }
    return found;
  };
  let aliasIndex: Map<string, string[]> | undefined;
  const aliasTargets = async (alias: string): Promise<string[]> => {
    if (aliasIndex === undefined) aliasIndex = await readAliasIndex(tree, info, onProgress);
    return aliasIndex.get(alias) ?? [];
  };

  const wanted = new Set<string>();
  const builtin = new Set<string>();
  const unresolved = new Set<string>();
  const missing: string[] = [];
  const visit = async (name: string, neededBy: string | undefined): Promise<void> => {
    const normal = normalizeModuleName(name);
    if (wanted.has(normal) || builtin.has(normal)) return;
    if (!tree.modules.has(normal)) {
      if (tree.builtin.has(normal)) {
        builtin.add(normal);
        return;
      }
      if (neededBy === undefined) {
        missing.push(name);
        return;
      }
      throw new UserError(`kernel module ${normal}, needed by ${neededBy}, is not in ${tree.directory}`, { hint: 'the modules directory is incomplete: unpack the kernel package again' });
    }
    wanted.add(normal);
    const moduleInfo = await info(normal);
    for (const dependency of moduleInfo.depends) await visit(dependency, normal);
    for (const soft of moduleInfo.softdepPre) {
      const direct = normalizeModuleName(soft);
      if (tree.modules.has(direct) || tree.builtin.has(direct)) {
        await visit(direct, normal);
        continue;
      }
      if (tree.builtinAliases.has(soft)) continue;
      const targets = await aliasTargets(soft);
      if (targets.length === 0) unresolved.add(soft);
      for (const target of targets) await visit(target, normal);
    }
  };
  for (const name of names) await visit(name, undefined);
  if (missing.length > 0) {
    const lines = missing.map((name) => {
      const suggestion = closest(normalizeModuleName(name), [...tree.modules.keys()]);
      return `  ${name}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
    });
    throw new UserError(`${missing.length === 1 ? 'a module is' : `${missing.length} modules are`} not in the kernel's tree ${tree.directory} (release ${tree.release}), nor built in:\n${lines.join('\n')}`, {
      hint: 'check the names (modinfo NAME on a machine running that kernel), or give the modules directory of the kernel that has them',
    });
  }
  return {
    modules: [...wanted].map((name) => ({ name, path: tree.modules.get(name)! })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    builtin: [...builtin].sort(),
    unresolvedSoftdeps: [...unresolved].sort(),
  };
}

/** alias -> module names, from the .modinfo of every module of the tree (read once per tree, only when a softdep needs it). */
async function readAliasIndex(tree: ModuleTree, info: (name: string) => Promise<ModuleInfo>, onProgress?: OnProgress): Promise<Map<string, string[]>> {
  const cached = aliasIndexes.get(tree);
  if (cached !== undefined) return cached;
  const names = [...tree.modules.keys()];
  onProgress?.({ kind: 'phase', phase: 'module-aliases', title: `Reading the aliases of ${names.length} modules`, total: names.length, unit: 'files' });
  const counter = onProgress === undefined ? undefined : progressCounter(onProgress, 'module-aliases', names.length, 'files', 200);
  const aliases = await mapConcurrent(names, 16, async (name) => {
    const found = (await info(name)).aliases;
    counter?.advance(1);
    return found;
  });
  counter?.finish();
  const index = new Map<string, string[]>();
  names.forEach((name, i) => {
    for (const alias of aliases[i]!) index.set(alias, [...(index.get(alias) ?? []), name]);
  });
  aliasIndexes.set(tree, index);
  return index;
}

const aliasIndexes = new WeakMap<ModuleTree, Map<string, string[]>>();

/**
 * The initramfs entries for a module closure: the module files, the tree's modules.builtin, .builtin.modinfo
 * and .order, and what depmod made for exactly these modules (modules.dep, modules.alias, modules.symbols),
 * all under /lib/modules/<release>/.
 */
export async function kernelModuleEntries(tree: ModuleTree, closure: ModuleClosure): Promise<InitramfsEntry[]> {
  const target = `/lib/modules/${tree.release}`;
  const entries: InitramfsEntry[] = closure.modules.map((m) => ({ kind: 'file', path: `${target}/${m.path}`, source: join(tree.directory, m.path), mode: 0o644 }));
  const present: string[] = [];
  for (const name of TREE_FILES) {
    const source = join(tree.directory, name);
    const exists = await stat(source).then(() => true, (error: unknown) => (errnoCode(error) === 'ENOENT' ? false : Promise.reject(fileReadError(source, error))));
    if (exists) {
      present.push(name);
      entries.push({ kind: 'file', path: `${target}/${name}`, source, mode: 0o644 });
    }
  }
  for (const [name, data] of await runDepmod(tree, closure, present)) entries.push({ kind: 'file', path: `${target}/${name}`, data, mode: 0o644 });
  return entries;
}

/**
 * Runs `busybox depmod -b STAGE RELEASE MODULE...` on a staged copy of the modules (named in sorted order,
 * which fixes the order of its output: busybox walks directories in readdir order otherwise) and returns
 * the files it wrote.
 */
async function runDepmod(tree: ModuleTree, closure: ModuleClosure, treeFiles: readonly string[]): Promise<Map<string, Uint8Array>> {
  const stage = await mkdtemp(join(tmpdir(), 'cairn-depmod-'));
  try {
    const moduleDirectory = join(stage, 'lib', 'modules', tree.release);
    await mkdir(moduleDirectory, { recursive: true });
    for (const name of treeFiles) await copyFile(join(tree.directory, name), join(moduleDirectory, name));
    for (const module of closure.modules) {
      await mkdir(join(moduleDirectory, posix.dirname(module.path)), { recursive: true });
      await copyFile(join(tree.directory, module.path), join(moduleDirectory, module.path));
    }
    const before = new Set(await readdir(moduleDirectory));
    // `./` as busybox's own directory walk names them, else it cuts two characters off each name.
    if (closure.modules.length > 0) await run('busybox', ['depmod', '-b', stage, tree.release, ...closure.modules.map((m) => `./${m.path}`)]);
    else await run('busybox', ['depmod', '-b', stage, tree.release]);
    const made = new Map<string, Uint8Array>();
    for (const name of (await readdir(moduleDirectory)).sort()) if (!before.has(name)) made.set(name, await readFile(join(moduleDirectory, name)));
    if (!made.has('modules.dep')) throw new UserError(`busybox depmod wrote no modules.dep for ${tree.release}`, { hint: 'check that busybox has depmod (busybox-static does)' });
    return made;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
