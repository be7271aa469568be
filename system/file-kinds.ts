/**
 * Every file format Cairn reads, in one list: how to recognise a file, how to validate it, and its JSON
 * Schema for editors. `cairn config validate` and `cairn config schema` are built on it; each new format
 * (its schema lives in system/ too) is one more entry here.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { UserError } from '../lib/errors.js';
import { toJsonSchema, validate } from '../lib/schema.js';
import { parseYaml } from '../lib/yaml.js';
import { answersSchema, decodeAnswers } from './answers.js';
import { BOOTSPEC_V1, SPECIALISATION_V1, decodeBootDocument } from './bootspec.js';
import { bootspecV1Schema } from './bootspec-schema.js';
import { configurationSchema, decodeConfiguration } from './configuration.js';
import { decodeHardwareConfiguration, hardwareConfigurationSchema } from './hardware-configuration.js';
import { decodeLayout, layoutSchema } from './layout.js';
import { resolveImageSpec } from './image-spec.js';
import { imageSpecSchema } from './image-spec-schema.js';
import { decodeInitrdSpec, initrdSpecSchema } from './initrd-spec.js';
import { decodeSystemSpec, systemSpecSchema } from './system-spec.js';

export interface FileKind {
  /** Short name used by `--kind` and in schema file names (`<kind>.schema.json`). */
  readonly kind: string;
  readonly title: string;
  /** File names that are this kind without being told (`boot.json`, `image.yaml`). */
  readonly fileNames: readonly RegExp[];
  /** The schema JSON Schema is generated from. */
  readonly schema: z.ZodType;
  /** Parses and validates a file's text; throws (or rejects with) a ValidationError listing every problem. */
  validate(text: string, file: string): unknown;
}

const bootDocumentSchema: z.ZodType = z
  .object({
    [BOOTSPEC_V1]: bootspecV1Schema,
    get [SPECIALISATION_V1]() {
      return z.record(z.string(), bootDocumentSchema).optional();
    },
  })
  .catchall(z.unknown())
  .describe('a bootspec v1 document (boot.json), NixOS RFC 0125');

const KINDS: readonly FileKind[] = [
  {
    kind: 'answers',
    title: 'installer answers (cairn install --answers)',
    fileNames: [/^answers\.ya?ml$/, /\.answers\.ya?ml$/],
    schema: answersSchema,
    validate: (text, file) => decodeAnswers(text, file),
  },
  {
    kind: 'bootspec',
    title: 'bootspec v1 document (boot.json)',
    fileNames: [/^boot\.json$/],
    schema: bootDocumentSchema,
    validate: (text, file) => decodeBootDocument(text, file),
  },
  {
    kind: 'configuration',
    title: 'system configuration (configuration.yaml)',
    fileNames: [/^configuration\.ya?ml$/],
    schema: configurationSchema,
    validate: (text, file) => decodeConfiguration(text, file),
  },
  {
    kind: 'hardware-configuration',
    title: 'generated hardware configuration (hardware-configuration.yaml)',
    fileNames: [/^hardware-configuration\.ya?ml$/],
    schema: hardwareConfigurationSchema,
    validate: (text, file) => decodeHardwareConfiguration(text, file),
  },
  {
    kind: 'layout',
    title: 'disk layout (cairn partition plan|apply)',
    fileNames: [/^layout\.ya?ml$/, /\.layout\.ya?ml$/],
    schema: layoutSchema,
    validate: (text, file) => decodeLayout(text, file),
  },
  {
    kind: 'image',
    title: 'image spec (image.yaml)',
    fileNames: [/^image\.ya?ml$/, /\.image\.ya?ml$/],
    schema: imageSpecSchema,
    validate: (text, file) => resolveImageSpec(validate(imageSpecSchema, parseYaml(text, file)), file),
  },
  {
    kind: 'initrd',
    title: 'initrd spec (cairn initrd build)',
    fileNames: [/^initrd\.ya?ml$/, /\.initrd\.ya?ml$/],
    schema: initrdSpecSchema,
    validate: (text, file) => decodeInitrdSpec(text, file),
  },
  {
    kind: 'system',
    title: 'system spec (cairn system build)',
    fileNames: [/^system\.ya?ml$/, /\.system\.ya?ml$/],
    schema: systemSpecSchema,
    validate: (text, file) => decodeSystemSpec(text, file),
  },
];

export function fileKinds(): readonly FileKind[] {
  return [...KINDS].sort((a, b) => (a.kind < b.kind ? -1 : 1));
}

export function fileKind(kind: string): FileKind {
  const found = KINDS.find((k) => k.kind === kind);
  if (found === undefined) {
    throw new UserError(`unknown file kind "${kind}"`, { hint: `use one of ${fileKinds().map((k) => k.kind).join(', ')}` });
  }
  return found;
}

/**
 * The kind of a file: from its `yaml-language-server: $schema=` line or `"$schema"` key when it names one
 * of Cairn's schemas, else from its name.
 */
export function detectFileKind(file: string, text: string): FileKind {
  const schemaRef = /\$schema["']?\s*[:=]\s*["']?[^\s"']*?([a-z-]+)\.schema\.json/.exec(text.slice(0, 2000));
  if (schemaRef) {
    const byRef = KINDS.find((k) => k.kind === schemaRef[1]);
    if (byRef) return byRef;
  }
  const name = basename(file);
  const byName = KINDS.find((k) => k.fileNames.some((pattern) => pattern.test(name)));
  if (byName) return byName;
  throw new UserError(`${file}: cannot tell which kind of Cairn file this is`, {
    hint: `pass --kind (one of ${fileKinds().map((k) => k.kind).join(', ')})`,
  });
}

export function jsonSchemaOf(kind: FileKind): object {
  return toJsonSchema(kind.schema, { id: `urn:cairn:schema:${kind.kind}`, title: `Cairn: ${kind.title}` });
}
