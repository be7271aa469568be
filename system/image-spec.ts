/**
 * The image spec (`image.yaml`): what goes on an ISO. The volume id and the files, each a host file or
 * directory (`from`, relative to the spec's folder) placed at a path inside the image (`to`); and for a
 * bootable ISO the profile whose generations it carries (`root`, `profile`, `generations`) and the boot
 * setup (`boot`); for an installer ISO the answers its live installer finds on the medium (`installer`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../lib/errors.js';
import { validate } from '../lib/schema.js';
import { readUserFile } from '../lib/user-file.js';
import { loadYamlFile, parseYaml } from '../lib/yaml.js';
import { decodeAnswers, type Answers } from './answers.js';
import { imagePathNames } from './image-path.js';
import { secureBootOn, secureBootSchema, signedChainPathsOf, type SignedChainPaths } from './secure-boot/secure-boot-choice.js';
import { ANSWERS_PARAM, MEDIUM_ANSWERS_PATH } from './live-medium.js';
import { MAX_VOLUME_ID_LENGTH, VOLUME_ID_PATTERN } from './volume-id.js';


const targetPath = z
  .string()
  .min(1)
  .regex(/^\//)
  .superRefine((value, context) => {
    if (!value.startsWith('/')) return;
    const parsed = imagePathNames(value);
    if ('error' in parsed) context.addIssue({ code: 'custom', message: `"${value}" ${parsed.error}` });
  })
  .describe('an absolute path inside the image, e.g. /boot/vmlinuz or / for the root');

const sourcePath = z
  .string()
  .min(1)
  .refine((value) => !value.includes('\u0000'), { message: 'contains a NUL character' })
  .describe('a host file or directory, relative to the spec file\'s folder or absolute');

const imageFileEntrySchema = z
  .strictObject({
    from: sourcePath,
    to: targetPath,
  })
  .describe('a file or directory to put on the image: from (host path) and to (path inside the image)');

const absoluteSystemPath = z.string().regex(/^\/[^\0]*$/).describe('an absolute path as the system sees it');

const generationSelectionSchema = z
  .union([z.literal('all'), z.array(z.number().int().positive()).min(1), z.strictObject({ newest: z.number().int().positive() })])
  .describe('all (default), a list of generation numbers, or {newest: N}');

const imageBootSchema = z
  .strictObject({
    bios: z.boolean().default(true).describe('boot on BIOS machines with isolinux (syslinux packages); default true'),
    uefi: z.boolean().default(true).describe('boot on UEFI machines with systemd-boot (systemd-boot-efi package); default true'),
    timeout: z.number().int().min(0).max(3600).default(10).describe('seconds before the default entry boots; default 10'),
    serial: z.boolean().default(true).describe('also show the menus on the first serial port at 115200 baud; default true'),
    kernelParams: z.array(z.string().min(1)).default([]).describe('parameters added to every entry, after the generation\'s own'),
    isolinux: z.string().min(1).optional().describe('the directory holding isolinux.bin, isohdpfx.bin and the syslinux BIOS modules (default: searched)'),
    systemdBoot: z.string().min(1).optional().describe('systemd-bootx64.efi (default: searched)'),
    secureBoot: secureBootSchema.default(false),
  })
  .describe('how the ISO boots');

export const imageInstallerSchema = z
  .strictObject({
    answers: sourcePath.describe(`an answers file (see cairn config schema answers), relative to this file: put on the ISO as ${MEDIUM_ANSWERS_PATH}, where the live installer reads it; with confirm: true it installs without a question`),
  })
  .describe('what the live installer of this ISO finds on the medium');

export const imageSpecSchema = z
  .strictObject({
    volumeId: z
      .string()
      .min(1)
      .max(MAX_VOLUME_ID_LENGTH)
      .regex(VOLUME_ID_PATTERN)
      .describe('the volume id: 1 to 32 characters of A-Z, 0-9 and _, e.g. CAIRN_LIVE'),
    root: z.string().min(1).default('/').describe('the directory absolute store and profile paths resolve under, relative to this file (default /)'),
    profile: absoluteSystemPath.optional().describe('the profile whose generations the ISO carries and boots, e.g. /cairn/var/profiles/system'),
    store: absoluteSystemPath.default('/cairn/store').describe('the store the profile\'s generations live in (default /cairn/store)'),
    generations: generationSelectionSchema.default('all'),
    boot: imageBootSchema.optional(),
    files: z.array(imageFileEntrySchema).default([]).describe('the files and directories to put on the image'),
    installer: imageInstallerSchema.optional(),
  })
  .superRefine((spec, context) => {
    if (spec.boot !== undefined && spec.profile === undefined) {
      context.addIssue({ code: 'custom', path: ['boot'], message: 'a bootable ISO needs the generations it boots: add profile (e.g. /cairn/var/profiles/system)' });
    }
    if (spec.installer !== undefined && spec.boot === undefined) {
      context.addIssue({ code: 'custom', path: ['installer'], message: 'answers are for the live installer of a bootable ISO: add boot (and the profile whose installer reads them), or leave installer out' });
    }
    spec.files.forEach((entry, index) => {
      if (spec.installer !== undefined && entry.to === MEDIUM_ANSWERS_PATH) {
        context.addIssue({ code: 'custom', path: ['files', index, 'to'], message: `${MEDIUM_ANSWERS_PATH} is where installer.answers goes: put this file elsewhere (a kernel parameter ${ANSWERS_PARAM}=PATH names another answers file on the medium)` });
      }
    });
    if (spec.boot !== undefined && !spec.boot.bios && !spec.boot.uefi) {
      context.addIssue({ code: 'custom', path: ['boot'], message: 'bios and uefi are both false: the ISO would not boot; set one to true, or leave boot out' });
    }
    if (spec.boot !== undefined && secureBootOn(spec.boot.secureBoot)) {
      if (!spec.boot.uefi) {
        context.addIssue({ code: 'custom', path: ['boot', 'secureBoot'], message: 'Secure Boot is a UEFI feature, and uefi is false: set uefi: true, or leave secureBoot out' });
      }
      if (spec.boot.systemdBoot !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['boot', 'systemdBoot'],
          message: "a Secure Boot ISO boots shim and the distribution-signed GRUB, not systemd-boot (which no distribution signs in bookworm): leave systemdBoot out, or secureBoot",
        });
      }
    }
  })
  .describe('a Cairn image spec (image.yaml)');

export type ImageSpec = z.output<typeof imageSpecSchema>;

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

/** Validates spec text; every problem is reported at once with the file, line and key path. */
export function decodeImageSpec(text: string, file: string): LoadedImageSpec {
  return resolveImageSpec(validate(imageSpecSchema, parseYaml(text, file)), file);
}

/** Reads and validates a spec, and the answers file it puts on the medium (every problem of it at once, nothing built). */
export async function loadImageSpec(file: string): Promise<LoadedImageSpec> {
  const loaded = resolveImageSpec(validate(imageSpecSchema, await loadYamlFile(file)), file);
  const answers = loaded.files.find((entry) => entry.to === MEDIUM_ANSWERS_PATH);
  if (answers !== undefined) checkMediumAnswers(await readUserFile(answers.from, 'answers file'), answers.from, answers.key);
  return loaded;
}

/**
 * Answers that go on a medium must stand alone there: valid, and with no layout file beside them (the
 * medium carries the answers file only). Every problem is reported with the answers file's name.
 */
export function checkMediumAnswers(text: string, file: string, key: string): Answers {
  const answers = decodeAnswers(text, file);
  if (typeof answers.layout === 'object' && 'file' in answers.layout) {
    throw new ValidationError([{ file, path: 'layout', message: `names the layout file ${answers.layout.file}, which is not put on the medium with the answers (${key}): write the layout inline, or use guided` }]);
  }
  return answers;
}

function resolveImageSpec(spec: ImageSpec, file: string): LoadedImageSpec {
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
