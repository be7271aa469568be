/**
 * The Rock Ridge entries of each directory record and where they go: in the record's own system use area
 * when they fit, otherwise partly in continuation areas (SUSP CE) in the sectors that follow the directory.
 * Each continuation area stays within one sector (Linux refuses areas that cross one) and, when the entries
 * need more, ends with a CE pointing at the next. Planning only needs lengths; encoding adds the addresses.
 */
import { SECTOR_SIZE } from '../iso9660/constants.js';
import type { RecordingDateTime } from '../iso9660/date-time.js';
import {
  MAX_NM_NAME_BYTES,
  ROCK_RIDGE_EXTENSION,
  encodeAlternateNameEntries,
  encodePosixAttributes,
  encodeSymbolicLinkEntries,
  encodeTimeStamps,
  writeAlternateNameEntries,
  writePosixAttributes,
  writeTimeStamps,
} from '../iso9660/rock-ridge.js';
import { CE_ENTRY_LENGTH, SP_ENTRY_LENGTH, SUSP_HEADER_LENGTH, encodeContinuationEntry, encodeExtensionReference, encodeSharingProtocolIndicator } from '../iso9660/susp.js';

export interface RockRidgeAttributes {
  /** st_mode: type and permission bits. */
  readonly mode: number;
  readonly links: number;
  readonly inode: number;
  /** Modification time (already clamped); also written as access and attribute-change time. */
  readonly time: RecordingDateTime;
}

export interface RockRidgeRecord {
  readonly attributes: RockRidgeAttributes;
  /** The real name (NM, written as UTF-8), absent for "." and "..". */
  readonly name?: string;
  readonly symlinkTarget?: string;
  /** The root's "." record also announces SUSP (SP, first) and Rock Ridge (ER). */
  readonly rootSelf?: boolean;
}

/** The entries of one record, in the order they are written. */
export function rockRidgeEntries(record: RockRidgeRecord): Uint8Array[] {
  const { attributes } = record;
  const entries: Uint8Array[] = [];
  if (record.rootSelf) entries.push(encodeSharingProtocolIndicator({ skip: 0 }));
  entries.push(encodePosixAttributes({ mode: attributes.mode, links: attributes.links, uid: 0, gid: 0, inode: attributes.inode }));
  entries.push(encodeTimeStamps({ longForm: false, modified: attributes.time, accessed: attributes.time, attributes: attributes.time }));
  if (record.name !== undefined) entries.push(...encodeAlternateNameEntries(Buffer.from(record.name, 'utf8')));
  if (record.symlinkTarget !== undefined) entries.push(...encodeSymbolicLinkEntries(Buffer.from(record.symlinkTarget, 'utf8')));
  if (record.rootSelf) entries.push(encodeExtensionReference(ROCK_RIDGE_EXTENSION));
  return entries;
}

/**
 * Writes the entries of a record whose entries all fit in its own system use area straight into the directory
 * being encoded, at `offset`: the bytes rockRidgeEntries() gives, without an array of entries and a copy for each
 * of the tens of thousands of records of a big tree (a test keeps the two in step). Returns their length.
 */
export function writeRockRidgeEntries(bytes: Uint8Array, offset: number, record: RockRidgeRecord): number {
  const { attributes } = record;
  let position = offset;
  if (record.rootSelf) position += copy(bytes, position, encodeSharingProtocolIndicator({ skip: 0 }));
  position += writePosixAttributes(bytes, position, { mode: attributes.mode, links: attributes.links, uid: 0, gid: 0, inode: attributes.inode });
  position += writeTimeStamps(bytes, position, { longForm: false, modified: attributes.time, accessed: attributes.time, attributes: attributes.time });
  if (record.name !== undefined) position += writeAlternateNameEntries(bytes, position, utf8(record.name));
  if (record.symlinkTarget !== undefined) for (const entry of encodeSymbolicLinkEntries(Buffer.from(record.symlinkTarget, 'utf8'))) position += copy(bytes, position, entry);
  if (record.rootSelf) position += copy(bytes, position, encodeExtensionReference(ROCK_RIDGE_EXTENSION));
  return position - offset;
}

function copy(bytes: Uint8Array, offset: number, entry: Uint8Array): number {
  bytes.set(entry, offset);
  return entry.length;
}

/** A name's UTF-8 bytes, in a buffer reused from call to call (valid until the next call). */
const nameBuffer = Buffer.alloc(1024);
function utf8(name: string): Uint8Array {
  if (name.length * 3 > nameBuffer.length) return Buffer.from(name, 'utf8');
  return nameBuffer.subarray(0, nameBuffer.write(name, 'utf8'));
}

const PX_LENGTH = 44;
const TF_LENGTH = 4 + 1 + 3 * 7;
const ER_LENGTH = encodeExtensionReference(ROCK_RIDGE_EXTENSION).length;

/**
 * The lengths of rockRidgeEntries(record), without encoding them: planning sizes every record of every
 * directory, and only needs lengths (a test keeps the two in step).
 */
export function rockRidgeEntryLengths(record: Omit<RockRidgeRecord, 'attributes'>): number[] {
  const lengths: number[] = [];
  if (record.rootSelf) lengths.push(SP_ENTRY_LENGTH);
  lengths.push(PX_LENGTH, TF_LENGTH);
  if (record.name !== undefined) {
    let left = Buffer.byteLength(record.name, 'utf8');
    do {
      const piece = Math.min(left, MAX_NM_NAME_BYTES);
      lengths.push(SUSP_HEADER_LENGTH + 1 + piece);
      left -= piece;
    } while (left > 0);
  }
  if (record.symlinkTarget !== undefined) lengths.push(...encodeSymbolicLinkEntries(Buffer.from(record.symlinkTarget, 'utf8')).map((e) => e.length));
  if (record.rootSelf) lengths.push(ER_LENGTH);
  return lengths;
}

/** One continuation area: a run of entries within one sector of the directory's continuation sectors. */
export interface ContinuationSlot {
  /** Sector relative to the first continuation sector of the directory. */
  readonly sector: number;
  readonly offset: number;
  /** Bytes, including the CE that links to the next slot when there is one. */
  readonly length: number;
  /** Entries [start, end) of the record's entry list. */
  readonly start: number;
  readonly end: number;
}

export interface SystemUseSplit {
  /** Entries [0, inline) stay in the record (followed by a CE when there are slots). */
  readonly inline: number;
  /** Bytes the record's own system use area takes. */
  readonly inlineLength: number;
  readonly slots: readonly ContinuationSlot[];
}

/** Hands out continuation areas in a directory's continuation sectors, in order. */
export class ContinuationAllocator {
  private sector = 0;
  private offset = 0;

  /** Sectors used so far. */
  get sectors(): number {
    return this.sector + (this.offset > 0 ? 1 : 0);
  }

  /** Places entries of these lengths as a chain of slots, entry indexes counted from `first`. */
  allocate(lengths: readonly number[], first: number): ContinuationSlot[] {
    const slots: ContinuationSlot[] = [];
    let index = 0;
    while (index < lengths.length) {
      const space = SECTOR_SIZE - this.offset;
      let rest = 0;
      for (let i = index; i < lengths.length; i++) rest += lengths[i]!;
      if (rest <= space) {
        slots.push({ sector: this.sector, offset: this.offset, length: rest, start: first + index, end: first + lengths.length });
        this.advance(rest);
        break;
      }
      let used = 0;
      let end = index;
      while (end < lengths.length && used + lengths[end]! <= space - CE_ENTRY_LENGTH) used += lengths[end++]!;
      if (end === index) {
        this.sector++;
        this.offset = 0;
        continue;
      }
      slots.push({ sector: this.sector, offset: this.offset, length: used + CE_ENTRY_LENGTH, start: first + index, end: first + end });
      this.advance(used + CE_ENTRY_LENGTH);
      index = end;
    }
    return slots;
  }

  private advance(bytes: number): void {
    this.offset += bytes;
    if (this.offset >= SECTOR_SIZE) {
      this.sector++;
      this.offset = 0;
    }
  }
}

const NO_SLOTS: readonly ContinuationSlot[] = [];

/**
 * Decides which of a record's entries stay in its system use area of `capacity` bytes. Most records keep them all:
 * their total is counted without listing each entry's length.
 */
export function splitSystemUse(record: Omit<RockRidgeRecord, 'attributes'>, capacity: number, allocator: ContinuationAllocator): SystemUseSplit {
  if (record.symlinkTarget === undefined) {
    let total = PX_LENGTH + TF_LENGTH;
    let count = 2;
    if (record.rootSelf) {
      total += SP_ENTRY_LENGTH + ER_LENGTH;
      count += 2;
    }
    if (record.name !== undefined) {
      const bytes = Buffer.byteLength(record.name, 'utf8');
      const pieces = Math.max(1, Math.ceil(bytes / MAX_NM_NAME_BYTES));
      total += bytes + pieces * (SUSP_HEADER_LENGTH + 1);
      count += pieces;
    }
    if (total <= capacity) return { inline: count, inlineLength: total, slots: NO_SLOTS };
  }
  return splitLengths(rockRidgeEntryLengths(record), capacity, allocator);
}

function splitLengths(lengths: readonly number[], capacity: number, allocator: ContinuationAllocator): SystemUseSplit {
  let total = 0;
  for (const length of lengths) total += length;
  if (total <= capacity) return { inline: lengths.length, inlineLength: total, slots: NO_SLOTS };
  let used = 0;
  let inline = 0;
  while (inline < lengths.length && used + lengths[inline]! <= capacity - CE_ENTRY_LENGTH) used += lengths[inline++]!;
  const slots = allocator.allocate(lengths.slice(inline), inline);
  return { inline, inlineLength: used + CE_ENTRY_LENGTH, slots };
}

/** The bytes of a record's system use area and of its continuation slots, with CE entries pointing at `firstContinuationLba`. */
export function encodeSystemUse(
  entries: readonly Uint8Array[],
  split: SystemUseSplit,
  firstContinuationLba: number,
): { readonly inline: Uint8Array; readonly slots: readonly { readonly slot: ContinuationSlot; readonly bytes: Uint8Array }[] } {
  const ceTo = (slot: ContinuationSlot) => encodeContinuationEntry({ block: firstContinuationLba + slot.sector, offset: slot.offset, length: slot.length });
  const inlineParts = entries.slice(0, split.inline);
  if (split.slots.length > 0) inlineParts.push(ceTo(split.slots[0]!));
  const slots = split.slots.map((slot, index) => {
    const parts = entries.slice(slot.start, slot.end);
    const next = split.slots[index + 1];
    if (next !== undefined) parts.push(ceTo(next));
    return { slot, bytes: concat(parts) };
  });
  return { inline: concat(inlineParts), slots };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
