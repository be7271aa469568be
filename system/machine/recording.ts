/**
 * A machine whose files are read (/sys, /proc, /dev/disk, /run/udev): this machine, or a recording of one.
 * A recording is a directory holding every raw input that was read on the machine:
 *
 *   cairn-recording.json          format, version, the read errors met (replayed as they happened)
 *   files/sys/..., files/proc/... the /sys, /proc, /dev/disk and /run/udev entries read, with the symlinks
 *                                 crossed on the way (sysfs links are relative, so they work as they did)
 *   <section>/<name>.json         results of other sources (systeminformation/<call>.json), when any
 *
 * `cairn detect --record` makes a whole hardware recording; `cairn partition disks --record` makes one of
 * the same format that holds only what the disk inventory reads. Reading a replayed recording reads exactly
 * what was read on the machine, so it gives the same report. A recording is written under a temporary name
 * and renamed when complete.
 */
import { lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { z } from 'zod';
import { compareCodePoints } from '../../lib/code-point-order.js';
import { UserError, errnoCode, messageOf } from '../../lib/errors.js';
import { validate } from '../../lib/schema.js';
import { fileReadError } from '../../lib/user-file.js';
import { parseYaml } from '../../lib/yaml.js';
import { resolveSystemPath } from '../root-path.js';
import { absentAsUndefined, replayFileTree, rootedFileTree, type FileTree } from './file-tree.js';

const RECORDING_MANIFEST = 'cairn-recording.json';
const RECORDING_FORMAT = 'cairn-hardware-recording';

/** How recordings in the format before this one are converted (they held lsblk's JSON and the by-id links). */
const CONVERT_OLD_RECORDING_COMMAND = 'node --import tsx scripts/convert-disk-recording.ts OLD-DIR NEW-DIR';

const manifestSchema = z.strictObject({
  format: z.literal(RECORDING_FORMAT).describe(`"${RECORDING_FORMAT}"`),
  version: z.literal(1),
  systeminformation: z.string().optional().describe('the systeminformation version that made the recording'),
  note: z.string().optional().describe('free text: where the recording came from'),
  errors: z.record(z.string(), z.string()).default({}).describe('path -> "CODE: message" of the reads that failed'),
});

export type RecordingManifest = z.output<typeof manifestSchema>;

/** A recorded result as JSON: readers take fields defensively, since a recording may be hand-made or old. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The machine whose files are read. */
export interface Machine {
  readonly files: FileTree;
  /** How messages name it: `this machine`, or the recording's directory. */
  readonly origin: string;
  /** Read from a recording: it describes another machine, so nothing found in it is ever written. */
  readonly recorded: boolean;
  /**
   * A recorded result of another source (`systeminformation/cpu`): what was recorded, or the error recorded
   * in its place, thrown again. Undefined on this machine and while recording.
   */
  readonly recordedResult?: (name: string) => Promise<JsonValue>;
}

export function thisMachine(): Machine {
  return { files: rootedFileTree('/'), origin: 'this machine', recorded: false };
}

/** This machine, or the recording in `from` when given. */
export function openMachine(from: string | undefined): Promise<Machine> {
  return from === undefined ? Promise.resolve(thisMachine()) : openRecording(from);
}

/** Opens a recording made by `cairn detect --record` or `cairn partition disks --record` (or by hand in the same layout). */
export async function openRecording(directory: string): Promise<Machine> {
  const manifestPath = join(directory, RECORDING_MANIFEST);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') throw await notARecording(directory);
    throw fileReadError(manifestPath, error);
  }
  // JSON is YAML, and the YAML loader gives the line of each problem.
  const manifest = validate(manifestSchema, parseYaml(text, manifestPath));
  return {
    files: replayFileTree(join(directory, 'files'), manifest.errors),
    origin: resolve(directory),
    recorded: true,
    async recordedResult(name) {
      const recordedError = manifest.errors[name];
      if (recordedError !== undefined) throw new Error(recordedError);
      const content = await absentAsUndefined(() => readFile(join(directory, `${name}.json`), 'utf8'));
      if (content === undefined) throw new Error(`${name}.json is missing from the recording`);
      try {
        return JSON.parse(content) as JsonValue;
      } catch (error) {
        throw new Error(`${name}.json is not valid JSON: ${messageOf(error)}`);
      }
    },
  };
}

/** Why `directory` cannot be opened: missing, a recording in the old disk-inventory format, or something else. */
async function notARecording(directory: string): Promise<UserError> {
  const exists = await lstat(directory).then(
    () => true,
    () => false,
  );
  if (!exists) return new UserError(`${directory}: no such directory`, { hint: 'make a recording with: cairn detect --record DIR (or cairn partition disks --record DIR)' });
  const old = await lstat(join(directory, 'lsblk.json')).then(
    () => true,
    () => false,
  );
  if (old) {
    return new UserError(`${directory}: a disk recording in the old format (lsblk.json and by-id.json), which Cairn no longer reads`, {
      hint: `convert it once, in Cairn's source tree: ${CONVERT_OLD_RECORDING_COMMAND}; or record the machine again with cairn partition disks --record DIR`,
    });
  }
  return new UserError(`${directory}: not a Cairn hardware recording (it has no ${RECORDING_MANIFEST})`, {
    hint: 'make a recording with: cairn detect --record DIR (or cairn partition disks --record DIR)',
  });
}

export interface MachineRecorder {
  /** This machine, read through a tree that copies everything read into the recording. */
  readonly machine: Machine;
  /** Runs `work` and records its result as `<name>.json` (or, when it fails, its error in the manifest). */
  recordResult(name: string, work: () => Promise<JsonValue>): Promise<JsonValue>;
  /** Writes the manifest and moves the recording into place; returns how many files it holds. */
  finish(manifest?: { readonly systeminformation?: string }): Promise<{ readonly directory: string; readonly files: number }>;
  /** Removes the partial recording (after a failure). */
  abandon(): Promise<void>;
}

/**
 * Starts a recording into `directory`, which must not exist or be empty: nothing is ever overwritten. The
 * recording is made under a temporary name beside it and renamed by finish().
 */
export async function startRecording(directory: string): Promise<MachineRecorder> {
  const target = resolve(directory);
  const existing = await absentAsUndefined(() => readdir(target));
  if (existing !== undefined && existing.length > 0) {
    throw new UserError(`${directory}: already exists and is not empty`, { hint: 'record into a new directory, or remove this one first' });
  }
  try {
    await lstat(dirname(target));
  } catch (error) {
    throw fileReadError(dirname(target), error, 'directory');
  }
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(join(partial, 'files'), { recursive: true });
  const errors: Record<string, string> = {};
  const files = recordingFileTree(rootedFileTree('/'), join(partial, 'files'), errors);
  return {
    machine: { files, origin: 'this machine', recorded: false },
    async recordResult(name, work) {
      try {
        const result = await work();
        await mkdir(dirname(join(partial, name)), { recursive: true });
        await writeFile(join(partial, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
        return result;
      } catch (error) {
        errors[name] = messageOf(error);
        throw error;
      }
    },
    async finish(extra = {}) {
      const manifest: RecordingManifest = {
        format: RECORDING_FORMAT,
        version: 1,
        ...extra,
        errors: Object.fromEntries(Object.entries(errors).sort(([a], [b]) => compareCodePoints(a, b))),
      };
      await writeFile(join(partial, RECORDING_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
      const count = await countFiles(partial);
      if (existing !== undefined) await rm(target, { recursive: true });
      await rename(partial, target);
      return { directory: target, files: count };
    },
    abandon: () => rm(partial, { recursive: true, force: true }),
  };
}

/**
 * A FileTree over this machine that copies into `into` whatever each read observed: file contents, the
 * symlinks crossed (so the recorded tree resolves the same way), directories, and the entries of listed
 * directories. /proc/self is recorded as a directory, not as a link to this process's number.
 */
function recordingFileTree(live: FileTree, into: string, errors: Record<string, string>): FileTree {
  const copyPath = (systemPath: string) => join(into, systemPath);
  const recordLink = async (linkPath: string, target: string) => {
    await mkdir(dirname(copyPath(linkPath)), { recursive: true });
    await symlink(target, copyPath(linkPath)).catch((error: unknown) => {
      if (errnoCode(error) !== 'EEXIST') throw error;
    });
  };
  const isProcSelf = (path: string) => /^\/proc\/(self|thread-self)(\/|$)/.test(path);
  /** Records the links on the way to `path` and returns where it leads. */
  const recordChain = (path: string): Promise<string> =>
    isProcSelf(path) ? Promise.resolve(posix.normalize(path)) : resolveSystemPath('/', path, { onLink: recordLink });
  const recordFile = async (systemPath: string, content: Uint8Array, placeholder = false) => {
    await mkdir(dirname(copyPath(systemPath)), { recursive: true });
    await writeFile(copyPath(systemPath), content, { flag: placeholder ? 'wx' : 'w' }).catch((error: unknown) => {
      if (!(placeholder && errnoCode(error) === 'EEXIST')) throw error;
    });
  };
  const recordEntry = async (systemPath: string) => {
    const info = await absentAsUndefined(() => lstat(systemPath));
    if (info === undefined) return;
    if (info.isSymbolicLink()) {
      const target = await live.readLink(systemPath);
      if (target !== undefined) await recordLink(systemPath, target);
    } else if (info.isDirectory()) {
      await mkdir(copyPath(systemPath), { recursive: true });
    } else if (info.isFile()) {
      // Listed but not (yet) read: its name is recorded; a later read fills in the content.
      await recordFile(systemPath, new Uint8Array(), true);
    }
  };
  const noting = async <T>(path: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      const code = errnoCode(error);
      errors[posix.normalize(path)] = code === undefined ? messageOf(error) : `${code}: ${messageOf(error)}`;
      throw error;
    }
  };

  return {
    readFile: (path) =>
      noting(path, async () => {
        const content = await live.readFile(path);
        if (content !== undefined) await recordFile(await recordChain(path), content);
        return content;
      }),
    readLink: (path) =>
      noting(path, async () => {
        const target = await live.readLink(path);
        if (target !== undefined) await recordLink(posix.join(await recordChain(posix.dirname(path)), posix.basename(path)), target);
        return target;
      }),
    realPath: (path) =>
      noting(path, async () => {
        const real = await live.realPath(path);
        if (real === undefined) return undefined;
        const recorded = await recordChain(path);
        const info = await lstat(real);
        if (info.isDirectory()) await mkdir(copyPath(recorded), { recursive: true });
        else if (info.isFile()) await recordFile(recorded, (await live.readFile(real)) ?? new Uint8Array());
        return real;
      }),
    list: (path) =>
      noting(path, async () => {
        const entries = await live.list(path);
        if (entries === undefined) return undefined;
        const directory = await recordChain(path);
        await mkdir(copyPath(directory), { recursive: true });
        for (const entry of entries) await recordEntry(posix.join(directory, entry));
        return entries;
      }),
  };
}

async function countFiles(directory: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (entry.isDirectory()) count += await countFiles(join(directory, entry.name));
    else count++;
  }
  return count;
}
