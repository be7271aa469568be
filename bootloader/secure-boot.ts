/**
 * The distribution's signed boot chain for UEFI Secure Boot: shim (signed by Microsoft, so firmware with
 * Microsoft's keys starts it), which starts the distribution-signed GRUB beside it (`grubx64.efi`) and the
 * MOK manager (`mmx64.efi`), and lets GRUB start kernels signed by the certificate shim carries. Cairn does
 * not sign anything: it finds the signed files (an explicit path, else where Debian, Ubuntu, Fedora and Arch
 * install them), checks before anything is written that each is what it should be and that GRUB and every
 * kernel are signed by the certificate shim trusts, and lays them out (an ISO's ESP, an installed ESP).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DomainError, UserError } from '../lib/errors.js';
import { describePackage, type DistroFile } from '../lib/tools.js';
import { chainsTo, isValidlySigned, readAuthenticode, type AuthenticodeReport } from '../system/secure-boot/authenticode.js';
import { PeFormatError, decodePeImage } from '../system/secure-boot/pe-image.js';
import type { SignedChainPaths } from '../system/secure-boot/secure-boot-choice.js';
import { describeUefiBinary, type UefiBinaryFacts, type UefiBinaryKind } from '../system/secure-boot/uefi-binary.js';
import { statSync } from 'node:fs';

/** The removable-media directory firmware boots from, and the names shim gives the programs beside it. */
export const SHIM_DIRECTORY = 'EFI/BOOT';
export const SHIM_SECOND_STAGE = 'grubx64.efi';
export const SHIM_MOK_MANAGER = 'mmx64.efi';
/** shim's fallback loader: on removable media its presence makes shim run it instead of GRUB, so it is never installed. */
export const SHIM_FALLBACK = 'fbx64.efi';

/** Where the signed chain is used: an ISO (GRUB for CDs, `gcdx64`, first) or an installed disk (`grubx64`, which reads LUKS too). */
export type SignedChainPurpose = 'iso' | 'disk';

const SHIM: DistroFile = {
  description: 'shimx64.efi.signed (shim, signed by Microsoft)',
  candidates: ['/usr/lib/shim/shimx64.efi.signed', '/usr/lib/shim/shimx64.efi.signed.latest', '/boot/efi/EFI/fedora/shimx64.efi', '/usr/share/shim-signed/shimx64.efi'],
  packages: { debian: 'shim-signed', fedora: 'shim-x64', arch: 'shim-signed (AUR)' },
};

const MOK_MANAGER: DistroFile = {
  description: 'mmx64.efi.signed (the MOK manager, signed by the distribution)',
  candidates: ['/usr/lib/shim/mmx64.efi.signed', '/usr/lib/shim/mmx64.efi', '/boot/efi/EFI/fedora/mmx64.efi', '/usr/share/shim-signed/mmx64.efi'],
  packages: { debian: 'shim-helpers-amd64-signed', fedora: 'shim-x64', arch: 'shim-signed (AUR)' },
};

const GRUB_FOR_DISKS = ['/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', '/boot/efi/EFI/fedora/grubx64.efi'];
const GRUB_FOR_CDS = ['/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed', '/boot/efi/EFI/fedora/gcdx64.efi'];

function signedGrub(purpose: SignedChainPurpose): DistroFile {
  return {
    description: `${purpose === 'iso' ? 'gcdx64.efi.signed' : 'grubx64.efi.signed'} (GRUB, signed by the distribution)`,
    candidates: purpose === 'iso' ? [...GRUB_FOR_CDS, ...GRUB_FOR_DISKS] : GRUB_FOR_DISKS,
    packages: { debian: 'grub-efi-amd64-signed', fedora: purpose === 'iso' ? 'grub2-efi-x64-cdboot' : 'grub2-efi-x64' },
  };
}

/** One file of the chain, read and checked. */
export interface SignedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly facts: UefiBinaryFacts;
  readonly signatures: AuthenticodeReport;
}

export interface SignedChain {
  readonly shim: SignedFile;
  readonly grub: SignedFile;
  readonly mokManager: SignedFile;
  /** The certificate shim trusts for what it starts (its vendor certificate), when Cairn can read it. */
  readonly vendor: X509Certificate | undefined;
  /** GRUB's built-in prefix without its leading `/` (`boot/grub`, `EFI/debian`): where it reads grub.cfg on the ESP. */
  readonly grubPrefix: string | undefined;
}

/**
 * Finds, reads and checks the chain. `where` names the setting in messages (`image.yaml: boot.secureBoot`).
 * Every missing file is reported at once, with the package that provides it.
 */
export async function loadSignedChain(paths: SignedChainPaths, purpose: SignedChainPurpose, where: string): Promise<SignedChain> {
  const wanted = [
    { role: 'shim', file: SHIM, explicit: paths.shim },
    { role: 'grub', file: signedGrub(purpose), explicit: paths.grub },
    { role: 'mokManager', file: MOK_MANAGER, explicit: paths.mokManager },
  ] as const;
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const { role, file, explicit } of wanted) {
    if (explicit !== undefined) {
      if (isFile(explicit)) found.set(role, explicit);
      else missing.push(`${file.description}: ${role} names ${explicit}, which is not a file`);
      continue;
    }
    const candidate = file.candidates.find(isFile);
    if (candidate === undefined) missing.push(`${file.description}: ${describePackage(file.packages)}`);
    else found.set(role, candidate);
  }
  if (missing.length > 0) {
    throw new UserError(`${where}: Secure Boot needs the distribution's signed boot chain, and ${missing.length === 1 ? 'a file of it was' : `${missing.length} of its files were`} not found:\n${missing.map((m) => `  ${m}`).join('\n')}`, {
      hint: 'install the packages, or unpack them without installing (apt-get download shim-signed shim-helpers-amd64-signed grub-efi-amd64-signed, then dpkg -x each into a folder) and name the files in secureBoot: { shim, grub, mokManager }',
    });
  }
  const shim = await readSignedFile(found.get('shim')!, 'shim', where);
  const grub = await readSignedFile(found.get('grub')!, 'grub', where);
  const mokManager = await readSignedFile(found.get('mokManager')!, 'other', where);
  const vendor = shim.facts.vendorCertificate === undefined ? undefined : new X509Certificate(shim.facts.vendorCertificate);
  if (vendor !== undefined) {
    for (const file of [grub, mokManager]) {
      if (!file.signatures.signatures.some((s) => chainsTo(s, vendor))) {
        throw new DomainError('secure-boot-untrusted-loader', `${where}: ${file.path} is signed by ${signerNames(file.signatures)}, but shim (${shim.path}) trusts only ${commonName(vendor.subject)}: shim would refuse to start it`, {
          hint: "use the GRUB and MOK manager of shim's own distribution",
          expected: commonName(vendor.subject),
          actual: signerNames(file.signatures),
        });
      }
    }
  }
  const prefix = grub.facts.grub?.prefix;
  return { shim, grub, mokManager, vendor, grubPrefix: prefix === undefined || prefix === '' ? undefined : prefix.replace(/^\/+/, '').replace(/\/+$/, '') };
}

const KIND_NAMES: Readonly<Record<UefiBinaryKind, string>> = { shim: 'shim', grub: 'GRUB', 'systemd-boot': 'systemd-boot', linux: 'a Linux kernel', other: 'a UEFI program' };

async function readSignedFile(path: string, kind: UefiBinaryKind, where: string): Promise<SignedFile> {
  const bytes = new Uint8Array(await readFile(path));
  let image;
  try {
    image = decodePeImage(bytes);
  } catch (error) {
    if (error instanceof PeFormatError) throw new UserError(`${where}: ${path} is not a UEFI program (${error.message})`);
    throw error;
  }
  const facts = describeUefiBinary(bytes, image);
  if (facts.kind !== kind) {
    throw new UserError(`${where}: ${path} is ${KIND_NAMES[facts.kind]}, not ${kind === 'other' ? 'the MOK manager' : KIND_NAMES[kind]}`, { hint: 'name the right file, or leave it out to search the usual places' });
  }
  const signatures = readAuthenticode(bytes, image);
  if (!isValidlySigned(signatures)) {
    throw new UserError(`${where}: ${path} ${signatures.signatures.length === 0 ? 'carries no Authenticode signature' : 'carries a signature that does not match its content'}: firmware with Secure Boot on would refuse it`, {
      hint: "use the distribution's signed file (from its -signed package)",
    });
  }
  return { path, bytes, facts, signatures };
}

/** A kernel to check, and how messages name it (`generation 3`). */
export interface KernelToCheck {
  readonly path: string;
  readonly usedBy: string;
}

/** What was found about one kernel. */
export interface KernelSignature {
  readonly path: string;
  readonly signers: string;
}

/**
 * Refuses, before anything is written, kernels that shim would not start: without an Authenticode signature
 * (or not UEFI programs at all), with a signature that does not match their content, or signed by a
 * certificate that does not chain to shim's. Every such kernel is named at once, with who uses it.
 */
export async function checkKernelSignatures(kernels: readonly KernelToCheck[], vendor: X509Certificate | undefined, where: string): Promise<KernelSignature[]> {
  const byPath = new Map<string, string[]>();
  for (const kernel of kernels) byPath.set(kernel.path, [...(byPath.get(kernel.path) ?? []), kernel.usedBy]);
  const problems: string[] = [];
  const checked: KernelSignature[] = [];
  for (const [path, users] of [...byPath].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const who = users.join(', ');
    const bytes = new Uint8Array(await readFile(path));
    let report: AuthenticodeReport;
    try {
      report = readAuthenticode(bytes);
    } catch (error) {
      if (!(error instanceof PeFormatError)) throw error;
      problems.push(`${who}: the kernel ${path} is not a UEFI program (${error.message}), so it carries no signature`);
      continue;
    }
    if (report.signatures.length === 0) problems.push(`${who}: the kernel ${path} carries no Authenticode signature`);
    else if (!isValidlySigned(report)) problems.push(`${who}: the kernel ${path} carries a signature that does not match its content (changed after signing)`);
    else if (vendor !== undefined && !report.signatures.some((s) => chainsTo(s, vendor))) {
      problems.push(`${who}: the kernel ${path} is signed by ${signerNames(report)}, which shim (trusting ${commonName(vendor.subject)}) does not accept`);
    } else checked.push({ path, signers: signerNames(report) });
  }
  if (problems.length > 0) {
    throw new DomainError('secure-boot-unsigned-kernel', `${where}: with Secure Boot on, shim and GRUB start only kernels signed by the certificate shim trusts:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
      hint: "use the distribution's signed kernel (Debian's linux-image packages are signed), leave those generations out, or turn Secure Boot off",
      actual: problems,
    });
  }
  return checked;
}

/** `Subject CN (issuer CN)` of each signer, for messages. */
export function signerNames(report: AuthenticodeReport): string {
  const names = report.signatures.flatMap((s) => s.signers.map((signer) => `${signer.subject.commonName} (issued by ${signer.issuer.commonName})`));
  return names.length === 0 ? 'nobody' : names.join(' and ');
}

function commonName(distinguished: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(distinguished)?.[1] ?? distinguished.replace(/\n/g, ', ');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
