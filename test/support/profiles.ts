/**
 * Profiles for boot entry tests: in memory (for the pure entry model and renderers) and on disk (real
 * store entries and generation links made with Cairn's own `generation add` code, for ESP updates).
 */
import type { BootDocument, BootspecV1 } from '../../system/bootspec.js';
import { DEFAULT_PROFILE, addGeneration, readProfile, type Generation, type Profile } from '../../system/profile.js';
import { DEFAULT_STORE } from '../../system/store.js';
import { buildToplevel } from '../../system/toplevel.js';

export interface FakeGeneration {
  readonly number: number;
  readonly date?: Date;
  readonly label?: string;
  readonly kernel?: string;
  readonly initrd?: string | null;
  readonly params?: readonly string[];
  readonly specialisations?: Readonly<Record<string, Partial<BootspecV1>>>;
}

/** A bootspec for generation `number` with the usual store-looking paths, overridable field by field. */
export function fakeBootspec(number: number, overrides: Partial<BootspecV1> = {}): BootspecV1 {
  const toplevel = `/cairn/store/${String(number).padStart(32, 'a').replace(/[eotu]/g, 'a')}-cairn-system`;
  return {
    system: 'x86_64-linux',
    init: `${toplevel}/init`,
    initrd: '/cairn/store/0000000000000000000000000000000i-initrd/initrd',
    kernel: '/cairn/store/0000000000000000000000000000000k-linux-6.1.0/bzImage',
    kernelParams: ['console=ttyS0,115200'],
    label: 'Cairn 1.0 (Linux 6.1.0)',
    toplevel,
    ...overrides,
  };
}

/** A profile held in memory; generation dates default to 2026-11-20 plus N days (UTC). */
export function fakeProfile(generations: readonly FakeGeneration[], current?: number): Profile {
  const made: Generation[] = [...generations]
    .sort((a, b) => a.number - b.number)
    .map((g) => {
      const overrides: Partial<BootspecV1> = {
        ...(g.label === undefined ? {} : { label: g.label }),
        ...(g.kernel === undefined ? {} : { kernel: g.kernel }),
        ...(g.params === undefined ? {} : { kernelParams: g.params }),
      };
      let bootspec = fakeBootspec(g.number, overrides);
      if (g.initrd === null) {
        const { initrd: _omitted, ...rest } = bootspec;
        bootspec = rest;
      } else if (g.initrd !== undefined) bootspec = { ...bootspec, initrd: g.initrd };
      const specialisations: Record<string, BootDocument> = {};
      for (const [name, spec] of Object.entries(g.specialisations ?? {})) {
        const toplevel = `${bootspec.toplevel}-specialisation-${name}`;
        specialisations[name] = { bootspec: { ...bootspec, toplevel, init: `${toplevel}/init`, ...spec }, specialisations: {}, extensions: {} };
      }
      return {
        number: g.number,
        link: `${DEFAULT_PROFILE}-${g.number}-link`,
        toplevel: bootspec.toplevel,
        date: g.date ?? new Date(Date.UTC(2026, 10, 20 + g.number, 12, 0, 0)),
        document: { bootspec, specialisations, extensions: {} },
      };
    });
  return {
    root: '/',
    profile: DEFAULT_PROFILE,
    generations: made,
    current: current ?? made.at(-1)?.number,
    allNumbers: made.map((g) => g.number),
    linkTargets: made.map((g) => g.toplevel),
    problems: [],
  };
}

export interface DiskGeneration {
  /** Host paths of the kernel and initrd to store. */
  readonly kernel: string;
  readonly initrd?: string;
  readonly params?: readonly string[];
  readonly label?: string;
  readonly date?: Date;
}

/** Adds a generation under `root` as `cairn generation add` does; returns its number. */
export async function addDiskGeneration(root: string, generation: DiskGeneration): Promise<number> {
  const built = await buildToplevel(
    { root, store: DEFAULT_STORE },
    {
      kernel: generation.kernel,
      ...(generation.initrd === undefined ? {} : { initrd: generation.initrd }),
      kernelParams: [...(generation.params ?? [])],
      ...(generation.label === undefined ? {} : { label: generation.label }),
    },
  );
  const profile = await readProfile(root, DEFAULT_PROFILE);
  const date = generation.date ?? new Date(Date.UTC(2026, 10, 20, 12, 0, 0));
  return addGeneration(root, profile, built.toplevel, date);
}
