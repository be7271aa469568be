/**
 * The bootspec v1 object as a zod schema: the JSON Schema that `cairn config schema bootspec` exports, and the
 * words for what is wrong in a document that bootspec.ts found invalid. Kept apart from bootspec.ts so that
 * reading valid documents never loads the schema library.
 */
import { z } from 'zod';
import type { Problem } from '../lib/errors.js';
import { describeIssues } from '../lib/schema.js';

const absolutePath = z.string().regex(/^\//).describe('an absolute path, e.g. /cairn/store/<hash>-<name>/<file>');

export const bootspecV1Schema = z
  .strictObject({
    system: z.string().min(1).describe('the platform, e.g. x86_64-linux'),
    init: absolutePath,
    initrd: absolutePath.optional(),
    initrdSecrets: absolutePath.optional(),
    kernel: absolutePath,
    kernelParams: z.array(z.string()).describe('a list of kernel command-line parameters'),
    label: z.string().describe('a human-readable label such as "NixOS 25.05 (Linux 6.12.30)"'),
    toplevel: absolutePath,
  })
  .describe('the bootspec v1 object');

/** The problems of a bootspec object (null optionals already left out) at `path` in `file`: none when it is valid. */
export function describeBootspecProblems(spec: unknown, file: string, path: readonly string[]): Problem[] {
  const parsed = bootspecV1Schema.safeParse(spec);
  if (parsed.success) return [];
  return describeIssues(bootspecV1Schema, { file, data: spec, locate: () => undefined }, parsed.error.issues).map((p) => ({
    ...p,
    path: [...path, p.path].filter((s) => s !== '').join('.'),
  }));
}
