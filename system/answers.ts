/**
 * The installer's answers file (`cairn install --answers answers.yaml`): everything an unattended install
 * needs, each key optional but `version`, with a documented default. Validation reports every problem at
 * once with its key path; an inline layout is checked by the layout rules (system/layout.ts) under `layout.`.
 *
 *   version: 1
 *   hostName: box
 *   timeZone: Europe/Berlin
 *   layout: guided            # or a layout file, or an inline layout
 *   users: [{ name: alice, passwordHash: "$6$..." }]
 *   confirm: true
 *   finish: poweroff          # the live installer, after an unattended install: poweroff, reboot or shell
 *   encryption: { passphraseFile: secret.txt }   # the root filesystem in LUKS2 (or { passphrase: ... })
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError, type Problem } from '../lib/errors.js';
import { describeIssues } from '../lib/schema.js';
import { parseByteSize } from '../lib/size.js';
import { parseYaml, type LoadedYaml } from '../lib/yaml.js';
import { FIRMWARE_CHOICES } from './firmware.js';
import { validateLayout, type Layout } from './layout.js';
import { signedChainPathsOf, type SignedChainPaths } from './secure-boot/secure-boot-choice.js';
import { secureBootSchema } from './secure-boot/secure-boot-schema.js';

/** What the live installer does once an unattended install is done (a person chooses on the done screen). */
export const FINISH_ACTIONS = ['poweroff', 'reboot', 'shell'] as const;
export type FinishAction = (typeof FINISH_ACTIONS)[number];

export const ANSWER_SECTIONS = ['welcome', 'keyboard', 'timezone', 'disk', 'layout', 'users', 'generations'] as const;

const CRYPT_HASH = /^\$(6|5)\$(rounds=\d+\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]+$|^\$y\$[./0-9A-Za-z]+\$[./0-9A-Za-z]*\$[./0-9A-Za-z]+$|^!.*$/;

const userSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).describe('a user name: a lower case letter or _, then lower case letters, digits, _ or - (at most 32)'),
    password: z.string().min(1).optional().describe('the password in plain text; hashed (SHA-512 crypt) before anything is written, and never written to disk'),
    passwordHash: z
      .string()
      .regex(CRYPT_HASH)
      .optional()
      .describe('a crypt(3) hash ($6$..., $5$..., $y$...) as made by `openssl passwd -6` or mkpasswd, or ! for a locked account'),
    groups: z.array(z.string().regex(/^[a-z_][a-z0-9_-]*$/)).optional().describe('extra groups, e.g. [wheel]'),
  })
  .refine((u) => !(u.password !== undefined && u.passwordHash !== undefined), { message: 'give password or passwordHash, not both' })
  .describe('a user account');

/** LUKS2 as Cairn makes it (README: "Encrypted root"); fixed, so every encrypted install is the same kind. */
export const LUKS_FORMAT = { type: 'luks2', cipher: 'aes-xts-plain64', keySizeBits: 512, pbkdf: 'argon2id' } as const;
/** The format as the installer's screens and lines name it: "LUKS2, aes-xts-plain64, argon2id". */
export const LUKS_FORMAT_LABEL = `LUKS2, ${LUKS_FORMAT.cipher}, ${LUKS_FORMAT.pbkdf}`;
/** cryptsetup's bounds for argon2id: memory in KiB (at most 4 GiB), at least 4 iterations. */
export const KEY_DERIVATION_MEMORY_KIB = { min: 32, max: 4 * 1024 * 1024 } as const;
export const KEY_DERIVATION_MIN_ITERATIONS = 4;

const encryptionSchema = z
  .strictObject({
    passphrase: z.string().min(1).optional().describe('the passphrase in plain text (kept in memory only, never written anywhere; prefer passphraseFile)'),
    passphraseFile: z.string().min(1).optional().describe('a file holding the passphrase (relative to this file); its content without one trailing newline'),
    keyDerivation: z
      .strictObject({
        memory: z.number().int().min(KEY_DERIVATION_MEMORY_KIB.min).max(KEY_DERIVATION_MEMORY_KIB.max).describe('argon2id memory cost in KiB (unlocking needs this much RAM; e.g. 65536 for test VMs)'),
        iterations: z.number().int().min(KEY_DERIVATION_MIN_ITERATIONS).describe('argon2id iterations (at least 4)'),
      })
      .optional()
      .describe("argon2id cost; default: cryptsetup's own benchmark (about 2 s, up to 1 GiB, at most half the machine's memory)"),
  })
  .refine((e) => (e.passphrase === undefined) !== (e.passphraseFile === undefined), { message: 'give passphrase or passphraseFile (one of them)' })
  .describe('encrypt the root filesystem: LUKS2, aes-xts-plain64 with a 512-bit key, argon2id; the ESP stays plain');

const sizeOrNone = z
  .string()
  .refine((value) => value === 'none' || typeof parseByteSize(value) === 'number', { message: 'expected a size such as 2G, or none' })
  .describe('a size such as 2G, or none');

export const answersSchema = z
  .strictObject({
    version: z.literal(1).describe('the answers format version: 1'),
    hostName: z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/).default('cairn').describe('the host name (default cairn)'),
    timeZone: z.string().min(1).default('UTC').describe('an IANA time zone such as Europe/Berlin (default UTC)'),
    locale: z.string().regex(/^[A-Za-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@\w+)?$|^C(\.UTF-8)?$/).default('en_US.UTF-8').describe('a locale such as en_US.UTF-8 (default)'),
    keyMap: z.string().regex(/^[\w.-]+$/).default('us').describe('a console keymap such as us (default), de, fr'),
    disk: z
      .strictObject({
        path: z.string().min(1).optional().describe('the disk to install on (a /dev path or an image file); --target wins'),
        expectSerial: z.string().min(1).optional().describe('refuse the disk unless its serial is this'),
        expectSize: z.string().refine((v) => typeof parseByteSize(v) === 'number', { message: 'expected a size such as 512G' }).optional().describe('refuse the disk unless its size is this, e.g. 512G'),
      })
      .default({})
      .describe('which disk, and pins for unattended runs'),
    layout: z
      .union([z.literal('guided'), z.string().min(1), z.record(z.string(), z.unknown())])
      .default('guided')
      .describe('guided (default), the path of a layout file (relative to this file), or an inline layout (table, partitions)'),
    filesystem: z.enum(['ext4', 'btrfs']).default('ext4').describe('the root filesystem of the guided layout: ext4 (default) or btrfs (the installer fills the root without mounting it, which xfs cannot be)'),
    swap: sizeOrNone.default('none'),
    users: z.array(userSchema).default([]).describe('user accounts (default: none; the configuration can declare them later)'),
    generations: z
      .union([z.literal('all'), z.literal('newest'), z.array(z.number().int().positive()).min(1), z.strictObject({ newest: z.number().int().positive() })])
      .default('all')
      .describe('all (default), newest, a list of generation numbers, or {newest: N}'),
    firmware: z
      .enum(FIRMWARE_CHOICES)
      .optional()
      .describe('which firmware the disk boots on: uefi, bios (GRUB in the first sector) or both; default: both for an image file, else the firmware of the machine (of the recording with --from)'),
    bootloader: z.enum(['systemd-boot', 'grub']).optional().describe('the UEFI loader: systemd-boot (default; grub with secureBoot) or grub; BIOS boot is always GRUB'),
    secureBoot: secureBootSchema.default(false),
    kernelParams: z.array(z.string().min(1)).default([]).describe('extra kernel parameters for every boot entry'),
    seed: z.string().min(1).optional().describe('seed for partition GUIDs and filesystem UUIDs (default: derived from the disk)'),
    confirm: z.boolean().default(false).describe('true: install without asking; without it, and with no terminal to ask, nothing is written'),
    finish: z
      .enum(FINISH_ACTIONS)
      .default('poweroff')
      .describe('what the live installer does after an unattended install: poweroff (default: a medium left in cannot start the install again), reboot, or shell; ignored elsewhere'),
    encryption: encryptionSchema.optional(),
    interactive: z.array(z.enum(ANSWER_SECTIONS)).default([]).describe(`sections still asked on a terminal: ${ANSWER_SECTIONS.join(', ')}`),
  })
  .describe('Cairn installer answers');

export type Answers = Omit<z.output<typeof answersSchema>, 'layout'> & {
  /** The layout as given: guided, a file path, or an inline layout validated by the layout rules. */
  readonly layout: 'guided' | { readonly file: string } | { readonly inline: Layout };
  /** `secureBoot`'s signed files resolved against the answers file's folder; undefined when Secure Boot is off. */
  readonly signedChain?: SignedChainPaths;
  /** `encryption` with passphraseFile resolved against the answers file's folder. */
  readonly encryption?: EncryptionAnswers;
};

export interface EncryptionAnswers {
  readonly passphrase?: string;
  /** An absolute path (resolved against the answers file's folder). */
  readonly passphraseFile?: string;
  readonly keyDerivation?: KeyDerivation;
}

/** argon2id's cost, as cryptsetup takes it (`--pbkdf-memory` KiB, `--pbkdf-force-iterations`). */
export interface KeyDerivation {
  readonly memory: number;
  readonly iterations: number;
}

/** Validates parsed answers; every problem at once, inline layout problems under `layout.`. */
function validateAnswers(source: Pick<LoadedYaml, 'file' | 'data' | 'locate'>): Answers {
  const result = answersSchema.safeParse(source.data);
  const problems: Problem[] = result.success ? [] : describeIssues(answersSchema, source, result.error.issues);
  const raw = (source.data as { layout?: unknown } | null)?.layout;
  let inline: Layout | undefined;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    try {
      inline = validateLayout({ file: source.file, data: raw, locate: (path) => source.locate(['layout', ...path]) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems.map((p) => ({ ...p, path: p.path === '' ? 'layout' : `layout.${p.path}` })));
    }
  }
  if (!result.success || problems.length > 0) {
    throw new ValidationError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), { hint: 'see `cairn config schema answers`' });
  }
  const data = result.data;
  const layout = inline !== undefined ? { inline } : data.layout === 'guided' ? 'guided' : { file: data.layout as string };
  const signedChain = signedChainPathsOf(data.secureBoot, dirname(resolve(source.file)));
  const { encryption: given, ...rest } = data;
  const encryption =
    given?.passphraseFile === undefined ? given : { ...given, passphraseFile: resolve(dirname(resolve(source.file)), given.passphraseFile) };
  return { ...rest, layout, ...(signedChain === undefined ? {} : { signedChain }), ...(encryption === undefined ? {} : { encryption }) };
}

export function decodeAnswers(text: string, file: string): Answers {
  return validateAnswers(parseYaml(text, file));
}
