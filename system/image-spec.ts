/**
 * The image spec (`image.yaml`): what goes on an ISO. The volume id and the files, each a host file or
 * directory (`from`, relative to the spec's folder) placed at a path inside the image (`to`); and for a
 * bootable ISO the profile whose generations it carries (`root`, `profile`, `generations`) and the boot
 * setup (`boot`); for an installer ISO the answers its live installer finds on the medium (`installer`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { ValidationError } from '../lib/errors.js';
import { strictObject } from '../lib/plain-object.js';
import { readUserFile } from '../lib/user-file.js';
import { loadYamlFile } from '../lib/yaml.js';
import type { Answers } from './answers.js';
import { imagePathNames } from './image-path.js';
import type { ImageSpec } from './image-spec-schema.js';
import { MEDIUM_ANSWERS_PATH } from './live-medium.js';
import { secureBootOn, signedChainPathsOf, validSecureBootChoice, type SignedChainPaths } from './secure-boot/secure-boot-choice.js';
import { MAX_VOLUME_ID_LENGTH, VOLUME_ID_PATTERN } from './volume-id.js';

export type { ImageSpec } from './image-spec-schema.js';

/** A `files` entry with its source resolved on the host and its key path for messages. */
export interface ResolvedFileEntry {
  /** Absolute host path. */
  readonly from: string;
  readonly to: string;
  /** `image.yaml: files[2]`, for messages. */
  readonly key: string;
}

export interface LoadedImageSpec {
  readonly file: string;
  /** The folder relative `from` paths are resolved against. */
  readonly directory: string;
  /** `root` resolved on the host. */
  readonly root: string;
  readonly spec: ImageSpec;
  /** The files to put on the image: the spec's `files`, then the installer's answers at MEDIUM_ANSWERS_PATH. */
  readonly files: readonly ResolvedFileEntry[];
  /** `boot.secureBoot`'s signed files, resolved against the spec's folder; undefined when Secure Boot is off. */
  readonly secureBoot: SignedChainPaths | undefined;
}

/**
 * Reads and validates a spec, and the answers file it puts on the medium (every problem of it at once, nothing
 * built). A valid spec is checked without the schema library (validImageSpec), which `iso build` then never loads
 * (the command's largest module: an empty build started 65 ms sooner without it, its peak memory 5 MiB lower); the
 * schema words the problems of the rest.
 */
export async function loadImageSpec(file: string): Promise<LoadedImageSpec> {
  const yaml = await loadYamlFile(file);
  let spec = validImageSpec(yaml.data);
  if (spec === undefined) {
    const [{ validate }, { imageSpecSchema }] = await Promise.all([import('../lib/schema.js'), import('./image-spec-schema.js')]);
    spec = validate(imageSpecSchema, yaml);
  }
  const loaded = resolveImageSpec(spec, file);
  const answers = loaded.files.find((entry) => entry.to === MEDIUM_ANSWERS_PATH);
  if (answers !== undefined) await checkMediumAnswers(await readUserFile(answers.from, 'answers file'), answers.from, answers.key);
  return loaded;
}

/**
 * Answers that go on a medium must stand alone there: valid, and with no layout file beside them (the
 * medium carries the answers file only). Every problem is reported with the answers file's name.
 */
async function checkMediumAnswers(text: string, file: string, key: string): Promise<Answers> {
  const { decodeAnswers } = await import('./answers.js');
  const answers = decodeAnswers(text, file);
  if (typeof answers.layout === 'object' && 'file' in answers.layout) {
    throw new ValidationError([{ file, path: 'layout', message: `names the layout file ${answers.layout.file}, which is not put on the medium with the answers (${key}): write the layout inline, or use guided` }]);
  }
  return answers;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isPositiveInteger = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
/** Every item of an array passes (a hole is an item too: `every` would skip it). */
const everyItem = (items: unknown[], passes: (item: unknown) => boolean): boolean => Array.from(items).every(passes);
const isSourcePath = (value: unknown): value is string => isString(value) && !value.includes('\u0000');
const isSystemPath = (value: unknown): value is string => isSourcePath(value) && value.startsWith('/');
const isTargetPath = (value: unknown): value is string => isString(value) && value.startsWith('/') && !('error' in imagePathNames(value));

/**
 * The spec imageSpecSchema (image-spec-schema.ts) makes of `raw` when it is valid, with the same defaults; else
 * undefined, and also for what this check does not know to be valid: undefined only ever costs loading the schema,
 * which then decides. test/system/image-spec.test.ts holds the two to the same answers.
 */
export function validImageSpec(raw: unknown): ImageSpec | undefined {
  const fields = strictObject(raw, ['volumeId', 'root', 'profile', 'store', 'generations', 'boot', 'files', 'installer']);
  if (fields === undefined) return undefined;
  const { volumeId, root = '/', profile, store = '/cairn/store', generations = 'all', files = [] } = fields;
  if (!isString(volumeId) || volumeId.length > MAX_VOLUME_ID_LENGTH || !VOLUME_ID_PATTERN.test(volumeId)) return undefined;
  if (!isString(root) || (profile !== undefined && !isSystemPath(profile)) || !isSystemPath(store)) return undefined;
  if (!validGenerations(generations)) return undefined;
  if (!Array.isArray(files)) return undefined;
  const entries: { from: string; to: string }[] = [];
  for (const entry of files) {
    const checked = strictObject(entry, ['from', 'to']);
    if (checked === undefined || !isSourcePath(checked.from) || !isTargetPath(checked.to)) return undefined;
    entries.push({ from: checked.from, to: checked.to });
  }
  const boot = fields.boot === undefined ? undefined : validBoot(fields.boot);
  if (fields.boot !== undefined && boot === undefined) return undefined;
  const installer = fields.installer === undefined ? undefined : strictObject(fields.installer, ['answers']);
  if (fields.installer !== undefined && (installer === undefined || !isSourcePath(installer.answers))) return undefined;
  // The schema's checks across keys: any of them fails, and the schema words it.
  if (boot !== undefined && profile === undefined) return undefined;
  if (installer !== undefined && (boot === undefined || entries.some((entry) => entry.to === MEDIUM_ANSWERS_PATH))) return undefined;
  if (boot !== undefined && ((!boot.bios && !boot.uefi) || (secureBootOn(boot.secureBoot) && (!boot.uefi || boot.systemdBoot !== undefined)))) return undefined;
  return {
    volumeId,
    root,
    ...(profile === undefined ? {} : { profile }),
    store,
    generations: Array.isArray(generations) ? Array.from(generations as number[]) : generations === 'all' ? 'all' : { newest: (generations as { newest: number }).newest },
    ...(boot === undefined ? {} : { boot }),
    files: entries,
    ...(installer === undefined ? {} : { installer: { answers: installer.answers as string } }),
  };
}

function validGenerations(value: unknown): boolean {
  if (value === 'all') return true;
  if (Array.isArray(value)) return value.length > 0 && everyItem(value, isPositiveInteger);
  const newest = strictObject(value, ['newest']);
  return newest !== undefined && isPositiveInteger(newest.newest);
}

function validBoot(raw: unknown): ImageSpec['boot'] | undefined {
  const fields = strictObject(raw, ['bios', 'uefi', 'timeout', 'serial', 'kernelParams', 'isolinux', 'systemdBoot', 'secureBoot']);
  if (fields === undefined) return undefined;
  const { bios = true, uefi = true, timeout = 10, serial = true, kernelParams = [], isolinux, systemdBoot, secureBoot: rawSecureBoot = false } = fields;
  if (typeof bios !== 'boolean' || typeof uefi !== 'boolean' || typeof serial !== 'boolean') return undefined;
  if (!Number.isSafeInteger(timeout) || (timeout as number) < 0 || (timeout as number) > 3600) return undefined;
  if (!Array.isArray(kernelParams) || !everyItem(kernelParams, isString)) return undefined;
  if ((isolinux !== undefined && !isString(isolinux)) || (systemdBoot !== undefined && !isString(systemdBoot))) return undefined;
  const secureBoot = validSecureBootChoice(rawSecureBoot);
  if (secureBoot === undefined) return undefined;
  return {
    bios,
    uefi,
    timeout: timeout as number,
    serial,
    kernelParams: Array.from(kernelParams as string[]),
    ...(isolinux === undefined ? {} : { isolinux }),
    ...(systemdBoot === undefined ? {} : { systemdBoot }),
    secureBoot,
  };
}

/** The spec's paths resolved against its folder, and its files with their keys for messages. */
export function resolveImageSpec(spec: ImageSpec, file: string): LoadedImageSpec {
  const directory = dirname(resolve(file));
  const hostPathOf = (path: string) => (isAbsolute(path) ? resolve(path) : resolve(directory, path));
  return {
    file,
    directory,
    root: isAbsolute(spec.root) ? resolve(spec.root) : resolve(directory, spec.root),
    spec,
    files: [
      ...spec.files.map((entry, index) => ({ from: hostPathOf(entry.from), to: entry.to, key: `${file}: files[${index}]` })),
      ...(spec.installer === undefined ? [] : [{ from: hostPathOf(spec.installer.answers), to: MEDIUM_ANSWERS_PATH, key: `${file}: installer.answers` }]),
    ],
    secureBoot: signedChainPathsOf(spec.boot?.secureBoot, directory),
  };
}
