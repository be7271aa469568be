/**
 * configuration.yaml: the system a user declares and edits, the `configuration.nix` of Cairn. Written once by
 * `cairn generate-config` (or by the installer, with the user's answers) and then the user's own.
 */
import { z } from 'zod';
import { validate } from '../lib/schema.js';
import { parseYaml } from '../lib/yaml.js';
import { absolutePath, luksDevicesSchema } from './hardware-configuration.js';

export const BOOT_LOADERS = ['systemd-boot', 'grub'] as const;
export type BootLoader = (typeof BOOT_LOADERS)[number];

/**
 * crypt(3) hashes that glibc and `openssl passwd` produce or verify: MD5 ($1$), SHA-256/512 ($5$, $6$, with
 * an optional rounds=N$), bcrypt ($2b$), scrypt ($7$), yescrypt ($y$, $gy$); `!` or `*` alone lock the account.
 */
const PASSWORD_HASH = /^(!|\*|!?\$(1|2[abxy]|5|6|7|y|gy)\$[./A-Za-z0-9$=,]+)$/;

export const userSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).describe('a login name: lower-case letters, digits, _ and -, starting with a letter or _, at most 32 characters'),
    description: z.string().regex(/^[^:\n]*$/).describe('a full name or comment without ":" or newlines').optional(),
    passwordHash: z
      .string()
      .regex(PASSWORD_HASH)
      .describe('a crypt(3) hash such as $6$... (make one with: openssl passwd -6), never the password itself')
      .optional(),
    groups: z.array(z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).describe('a group name')).default([]),
    shell: absolutePath.optional(),
    authorizedKeys: z.array(z.string().regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/).describe('an SSH public key line such as "ssh-ed25519 AAAA... me@host"')).default([]),
  })
  .describe('a user account');

export type UserAccount = z.output<typeof userSchema>;

export const HOST_NAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
export const TIME_ZONE = /^(UTC|[A-Z][A-Za-z_-]+(\/[A-Za-z0-9_+-]+){0,2})$/;
export const LOCALE = /^(C|POSIX|C\.UTF-8|[a-z]{2,3}(_[A-Z]{2})?(\.[A-Za-z0-9-]+)?(@[a-z]+)?)$/;
export const KEY_MAP = /^[A-Za-z0-9_.-]+$/;
export const KERNEL_PARAM = /^[^\s"'\\]+$/;

/**
 * `boot.initrd.luks`, as in NixOS: whether a generation's stage 1 can open LUKS devices. Naming a device turns
 * it on; `enable: true` turns it on with none named (the generations an installer medium carries are built
 * before the disk is known). Stage 1 opens the devices the kernel command line names (`cairn.luks=UUID=...`).
 */
export const initrdLuksSchema = z
  .strictObject({
    enable: z.boolean().optional().describe('true: stage 1 carries cryptsetup and the dm-crypt modules and opens the LUKS devices cairn.luks= names, even with no device named here'),
    devices: luksDevicesSchema.optional().describe('LUKS devices by device-mapper name, e.g. { luks-<uuid>: { device: /dev/disk/by-uuid/<uuid> } }; naming one turns LUKS support on'),
  })
  .describe('LUKS2 support in stage 1');

export type InitrdLuks = z.output<typeof initrdLuksSchema>;

/** Whether a `boot.initrd.luks` value asks for LUKS support in stage 1 (undefined: it says nothing). */
export function luksRequested(luks: InitrdLuks | undefined): boolean | undefined {
  if (luks === undefined) return undefined;
  if (Object.keys(luks.devices ?? {}).length > 0) return true;
  return luks.enable;
}

export const configurationSchema = z
  .strictObject({
    version: z.literal(1),
    imports: z.array(z.string().min(1)).default([]).describe('other Cairn files this one builds on, relative to it'),
    hostName: z.string().regex(HOST_NAME).describe('a host name: letters, digits and -, at most 63 characters, not starting or ending with -'),
    timeZone: z.string().regex(TIME_ZONE).describe('a time zone such as UTC or Europe/Berlin'),
    locale: z.string().regex(LOCALE).describe('a locale such as en_US.UTF-8'),
    keyMap: z.string().regex(KEY_MAP).describe('a console keymap such as us, de or fr-latin1'),
    boot: z.strictObject({
      loader: z.enum(BOOT_LOADERS),
      grubDevice: absolutePath
        .describe('for GRUB on a BIOS machine: the disk to install it to, e.g. /dev/disk/by-id/ata-...')
        .optional(),
      kernelParams: z
        .array(z.string().regex(KERNEL_PARAM).describe('a kernel parameter without spaces, quotes or backslashes'))
        .default([]),
      initrd: z.strictObject({ luks: initrdLuksSchema.optional() }).optional(),
    }),
    users: z.array(userSchema).default([]),
    packages: z.array(z.string().regex(/^[A-Za-z0-9_.+-]+$/).describe('a package name')).default([]),
  })
  .describe('configuration.yaml: the system declared by its user');

export type Configuration = z.output<typeof configurationSchema>;

export function decodeConfiguration(text: string, file: string): Configuration {
  return validate(configurationSchema, parseYaml(text, file));
}
