/**
 * The system spec (`system.yaml`): what `cairn system build` makes into a generation. The keys it shares with
 * configuration.yaml and hardware-configuration.yaml have the same names and meaning (hostName, timeZone,
 * locale, keyMap, users, packages, boot.kernelParams, boot.kernelModules, boot.initrd.*), and `imports` reads
 * those files, so the configuration the installer writes is what the next generation is built from.
 *
 *   version: 1
 *   imports: [/etc/cairn/configuration.yaml]
 *   kernel: { package: linux-image-6.1.0-57-amd64_6.1.192-3_amd64.deb }
 *   packages: [e2fsck]
 *   boot: { kernelParams: [console=tty0, console=ttyS0,115200] }
 *
 * Validating is pure (`decodeSystemSpec`); `loadSystemDefinition` reads the imports and merges them: the
 * importing file's own values win over imported ones, lists are joined (imports first, duplicates dropped).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UserError, ValidationError } from '../lib/errors.js';
import { validate } from '../lib/schema.js';
import { loadYamlFile, parseYaml, type LoadedYaml } from '../lib/yaml.js';
import { BOOT_LOADERS, HOST_NAME, KERNEL_PARAM, KEY_MAP, LOCALE, TIME_ZONE, configurationSchema, initrdLuksSchema, luksRequested, userSchema, type UserAccount } from './configuration.js';
import { hardwareConfigurationSchema, kernelModuleName } from './hardware-configuration.js';
import { hostPath as hostFile } from './initrd-spec.js';

/** A program as `packages` lists it: a name looked up on this machine (as configuration.yaml has it), or an absolute path. */
export const PROGRAM_NAME = /^([A-Za-z0-9_.+-]+|\/[^\0]*[^/\0])$/;

export const INITRD_COMPRESSIONS = ['gzip', 'none'] as const;
export const LIVE_CONSOLES = ['shell', 'login', 'installer'] as const;
export type LiveConsole = (typeof LIVE_CONSOLES)[number];

const kernelSchema = z
  .strictObject({
    package: hostFile.optional().describe('a Debian kernel package file (linux-image-*.deb): its vmlinuz and its modules'),
    image: hostFile.optional().describe('a kernel image (bzImage, e.g. /boot/vmlinuz-6.1.0-57-amd64); give modules with it'),
    modules: hostFile.optional().describe('the kernel\'s modules directory (e.g. /lib/modules/6.1.0-57-amd64); give image with it'),
  })
  .superRefine((kernel, context) => {
    if (kernel.package !== undefined && (kernel.image !== undefined || kernel.modules !== undefined)) {
      context.addIssue({ code: 'custom', message: 'give either package, or image and modules, not both' });
    } else if (kernel.package === undefined && (kernel.image === undefined || kernel.modules === undefined)) {
      context.addIssue({ code: 'custom', message: 'give package (a linux-image-*.deb), or image and modules together' });
    }
  })
  .describe('the kernel: a Debian kernel package, or a kernel image and its modules directory');

export const systemSpecSchema = z
  .strictObject({
    version: z.literal(1).describe('the system spec format version: 1'),
    imports: z
      .array(z.string().min(1))
      .default([])
      .describe('configuration.yaml or hardware-configuration.yaml files whose keys this spec builds on, relative to it (its own values win)'),
    label: z
      .string()
      .min(1)
      .max(100)
      // eslint-disable-next-line no-control-regex -- a label may hold no control character; the pattern is exported to the JSON Schema, where \P{Cc} is not portable
      .regex(/^[^\u0000-\u001f\u007f]*$/)
      .optional()
      .describe('the label boot menus show (default: Cairn <hostName> (Linux <release>))'),
    hostName: z.string().regex(HOST_NAME).optional().describe('the host name (default cairn)'),
    timeZone: z.string().regex(TIME_ZONE).optional().describe('the time zone, e.g. Europe/Berlin (default UTC)'),
    locale: z.string().regex(LOCALE).optional().describe('the locale, e.g. en_US.UTF-8 (default)'),
    keyMap: z.string().regex(KEY_MAP).optional().describe('the console keymap, e.g. us (default)'),
    users: z.array(userSchema).optional().describe('user accounts, as in configuration.yaml (passwordHash is a crypt(3) hash)'),
    packages: z
      .array(z.string().regex(PROGRAM_NAME).describe('a program name such as e2fsck or lsblk, found in this machine\'s /usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin or /bin; or the absolute path of a program'))
      .optional()
      .describe('programs from this machine the system carries besides busybox, with their shared libraries'),
    kernel: kernelSchema,
    busybox: hostFile.optional().describe('a static busybox (default: searched, from busybox-static)'),
    boot: z
      .strictObject({
        loader: z.enum(BOOT_LOADERS).optional().describe('accepted as in configuration.yaml; the boot loader is set up by cairn install and cairn boot, not by the build'),
        kernelParams: z
          .array(z.string().regex(KERNEL_PARAM).describe('a kernel parameter without spaces, quotes or backslashes'))
          .optional()
          .describe('parameters on the command line of every boot entry of this generation'),
        kernelModules: z.array(kernelModuleName).optional().describe('modules stage 2 loads'),
        initrd: z
          .strictObject({
            availableKernelModules: z.array(kernelModuleName).optional().describe('modules stage 1 carries and loads, besides the storage and filesystem modules it always has'),
            kernelModules: z.array(kernelModuleName).optional().describe('modules stage 1 carries and loads'),
            compression: z.enum(INITRD_COMPRESSIONS).default('gzip').describe('gzip (default) or none'),
            luks: initrdLuksSchema.optional(),
          })
          .optional(),
      })
      .optional(),
    live: z
      .strictObject({
        console: z
          .enum(LIVE_CONSOLES)
          .default('shell')
          .describe('booted live from the ISO: shell (default, a root shell on every console), login (a login prompt), or installer (the Cairn installer on every console and a shell on tty2; needs installer: true)'),
      })
      .optional(),
    installer: z.boolean().default(false).describe('true: the system also carries Node.js and Cairn itself, and the tools the installer runs (mke2fs, debugfs, cryptsetup with dm-crypt loaded, systemd-boot, GRUB for BIOS), so cairn runs on it'),
  })
  .superRefine((spec, context) => {
    if (spec.live?.console === 'installer' && !spec.installer) {
      context.addIssue({ code: 'custom', path: ['live', 'console'], message: 'the installer console needs the installer on the system: add installer: true' });
    }
  })
  .describe('a Cairn system spec (cairn system build)');

export type SystemSpec = z.output<typeof systemSpecSchema>;

/** The kernel, with paths resolved on this machine. */
export type KernelSource = { readonly kind: 'package'; readonly path: string } | { readonly kind: 'image'; readonly image: string; readonly modules: string };

/** A spec with its imports merged and its defaults applied: everything `system build` needs to know. */
export interface SystemDefinition {
  readonly file: string;
  /** Every file read, the spec first, then its imports in the order they were read. */
  readonly files: readonly string[];
  readonly label: string | undefined;
  readonly hostName: string;
  readonly timeZone: string;
  readonly locale: string;
  readonly keyMap: string;
  readonly users: readonly UserAccount[];
  readonly packages: readonly string[];
  readonly kernel: KernelSource;
  readonly busybox: string | undefined;
  readonly kernelParams: readonly string[];
  /** Loaded by stage 2. */
  readonly kernelModules: readonly string[];
  /** Carried and loaded by stage 1, besides its built-in storage and filesystem modules. */
  readonly initrdModules: readonly string[];
  readonly compression: (typeof INITRD_COMPRESSIONS)[number];
  /**
   * Stage 1 carries cryptsetup and the dm-crypt modules and opens the LUKS devices `cairn.luks=` names:
   * `boot.initrd.luks` enabled or naming a device, in the spec or in any file it imports.
   */
  readonly luks: boolean;
  readonly liveConsole: LiveConsole;
  readonly installer: boolean;
}

export const SYSTEM_DEFAULTS = { hostName: 'cairn', timeZone: 'UTC', locale: 'en_US.UTF-8', keyMap: 'us' } as const;

/** Validates a spec's text; every problem at once, with file, line and key path. */
export function decodeSystemSpec(text: string, file: string): SystemSpec {
  return validate(systemSpecSchema, parseYaml(text, file));
}

/** What an import contributes (the keys shared with the system spec). */
interface Contribution {
  hostName?: string;
  timeZone?: string;
  locale?: string;
  keyMap?: string;
  users?: readonly UserAccount[];
  packages?: readonly string[];
  kernelParams?: readonly string[];
  kernelModules?: readonly string[];
  initrdModules?: readonly string[];
  /** True when the file turns LUKS support on (no file turns off what another turned on). */
  luks?: boolean;
}

/** Reads a system spec and everything it imports, and merges them. */
export async function loadSystemDefinition(file: string): Promise<SystemDefinition> {
  const loaded = await loadYamlFile(file);
  const spec = validate(systemSpecSchema, loaded);
  const directory = dirname(resolve(file));
  const files = [file];
  const imported: Contribution[] = [];
  for (const [index, path] of spec.imports.entries()) {
    imported.push(await readImport(resolveFrom(directory, path), `${file}: imports[${index}]`, files, [resolve(file)]));
  }
  const own: Contribution = {
    ...pick(spec, ['hostName', 'timeZone', 'locale', 'keyMap', 'users', 'packages']),
    ...(spec.boot?.kernelParams === undefined ? {} : { kernelParams: spec.boot.kernelParams }),
    ...(spec.boot?.kernelModules === undefined ? {} : { kernelModules: spec.boot.kernelModules }),
    initrdModules: [...(spec.boot?.initrd?.availableKernelModules ?? []), ...(spec.boot?.initrd?.kernelModules ?? [])],
    luks: luksRequested(spec.boot?.initrd?.luks),
  };
  const merged = mergeContributions([...imported, own]);
  return {
    file,
    files,
    label: spec.label,
    hostName: merged.hostName ?? SYSTEM_DEFAULTS.hostName,
    timeZone: merged.timeZone ?? SYSTEM_DEFAULTS.timeZone,
    locale: merged.locale ?? SYSTEM_DEFAULTS.locale,
    keyMap: merged.keyMap ?? SYSTEM_DEFAULTS.keyMap,
    users: merged.users ?? [],
    packages: merged.packages ?? [],
    kernel:
      spec.kernel.package !== undefined
        ? { kind: 'package', path: resolveFrom(directory, spec.kernel.package) }
        : { kind: 'image', image: resolveFrom(directory, spec.kernel.image!), modules: resolveFrom(directory, spec.kernel.modules!) },
    busybox: spec.busybox === undefined ? undefined : resolveFrom(directory, spec.busybox),
    kernelParams: merged.kernelParams ?? [],
    kernelModules: merged.kernelModules ?? [],
    initrdModules: merged.initrdModules ?? [],
    compression: spec.boot?.initrd?.compression ?? 'gzip',
    luks: merged.luks ?? false,
    liveConsole: spec.live?.console ?? 'shell',
    installer: spec.installer,
  };
}

/**
 * An imported file: configuration.yaml (and what it imports) or hardware-configuration.yaml, told apart by
 * their keys. `chain` holds the files being read, to refuse an import cycle.
 */
async function readImport(path: string, where: string, files: string[], chain: readonly string[]): Promise<Contribution> {
  if (chain.includes(path)) throw new UserError(`${where}: ${path} imports itself (through ${chain.join(' -> ')})`, { hint: 'remove one of the imports' });
  let loaded: LoadedYaml;
  try {
    loaded = await loadYamlFile(path);
  } catch (error) {
    if (error instanceof UserError && !(error instanceof ValidationError)) throw new UserError(`${where}: ${error.message}`, { hint: 'check the path (relative paths are resolved against the importing file\'s folder)' });
    throw error;
  }
  files.push(path);
  const data = loaded.data as Record<string, unknown>;
  if (typeof data === 'object' && data !== null && 'firmware' in data) {
    const hardware = validate(hardwareConfigurationSchema, loaded);
    return {
      kernelModules: hardware.boot.kernelModules,
      initrdModules: [...hardware.boot.initrd.availableKernelModules, ...hardware.boot.initrd.kernelModules],
      luks: luksRequested(hardware.boot.initrd.luks),
    };
  }
  if (typeof data === 'object' && data !== null && 'kernel' in data) {
    throw new UserError(`${where}: ${path} is a system spec; a system spec imports configuration.yaml and hardware-configuration.yaml files only`, { hint: 'build that spec on its own, or move its keys into this one' });
  }
  const configuration = validate(configurationSchema, loaded);
  const nested: Contribution[] = [];
  for (const [index, next] of configuration.imports.entries()) {
    nested.push(await readImport(resolveFrom(dirname(path), next), `${path}: imports[${index}]`, files, [...chain, path]));
  }
  return mergeContributions([
    ...nested,
    {
      hostName: configuration.hostName,
      timeZone: configuration.timeZone,
      locale: configuration.locale,
      keyMap: configuration.keyMap,
      users: configuration.users,
      packages: configuration.packages,
      kernelParams: configuration.boot.kernelParams,
      luks: luksRequested(configuration.boot.initrd?.luks),
    },
  ]);
}

/** Later contributions win for single values; lists are joined in order without duplicates; users by name. */
function mergeContributions(contributions: readonly Contribution[]): Contribution {
  const merged: Contribution = {};
  for (const next of contributions) {
    for (const key of ['hostName', 'timeZone', 'locale', 'keyMap'] as const) if (next[key] !== undefined) merged[key] = next[key];
    if (next.luks === true) merged.luks = true;
    for (const key of ['packages', 'kernelParams', 'kernelModules', 'initrdModules'] as const) {
      if (next[key] !== undefined) merged[key] = [...new Set([...(merged[key] ?? []), ...next[key]])];
    }
    if (next.users !== undefined) {
      const byName = new Map((merged.users ?? []).map((u) => [u.name, u]));
      for (const user of next.users) byName.set(user.name, user);
      merged.users = [...byName.values()];
    }
  }
  return merged;
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}

function resolveFrom(directory: string, path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(directory, path);
}
