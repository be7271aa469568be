/**
 * The boot entry model (pure): one entry per generation of a profile and per specialisation, newest first,
 * specialisations right after their generation, default = the profile's current generation. Every renderer
 * (systemd-boot, GRUB, syslinux) and every medium (an installed system's ESP, the ISO) starts from this.
 */
import { createHash } from 'node:crypto';
import { DomainError, UserError } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import type { BootspecV1 } from '../system/bootspec.js';
import type { Generation, Profile } from '../system/profile.js';

/** The BLS sort key of every Cairn entry: one group, ordered inside by `version`. */
const CAIRN_SORT_KEY = 'cairn';

export interface BootEntry {
  /**
   * Stable ASCII id, lower case `[a-z0-9._-]`: `cairn-generation-42`, `cairn-generation-42-specialisation-debug`.
   * Used as the BLS entry file name, the GRUB `--id` and the syslinux `LABEL` tag.
   */
  readonly id: string;
  readonly generation: number;
  /** The specialisation's name, for specialisation entries. */
  readonly specialisation: string | undefined;
  /** `Generation 42 - 2026-11-20 - <label>`, `... (specialisation debug)` for a specialisation. */
  readonly title: string;
  /** The bootspec label, as written in boot.json. */
  readonly label: string;
  /** The generation's date, `YYYY-MM-DD` in UTC. */
  readonly date: string;
  /** BLS `sort-key` and `version`: with them systemd-boot lists the entries in this model's order. */
  readonly sortKey: string;
  readonly version: string;
  /** System paths (as the booted system sees them) of the kernel and initrd. */
  readonly kernel: string;
  readonly initrd: string | undefined;
  /** `init=<init>`, the bootspec's kernelParams, then the extra parameters. */
  readonly kernelParams: readonly string[];
  readonly toplevel: string;
}

export interface SkippedBoot {
  readonly generation: number;
  readonly specialisation: string | undefined;
  /** The missing files (system paths). */
  readonly missing: readonly string[];
}

export interface BootMenu {
  /** Newest generation first, each generation's specialisations right after it. */
  readonly entries: readonly BootEntry[];
  readonly defaultId: string;
  /** The generation the default entry boots. */
  readonly defaultGeneration: number;
  /** Generations (or specialisations) left out because a kernel or initrd is missing. */
  readonly skipped: readonly SkippedBoot[];
}

export interface BootMenuOptions {
  /** Parameters added to every entry after the bootspec's own (for example `root=...`). */
  readonly extraParams?: readonly string[];
  /** Keep the N newest generations, plus always the current one. */
  readonly limit?: number;
  /** Only these generation numbers (each must exist). */
  readonly generations?: readonly number[];
  /** Kernel and initrd system paths known to be missing (see findMissingBootFiles). */
  readonly missing?: ReadonlySet<string>;
  /** Receives a warning per skipped generation and when the default is not the current generation. */
  readonly onProgress?: OnProgress;
}

/** Builds the menu. Throws a DomainError when no generation is left to boot. */
export function buildBootMenu(profile: Profile, options: BootMenuOptions = {}): BootMenu {
  const warn = (message: string) => options.onProgress?.({ kind: 'warning', message });
  const missing = options.missing ?? new Set<string>();
  const extra = options.extraParams ?? [];

  let candidates = [...profile.generations].sort((a, b) => b.number - a.number);
  if (options.generations !== undefined) {
    const known = new Set(candidates.map((g) => g.number));
    const unknown = options.generations.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new UserError(`generation${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} not found in ${profile.profile}`, {
        hint: `existing generations: ${[...known].sort((a, b) => a - b).join(', ') || 'none'}`,
      });
    }
    const wanted = new Set(options.generations);
    candidates = candidates.filter((g) => wanted.has(g.number));
  }

  const skipped: SkippedBoot[] = [];
  const bootable: { generation: Generation; entries: BootEntry[] }[] = [];
  for (const generation of candidates) {
    const specs = Object.keys(generation.document.specialisations).sort();
    const absent = missingFiles(generation.document.bootspec, missing);
    if (absent.length > 0) {
      skipped.push({ generation: generation.number, specialisation: undefined, missing: absent });
      warn(`generation ${generation.number} skipped: ${describeMissing(absent)}`);
      continue;
    }
    const entries = [entryFor(generation, undefined, generation.document.bootspec, extra, specs.length + 1)];
    specs.forEach((name, index) => {
      const spec = generation.document.specialisations[name]!.bootspec;
      const specAbsent = missingFiles(spec, missing);
      if (specAbsent.length > 0) {
        skipped.push({ generation: generation.number, specialisation: name, missing: specAbsent });
        warn(`generation ${generation.number}, specialisation ${name} skipped: ${describeMissing(specAbsent)}`);
        return;
      }
      entries.push(entryFor(generation, name, spec, extra, specs.length - index));
    });
    bootable.push({ generation, entries });
  }
  if (bootable.length === 0) {
    const why = candidates.length === 0 ? 'the profile has no generations' : 'every generation misses its kernel or initrd';
    throw new DomainError('no-bootable-generation', `no bootable generation in ${profile.profile}: ${why}`, {
      hint: candidates.length === 0 ? 'add one with cairn generation add' : 'restore the missing files or add a new generation',
    });
  }

  let kept = bootable;
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new UserError(`the limit must be a whole number of at least 1 (got ${options.limit})`);
    kept = bootable.filter((b, index) => index < options.limit! || b.generation.number === profile.current);
  }

  const current = kept.find((b) => b.generation.number === profile.current);
  const chosen = current ?? kept[0]!;
  if (current === undefined) {
    const why =
      profile.current === undefined
        ? 'the profile has no current generation'
        : candidates.some((g) => g.number === profile.current)
          ? `the current generation ${profile.current} cannot be booted`
          : `the current generation ${profile.current} is not among the selected generations`;
    warn(`${why}; the default entry is generation ${chosen.generation.number}`);
  }
  return {
    entries: kept.flatMap((b) => b.entries),
    defaultId: chosen.entries[0]!.id,
    defaultGeneration: chosen.generation.number,
    skipped,
  };
}

/**
 * `version` orders entries inside the sort key, newest first (systemd-boot sorts versions downwards): the
 * generation number, then a position that puts the generation itself before its specialisations.
 */
function entryFor(generation: Generation, specialisation: string | undefined, spec: BootspecV1, extra: readonly string[], position: number): BootEntry {
  const date = generation.date.toISOString().slice(0, 10);
  const base = `Generation ${generation.number} - ${date}`;
  const withLabel = spec.label === '' ? base : `${base} - ${spec.label}`;
  return {
    id: entryId(generation.number, specialisation),
    generation: generation.number,
    specialisation,
    title: specialisation === undefined ? withLabel : `${withLabel} (specialisation ${specialisation})`,
    label: spec.label,
    date,
    sortKey: CAIRN_SORT_KEY,
    version: `${generation.number}.${position}`,
    kernel: spec.kernel,
    initrd: spec.initrd,
    kernelParams: [`init=${spec.init}`, ...spec.kernelParams, ...extra],
    toplevel: spec.toplevel,
  };
}

/**
 * The entry id of a generation or specialisation. Specialisation names may hold characters an id cannot
 * (`+` would read as a BLS boot counter, and FAT file names ignore case), so such names are lower-cased,
 * reduced to `[a-z0-9._-]` and suffixed with a hash of the original name, which keeps ids unique.
 */
export function entryId(generation: number, specialisation?: string): string {
  const base = `cairn-generation-${generation}`;
  if (specialisation === undefined) return base;
  const slug = specialisation.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
  const suffix = slug === specialisation ? '' : `-${createHash('sha256').update(specialisation).digest('hex').slice(0, 8)}`;
  return `${base}-specialisation-${slug}${suffix}`;
}

function missingFiles(spec: BootspecV1, missing: ReadonlySet<string>): string[] {
  return [spec.kernel, spec.initrd].filter((p): p is string => p !== undefined && missing.has(p));
}

function describeMissing(paths: readonly string[]): string {
  return `${paths.join(' and ')} ${paths.length === 1 ? 'is' : 'are'} missing`;
}

/** Every distinct kernel and initrd system path the menu boots, sorted. */
export function bootFilesOf(menu: BootMenu): string[] {
  const paths = new Set<string>();
  for (const entry of menu.entries) {
    paths.add(entry.kernel);
    if (entry.initrd !== undefined) paths.add(entry.initrd);
  }
  return [...paths].sort();
}

/** Every kernel and initrd a profile's generations (and specialisations) name, sorted. */
export function bootFilesOfProfile(profile: Profile): string[] {
  const paths = new Set<string>();
  const visit = (spec: BootspecV1) => {
    paths.add(spec.kernel);
    if (spec.initrd !== undefined) paths.add(spec.initrd);
  };
  for (const generation of profile.generations) {
    visit(generation.document.bootspec);
    for (const spec of Object.values(generation.document.specialisations)) visit(spec.bootspec);
  }
  return [...paths].sort();
}
