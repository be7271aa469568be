/**
 * Profiles and generations, the NixOS way: generation N of profile P is the symlink `P-N-link` pointing at a
 * system toplevel in the store, and `P` points at the current generation's link. The date of a generation is
 * the modification time of its link. Reading is tolerant (every broken generation becomes a Problem, the
 * rest stays usable); writing replaces links atomically.
 */
import { lstat, lutimes, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, ValidationError, errnoCode, type Problem } from '../lib/errors.js';
import { symlinkAtomic } from '../lib/atomic-file.js';
import { mapConcurrent } from '../lib/map-concurrent.js';
import { decodeBootDocument, type BootDocument } from './bootspec.js';
import { hostPath, resolveSystemPath, type ComponentCache } from './root-path.js';

export const DEFAULT_PROFILE = '/cairn/var/profiles/system';

export interface Generation {
  readonly number: number;
  /** System path of the generation's link, `<profile>-<N>-link`. */
  readonly link: string;
  /** System path of the toplevel the link resolves to. */
  readonly toplevel: string;
  /** When the generation was made: the link's modification time. */
  readonly date: Date;
  readonly document: BootDocument;
}

export interface Profile {
  readonly root: string;
  /** System path of the profile link, e.g. /cairn/var/profiles/system. */
  readonly profile: string;
  /** Readable generations, oldest first. */
  readonly generations: readonly Generation[];
  /** The generation the profile points at, if any. */
  readonly current: number | undefined;
  /** Numbers of every generation link, readable or not (new generations are numbered after all of them). */
  readonly allNumbers: readonly number[];
  /** Where every generation link resolves to (system paths), readable or not: the roots of the store. */
  readonly linkTargets: readonly string[];
  /** What could not be read: a dangling link, a broken boot.json, a duplicate number. */
  readonly problems: readonly Problem[];
}

function checkProfilePath(profile: string): void {
  if (!profile.startsWith('/') || profile.endsWith('/') || posix.basename(profile) === '' || profile.includes('\0')) {
    throw new UserError(`invalid profile path "${profile}"`, { hint: 'give an absolute path such as /cairn/var/profiles/system' });
  }
}

function linkName(profile: string, number: number): string {
  return `${posix.basename(profile)}-${number}-link`;
}

export function generationLink(profile: string, number: number): string {
  return posix.join(posix.dirname(profile), linkName(profile, number));
}

/** Reads a profile and all its generations. A profile that does not exist yet has no generations. */
export async function readProfile(root: string, profile: string): Promise<Profile> {
  checkProfilePath(profile);
  const directory = posix.dirname(profile);
  const base = posix.basename(profile);
  const problems: Problem[] = [];
  let names: string[];
  try {
    names = await readdir(hostPath(root, directory));
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { root, profile, generations: [], current: undefined, allNumbers: [], linkTargets: [], problems };
    if (errnoCode(error) === 'ENOTDIR') {
      throw new UserError(`${hostPath(root, directory)}: the profile's directory is not a directory`, { hint: 'check --profile and --root' });
    }
    throw error;
  }
  const pattern = new RegExp(`^${escapeRegExp(base)}-(\\d+)-link$`);
  const byNumber = new Map<number, string>();
  for (const name of names.sort()) {
    const match = pattern.exec(name);
    if (!match) continue;
    const number = Number(match[1]);
    const other = byNumber.get(number);
    if (other !== undefined) {
      problems.push({
        file: hostPath(root, posix.join(directory, name)),
        path: '',
        message: `duplicate generation number ${number} (also ${other}); remove one of the two links`,
      });
      continue;
    }
    byNumber.set(number, name);
  }

  const generations: Generation[] = [];
  const linkTargets: string[] = [];
  // Generations are read concurrently (a profile may hold a thousand), then assembled in number order.
  const components: ComponentCache = new Map();
  const read = await mapConcurrent([...byNumber].sort((a, b) => a[0] - b[0]), 32, async ([number, name]) => {
    const link = posix.join(directory, name);
    const own: Problem[] = [];
    const target = await resolveSystemPath(root, link, { cache: components });
    return { target, generation: await readGeneration(root, number, link, target, own), problems: own };
  });
  for (const { target, generation, problems: own } of read) {
    linkTargets.push(target);
    if (generation !== undefined) generations.push(generation);
    problems.push(...own);
  }
  const current = await readCurrent(root, profile, generations, problems);
  return { root, profile, generations, current, allNumbers: [...byNumber.keys()].sort((a, b) => a - b), linkTargets, problems };
}

async function readGeneration(root: string, number: number, link: string, toplevel: string, problems: Problem[]): Promise<Generation | undefined> {
  const linkHost = hostPath(root, link);
  const stat = await lstat(linkHost);
  if (!stat.isSymbolicLink()) {
    problems.push({ file: linkHost, path: '', message: `generation ${number} is not a symlink; it should point at a system toplevel` });
    return undefined;
  }
  const toplevelHost = hostPath(root, toplevel);
  let toplevelStat;
  try {
    toplevelStat = await lstat(toplevelHost);
  } catch {
    problems.push({ file: linkHost, path: '', message: `generation ${number} points nowhere (${await readlink(linkHost)} does not exist under the root)` });
    return undefined;
  }
  if (!toplevelStat.isDirectory()) {
    problems.push({ file: linkHost, path: '', message: `generation ${number} points at ${toplevelHost}, which is not a directory` });
    return undefined;
  }
  const bootJson = posix.join(toplevelHost, 'boot.json');
  let text: string;
  try {
    text = await readFile(bootJson, 'utf8');
  } catch (error) {
    const why = errnoCode(error) === 'ENOENT' ? 'has no boot.json (bootspec v1)' : `boot.json cannot be read: ${(error as Error).message}`;
    problems.push({ file: bootJson, path: '', message: `generation ${number} ${why}` });
    return undefined;
  }
  try {
    const document = await decodeBootDocument(text, bootJson);
    return { number, link, toplevel, date: stat.mtime, document };
  } catch (error) {
    if (error instanceof ValidationError) {
      problems.push(...error.problems);
      return undefined;
    }
    throw error;
  }
}

async function readCurrent(root: string, profile: string, generations: readonly Generation[], problems: Problem[]): Promise<number | undefined> {
  const host = hostPath(root, profile);
  let target: string;
  try {
    target = await readlink(host);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    if (errnoCode(error) === 'EINVAL') {
      problems.push({ file: host, path: '', message: 'the profile is not a symlink; it should point at the current generation link' });
      return undefined;
    }
    throw error;
  }
  const match = new RegExp(`^(?:.*/)?${escapeRegExp(posix.basename(profile))}-(\\d+)-link$`).exec(target);
  if (match) {
    const number = Number(match[1]);
    if (generations.some((g) => g.number === number)) return number;
    problems.push({ file: host, path: '', message: `the profile points at generation ${number} (${target}), which is missing or unreadable` });
    return undefined;
  }
  // Some setups point the profile straight at a toplevel: the current generation is the newest one there.
  const resolved = await resolveSystemPath(root, profile);
  const matching = generations.filter((g) => g.toplevel === resolved);
  if (matching.length > 0) return matching[matching.length - 1]!.number;
  problems.push({ file: host, path: '', message: `the profile points at ${target}, which is not one of its generations` });
  return undefined;
}

/** Throws every problem of a profile at once, for commands that need every generation to be readable. */
export function assertReadable(profile: Profile): void {
  if (profile.problems.length > 0) {
    throw new ValidationError(profile.problems, { hint: 'repair or delete the broken generations (cairn generation delete N)' });
  }
}

/** Creates generation `max + 1` pointing at `toplevel`, dated `date`, and makes it current. Returns its number. */
export async function addGeneration(root: string, profile: Profile, toplevel: string, date: Date): Promise<number> {
  const number = Math.max(0, ...profile.allNumbers) + 1;
  const link = generationLink(profile.profile, number);
  const host = hostPath(root, link);
  try {
    await lstat(host);
    throw new UserError(`${host} already exists`, { hint: 'remove the stray link, then try again' });
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  await mkdir(posix.dirname(host), { recursive: true });
  await symlinkAtomic(toplevel, host);
  await lutimes(host, date, date);
  await switchGeneration(root, profile.profile, number);
  return number;
}

/** Points the profile at generation `number` (its link must exist). */
async function switchGeneration(root: string, profile: string, number: number): Promise<void> {
  await symlinkAtomic(linkName(profile, number), hostPath(root, profile));
}

/** Makes the generation before the current one current; returns [from, to]. */
export async function rollback(root: string, profile: Profile): Promise<[number, number]> {
  if (profile.current === undefined) {
    throw new UserError(`${hostPath(root, profile.profile)} has no current generation to roll back from`, {
      hint: 'point the profile at a generation first (cairn generation add)',
    });
  }
  const previous = profile.generations.filter((g) => g.number < profile.current!).at(-1);
  if (previous === undefined) {
    throw new UserError(`generation ${profile.current} is the oldest generation of ${hostPath(root, profile.profile)}; there is nothing to roll back to`);
  }
  await switchGeneration(root, profile.profile, previous.number);
  return [profile.current, previous.number];
}

/** The generations `delete --keep N` removes: all but the N newest, never the current one. */
export function generationsBeyond(profile: Profile, keep: number): number[] {
  const numbers = [...profile.allNumbers].sort((a, b) => b - a);
  return numbers.slice(keep).filter((n) => n !== profile.current).sort((a, b) => a - b);
}

/** Removes generation links. Refuses the current generation and unknown numbers before removing anything. */
export async function deleteGenerations(root: string, profile: Profile, numbers: readonly number[]): Promise<void> {
  const problems: Problem[] = [];
  const file = hostPath(root, profile.profile);
  for (const number of numbers) {
    if (number === profile.current) problems.push({ file, path: '', message: `generation ${number} is the current generation and cannot be deleted; roll back or switch first` });
    else if (!profile.allNumbers.includes(number)) problems.push({ file, path: '', message: `generation ${number} does not exist (existing: ${profile.allNumbers.join(', ') || 'none'})` });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  for (const number of numbers) await rm(hostPath(root, generationLink(profile.profile, number)), { force: true });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
