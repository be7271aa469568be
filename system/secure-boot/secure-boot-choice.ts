/**
 * `secureBoot:` as the image spec (`boot.secureBoot`) and the installer's answers write it: `true` (the
 * distribution's signed shim, MOK manager and GRUB, searched where the packages install them), or the files
 * themselves, each optional (the ones left out are searched). Relative paths are resolved against the folder
 * of the file that names them.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const signedFile = (what: string) => z.string().min(1).describe(`${what} (default: searched where the distribution's package installs it)`);

export const secureBootSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      shim: signedFile('shim signed by Microsoft, e.g. /usr/lib/shim/shimx64.efi.signed').optional(),
      grub: signedFile("GRUB signed by the distribution, e.g. /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed").optional(),
      mokManager: signedFile('the MOK manager signed by the distribution, e.g. /usr/lib/shim/mmx64.efi.signed').optional(),
    }),
  ])
  .describe("boot with UEFI Secure Boot on through the distribution's signed chain (shim, GRUB, the signed kernels): true, or the signed files");

export type SecureBootChoice = z.output<typeof secureBootSchema>;

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
