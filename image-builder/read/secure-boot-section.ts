/**
 * `cairn iso inspect`'s Secure Boot section: the chain a UEFI machine with Secure Boot on walks through this
 * image, and every signature on it. The removable-media loader on the ESP (EFI/BOOT/BOOTX64.EFI); when it is
 * shim, the certificate shim trusts and the programs it starts beside it (GRUB as grubx64.efi, the MOK
 * manager) and whether a fallback loader would take over; then each kernel the UEFI menu boots (from the
 * ESP or ISO 9660, where the loader reads it). Each signature with its signer and issuer, whether it covers
 * the file's content, whether it verifies, and whether shim accepts it. Whether the image boots with Secure
 * Boot on follows, with the first reason it would not.
 */
import { X509Certificate } from 'node:crypto';
import { DomainError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { SHIM_DIRECTORY, SHIM_FALLBACK, SHIM_MOK_MANAGER, SHIM_SECOND_STAGE } from '../../bootloader/secure-boot.js';
import { REMOVABLE_LOADER_PATH } from '../../bootloader/esp-layout.js';
import { chainsTo, isValidlySigned, readAuthenticode, type AuthenticodeReport } from '../../system/secure-boot/authenticode.js';
import { PeFormatError, decodePeImage } from '../../system/secure-boot/pe-image.js';
import { describeUefiBinary, type UefiBinaryKind } from '../../system/secure-boot/uefi-binary.js';
import { openFatImage, type FatImageReader } from '../fat/index.js';
import { inspectBootMenus, uefiEspOf, type EspLocation } from './boot-menu-section.js';
import type { InspectContext, InspectSection } from './inspect-section.js';
import { findIsoEntry, readIsoFile } from './iso-reader.js';

/** Kernels and loaders larger than this are not read (a kernel is some 10 MiB). */
const MAX_BINARY_BYTES = 256 * 1024 * 1024;

export interface SignatureReport {
  readonly signer: string;
  readonly issuer: string;
  readonly digestAlgorithm: string;
  /** The signed digest is the file's own. */
  readonly digestMatches: boolean;
  /** The signature verifies with the signer's certificate. */
  readonly signatureValid: boolean;
}

export interface ChainFileReport {
  /** On the ESP (`EFI/BOOT/BOOTX64.EFI`) or on ISO 9660 (`/cairn/store/...`). */
  readonly path: string;
  readonly on: 'esp' | 'iso';
  readonly kind: UefiBinaryKind | 'missing' | 'not a UEFI program';
  readonly version?: string;
  readonly size?: number;
  readonly signatures: readonly SignatureReport[];
  /** Valid: some signature covers the content and verifies. */
  readonly signed: boolean;
  /** Whether shim accepts it (chains to shim's certificate); undefined where shim does not decide. */
  readonly trustedByShim?: boolean;
  /** shim: the certificate it trusts, by common name. */
  readonly trusts?: string;
  /** GRUB: its built-in prefix. */
  readonly grubPrefix?: string;
  /** Kernels: the generations (or menu entries) booting it. */
  readonly usedBy?: readonly string[];
}

export interface SecureBootReport {
  readonly esp: { readonly offset: number; readonly source: EspLocation['source'] };
  readonly loader: ChainFileReport;
  /** When the loader is shim: what it starts (GRUB) and the MOK manager. */
  readonly secondStage?: ChainFileReport;
  readonly mokManager?: ChainFileReport;
  /** shim's fallback loader is on the ESP (shim would run it instead of GRUB from removable media). */
  readonly fallbackLoader: boolean;
  /** Where the kernels below were read, from which menu. */
  readonly menu?: { readonly loader: string; readonly config: string; readonly kernelsOn: 'esp' | 'iso' };
  readonly kernels: readonly ChainFileReport[];
  /** Whether firmware with Secure Boot on (and Microsoft's keys) gets through the chain to each kernel. */
  readonly bootable: boolean;
  /** Why not, one sentence each. */
  readonly problems: readonly string[];
}

const KIND_NAMES: Readonly<Record<ChainFileReport['kind'], string>> = {
  shim: 'shim',
  grub: 'GRUB',
  'systemd-boot': 'systemd-boot',
  linux: 'Linux kernel',
  other: 'UEFI program',
  missing: 'missing',
  'not a UEFI program': 'not a UEFI program',
};

export async function inspectSecureBoot(context: InspectContext): Promise<SecureBootReport | undefined> {
  const esp = await uefiEspOf(context);
  if (esp === undefined) return undefined;
  let fat: FatImageReader;
  try {
    fat = await openFatImage(context.image.file, { offset: esp.offset });
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
  try {
    const fromEsp = async (path: string) => {
      const entry = await fat.find(path);
      return entry?.kind === 'file' && entry.size <= MAX_BINARY_BYTES ? fat.readFile(path) : undefined;
    };
    const problems: string[] = [];
    const loaderRead = readChainFile(REMOVABLE_LOADER_PATH, 'esp', await fromEsp(REMOVABLE_LOADER_PATH), undefined);
    const loader = loaderRead.report;
    if (loader.kind === 'missing') problems.push(`the ESP has no ${REMOVABLE_LOADER_PATH}, which firmware boots from removable media`);
    else if (!loader.signed) problems.push(`the loader ${REMOVABLE_LOADER_PATH} (${describeKind(loader)}) ${loader.signatures.length === 0 ? 'carries no signature' : 'carries no valid signature'}: firmware with Secure Boot on refuses it`);
    const vendor = loaderRead.vendor;
    let secondStage: ChainFileReport | undefined;
    let mokManager: ChainFileReport | undefined;
    if (loader.kind === 'shim') {
      secondStage = readChainFile(`${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`, 'esp', await fromEsp(`${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`), vendor).report;
      mokManager = readChainFile(`${SHIM_DIRECTORY}/${SHIM_MOK_MANAGER}`, 'esp', await fromEsp(`${SHIM_DIRECTORY}/${SHIM_MOK_MANAGER}`), vendor).report;
      if (secondStage.kind === 'missing') problems.push(`shim starts ${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}, which is not on the ESP`);
      else if (!accepted(secondStage)) problems.push(`shim would refuse ${secondStage.path} (${describeSigners(secondStage)})`);
    }
    const fallbackLoader = (await fat.find(`${SHIM_DIRECTORY}/${SHIM_FALLBACK}`)) !== undefined;
    if (loader.kind === 'shim' && fallbackLoader) problems.push(`${SHIM_DIRECTORY}/${SHIM_FALLBACK} is on the ESP: started from removable media, shim runs this fallback loader instead of GRUB`);

    // The kernels of the UEFI menu, read where the loader reads them.
    const menus = await inspectBootMenus(context);
    const uefiMenu = menus?.menus.find((m) => m.firmware === 'uefi');
    const kernelsOn = uefiMenu?.kernelsOn ?? uefiMenu?.configOn ?? 'esp';
    const byKernel = new Map<string, string[]>();
    for (const entry of uefiMenu?.entries ?? []) byKernel.set(entry.kernel, [...(byKernel.get(entry.kernel) ?? []), entry.generation === undefined ? `"${entry.title}"` : `generation ${entry.generation}`]);
    const kernels: ChainFileReport[] = [];
    for (const [path, usedBy] of [...byKernel].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let bytes: Uint8Array | undefined;
      if (kernelsOn === 'iso') {
        const entry = findIsoEntry(context.image, path);
        bytes = entry?.type === 'file' && entry.size <= MAX_BINARY_BYTES ? await readIsoFile(context.access, entry, MAX_BINARY_BYTES) : undefined;
      } else bytes = await fromEsp(path.replaceAll('\\', '/'));
      const kernel = { ...readChainFile(path, kernelsOn, bytes, loader.kind === 'shim' ? vendor : undefined).report, usedBy };
      kernels.push(kernel);
      if (kernel.kind === 'missing') problems.push(`${usedBy.join(', ')}: the kernel ${path} is not on the ${kernelsOn === 'iso' ? 'ISO' : 'ESP'}`);
      else if (!accepted(kernel)) problems.push(`${usedBy.join(', ')}: ${loader.kind === 'shim' ? 'shim and GRUB would refuse' : 'firmware would refuse'} the kernel ${path} (${describeSigners(kernel)})`);
    }
    if (uefiMenu === undefined) problems.push('the UEFI boot menu could not be read, so its kernels are not checked');
    return {
      esp,
      loader,
      ...(secondStage === undefined ? {} : { secondStage }),
      ...(mokManager === undefined ? {} : { mokManager }),
      fallbackLoader,
      ...(uefiMenu === undefined ? {} : { menu: { loader: uefiMenu.loader, config: uefiMenu.config, kernelsOn } }),
      kernels,
      bootable: problems.length === 0,
      problems,
    };
  } finally {
    await fat.close();
  }
}

/** Signed, and accepted by shim where shim decides. */
function accepted(file: ChainFileReport): boolean {
  return file.signed && file.trustedByShim !== false;
}

function readChainFile(path: string, on: 'esp' | 'iso', bytes: Uint8Array | undefined, vendor: X509Certificate | undefined): { report: ChainFileReport; vendor?: X509Certificate } {
  if (bytes === undefined) return { report: { path, on, kind: 'missing', signatures: [], signed: false } };
  let image;
  try {
    image = decodePeImage(bytes);
  } catch (error) {
    if (!(error instanceof PeFormatError)) throw error;
    return { report: { path, on, kind: 'not a UEFI program', size: bytes.length, signatures: [], signed: false } };
  }
  const facts = describeUefiBinary(bytes, image);
  const authenticode = readAuthenticode(bytes, image);
  const trusts = facts.vendorCertificate === undefined ? undefined : new X509Certificate(facts.vendorCertificate);
  const trustedByShim = vendor === undefined ? undefined : authenticode.signatures.some((s) => chainsTo(s, vendor));
  return {
    report: {
      path,
      on,
      kind: facts.kind,
      ...(facts.version === undefined ? {} : { version: facts.version }),
      size: bytes.length,
      signatures: signaturesOf(authenticode),
      signed: isValidlySigned(authenticode),
      ...(trustedByShim === undefined ? {} : { trustedByShim }),
      ...(trusts === undefined ? {} : { trusts: commonName(trusts.subject) }),
      ...(facts.grub?.prefix === undefined ? {} : { grubPrefix: facts.grub.prefix }),
    },
    ...(trusts === undefined ? {} : { vendor: trusts }),
  };
}

function signaturesOf(report: AuthenticodeReport): SignatureReport[] {
  return report.signatures.flatMap((s) =>
    s.signers.map((signer) => ({ signer: signer.subject.commonName, issuer: signer.issuer.commonName, digestAlgorithm: s.digestAlgorithm, digestMatches: s.digestMatches, signatureValid: signer.signatureValid })),
  );
}

/** `generations 3, 2` for generations, the entries' titles otherwise. */
function describeUsers(users: readonly string[]): string {
  const numbers = users.map((u) => /^generation (\d+)$/.exec(u)?.[1]);
  if (numbers.every((n) => n !== undefined)) return `${users.length === 1 ? 'generation' : 'generations'} ${numbers.join(', ')}`;
  return users.join(', ');
}

function commonName(distinguished: string): string {
  return /(?:^|\n)CN=([^\n]*)/.exec(distinguished)?.[1] ?? distinguished.replace(/\n/g, ', ');
}

function describeKind(file: ChainFileReport): string {
  return `${KIND_NAMES[file.kind]}${file.version === undefined ? '' : ` ${file.version}`}`;
}

function describeSigners(file: ChainFileReport): string {
  if (file.signatures.length === 0) return 'no signature';
  const parts = file.signatures.map((s) => `signed by ${s.signer} (${s.issuer})${!s.digestMatches ? ', which does not cover its content' : !s.signatureValid ? ', which does not verify' : ''}`);
  return `${parts.join('; ')}${file.trustedByShim === false ? ', not trusted by shim' : ''}`;
}

function describeFile(file: ChainFileReport): string {
  if (file.kind === 'missing') return 'missing';
  const what = [describeKind(file), ...(file.grubPrefix === undefined ? [] : [`prefix ${file.grubPrefix}`]), ...(file.size === undefined ? [] : [formatSize(file.size)])].join(', ');
  const trust = file.trustedByShim === undefined ? '' : file.trustedByShim ? ', trusted by shim' : '';
  return `${what}: ${describeSigners(file)}${trust}${file.trusts === undefined ? '' : `; trusts ${file.trusts}`}`;
}

export const secureBootSection: InspectSection<SecureBootReport> = {
  id: 'secureBoot',
  title: 'Secure Boot',
  inspect: inspectSecureBoot,
  render(value) {
    const lines = [`ESP at byte ${value.esp.offset} (${value.esp.source === 'el-torito' ? 'the El Torito UEFI image' : `${value.esp.source.toUpperCase()} partition`})`];
    lines.push(`${value.loader.path}  ${describeFile(value.loader)}`);
    if (value.secondStage !== undefined) lines.push(`${value.secondStage.path}  ${describeFile(value.secondStage)}`);
    if (value.mokManager !== undefined) lines.push(`${value.mokManager.path}  ${describeFile(value.mokManager)}`);
    if (value.loader.kind === 'shim') lines.push(value.fallbackLoader ? `${SHIM_DIRECTORY}/${SHIM_FALLBACK}  present: shim runs it instead of GRUB` : `no fallback loader (${SHIM_DIRECTORY}/${SHIM_FALLBACK}): shim starts GRUB`);
    if (value.menu !== undefined) lines.push(`kernels of the ${value.menu.loader} menu (${value.menu.config}), read from ${value.menu.kernelsOn === 'iso' ? 'ISO 9660' : 'the ESP'}:`);
    for (const kernel of value.kernels) lines.push(`  ${kernel.path}  ${describeFile(kernel)}; ${describeUsers(kernel.usedBy ?? [])}`);
    lines.push(`boots with Secure Boot on: ${value.bootable ? 'yes' : 'no'}`);
    lines.push(...value.problems.map((p) => `problem: ${p}`));
    return lines;
  },
};
