/**
 * The signed chain on an installed system's ESP (`cairn boot install --secure-boot`, `secureBoot:` in the
 * answers): shim as EFI/BOOT/BOOTX64.EFI, the distribution-signed GRUB beside it as grubx64.efi, the MOK
 * manager as mmx64.efi, and at the signed GRUB's built-in prefix (`EFI/debian` for Debian's grubx64) a
 * grub.cfg that hands over to Cairn's menu in grub/grub.cfg, so that `boot update` keeps rewriting the one
 * menu it always writes. Shim goes in last: until it does, the ESP boots what it booted before. An ESP
 * whose BOOTX64.EFI is shim keeps being checked on every update: a generation whose kernel shim would not
 * start is refused before anything changes.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import { decodePeImage } from '../system/secure-boot/pe-image.js';
import { describeUefiBinary } from '../system/secure-boot/uefi-binary.js';
import { sha256Hex } from '../system/store-hash.js';
import type { BootFile } from './boot-files.js';
import type { BootMenu } from './entries.js';
import { REMOVABLE_LOADER_PATH } from './esp-layout.js';
import type { TargetFile } from './esp-plan.js';
import type { ObservedEsp } from './esp-state.js';
import { GRUB_CONFIG_PATH } from './grub.js';
import { SHIM_DIRECTORY, SHIM_MOK_MANAGER, SHIM_SECOND_STAGE, checkKernelSignatures, type SignedChain } from './secure-boot.js';
import { CAIRN_CONFIG_HEADER } from './systemd-boot.js';

/** Where the signed GRUB reads grub.cfg on the ESP: its prefix, else (Debian's script) beside the binary. */
export function signedGrubConfigPath(chain: SignedChain): string {
  return `${chain.grubPrefix ?? SHIM_DIRECTORY}/grub.cfg`;
}

/** The grub.cfg at the signed GRUB's prefix: on to Cairn's menu, on the same ESP. */
export function renderGrubRedirect(): string {
  return [
    CAIRN_CONFIG_HEADER,
    "# The distribution-signed GRUB reads its menu here (its built-in prefix); Cairn's menu of every generation",
    `# is ${GRUB_CONFIG_PATH} on this ESP, rewritten by cairn boot update.`,
    `configfile /${GRUB_CONFIG_PATH}`,
    '',
  ].join('\n');
}

/**
 * The chain's files in the order they are written: GRUB, the MOK manager and the hand-over to Cairn's menu
 * first, shim last. Refuses an ESP where another system's grub.cfg sits at the signed GRUB's prefix (a
 * Debian installed beside): writing there would take that system's menu away.
 */
export async function signedChainEspFiles(esp: string, chain: SignedChain): Promise<TargetFile[]> {
  const redirect = signedGrubConfigPath(chain);
  const files: TargetFile[] = [loaderFile(`${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`, chain.grub.bytes), loaderFile(`${SHIM_DIRECTORY}/${SHIM_MOK_MANAGER}`, chain.mokManager.bytes)];
  if (redirect !== GRUB_CONFIG_PATH) {
    const existing = await readText(posix.join(esp, redirect));
    if (existing !== undefined && !existing.startsWith(CAIRN_CONFIG_HEADER)) {
      throw new UserError(`ESP ${esp}: ${redirect} is another system's GRUB configuration (Cairn did not write it), and the signed GRUB (${chain.grub.path}) reads its menu there: installing Cairn's Secure Boot chain would take that menu away`, {
        hint: 'give this system an ESP of its own, or move that file away if nothing uses it',
      });
    }
    files.push(loaderFile(redirect, new TextEncoder().encode(renderGrubRedirect())));
  }
  files.push(loaderFile(REMOVABLE_LOADER_PATH, chain.shim.bytes));
  return files;
}

/** The certificate shim trusts, when the ESP's removable-media loader is shim; undefined otherwise. */
export async function shimTrustOnEsp(esp: string, observed: ObservedEsp): Promise<{ readonly vendor: X509Certificate | undefined } | undefined> {
  const loader = observed.files.get(REMOVABLE_LOADER_PATH);
  if (loader === undefined || observed.removableLoader !== 'shim') return undefined;
  const bytes = new Uint8Array(await readFile(posix.join(esp, loader.actual)));
  const facts = describeUefiBinary(bytes, decodePeImage(bytes));
  return { vendor: facts.vendorCertificate === undefined ? undefined : new X509Certificate(facts.vendorCertificate) };
}

/** Refuses (before anything is written) a menu with a kernel shim would not start; every one named. */
export async function checkMenuKernels(menu: BootMenu, bootFiles: ReadonlyMap<string, BootFile>, vendor: X509Certificate | undefined, where: string): Promise<void> {
  const kernels = menu.entries.map((entry) => ({
    path: bootFiles.get(entry.kernel)!.hostPath,
    usedBy: `generation ${entry.generation}${entry.specialisation === undefined ? '' : ` (specialisation ${entry.specialisation})`}`,
  }));
  await checkKernelSignatures(kernels, vendor, where);
}

function loaderFile(path: string, bytes: Uint8Array): TargetFile {
  return { path, role: 'loader', content: { kind: 'bytes', bytes, sha256: sha256Hex(bytes) } };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}
