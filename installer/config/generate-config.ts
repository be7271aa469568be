/**
 * `generate-config`: hardware-configuration.yaml (always) and configuration.yaml (only when missing, or when
 * forced) under `<root>/etc/cairn`, beside the JSON Schemas their `$schema` lines point at.
 *
 * Planning reads the existing configuration.yaml (a malformed one stops everything, with its line, before
 * anything is written) and renders every file; writing puts each file in place atomically.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError, ValidationError, errnoCode } from '../../lib/errors.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { fileReadError } from '../../lib/user-file.js';
import { decodeConfiguration } from '../../system/configuration.js';
import { fileKind, jsonSchemaOf } from '../../system/file-kinds.js';
import type { PlatformReport } from '../hardware/platform.js';
import { planConfiguration, type SystemChoices } from './plan-configuration.js';
import { planHardwareConfiguration } from './plan-hardware-configuration.js';
import { renderConfiguration } from './render-configuration.js';
import { renderHardwareConfiguration } from './render-hardware-configuration.js';
import type { TargetLayout } from './target-layout.js';

/** Where the files live on the target system. */
const CONFIG_DIRECTORY = 'etc/cairn';
const HARDWARE_CONFIGURATION_FILE = 'hardware-configuration.yaml';
const CONFIGURATION_FILE = 'configuration.yaml';
const SCHEMA_DIRECTORY = 'schemas';

export interface GenerateConfigOptions {
  /** The target system's root on this machine: the files go to `<root>/etc/cairn`. */
  readonly root: string;
  readonly platform: PlatformReport;
  /** Where the target's filesystems are mounted on the machine the report describes; default `root`. */
  readonly mountedAt?: string;
  /** The target's filesystems when they are not mounted (the installer writing an image file). */
  readonly layout?: TargetLayout;
  readonly choices?: SystemChoices;
  /** Replace an existing configuration.yaml. */
  readonly force?: boolean;
}

export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

export type ConfigurationAction = 'create' | 'replace' | 'keep';

export interface GeneratedConfigPlan {
  readonly hardwareConfiguration: GeneratedFile;
  /** The configuration as generated; written only when `configurationAction` is not `keep`. */
  readonly configuration: GeneratedFile;
  readonly configurationAction: ConfigurationAction;
  readonly schemas: readonly GeneratedFile[];
  readonly warnings: readonly string[];
}

/**
 * The files' texts, from the report and the choices alone (pure: no file is read): what an installer writing
 * into an image file without mounting it puts at `etc/cairn/` on the target.
 */
export interface RenderedConfigFiles {
  readonly hardwareConfiguration: string;
  readonly configuration: string;
  /** The JSON Schemas the files' `$schema` lines name, by path relative to `etc/cairn/`. */
  readonly schemas: readonly { readonly path: string; readonly text: string }[];
  readonly warnings: readonly string[];
}

export function renderConfigFiles(options: Omit<GenerateConfigOptions, 'root' | 'force'> & { readonly mountedAt: string; readonly configurationFile?: string }): RenderedConfigFiles {
  const hardware = planHardwareConfiguration(options.platform, {
    root: options.mountedAt,
    ...(options.layout === undefined ? {} : { layout: options.layout }),
  });
  const configuration = planConfiguration(options.platform, hardware.configuration, options.choices ?? {}, options.configurationFile);
  return {
    hardwareConfiguration: renderHardwareConfiguration(hardware.configuration, schemaReference('hardware-configuration')),
    configuration: renderConfiguration(
      configuration.configuration,
      { firmware: options.platform.firmware.type, grubDeviceSource: configuration.grubDeviceSource },
      schemaReference('configuration'),
    ),
    schemas: ['configuration', 'hardware-configuration'].map((kind) => ({
      path: schemaReference(kind),
      text: `${JSON.stringify(jsonSchemaOf(fileKind(kind)), null, 2)}\n`,
    })),
    warnings: hardware.warnings,
  };
}

export async function planGeneratedConfig(options: GenerateConfigOptions): Promise<GeneratedConfigPlan> {
  await checkRoot(options.root);
  const directory = join(options.root, CONFIG_DIRECTORY);
  const configurationPath = join(directory, CONFIGURATION_FILE);
  const rendered = renderConfigFiles({ ...options, mountedAt: options.mountedAt ?? options.root, configurationFile: configurationPath });
  return {
    hardwareConfiguration: { path: join(directory, HARDWARE_CONFIGURATION_FILE), text: rendered.hardwareConfiguration },
    configuration: { path: configurationPath, text: rendered.configuration },
    configurationAction: await configurationActionFor(configurationPath, options.force === true),
    schemas: rendered.schemas.map((schema) => ({ path: join(directory, schema.path), text: schema.text })),
    warnings: rendered.warnings,
  };
}

/** Writes the planned files, each atomically: schemas, the hardware file, then the configuration (unless kept). */
export async function writeGeneratedConfig(plan: GeneratedConfigPlan): Promise<GeneratedFile[]> {
  const written = [...plan.schemas, plan.hardwareConfiguration, ...(plan.configurationAction === 'keep' ? [] : [plan.configuration])];
  for (const file of written) {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFileAtomic(file.path, file.text);
  }
  return written;
}

function schemaReference(kind: string): string {
  return `${SCHEMA_DIRECTORY}/${kind}.schema.json`;
}

async function checkRoot(root: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    throw fileReadError(root, error, 'directory');
  }
  if (!info.isDirectory()) throw new UserError(`${root}: not a directory`, { hint: '--root names the directory the target system is mounted at' });
}

/**
 * An existing configuration is the user's: kept unless forced. A malformed one is reported (with its line)
 * rather than silently kept or replaced, and nothing is written.
 */
async function configurationActionFor(path: string, force: boolean): Promise<ConfigurationAction> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'create';
    if (force && errnoCode(error) !== 'EISDIR') return 'replace';
    throw fileReadError(path, error);
  }
  if (force) return 'replace';
  try {
    decodeConfiguration(text, path);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(error.problems, {
        hint: `${path} is left as it is: fix it, or run with --force to replace it with a newly generated one`,
      });
    }
    throw error;
  }
  return 'keep';
}
