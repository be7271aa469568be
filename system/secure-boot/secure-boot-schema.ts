/**
 * `secureBoot:` as the image spec and the installer's answers write it, as a schema (zod): what the JSON Schemas
 * export and what words the problems of a value that secure-boot-choice.ts's own check does not accept.
 */
import { z } from 'zod';
import type { SecureBootChoice } from './secure-boot-choice.js';

const signedFile = (what: string) => z.string().min(1).describe(`${what} (default: searched where the distribution's package installs it)`);

export const secureBootSchema: z.ZodType<SecureBootChoice> = z
  .union([
    z.boolean(),
    z.strictObject({
      shim: signedFile('shim signed by Microsoft, e.g. /usr/lib/shim/shimx64.efi.signed').optional(),
      grub: signedFile("GRUB signed by the distribution, e.g. /usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed").optional(),
      mokManager: signedFile('the MOK manager signed by the distribution, e.g. /usr/lib/shim/mmx64.efi.signed').optional(),
    }),
  ])
  .describe("boot with UEFI Secure Boot on through the distribution's signed chain (shim, GRUB, the signed kernels): true, or the signed files");
