/**
 * Validation of user files against zod schemas, reporting every problem at once with the file, the line and
 * the key path, in words that say how to fix it (STYLE.md 5). Validation itself is pure.
 */
import { z } from 'zod';
import { ValidationError, type Problem } from './errors.js';
import type { KeyPath, LoadedYaml } from './yaml.js';

/** Renders a key path as users write it: `partitions[2].size`. */
export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** Validates parsed data; returns the typed value (with defaults applied) or throws every problem at once. */
export function validate<S extends z.ZodType>(schema: S, source: Pick<LoadedYaml, 'file' | 'data' | 'locate'>): z.output<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  throw new ValidationError(describeIssues(schema, source, result.error.issues));
}

/** The problems of a failed parse, one per issue (unknown keys one per key), in document order. */
export function describeIssues(
  schema: z.ZodType,
  source: Pick<LoadedYaml, 'file' | 'data' | 'locate'>,
  issues: readonly z.core.$ZodIssue[],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const suggestion = closest(key, known);
        const fix = suggestion === undefined ? `remove it${known.length > 0 ? ` (allowed: ${known.join(', ')})` : ''}` : `did you mean "${suggestion}"?`;
        problems.push({ file: source.file, path: formatKeyPath([...path, key]), line: source.locate([...path, key]), message: `unknown key; ${fix}` });
      }
      continue;
    }
    problems.push({
      file: source.file,
      path: formatKeyPath(path),
      line: source.locate(path),
      message: describeIssue(schema, issue, path, valueAt(source.data, path)),
    });
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue, path: KeyPath, actual: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (actual === undefined) {
        const about = describeAt(schema, path);
        return `missing required key${about === undefined ? '' : ` (${about})`}`;
      }
      return `expected ${typeName(issue.expected)} (got ${show(actual)})`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${show(issue.values[0])} (got ${show(actual)})`
        : `expected one of ${issue.values.map((v) => String(v)).join(', ')} (got ${show(actual)})`;
    case 'invalid_union': {
      const alternatives = issue.errors
        .map((branch) => branch[0])
        .filter((i): i is z.core.$ZodIssue => i !== undefined && i.path.length === 0)
        .map((i) => (i.code === 'invalid_value' ? i.values.map((v) => show(v)).join(' or ') : i.code === 'invalid_type' ? typeName(i.expected) : undefined))
        .filter((s): s is string => s !== undefined);
      const about = describeAt(schema, path);
      if (alternatives.length > 0) return `expected ${unique(alternatives).join(' or ')} (got ${show(actual)})`;
      return `${about ?? 'invalid value'} (got ${show(actual)})`;
    }
    case 'too_small':
      return issue.origin === 'array'
        ? `expected at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
        : issue.origin === 'string'
          ? Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`
          : `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum} (got ${show(actual)})`;
    case 'too_big':
      return issue.origin === 'array'
        ? `expected at most ${issue.maximum} items`
        : issue.origin === 'string'
          ? `must be at most ${issue.maximum} characters (got ${String(actual).length})`
          : `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum} (got ${show(actual)})`;
    case 'invalid_format': {
      const about = describeAt(schema, path);
      return `${about === undefined ? `must match ${issue.pattern ?? issue.format}` : `expected ${about}`} (got ${show(actual)})`;
    }
    default:
      return issue.message;
  }
}

function typeName(expected: string): string {
  switch (expected) {
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    default:
      return expected;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

/** The sub-schema at a key path, looking through optional/default/nullable/pipe wrappers. */
function schemaAt(schema: z.ZodType, path: KeyPath): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (current === undefined) return undefined;
    if (current instanceof z.ZodObject) current = unwrap((current.shape as Record<string, z.ZodType>)[String(segment)]);
    else if (current instanceof z.ZodArray) current = unwrap(current.element as z.ZodType);
    else if (current instanceof z.ZodRecord) current = unwrap(current.valueType as z.ZodType);
    else return undefined;
  }
  return current;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodDefault) current = current.def.innerType as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else break;
  }
  return current;
}

function describeAt(schema: z.ZodType, path: KeyPath): string | undefined {
  let current: z.ZodType | undefined = schema;
  // The description may sit on a wrapper (optional/default) or on the inner schema.
  for (const segment of path) {
    const parent = unwrap(current);
    if (parent instanceof z.ZodObject) current = (parent.shape as Record<string, z.ZodType>)[String(segment)];
    else if (parent instanceof z.ZodArray) current = parent.element as z.ZodType;
    else if (parent instanceof z.ZodRecord) current = parent.valueType as z.ZodType;
    else return undefined;
  }
  return current?.description ?? unwrap(current)?.description;
}

function knownKeys(schema: z.ZodType, path: KeyPath): string[] {
  const target = schemaAt(schema, path);
  return target instanceof z.ZodObject ? Object.keys(target.shape) : [];
}

/** The known key nearest to a misspelt one, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length]!;
}

/** JSON Schema (draft 2020-12) of a file format, for editors (`# yaml-language-server: $schema=...`). */
export function toJsonSchema(schema: z.ZodType, meta: { id: string; title: string }): object {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: json.$schema, $id: meta.id, title: meta.title, ...json };
}
