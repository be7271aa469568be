/**
 * The image spec (`image.yaml`) as a schema (zod): what `cairn config schema image` exports, and what words the
 * problems of a spec that image-spec.ts's own check does not accept (that check accepts only what this does).
 */
import { z } from 'zod';
import { imagePathNames } from './image-path.js';
import { ANSWERS_PARAM, MEDIUM_ANSWERS_PATH } from './live-medium.js';
import { secureBootOn } from './secure-boot/secure-boot-choice.js';
import { secureBootSchema } from './secure-boot/secure-boot-schema.js';
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
