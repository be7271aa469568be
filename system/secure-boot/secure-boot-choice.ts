/**
 * `secureBoot:` as the image spec (`boot.secureBoot`) and the installer's answers write it: `true` (the
 * distribution's signed shim, MOK manager and GRUB, searched where the packages install them), or the files
 * themselves, each optional (the ones left out are searched). Relative paths are resolved against the folder
 * of the file that names them.
 */
import { isAbsolute, resolve } from 'node:path';
import { strictObject } from '../../lib/plain-object.js';

/** `true`, `false`, or the signed files (secure-boot-schema.ts holds the same as a schema). */
export type SecureBootChoice = boolean | { readonly shim?: string; readonly grub?: string; readonly mokManager?: string };

const SIGNED_FILE_KEYS = ['shim', 'grub', 'mokManager'];

/** What secureBootSchema makes of `raw` when it accepts it (its input), else undefined: checked without the schema library. */
export function validSecureBootChoice(raw: unknown): SecureBootChoice | undefined {
  if (typeof raw === 'boolean') return raw;
  const files = strictObject(raw, SIGNED_FILE_KEYS);
  if (files === undefined || !Object.values(files).every((path) => typeof path === 'string' && path.length > 0)) return undefined;
  return { ...files };
}

/** Explicit paths of the signed files; an empty object means "search them all". */
export interface SignedChainPaths {
  readonly shim?: string;
  readonly grub?: string;
  readonly mokManager?: string;
}

/** The signed files a choice names (resolved against `directory`), or undefined when Secure Boot is off. */
export function signedChainPathsOf(choice: SecureBootChoice | undefined, directory: string): SignedChainPaths | undefined {
  if (choice === undefined || choice === false) return undefined;
  if (choice === true) return {};
  const full = (path: string) => (isAbsolute(path) ? path : resolve(directory, path));
  return {
    ...(choice.shim === undefined ? {} : { shim: full(choice.shim) }),
    ...(choice.grub === undefined ? {} : { grub: full(choice.grub) }),
    ...(choice.mokManager === undefined ? {} : { mokManager: full(choice.mokManager) }),
  };
}

export function secureBootOn(choice: SecureBootChoice | undefined): boolean {
  return choice !== undefined && choice !== false;
}
