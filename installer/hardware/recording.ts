/**
 * Recording and replaying a machine. A recording is a directory holding every raw input detection read:
 *
 *   cairn-recording.json          format, version, the read errors met (replayed as they happened)
 *   files/sys/..., files/proc/... the /sys, /proc, /dev/disk and /run/udev entries read, with the symlinks
 *                                 crossed on the way (sysfs links are relative, so they work as they did)
 *   systeminformation/<call>.json each systeminformation result
 *
 * Detection against a replayed recording reads exactly what it read on the machine, so it gives the same
 * report. A recording is written under a temporary name and renamed when complete.
 */
import { lstat, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { z } from 'zod';
import { UserError, errnoCode, messageOf } from '../../lib/errors.js';
import { validate } from '../../lib/schema.js';
import { fileReadError } from '../../lib/user-file.js';
import { parseYaml } from '../../lib/yaml.js';
import { resolveSystemPath } from '../../system/root-path.js';
import { absentAsUndefined, replayFileTree, rootedFileTree, type FileTree } from './file-tree.js';
import {
  liveSystemInformation,
  systemInformationVersion,
  type JsonValue,
  type SystemInformationCall,
  type SystemInformationSource,
} from './system-information.js';

export const RECORDING_MANIFEST = 'cairn-recording.json';
const RECORDING_FORMAT = 'cairn-hardware-recording';

const manifestSchema = z.strictObject({
  format: z.literal(RECORDING_FORMAT).describe(`"${RECORDING_FORMAT}"`),
  version: z.literal(1),
  systeminformation: z.string().optional().describe('the systeminformation version that made the recording'),
  note: z.string().optional().describe('free text: where the recording came from'),
  errors: z.record(z.string(), z.string()).default({}).describe('path -> "CODE: message" of the reads that failed'),
});

export type RecordingManifest = z.output<typeof manifestSchema>;

/** Where detection reads from: this machine, a recording being made, or a replayed recording. */
export interface HardwareSource {
  readonly files: FileTree;
  readonly systemInformation: SystemInformationSource;
}

export function liveHardwareSource(): HardwareSource {
  return { files: rootedFileTree('/'), systemInformation: liveSystemInformation() };
}

/** This machine, or the recording in `from` when given. */
export function openHardwareSource(from: string | undefined): Promise<HardwareSource> {
  return from === undefined ? Promise.resolve(liveHardwareSource()) : openRecording(from);
}

/** Opens a recording made by `cairn detect --record` (or made by hand in the same layout). */
export async function openRecording(directory: string): Promise<HardwareSource> {
  const manifestPath = join(directory, RECORDING_MANIFEST);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
      const exists = await lstat(directory).then(() => true, () => false);
      throw new UserError(exists ? `${directory}: not a Cairn hardware recording (it has no ${RECORDING_MANIFEST})` : `${directory}: no such directory`, {
        hint: 'make a recording with: cairn detect --record DIR',
      });
    }
    throw fileReadError(manifestPath, error);
  }
  // JSON is YAML, and the YAML loader gives the line of each problem.
  const manifest = validate(manifestSchema, parseYaml(text, manifestPath));
  const siDirectory = join(directory, 'systeminformation');
  return {
    files: replayFileTree(join(directory, 'files'), manifest.errors),
    systemInformation: {
      async call(name) {
        const recordedError = manifest.errors[`systeminformation/${name}`];
        if (recordedError !== undefined) throw new Error(recordedError);
        const file = join(siDirectory, `${name}.json`);
        const content = await absentAsUndefined(() => readFile(file, 'utf8'));
        if (content === undefined) throw new Error(`systeminformation/${name}.json is missing from the recording`);
        try {
          return JSON.parse(content) as JsonValue;
        } catch (error) {
          throw new Error(`systeminformation/${name}.json is not valid JSON: ${messageOf(error)}`);
        }
      },
    },
  };
}

export interface HardwareRecorder {
  /** Reads this machine and copies everything read into the recording. */
  readonly source: HardwareSource;
  /** Writes the manifest and moves the recording into place; returns how many files it holds. */
  finish(): Promise<{ readonly directory: string; readonly files: number }>;
  /** Removes the partial recording (after a failure). */
  abandon(): Promise<void>;
}

/**
 * Starts a recording into `directory`, which must not exist or be empty: nothing is ever overwritten. The
 * recording is made under a temporary name beside it and renamed by finish().
 */
export async function startRecording(directory: string): Promise<HardwareRecorder> {
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
  await mkdir(join(partial, 'systeminformation'));
  const errors: Record<string, string> = {};
  const live = liveHardwareSource();
  const files = recordingFileTree(live.files, join(partial, 'files'), errors);
  const systemInformation: SystemInformationSource = {
    async call(name: SystemInformationCall) {
      try {
        const result = await live.systemInformation.call(name);
        await writeFile(join(partial, 'systeminformation', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
        return result;
      } catch (error) {
        errors[`systeminformation/${name}`] = messageOf(error);
        throw error;
      }
    },
  };
  return {
    source: { files, systemInformation },
    async finish() {
      const manifest: RecordingManifest = {
        format: RECORDING_FORMAT,
        version: 1,
        systeminformation: systemInformationVersion(),
        errors: Object.fromEntries(Object.entries(errors).sort(([a], [b]) => (a < b ? -1 : 1))),
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
