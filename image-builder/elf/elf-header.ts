/**
 * The ELF file header (System V ABI, "ELF Header"; elf.h): the 16-byte identification (magic, class, byte
 * order, version, OS ABI) and, for 64-bit files, the 64-byte header that locates the program and section
 * header tables. Symmetric codec: every field is kept, so encode(decode(bytes)) gives the same bytes.
 */
import { DomainError } from '../../lib/errors.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
const ELF_IDENT_SIZE = 16;
export const ELF64_HEADER_SIZE = 64;

export const ELF_CLASS = { elf32: 1, elf64: 2 } as const;
export const ELF_DATA = { lsb: 1, msb: 2 } as const;
export const ELF_TYPE = { none: 0, relocatable: 1, executable: 2, shared: 3, core: 4 } as const;
/** e_machine values Cairn names in messages (elf.h EM_*). */
export const ELF_MACHINE = { i386: 3, mips: 8, powerpc: 20, powerpc64: 21, s390: 22, arm: 40, x86_64: 62, aarch64: 183, riscv: 243, loongarch: 258 } as const;

export interface ElfIdent {
  /** 1 = 32-bit, 2 = 64-bit. */
  readonly class: number;
  /** 1 = little-endian, 2 = big-endian. */
  readonly data: number;
  readonly version: number;
  readonly osAbi: number;
  readonly abiVersion: number;
}

export interface Elf64Header {
  readonly ident: ElfIdent;
  readonly type: number;
  readonly machine: number;
  readonly version: number;
  readonly entry: bigint;
  /** File offset of the program header table. */
  readonly phoff: number;
  /** File offset of the section header table. */
  readonly shoff: number;
  readonly flags: number;
  readonly ehsize: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  /** Index of the section holding section names. */
  readonly shstrndx: number;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

export function decodeElfIdent(bytes: Uint8Array): ElfIdent {
  if (!isElf(bytes)) throw new DomainError('elf-magic', 'not an ELF file (no \\x7fELF magic)');
  if (bytes.length < ELF_IDENT_SIZE) throw new DomainError('elf-truncated', 'the ELF identification is cut short');
  return { class: bytes[4]!, data: bytes[5]!, version: bytes[6]!, osAbi: bytes[7]!, abiVersion: bytes[8]! };
}

export function encodeElfIdent(ident: ElfIdent): Uint8Array {
  const bytes = new Uint8Array(ELF_IDENT_SIZE);
  bytes.set(ELF_MAGIC, 0);
  bytes.set([ident.class, ident.data, ident.version, ident.osAbi, ident.abiVersion], 4);
  return bytes;
}

/** A DataView over `bytes` and whether it reads little-endian, for the 64-bit structures. */
export function elfView(bytes: Uint8Array, ident: ElfIdent): { view: DataView; le: boolean } {
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), le: ident.data === ELF_DATA.lsb };
}

/** A u64 file offset or size as a number; larger than any file is damage. */
export function offsetNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DomainError('elf-range', `ELF ${what} ${value} is out of range`);
  return Number(value);
}

export function decodeElf64Header(bytes: Uint8Array): Elf64Header {
  const ident = decodeElfIdent(bytes);
  if (ident.class !== ELF_CLASS.elf64) throw new DomainError('elf-class', `ELF class ${ident.class} is not 64-bit`);
  if (ident.data !== ELF_DATA.lsb && ident.data !== ELF_DATA.msb) throw new DomainError('elf-data', `ELF byte order ${ident.data} is neither little- nor big-endian`);
  if (bytes.length < ELF64_HEADER_SIZE) throw new DomainError('elf-truncated', 'the ELF header is cut short');
  const { view, le } = elfView(bytes, ident);
  return {
    ident,
    type: view.getUint16(16, le),
    machine: view.getUint16(18, le),
    version: view.getUint32(20, le),
    entry: view.getBigUint64(24, le),
    phoff: offsetNumber(view.getBigUint64(32, le), 'program header offset'),
    shoff: offsetNumber(view.getBigUint64(40, le), 'section header offset'),
    flags: view.getUint32(48, le),
    ehsize: view.getUint16(52, le),
    phentsize: view.getUint16(54, le),
    phnum: view.getUint16(56, le),
    shentsize: view.getUint16(58, le),
    shnum: view.getUint16(60, le),
    shstrndx: view.getUint16(62, le),
  };
}

export function encodeElf64Header(header: Elf64Header): Uint8Array {
  const bytes = new Uint8Array(ELF64_HEADER_SIZE);
  bytes.set(encodeElfIdent(header.ident), 0);
  const { view, le } = elfView(bytes, header.ident);
  view.setUint16(16, header.type, le);
  view.setUint16(18, header.machine, le);
  view.setUint32(20, header.version, le);
  view.setBigUint64(24, header.entry, le);
  view.setBigUint64(32, BigInt(header.phoff), le);
  view.setBigUint64(40, BigInt(header.shoff), le);
  view.setUint32(48, header.flags, le);
  view.setUint16(52, header.ehsize, le);
  view.setUint16(54, header.phentsize, le);
  view.setUint16(56, header.phnum, le);
  view.setUint16(58, header.shentsize, le);
  view.setUint16(60, header.shnum, le);
  view.setUint16(62, header.shstrndx, le);
  return bytes;
}

/** "64-bit little-endian x86-64", for messages. */
export function describeElfKind(ident: ElfIdent, machine?: number): string {
  const bits = ident.class === ELF_CLASS.elf32 ? '32-bit' : ident.class === ELF_CLASS.elf64 ? '64-bit' : `class-${ident.class}`;
  const order = ident.data === ELF_DATA.lsb ? 'little-endian' : ident.data === ELF_DATA.msb ? 'big-endian' : `byte-order-${ident.data}`;
  if (machine === undefined) return `${bits} ${order}`;
  const name = Object.entries(ELF_MACHINE).find(([, value]) => value === machine)?.[0];
  return `${bits} ${order} ${name === undefined ? `machine ${machine}` : name.replace('x86_64', 'x86-64')}`;
}
