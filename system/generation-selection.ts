/**
 * Which generations of a profile a spec or an answers file means: `all`, `newest`, a list of numbers, or
 * `{newest: N}`, checked against the profile (every number must exist). The ISO and the installer both
 * select this way; they differ only in whether an explicit list still gets the current generation.
 */
import { DomainError } from '../lib/errors.js';
import type { Profile } from './profile.js';

export type GenerationSelection = 'all' | 'newest' | readonly number[] | { readonly newest: number };

export interface SelectionOptions {
  /** Put before messages: the file the selection comes from (`image.yaml: `), or nothing. */
  readonly where?: string;
  /** What the generations are for, in the message of an empty profile: "to install", "to put on the ISO". */
  readonly purpose: string;
  readonly hint: string;
  /** Add the current generation to an explicit list too (it is always added to `newest` selections). */
  readonly currentWithLists: boolean;
}

export interface SelectedGenerations {
  /** Newest first. */
  readonly generations: number[];
  /** The profile's current generation (the newest when the profile points at none). */
  readonly current: number;
}

export function selectGenerations(profile: Profile, selection: GenerationSelection, options: SelectionOptions): SelectedGenerations {
  const where = options.where ?? '';
  const available = profile.generations.map((g) => g.number).sort((a, b) => b - a);
  if (available.length === 0) {
    throw new DomainError('no-generations', `${where}the profile ${profile.profile} has no generations ${options.purpose}`, { hint: options.hint });
  }
  const current = profile.current ?? available[0]!;
  let chosen: number[];
  if (selection === 'all') chosen = available;
  else if (selection === 'newest') chosen = [available[0]!, current];
  else if (Array.isArray(selection)) {
    const list = selection as readonly number[];
    const unknown = list.filter((n) => !available.includes(n));
    if (unknown.length > 0) {
      throw new DomainError('unknown-generation', `${where}generations: ${unknown.join(', ')} ${unknown.length === 1 ? 'does' : 'do'} not exist in ${profile.profile} (it has ${[...available].reverse().join(', ')})`, {
        expected: available,
        actual: unknown,
      });
    }
    chosen = options.currentWithLists ? [...list, current] : [...list];
  } else {
    // The current generation stays (and stays the default) even when it is not among the newest.
    chosen = [...available.slice(0, (selection as { newest: number }).newest), current];
  }
  return { generations: [...new Set(chosen)].sort((a, b) => b - a), current };
}
