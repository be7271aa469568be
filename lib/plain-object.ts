/**
 * The objects of a parsed JSON or YAML document, as the checks that run without the schema library see them
 * (system/bootspec.ts, system/image-spec.ts, system/secure-boot/secure-boot-choice.ts).
 */

/** An object that is neither null nor an array: a mapping of the document. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` when it is a plain object whose keys are all in `allowed` (a strict object of a schema), else undefined. */
export function strictObject(value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return undefined;
  return value;
}
