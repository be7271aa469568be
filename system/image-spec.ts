/**
 * The image spec (`image.yaml`): what goes on an ISO. The volume id and the files, each a host file or
 * directory (`from`, relative to the spec's folder) placed at a path inside the image (`to`); and for a
 * bootable ISO the profile whose generations it carries (`root`, `profile`, `generations`) and the boot
 * setup (`boot`).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { validate } from '../lib/schema.js';
import { loadYamlFile, parseYaml } from '../lib/yaml.js';
import { imagePathNames } from './image-path.js';
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
  })
  .describe('how the ISO boots');

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
  })
  .superRefine((spec, context) => {
    if (spec.boot !== undefined && spec.profile === undefined) {
      context.addIssue({ code: 'custom', path: ['boot'], message: 'a bootable ISO needs the generations it boots: add profile (e.g. /cairn/var/profiles/system)' });
    }
    if (spec.boot !== undefined && !spec.boot.bios && !spec.boot.uefi) {
      context.addIssue({ code: 'custom', path: ['boot'], message: 'bios and uefi are both false: the ISO would not boot; set one to true, or leave boot out' });
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
  readonly files: readonly ResolvedFileEntry[];
}

/** Validates spec text; every problem is reported at once with the file, line and key path. */
export function decodeImageSpec(text: string, file: string): LoadedImageSpec {
  return resolveImageSpec(validate(imageSpecSchema, parseYaml(text, file)), file);
}

export async function loadImageSpec(file: string): Promise<LoadedImageSpec> {
  return resolveImageSpec(validate(imageSpecSchema, await loadYamlFile(file)), file);
}

function resolveImageSpec(spec: ImageSpec, file: string): LoadedImageSpec {
  const directory = dirname(resolve(file));
  return {
    file,
    directory,
    root: isAbsolute(spec.root) ? resolve(spec.root) : resolve(directory, spec.root),
    spec,
    files: spec.files.map((entry, index) => ({
      from: isAbsolute(entry.from) ? resolve(entry.from) : resolve(directory, entry.from),
      to: entry.to,
      key: `${file}: files[${index}]`,
    })),
  };
}
