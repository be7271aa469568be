/**
 * Bootspec v1 (`boot.json`, NixOS RFC 0125): decode and encode. `initrd` and `initrdSecrets` are optional;
 * Cairn writes them omitted when absent, and reads a null one as absent, as the reference implementation
 * (DeterminateSystems/bootspec) does and as its synthesizer writes them. Every other key is required.
 * Specialisations (any name) nest whole documents; top-level keys Cairn does not know (reverse-DNS
 * extensions) are kept, in their order, and may not be null, there or in a specialisation.
 * fixtures/bootspec holds the reference implementation's own valid and invalid cases.
 */
import { ValidationError, type Problem } from '../lib/errors.js';
import { isPlainObject } from '../lib/plain-object.js';

export const BOOTSPEC_V1 = 'org.nixos.bootspec.v1';
export const SPECIALISATION_V1 = 'org.nixos.specialisation.v1';

export interface BootspecV1 {
  readonly system: string;
  readonly init: string;
  readonly initrd?: string;
  readonly initrdSecrets?: string;
  readonly kernel: string;
  readonly kernelParams: readonly string[];
  readonly label: string;
  readonly toplevel: string;
}

/** A whole boot.json: the bootspec, its specialisations (each a document) and extension keys. */
export interface BootDocument {
  readonly bootspec: BootspecV1;
  readonly specialisations: Readonly<Record<string, BootDocument>>;
  /** Top-level keys other than the two above, as parsed; kept so rewriting a document loses nothing. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /**
   * Top-level key order of the decoded file; encode follows it so that a decoded file re-encodes to the
   * same bytes. Absent for new documents (bootspec, then specialisations, then extensions).
   */
  readonly keyOrder?: readonly string[];
}

/** The bootspec object's keys in Cairn's order (sorted, as it writes them), and what each holds. */
export const BOOTSPEC_KEYS = {
  init: 'path',
  initrd: 'optional-path',
  initrdSecrets: 'optional-path',
  kernel: 'path',
  kernelParams: 'strings',
  label: 'string',
  system: 'non-empty-string',
  toplevel: 'path',
} as const satisfies Readonly<Record<keyof BootspecV1, string>>;

/**
 * The bootspec object when it is valid, else undefined: the check every boot.json of a profile passes, done
 * without the schema library (`cairn generation list` reads them all, and starts faster without it). It
 * accepts exactly what bootspecV1Schema (bootspec-schema.ts) accepts; that schema words the problems of the rest.
 */
function validBootspec(raw: unknown): BootspecV1 | undefined {
  if (!isPlainObject(raw)) return undefined;
  for (const key of Object.keys(raw)) if (!Object.hasOwn(BOOTSPEC_KEYS, key)) return undefined;
  const spec: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(BOOTSPEC_KEYS)) {
    const value = raw[key];
    const valid =
      kind === 'strings'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : kind === 'optional-path' && value === undefined
          ? true
          : typeof value === 'string' && (kind === 'string' || (kind === 'non-empty-string' ? value.length > 0 : value.startsWith('/')));
    if (!valid) return undefined;
    if (value !== undefined) spec[key] = kind === 'strings' ? [...(value as string[])] : value;
  }
  return spec as unknown as BootspecV1;
}

/** The optional keys: null there means absent. */
const OPTIONAL_KEYS = ['initrd', 'initrdSecrets'] as const;

/**
 * Decodes boot.json text; every problem is reported with the file and key path. Asynchronous because the
 * words for a problem come from the schema (bootspec-schema.ts), loaded only when a document has one.
 */
export async function decodeBootDocument(text: string, file: string): Promise<BootDocument> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ file, path: '', message: `not valid JSON: ${(error as Error).message}` }], {
      hint: 'boot.json must be a bootspec v1 JSON document',
    });
  }
  const problems: Problem[] = [];
  const invalid: InvalidBootspec[] = [];
  const document = decodeObject(data, file, [], problems, invalid);
  if (invalid.length > 0) {
    const { describeBootspecProblems } = await import('./bootspec-schema.js');
    // Each in its place among the other problems, from the last so that the earlier places stay where they were.
    for (const { spec, path, at } of [...invalid].reverse()) problems.splice(at, 0, ...describeBootspecProblems(spec, file, path));
  }
  if (document === undefined || problems.length > 0) {
    throw new ValidationError(problems, { hint: 'see the bootspec v1 format in RFC 0125; leave out what a generation does not have (null is allowed only for initrd and initrdSecrets)' });
  }
  return document;
}

/** A bootspec object that is not valid, and the key path of its document, for the schema to describe. */
interface InvalidBootspec {
  readonly spec: unknown;
  readonly path: readonly string[];
  /** Where its problems go in the list of the document's problems (in the order the document is read). */
  readonly at: number;
}

function decodeObject(data: unknown, file: string, path: string[], problems: Problem[], invalid: InvalidBootspec[]): BootDocument | undefined {
  const where = path.join('.');
  if (!isPlainObject(data)) {
    problems.push({ file, path: where, message: 'expected a JSON object' });
    return undefined;
  }
  const raw = data[BOOTSPEC_V1];
  if (raw === undefined) {
    problems.push({ file, path: where, message: `missing required key "${BOOTSPEC_V1}"` });
    return undefined;
  }
  const spec = withoutNullOptionals(raw);
  const bootspec = validBootspec(spec);
  if (bootspec === undefined) invalid.push({ spec, path: [...path, BOOTSPEC_V1], at: problems.length });

  const specialisations: [string, BootDocument][] = [];
  const rawSpecs = data[SPECIALISATION_V1];
  if (rawSpecs !== undefined) {
    if (!isPlainObject(rawSpecs)) {
      problems.push({ file, path: [...path, SPECIALISATION_V1].join('.'), message: `expected an object of specialisation name -> boot document (got ${describeJson(rawSpecs)})` });
    } else {
      // Any name: the entry ids and titles made from it are checked where they are written.
      for (const [name, value] of Object.entries(rawSpecs)) {
        const nested = decodeObject(value, file, [...path, SPECIALISATION_V1, name], problems, invalid);
        if (nested !== undefined) specialisations.push([name, nested]);
      }
    }
  }
  const extensions: [string, unknown][] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === BOOTSPEC_V1 || key === SPECIALISATION_V1) continue;
    if (value === null) problems.push({ file, path: [...path, key].join('.'), message: 'an extension may not be null: leave the key out' });
    extensions.push([key, value]);
  }
  if (bootspec === undefined) return undefined;
  // fromEntries makes own properties whatever the names (even "__proto__").
  return { bootspec, specialisations: Object.fromEntries(specialisations), extensions: Object.fromEntries(extensions), keyOrder: Object.keys(data) };
}

/** The bootspec object with a null initrd or initrdSecrets left out (null there means absent). */
function withoutNullOptionals(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  if (!OPTIONAL_KEYS.some((key) => raw[key] === null)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([key, value]) => !((OPTIONAL_KEYS as readonly string[]).includes(key) && value === null)));
}

function describeJson(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

/** Encodes a document as Cairn writes boot.json: two-space indentation, bootspec keys sorted, a final newline. */
export function encodeBootDocument(document: BootDocument): string {
  return `${JSON.stringify(toJson(document), null, 2)}\n`;
}

function toJson(document: BootDocument): Record<string, unknown> {
  const values: Record<string, unknown> = {
    [BOOTSPEC_V1]: bootspecToJson(document.bootspec),
    ...(Object.keys(document.specialisations).length > 0 || document.keyOrder?.includes(SPECIALISATION_V1)
      ? { [SPECIALISATION_V1]: Object.fromEntries(Object.entries(document.specialisations).map(([n, d]) => [n, toJson(d)])) }
      : {}),
    ...document.extensions,
  };
  const order = [...(document.keyOrder ?? []).filter((k) => k in values), ...Object.keys(values).filter((k) => !document.keyOrder?.includes(k))];
  return Object.fromEntries(order.map((k) => [k, values[k]]));
}

function bootspecToJson(spec: BootspecV1): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(BOOTSPEC_KEYS)) {
    const value = spec[key as keyof BootspecV1];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Every store path a document names (kernel, initrd, init, secrets, toplevel), specialisations included. */
export function pathsOfDocument(document: BootDocument): string[] {
  const spec = document.bootspec;
  const own = [spec.kernel, spec.initrd, spec.init, spec.initrdSecrets, spec.toplevel].filter((p): p is string => p !== undefined);
  return [...own, ...Object.values(document.specialisations).flatMap(pathsOfDocument)];
}
