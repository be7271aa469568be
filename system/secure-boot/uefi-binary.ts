/**
 * What a UEFI program is, read from its PE sections (pure): shim (its `.vendor_cert` section holds the
 * certificate it trusts for what it loads next, its `.data.ident` its version), GRUB (its `mods` section
 * holds the built-in prefix, where it looks for grub.cfg, and whether it carries an embedded
 * configuration), systemd-boot (`.sdmagic`), a Linux kernel with its EFI stub (the x86 boot header), or
 * something else; and its SBAT entries (the generation numbers revocations are counted in).
 */
import { X509Certificate } from 'node:crypto';
import { findSection, sectionBytes, type PeImage } from './pe-image.js';

export type UefiBinaryKind = 'shim' | 'grub' | 'systemd-boot' | 'linux' | 'other';

/** One SBAT line: component, generation, vendor, package, version, URL. */
export interface SbatEntry {
  readonly component: string;
  readonly generation: number;
  readonly vendor: string;
  readonly version: string;
}

export interface GrubImageFacts {
  /** The built-in prefix (`/EFI/debian`, `/boot/grub`): grub.cfg is read from `$prefix/grub.cfg` on the device GRUB was loaded from. */
  readonly prefix: string | undefined;
  /** The embedded configuration's own text, when GRUB carries it as a config module (a memdisk's config is not read). */
  readonly embeddedConfig: string | undefined;
  /** A memory disk is built in (Debian's signed images keep their search-for-/.disk/info script there). */
  readonly memdisk: boolean;
}

export interface UefiBinaryFacts {
  readonly kind: UefiBinaryKind;
  /** shim's `$Version` or systemd-boot's version, when the binary says. */
  readonly version: string | undefined;
  readonly sbat: readonly SbatEntry[];
  /** shim: the certificate it trusts (its vendor certificate), DER. */
  readonly vendorCertificate: Uint8Array | undefined;
  readonly grub: GrubImageFacts | undefined;
}

/** GRUB's module area (include/grub/kernel.h): a `mimg` header, then modules of these types. */
const GRUB_MODULES = { magic: 0x676d696d, headerSize: 24, memdisk: 1, config: 2, prefix: 3 } as const;

export function describeUefiBinary(bytes: Uint8Array, image: PeImage): UefiBinaryFacts {
  const text = (name: string) => {
    const section = findSection(image, name);
    return section === undefined ? undefined : trimNul(new TextDecoder('latin1').decode(sectionBytes(bytes, section)));
  };
  const sbat = parseSbat(text('.sbat') ?? '');
  const vendorCertificate = shimVendorCertificate(bytes, image);
  const ident = text('.data.ident');
  if (vendorCertificate !== undefined || ident?.startsWith('UEFI SHIM') === true) {
    return { kind: 'shim', version: /\$Version: ([^\s$]+)/.exec(ident ?? '')?.[1] ?? sbatVersion(sbat, 'shim'), sbat, vendorCertificate, grub: undefined };
  }
  const mods = findSection(image, 'mods');
  if (mods !== undefined) return { kind: 'grub', version: sbatVersion(sbat, 'grub'), sbat, vendorCertificate: undefined, grub: grubFacts(sectionBytes(bytes, mods)) };
  const sdmagic = text('.sdmagic');
  if (sdmagic !== undefined) return { kind: 'systemd-boot', version: /systemd-boot (\S+)/.exec(sdmagic)?.[1], sbat, vendorCertificate: undefined, grub: undefined };
  const linux = bytes.length > 0x206 && new TextDecoder('latin1').decode(bytes.subarray(0x202, 0x206)) === 'HdrS';
  return { kind: linux ? 'linux' : 'other', version: undefined, sbat, vendorCertificate: undefined, grub: undefined };
}

/** The SBAT CSV (one component a line). */
export function parseSbat(text: string): SbatEntry[] {
  return text
    .split('\n')
    .map((line) => line.split(','))
    .filter((fields) => fields.length >= 5 && /^\d+$/.test(fields[1]!))
    .map((fields) => ({ component: fields[0]!, generation: Number(fields[1]), vendor: fields[2]!, version: fields[4]! }));
}

function sbatVersion(sbat: readonly SbatEntry[], component: string): string | undefined {
  return sbat.find((e) => e.component !== component && e.component.startsWith(`${component}.`))?.version ?? sbat.find((e) => e.component === component)?.version;
}

/**
 * shim's `.vendor_cert` section: four u32 (authorized size, deauthorized size, and their offsets from the
 * section's start), then the data; the authorized part is a DER certificate (or, in some builds, a list of
 * EFI signature lists, which is not read here).
 */
function shimVendorCertificate(bytes: Uint8Array, image: PeImage): Uint8Array | undefined {
  const section = findSection(image, '.vendor_cert');
  if (section === undefined) return undefined;
  const data = sectionBytes(bytes, section);
  if (data.length < 16) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = view.getUint32(0, true);
  const offset = view.getUint32(8, true);
  if (size === 0 || offset + size > data.length) return undefined;
  const der = Uint8Array.from(data.subarray(offset, offset + size));
  try {
    new X509Certificate(der);
    return der;
  } catch {
    return undefined;
  }
}

function grubFacts(mods: Uint8Array): GrubImageFacts {
  const view = new DataView(mods.buffer, mods.byteOffset, mods.byteLength);
  const facts = { prefix: undefined as string | undefined, embeddedConfig: undefined as string | undefined, memdisk: false };
  if (mods.length < GRUB_MODULES.headerSize || view.getUint32(0, true) !== GRUB_MODULES.magic) return facts;
  const start = Number(view.getBigUint64(8, true));
  const end = Math.min(mods.length, Number(view.getBigUint64(16, true)));
  for (let position = start; position + 8 <= end; ) {
    const type = view.getUint32(position, true);
    const size = view.getUint32(position + 4, true);
    if (size < 8 || position + size > end) break;
    const body = mods.subarray(position + 8, position + size);
    if (type === GRUB_MODULES.prefix) facts.prefix = trimNul(new TextDecoder('latin1').decode(body));
    else if (type === GRUB_MODULES.config) facts.embeddedConfig = trimNul(new TextDecoder().decode(body));
    else if (type === GRUB_MODULES.memdisk) facts.memdisk = true;
    position += size;
  }
  return facts;
}

function trimNul(text: string): string {
  const end = text.indexOf('\0');
  return end < 0 ? text : text.slice(0, end);
}
