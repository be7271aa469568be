/**
 * What the dynamic loader reads from an ELF object, read from a file with a few positional reads (a 100 MB
 * program is not read whole): its kind (class, byte order, machine), the interpreter (PT_INTERP), and the
 * dynamic section's DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME. Also section lookup by name over a
 * whole object in memory, for a kernel module's .modinfo.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DomainError } from '../../lib/errors.js';
import { ELF64_HEADER_SIZE, ELF_CLASS, decodeElf64Header, decodeElfIdent, elfView, isElf, type Elf64Header, type ElfIdent } from './elf-header.js';
import { DYNAMIC_TAG, decodeElf64DynamicEntries } from './dynamic-section.js';
import { ELF64_PROGRAM_HEADER_SIZE, SEGMENT_TYPE, decodeElf64ProgramHeader, fileOffsetOfAddress, type Elf64ProgramHeader } from './program-header.js';
import { ELF64_SECTION_HEADER_SIZE, decodeElf64SectionHeader, stringAt } from './section-header.js';

export interface ElfObject {
  readonly ident: ElfIdent;
  /** e_type and e_machine sit at the same offsets in 32- and 64-bit headers, so they are known for both. */
  readonly type: number;
  readonly machine: number;
  /** The rest is read for 64-bit objects only. */
  readonly interpreter?: string;
  readonly needed: readonly string[];
  /** Directories of DT_RPATH, as written (with $ORIGIN and the like unexpanded); undefined when absent. */
  readonly rpath?: readonly string[];
  readonly runpath?: readonly string[];
  readonly soname?: string;
  /** Whether the object has a dynamic section at all (a static program has none). */
  readonly dynamic: boolean;
}

/** The first bytes of a file: an ELF object, a script with `#!`, or something else. */
export type ExecutableKind = { readonly kind: 'elf'; readonly object: ElfObject } | { readonly kind: 'script'; readonly interpreter: string } | { readonly kind: 'other' };

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const { bytesRead } = await handle.read(buffer, 0, length, offset);
  if (bytesRead < length) throw new DomainError('elf-truncated', `the file ends inside an ELF structure (at byte ${offset + bytesRead})`);
  return buffer;
}

/** Reads what a loader needs from the file at `path`. System errors propagate (the caller names the file). */
export async function readExecutable(path: string): Promise<ExecutableKind> {
  const handle = await open(path, 'r');
  try {
    const start = new Uint8Array(ELF64_HEADER_SIZE);
    const { bytesRead } = await handle.read(start, 0, start.length, 0);
    const head = start.subarray(0, bytesRead);
    if (head[0] === 0x23 && head[1] === 0x21) {
      const first = new Uint8Array(256);
      const { bytesRead: lineBytes } = await handle.read(first, 0, first.length, 0);
      const line = new TextDecoder().decode(first.subarray(0, lineBytes)).split('\n')[0]!;
      const interpreter = line.slice(2).trim().split(/\s+/)[0] ?? '';
      return interpreter === '' ? { kind: 'other' } : { kind: 'script', interpreter };
    }
    if (!isElf(head)) return { kind: 'other' };
    return { kind: 'elf', object: await readElfObject(handle, head) };
  } finally {
    await handle.close();
  }
}

async function readElfObject(handle: FileHandle, head: Uint8Array): Promise<ElfObject> {
  const ident = decodeElfIdent(head);
  if (head.length < 20) throw new DomainError('elf-truncated', 'the ELF header is cut short');
  const { view, le } = elfView(head, ident);
  const type = view.getUint16(16, le);
  const machine = view.getUint16(18, le);
  if (ident.class !== ELF_CLASS.elf64) return { ident, type, machine, needed: [], dynamic: false };
  const header = decodeElf64Header(head);
  const segments = await readProgramHeaders(handle, header);
  const interpSegment = segments.find((s) => s.type === SEGMENT_TYPE.interp);
  const interpreter = interpSegment === undefined ? undefined : stringAt(await readAt(handle, interpSegment.offset, interpSegment.filesz), 0);
  const dynamicSegment = segments.find((s) => s.type === SEGMENT_TYPE.dynamic);
  const base = { ident, type, machine, ...(interpreter === undefined ? {} : { interpreter }) };
  if (dynamicSegment === undefined) return { ...base, needed: [], dynamic: false };

  const entries = decodeElf64DynamicEntries(await readAt(handle, dynamicSegment.offset, dynamicSegment.filesz), ident);
  const value = (tag: bigint) => entries.find((e) => e.tag === tag)?.value;
  const strtabAddress = value(DYNAMIC_TAG.strtab);
  const strtabSize = value(DYNAMIC_TAG.strsz);
  if (strtabAddress === undefined || strtabSize === undefined) throw new DomainError('elf-dynamic', 'the dynamic section has no string table (DT_STRTAB, DT_STRSZ)');
  const strtabOffset = fileOffsetOfAddress(segments, strtabAddress);
  if (strtabOffset === undefined) throw new DomainError('elf-dynamic', `the dynamic string table's address 0x${strtabAddress.toString(16)} is in no loaded segment`);
  const strtab = await readAt(handle, strtabOffset, Number(strtabSize));
  const strings = (tag: bigint) => entries.filter((e) => e.tag === tag).map((e) => stringAt(strtab, Number(e.value)));
  const searchPath = (tag: bigint) => {
    const found = strings(tag);
    return found.length === 0 ? undefined : found.flatMap((s) => s.split(':')).filter((d) => d !== '');
  };
  const rpath = searchPath(DYNAMIC_TAG.rpath);
  const runpath = searchPath(DYNAMIC_TAG.runpath);
  const soname = strings(DYNAMIC_TAG.soname)[0];
  return {
    ...base,
    needed: strings(DYNAMIC_TAG.needed),
    ...(rpath === undefined ? {} : { rpath }),
    ...(runpath === undefined ? {} : { runpath }),
    ...(soname === undefined ? {} : { soname }),
    dynamic: true,
  };
}

async function readProgramHeaders(handle: FileHandle, header: Elf64Header): Promise<Elf64ProgramHeader[]> {
  if (header.phnum === 0) return [];
  if (header.phentsize < ELF64_PROGRAM_HEADER_SIZE) throw new DomainError('elf-header', `program header entries of ${header.phentsize} bytes are too small`);
  const table = await readAt(handle, header.phoff, header.phnum * header.phentsize);
  return Array.from({ length: header.phnum }, (_, i) => decodeElf64ProgramHeader(table, i * header.phentsize, header.ident));
}

/** Reads `length` bytes at `offset` of an object, from memory or from a file. */
type ReadRange = (offset: number, length: number) => Promise<Uint8Array> | Uint8Array;

/** The section called `name`, found through the section headers and the section-name table. */
async function findSection(read: ReadRange, name: string): Promise<Uint8Array | undefined> {
  const header = decodeElf64Header(await read(0, ELF64_HEADER_SIZE));
  if (header.shnum === 0) return undefined;
  if (header.shentsize < ELF64_SECTION_HEADER_SIZE) throw new DomainError('elf-header', `section header entries of ${header.shentsize} bytes are too small`);
  const table = await read(header.shoff, header.shnum * header.shentsize);
  const sections = Array.from({ length: header.shnum }, (_, i) => decodeElf64SectionHeader(table, i * header.shentsize, header.ident));
  const names = sections[header.shstrndx];
  if (names === undefined) throw new DomainError('elf-header', `the section name table index ${header.shstrndx} is out of range`);
  const nameTable = await read(names.offset, names.size);
  const section = sections.find((s) => stringAt(nameTable, s.name) === name);
  return section === undefined ? undefined : read(section.offset, section.size);
}

/** The contents of the section called `name` in a whole 64-bit ELF object in memory, or undefined. */
export async function findElf64Section(bytes: Uint8Array, name: string): Promise<Uint8Array | undefined> {
  return findSection((offset, length) => {
    if (offset + length > bytes.length) throw new DomainError('elf-truncated', `the file ends inside an ELF structure (at byte ${bytes.length})`);
    return bytes.subarray(offset, offset + length);
  }, name);
}

/** The same, read from a file with positional reads (headers, the name table and the section only). */
export async function readElf64SectionOfFile(path: string, name: string): Promise<Uint8Array | undefined> {
  const handle = await open(path, 'r');
  try {
    return await findSection((offset, length) => readAt(handle, offset, length), name);
  } finally {
    await handle.close();
  }
}
