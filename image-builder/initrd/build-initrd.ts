/**
 * From what an initramfs should hold (an initrd spec, or the same given by code such as `cairn system build`)
 * to its entries: programs found on the host with the libraries their ELF headers name, dlopen libraries,
 * kernel modules with their dependencies and a modules.dep, and the entries given as data. Then written by
 * writeInitramfs.
 */
import type { OnProgress } from '../../lib/progress.js';
import type { InitrdSpec } from '../../system/initrd-spec.js';
import type { InitramfsEntry } from './archive-plan.js';
import { findHostProgram, hostPathEntries } from './host-files.js';
import { kernelModuleEntries, readModuleTree, resolveModuleClosure } from './kernel-modules.js';
import { hostLibrarySearch, resolveElfClosure, type ElfClosure } from './resolve-libraries.js';
import { writeInitramfs, type WriteInitramfsOptions, type WrittenInitramfs } from './write-initramfs.js';

/** What an initramfs holds, with host paths absolute. */
export interface InitrdContents {
  /** Programs by name (searched) or absolute path, optionally put elsewhere (`to`). */
  readonly programs: readonly { readonly from: string; readonly to?: string }[];
  /** Libraries loaded with dlopen: names searched like the loader does, or absolute paths. */
  readonly libraries: readonly string[];
  /** More folders searched for libraries (where LD_LIBRARY_PATH stands). */
  readonly libraryPath: readonly string[];
  /** A kernel's modules directory (lib/modules/<release>) and the modules to carry from it. */
  readonly modules?: { readonly directory: string; readonly include: readonly string[] };
  /** Files, directories, symlinks and devices given as they are. */
  readonly entries: readonly InitramfsEntry[];
}

/** The contents a (loaded, validated) initrd spec describes. */
export function contentsOfSpec(spec: InitrdSpec): InitrdContents {
  const mode = (value: number | undefined) => (value === undefined ? {} : { mode: value });
  const entries: InitramfsEntry[] = [
    ...spec.directories.map((d): InitramfsEntry => (typeof d === 'string' ? { kind: 'directory', path: d } : { kind: 'directory', path: d.path, ...mode(d.mode) })),
    ...spec.files.map((f): InitramfsEntry => (f.from === undefined ? { kind: 'file', path: f.to, data: f.text ?? '', ...mode(f.mode) } : { kind: 'file', path: f.to, source: f.from, ...mode(f.mode) })),
    ...spec.symlinks.map((l): InitramfsEntry => ({ kind: 'symlink', path: l.path, target: l.target })),
    ...spec.devices.map((d): InitramfsEntry => ({ kind: 'device', path: d.path, device: d.type, major: d.major, minor: d.minor, ...mode(d.mode) })),
  ];
  return {
    programs: spec.programs.map((p) => (typeof p === 'string' ? { from: p } : p.to === undefined ? { from: p.from } : { from: p.from, to: p.to })),
    libraries: spec.libraries,
    libraryPath: spec.libraryPath,
    ...(spec.modules === undefined ? {} : { modules: spec.modules }),
    entries,
  };
}

export interface CollectedInitrd {
  readonly entries: readonly InitramfsEntry[];
  /** Each program as asked for and the host path it was found at. */
  readonly programs: readonly { readonly from: string; readonly path: string }[];
  /** The ELF objects copied (programs, interpreters, libraries) and which names led to which files. */
  readonly elf: ElfClosure;
  readonly modules?: { readonly release: string; readonly names: readonly string[]; readonly builtin: readonly string[] };
}

export interface CollectOptions {
  readonly onProgress?: OnProgress;
  /** The loader configuration to read (default /etc/ld.so.conf). */
  readonly ldSoConf?: string;
}

/** Finds everything on the host and returns the entries; nothing is written. */
export async function collectInitrdEntries(contents: InitrdContents, options: CollectOptions = {}): Promise<CollectedInitrd> {
  const onProgress = options.onProgress;
  const entries: InitramfsEntry[] = [...contents.entries];
  const programs: { from: string; path: string }[] = [];
  for (const program of contents.programs) programs.push({ from: program.from, path: await findHostProgram(program.from) });

  const search = await hostLibrarySearch({ extra: contents.libraryPath, ...(options.ldSoConf === undefined ? {} : { ldSoConf: options.ldSoConf }) });
  if (programs.length > 0 || contents.libraries.length > 0) {
    onProgress?.({ kind: 'phase', phase: 'libraries', title: `Finding the libraries of ${programs.length} program${programs.length === 1 ? '' : 's'}` });
  }
  const elf = await resolveElfClosure(
    programs.map((p) => p.path),
    contents.libraries,
    search,
  );
  // Each program where it was asked to go; everything else it needs (interpreters, libraries) at its host path.
  for (const [index, program] of contents.programs.entries()) {
    entries.push(...(await hostPathEntries(programs[index]!.path, program.to === undefined ? {} : { as: program.to })));
  }
  const asked = new Set(programs.map((p) => p.path));
  for (const object of elf.objects) if (!asked.has(object.path)) entries.push(...(await hostPathEntries(object.path)));

  let modules: CollectedInitrd['modules'];
  if (contents.modules !== undefined) {
    onProgress?.({ kind: 'phase', phase: 'modules', title: `Finding kernel modules in ${contents.modules.directory}` });
    const tree = await readModuleTree(contents.modules.directory);
    const closure = await resolveModuleClosure(tree, contents.modules.include, onProgress);
    for (const name of closure.builtin) onProgress?.({ kind: 'log', message: `kernel module ${name} is built into ${tree.release}: nothing to carry` });
    for (const name of closure.unresolvedSoftdeps) onProgress?.({ kind: 'warning', message: `no module of ${tree.release} provides ${name}, a soft dependency; modprobe will skip it too` });
    entries.push(...(await kernelModuleEntries(tree, closure)));
    modules = { release: tree.release, names: closure.modules.map((m) => m.name), builtin: closure.builtin };
  }
  return { entries, programs, elf, ...(modules === undefined ? {} : { modules }) };
}

export interface BuiltInitrd extends WrittenInitramfs {
  readonly collected: CollectedInitrd;
}

/** Collects the contents and writes the initramfs. */
export async function buildInitrd(contents: InitrdContents, options: WriteInitramfsOptions & Pick<CollectOptions, 'ldSoConf'>): Promise<BuiltInitrd> {
  const collected = await collectInitrdEntries(contents, options);
  const written = await writeInitramfs(collected.entries, options);
  return { ...written, collected };
}
