/** ELF64 section headers (System V ABI, "Sections"): named regions such as .dynstr or a module's .modinfo. */
import { elfView, offsetNumber, type ElfIdent } from './elf-header.js';

export const ELF64_SECTION_HEADER_SIZE = 64;

export interface Elf64SectionHeader {
  /** Offset of the name in the section-name string table. */
  readonly name: number;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: bigint;
  readonly entsize: bigint;
}

export function decodeElf64SectionHeader(bytes: Uint8Array, offset: number, ident: ElfIdent): Elf64SectionHeader {
  const { view, le } = elfView(bytes, ident);
  return {
    name: view.getUint32(offset, le),
    type: view.getUint32(offset + 4, le),
    flags: view.getBigUint64(offset + 8, le),
    addr: view.getBigUint64(offset + 16, le),
    offset: offsetNumber(view.getBigUint64(offset + 24, le), 'section offset'),
    size: offsetNumber(view.getBigUint64(offset + 32, le), 'section size'),
    link: view.getUint32(offset + 40, le),
    info: view.getUint32(offset + 44, le),
    addralign: view.getBigUint64(offset + 48, le),
    entsize: view.getBigUint64(offset + 56, le),
  };
}

export function encodeElf64SectionHeader(header: Elf64SectionHeader, ident: ElfIdent): Uint8Array {
  const bytes = new Uint8Array(ELF64_SECTION_HEADER_SIZE);
  const { view, le } = elfView(bytes, ident);
  view.setUint32(0, header.name, le);
  view.setUint32(4, header.type, le);
  view.setBigUint64(8, header.flags, le);
  view.setBigUint64(16, header.addr, le);
  view.setBigUint64(24, BigInt(header.offset), le);
  view.setBigUint64(32, BigInt(header.size), le);
  view.setUint32(40, header.link, le);
  view.setUint32(44, header.info, le);
  view.setBigUint64(48, header.addralign, le);
  view.setBigUint64(56, header.entsize, le);
  return bytes;
}

/** The NUL-terminated string at `offset` of a string table. */
export function stringAt(table: Uint8Array, offset: number): string {
  if (offset >= table.length) return '';
  let end = offset;
  while (end < table.length && table[end] !== 0) end++;
  return new TextDecoder().decode(table.subarray(offset, end));
}
