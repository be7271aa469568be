/** ELF64 program headers (System V ABI, "Program Header"): the segments a loader maps, and where they are. */
import { elfView, offsetNumber, type ElfIdent } from './elf-header.js';

export const ELF64_PROGRAM_HEADER_SIZE = 56;
export const SEGMENT_TYPE = { null: 0, load: 1, dynamic: 2, interp: 3, note: 4 } as const;

export interface Elf64ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: bigint;
}

export function decodeElf64ProgramHeader(bytes: Uint8Array, offset: number, ident: ElfIdent): Elf64ProgramHeader {
  const { view, le } = elfView(bytes, ident);
  return {
    type: view.getUint32(offset, le),
    flags: view.getUint32(offset + 4, le),
    offset: offsetNumber(view.getBigUint64(offset + 8, le), 'segment offset'),
    vaddr: view.getBigUint64(offset + 16, le),
    paddr: view.getBigUint64(offset + 24, le),
    filesz: offsetNumber(view.getBigUint64(offset + 32, le), 'segment size'),
    memsz: offsetNumber(view.getBigUint64(offset + 40, le), 'segment size in memory'),
    align: view.getBigUint64(offset + 48, le),
  };
}

export function encodeElf64ProgramHeader(header: Elf64ProgramHeader, ident: ElfIdent): Uint8Array {
  const bytes = new Uint8Array(ELF64_PROGRAM_HEADER_SIZE);
  const { view, le } = elfView(bytes, ident);
  view.setUint32(0, header.type, le);
  view.setUint32(4, header.flags, le);
  view.setBigUint64(8, BigInt(header.offset), le);
  view.setBigUint64(16, header.vaddr, le);
  view.setBigUint64(24, header.paddr, le);
  view.setBigUint64(32, BigInt(header.filesz), le);
  view.setBigUint64(40, BigInt(header.memsz), le);
  view.setBigUint64(48, header.align, le);
  return bytes;
}

/** The file offset of a virtual address, through the PT_LOAD segment that maps it. */
export function fileOffsetOfAddress(segments: readonly Elf64ProgramHeader[], address: bigint): number | undefined {
  for (const segment of segments) {
    if (segment.type !== SEGMENT_TYPE.load) continue;
    if (address >= segment.vaddr && address < segment.vaddr + BigInt(segment.filesz)) return segment.offset + Number(address - segment.vaddr);
  }
  return undefined;
}
