/**
 * The image spec (`image.yaml`): what goes on an ISO. So far the volume id and the files, each a host file or
 * directory (`from`, relative to the spec's folder) placed at a path inside the image (`to`). Later parts add
 * the profile, the generations and the boot setup.
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

export const imageFileEntrySchema = z
  .strictObject({
    from: sourcePath,
    to: targetPath,
  })
  .describe('a file or directory to put on the image: from (host path) and to (path inside the image)');

export const imageSpecSchema = z
  .strictObject({
    volumeId: z
      .string()
      .min(1)
      .max(MAX_VOLUME_ID_LENGTH)
      .regex(VOLUME_ID_PATTERN)
      .describe('the volume id: 1 to 32 characters of A-Z, 0-9 and _, e.g. CAIRN_LIVE'),
    files: z.array(imageFileEntrySchema).default([]).describe('the files and directories to put on the image'),
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
    spec,
    files: spec.files.map((entry, index) => ({
      from: isAbsolute(entry.from) ? resolve(entry.from) : resolve(directory, entry.from),
      to: entry.to,
      key: `${file}: files[${index}]`,
    })),
  };
}
