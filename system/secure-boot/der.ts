/**
 * DER (the distinguished encoding of ASN.1, X.690) as far as Authenticode needs it: tag-length-value nodes
 * read from a byte array without copying, their children, object identifiers, and the encoding of a node
 * from its tag and value (which Authenticode needs to re-tag the signed attributes as a SET before
 * checking their signature). Pure: no I/O, nothing shared.
 */

/** Tags of the universal types Cairn reads. */
export const DER_TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  objectIdentifier: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** `[0]` constructed, context-specific: EXPLICIT content and IMPLICIT SET OF certificates. */
  context0: 0xa0,
  context1: 0xa1,
} as const;

/** One TLV: where it starts, where its value is, and its tag byte (only one-byte tags: numbers up to 30). */
export interface DerNode {
  /** The tag byte: class (bits 7-6), constructed (bit 5), number (bits 4-0). */
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly offset: number;
  /** Offset of the first value byte. */
  readonly valueOffset: number;
  /** Bytes of the value. */
  readonly length: number;
  /** Offset just past the value. */
  readonly end: number;
}

export class DerError extends Error {
  override readonly name: string = 'DerError';
}

/** Decodes the TLV at `offset`; its value must end within `limit` (default: the array's end). */
export function decodeDer(bytes: Uint8Array, offset = 0, limit = bytes.length): DerNode {
  if (offset + 2 > limit) throw new DerError(`DER: a node at byte ${offset} is cut off`);
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`DER: multi-byte tag at byte ${offset} is not supported`);
  const first = bytes[offset + 1]!;
  let length: number;
  let valueOffset: number;
  if (first < 0x80) {
    length = first;
    valueOffset = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError(`DER: indefinite length at byte ${offset} (BER, not DER)`);
    if (count > 4) throw new DerError(`DER: a length of ${count} bytes at byte ${offset} is too long`);
    if (offset + 2 + count > limit) throw new DerError(`DER: the length at byte ${offset} is cut off`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
    valueOffset = offset + 2 + count;
  }
  const end = valueOffset + length;
  if (end > limit) throw new DerError(`DER: the node at byte ${offset} (${length} bytes) runs past its container (byte ${limit})`);
  return { tag, offset, valueOffset, length, end };
}

/** The nodes inside a constructed node, in order. */
export function derChildren(bytes: Uint8Array, node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`DER: the node at byte ${node.offset} (tag 0x${node.tag.toString(16)}) is not constructed`);
  const children: DerNode[] = [];
  let position = node.valueOffset;
  while (position < node.end) {
    const child = decodeDer(bytes, position, node.end);
    children.push(child);
    position = child.end;
  }
  return children;
}

/** The value bytes of a node (a view, not a copy). */
export function derValue(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.valueOffset, node.end);
}

/** The whole TLV of a node (a view, not a copy). */
export function derBytes(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.offset, node.end);
}

/** Checks a node's tag, naming what was expected. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError(`DER: ${what} is missing`);
  if (node.tag !== tag) throw new DerError(`DER: ${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return node;
}

/** Encodes a TLV with DER's shortest length form. */
export function encodeDer(tag: number, value: Uint8Array): Uint8Array {
  const length = value.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(value, header.length);
  return out;
}

/** An OBJECT IDENTIFIER's value as dotted text, e.g. 1.2.840.113549.1.7.2. */
export function decodeObjectIdentifier(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('DER: empty object identifier');
  const arcs: number[] = [];
  let current = 0;
  for (const byte of value) {
    current = current * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(current);
      current = 0;
    }
  }
  if ((value[value.length - 1]! & 0x80) !== 0) throw new DerError('DER: object identifier cut off');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** The value of an OBJECT IDENTIFIER for dotted text (the inverse of decodeObjectIdentifier). */
export function encodeObjectIdentifier(text: string): Uint8Array {
  const arcs = text.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isInteger(a) || a < 0)) throw new DerError(`not an object identifier: ${text}`);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups: number[] = [];
    let rest = arc;
    do {
      groups.unshift(rest % 128);
      rest = Math.floor(rest / 128);
    } while (rest > 0);
    groups.forEach((group, index) => out.push(index < groups.length - 1 ? group | 0x80 : group));
  }
  return Uint8Array.from(out);
}
