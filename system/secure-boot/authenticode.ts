/**
 * Authenticode, the signature UEFI Secure Boot checks on a PE image: the certificate table's PKCS#7
 * SignedData, whose content (SpcIndirectDataContent) holds a digest of the image, whose signer info signs
 * that content (through its authenticated attributes), and whose certificates include the signer's. Read
 * here: which digest, who signed it (subject and issuer from the certificates, read with node:crypto's
 * X509Certificate), whether the digest is this image's (computed as shim computes it), and whether the
 * signature verifies with the signer's certificate. `chainsTo` checks a signer against a certificate
 * authority (the one shim trusts for the kernels and GRUB it loads). Pure but for `crypto`.
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import { DER_TAG, DerError, decodeDer, decodeObjectIdentifier, derBytes, derChildren, derValue, encodeDer, expectTag, type DerNode } from './der.js';
import { PE_CONSTANTS, PeFormatError, WIN_CERTIFICATE, certificateTableOf, decodePeImage, peCertificates, type PeImage } from './pe-image.js';

export const AUTHENTICODE_OIDS = {
  signedData: '1.2.840.113549.1.7.2',
  spcIndirectData: '1.3.6.1.4.1.311.2.1.4',
  messageDigest: '1.2.840.113549.1.9.4',
} as const;

/** Digest algorithms by object identifier, as node:crypto names them. */
const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface CertificateName {
  /** The common name (CN), else the whole distinguished name on one line. */
  readonly commonName: string;
  readonly distinguishedName: string;
}

export interface AuthenticodeSigner {
  readonly subject: CertificateName;
  readonly issuer: CertificateName;
  /** Hex, as X509Certificate gives it. */
  readonly serialNumber: string;
  /** The signature over the signed content verifies with the signer's certificate. */
  readonly signatureValid: boolean;
}

export interface AuthenticodeSignature {
  readonly digestAlgorithm: string;
  /** The image digest the signature covers, hex. */
  readonly signedDigest: string;
  /** The image's own digest (computed as shim does) equals the signed one. */
  readonly digestMatches: boolean;
  readonly signers: readonly AuthenticodeSigner[];
  /** Every certificate the signature carries (the signer's and any intermediates), DER. */
  readonly certificates: readonly Uint8Array[];
}

/** What an image's certificate table holds: each signature, and entries Cairn could not read. */
export interface AuthenticodeReport {
  readonly signatures: readonly AuthenticodeSignature[];
  readonly problems: readonly string[];
}

/** Reads every Authenticode signature of a PE image (the whole file). No signature: an empty list. */
export function readAuthenticode(bytes: Uint8Array, image: PeImage = decodePeImage(bytes)): AuthenticodeReport {
  const signatures: AuthenticodeSignature[] = [];
  const problems: string[] = [];
  let entries;
  try {
    entries = peCertificates(bytes, image);
  } catch (error) {
    if (error instanceof PeFormatError) return { signatures, problems: [error.message] };
    throw error;
  }
  entries.forEach((entry, index) => {
    if (entry.type !== WIN_CERTIFICATE.typePkcsSignedData) {
      problems.push(`certificate table entry ${index + 1} is of type 0x${entry.type.toString(16)}, not a PKCS#7 signature`);
      return;
    }
    try {
      signatures.push(decodeSignedData(entry.data, (algorithm) => authenticodeDigest(bytes, image, algorithm)));
    } catch (error) {
      if (error instanceof DerError || error instanceof PeFormatError) problems.push(`certificate table entry ${index + 1}: ${error.message}`);
      else throw error;
    }
  });
  return { signatures, problems };
}

/**
 * The Authenticode digest of an image, as shim computes it: the headers without the checksum and the
 * security directory entry, each section's raw data in file order, then what follows the sections up to
 * the certificate table.
 */
export function authenticodeDigest(bytes: Uint8Array, image: PeImage, algorithm: string): string {
  const hash = createHash(algorithm);
  const table = certificateTableOf(image);
  if (image.sizeOfHeaders > bytes.length) throw new PeFormatError(`the headers (${image.sizeOfHeaders} bytes) run past the end of the image`);
  hash.update(bytes.subarray(0, image.checksumOffset));
  hash.update(bytes.subarray(image.checksumOffset + 4, image.securityDirectoryOffset));
  hash.update(bytes.subarray(image.securityDirectoryOffset + PE_CONSTANTS.dataDirectorySize, image.sizeOfHeaders));
  let hashed = image.sizeOfHeaders;
  const sections = [...image.sections].filter((s) => s.sizeOfRawData > 0).sort((a, b) => a.pointerToRawData - b.pointerToRawData);
  for (const section of sections) {
    const end = section.pointerToRawData + section.sizeOfRawData;
    if (end > bytes.length) throw new PeFormatError(`section ${section.name} ends at byte ${end}, past the end of the image (${bytes.length})`);
    hash.update(bytes.subarray(section.pointerToRawData, end));
    hashed += section.sizeOfRawData;
  }
  const tableSize = table?.size ?? 0;
  if (bytes.length > hashed + tableSize) hash.update(bytes.subarray(hashed, bytes.length - tableSize));
  return hash.digest('hex');
}

function decodeSignedData(der: Uint8Array, digestOf: (algorithm: string) => string): AuthenticodeSignature {
  const contentInfo = expectTag(decodeDer(der), DER_TAG.sequence, 'the ContentInfo');
  const [type, explicit] = derChildren(der, contentInfo);
  const contentType = decodeObjectIdentifier(derValue(der, expectTag(type, DER_TAG.objectIdentifier, 'the content type')));
  if (contentType !== AUTHENTICODE_OIDS.signedData) throw new DerError(`the signature is a PKCS#7 ${contentType}, not SignedData`);
  const signedData = expectTag(derChildren(der, expectTag(explicit, DER_TAG.context0, 'the SignedData'))[0], DER_TAG.sequence, 'the SignedData');
  const fields = derChildren(der, signedData);
  // version, digestAlgorithms, contentInfo, [0] certificates, [1] crls, signerInfos
  const inner = expectTag(fields[2], DER_TAG.sequence, 'the signed content');
  const [innerType, innerExplicit] = derChildren(der, inner);
  const innerContentType = decodeObjectIdentifier(derValue(der, expectTag(innerType, DER_TAG.objectIdentifier, 'the signed content type')));
  if (innerContentType !== AUTHENTICODE_OIDS.spcIndirectData) throw new DerError(`the signed content is ${innerContentType}, not Authenticode's SpcIndirectDataContent`);
  const indirect = expectTag(derChildren(der, expectTag(innerExplicit, DER_TAG.context0, 'the SpcIndirectDataContent'))[0], DER_TAG.sequence, 'the SpcIndirectDataContent');
  const digestInfo = expectTag(derChildren(der, indirect)[1], DER_TAG.sequence, 'the image digest');
  const [digestAlgorithmId, digestValue] = derChildren(der, digestInfo);
  const digestAlgorithm = digestName(der, digestAlgorithmId);
  const signedDigest = Buffer.from(derValue(der, expectTag(digestValue, DER_TAG.octetString, 'the image digest'))).toString('hex');

  const certificates: Uint8Array[] = [];
  let signerInfos: DerNode | undefined;
  for (const field of fields.slice(3)) {
    if (field.tag === DER_TAG.context0) for (const certificate of derChildren(der, field)) certificates.push(Uint8Array.from(derBytes(der, certificate)));
    else if (field.tag === DER_TAG.set) signerInfos = field;
  }
  const parsed = certificates.map((c) => new X509Certificate(c));
  // The content a signer signs is the SpcIndirectDataContent's value, without its own tag and length.
  const content = derValue(der, indirect);
  const signers = derChildren(der, expectTag(signerInfos, DER_TAG.set, 'the signer infos')).map((info) => decodeSigner(der, info, parsed, content));
  let digestMatches: boolean;
  try {
    digestMatches = digestOf(digestAlgorithm) === signedDigest;
  } catch (error) {
    if (!(error instanceof PeFormatError)) throw error;
    digestMatches = false;
  }
  return { digestAlgorithm, signedDigest, digestMatches, signers, certificates };
}

function decodeSigner(der: Uint8Array, info: DerNode, certificates: readonly X509Certificate[], content: Uint8Array): AuthenticodeSigner {
  const fields = derChildren(der, expectTag(info, DER_TAG.sequence, 'a signer info'));
  const issuerAndSerial = derChildren(der, expectTag(fields[1], DER_TAG.sequence, "the signer's issuer and serial number"));
  const serialNumber = serialHex(derValue(der, expectTag(issuerAndSerial[1], DER_TAG.integer, "the signer's serial number")));
  const algorithm = digestName(der, fields[2]);
  let position = 3;
  let attributes: DerNode | undefined;
  if (fields[position]?.tag === DER_TAG.context0) attributes = fields[position++];
  position++; // the signature algorithm
  const signature = derValue(der, expectTag(fields[position], DER_TAG.octetString, 'the signature'));
  const certificate = certificates.find((c) => c.serialNumber.toLowerCase() === serialNumber);
  if (certificate === undefined) throw new DerError(`the signer's certificate (serial ${serialNumber}) is not among the ${certificates.length} the signature carries`);
  let signed: Uint8Array;
  if (attributes === undefined) signed = content;
  else {
    const digest = messageDigestOf(der, attributes);
    if (digest === undefined || Buffer.compare(digest, createHash(algorithm).update(content).digest()) !== 0) {
      return { ...namesOf(certificate), serialNumber, signatureValid: false };
    }
    // The signature covers the attributes encoded as a SET, not with their [0] IMPLICIT tag.
    signed = encodeDer(DER_TAG.set, derValue(der, attributes));
  }
  let signatureValid = false;
  try {
    signatureValid = verifySignature(algorithm, signed, certificate.publicKey, signature);
  } catch {
    signatureValid = false;
  }
  return { ...namesOf(certificate), serialNumber, signatureValid };
}

function messageDigestOf(der: Uint8Array, attributes: DerNode): Uint8Array | undefined {
  for (const attribute of derChildren(der, attributes)) {
    const [type, values] = derChildren(der, attribute);
    if (type === undefined || values === undefined) continue;
    if (decodeObjectIdentifier(derValue(der, type)) !== AUTHENTICODE_OIDS.messageDigest) continue;
    const value = derChildren(der, values)[0];
    return value === undefined ? undefined : derValue(der, expectTag(value, DER_TAG.octetString, 'the message digest'));
  }
  return undefined;
}

function digestName(der: Uint8Array, algorithmIdentifier: DerNode | undefined): string {
  const oid = decodeObjectIdentifier(derValue(der, expectTag(derChildren(der, expectTag(algorithmIdentifier, DER_TAG.sequence, 'a digest algorithm'))[0], DER_TAG.objectIdentifier, 'a digest algorithm')));
  const name = DIGESTS[oid];
  if (name === undefined) throw new DerError(`unknown digest algorithm ${oid}`);
  return name;
}

/** An INTEGER's value as X509Certificate prints serial numbers: hex, upper case there, without leading zero bytes. */
function serialHex(value: Uint8Array): string {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return Buffer.from(value.subarray(start)).toString('hex');
}

function namesOf(certificate: X509Certificate): Pick<AuthenticodeSigner, 'subject' | 'issuer'> {
  return { subject: certificateName(certificate.subject), issuer: certificateName(certificate.issuer) };
}

/** X509Certificate's multi-line distinguished name as a name: its CN, and the whole on one line. */
export function certificateName(distinguished: string): CertificateName {
  const parts = distinguished.split('\n').filter((line) => line !== '');
  const common = parts.find((p) => p.startsWith('CN='))?.slice(3);
  return { commonName: common ?? parts.join(', '), distinguishedName: parts.join(', ') };
}

/**
 * Whether one of the signature's signers chains to `authority`: the signer's certificate, through any
 * certificates the signature carries, is issued and signed by it (what shim checks against its vendor
 * certificate). A signer that is the authority itself counts too.
 */
export function chainsTo(signature: AuthenticodeSignature, authority: X509Certificate): boolean {
  const carried = signature.certificates.map((c) => new X509Certificate(c));
  return signature.signers.some((signer) => {
    if (!signer.signatureValid) return false;
    let current = carried.find((c) => c.serialNumber.toLowerCase() === signer.serialNumber);
    for (let depth = 0; current !== undefined && depth < 8; depth++) {
      if (current.fingerprint256 === authority.fingerprint256) return true;
      if (current.checkIssued(authority) && current.verify(authority.publicKey)) return true;
      const issuer: X509Certificate | undefined = carried.find((c) => c !== current && current!.checkIssued(c) && current!.verify(c.publicKey));
      current = issuer;
    }
    return false;
  });
}

/** Whether the image carries a signature whose digest is its own and whose signature verifies. */
export function isValidlySigned(report: AuthenticodeReport): boolean {
  return report.signatures.some((s) => s.digestMatches && s.signers.some((signer) => signer.signatureValid));
}
