/**
 * Small ELF objects made with Cairn's own encoders, for the resolver's tests: an ELF header, a PT_LOAD that
 * maps the whole file at address 0, an optional PT_INTERP, and a PT_DYNAMIC whose string table holds the
 * DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME strings. Not runnable; read the way a loader reads them.
 */
import { writeFile } from 'node:fs/promises';
import { DYNAMIC_TAG, ELF64_DYNAMIC_ENTRY_SIZE, encodeElf64DynamicEntries, type Elf64DynamicEntry } from '../../image-builder/elf/dynamic-section.js';
import { ELF64_HEADER_SIZE, ELF_CLASS, ELF_DATA, ELF_MACHINE, ELF_TYPE, encodeElf64Header, encodeElfIdent } from '../../image-builder/elf/elf-header.js';
import { ELF64_PROGRAM_HEADER_SIZE, SEGMENT_TYPE, encodeElf64ProgramHeader } from '../../image-builder/elf/program-header.js';

export interface ElfFixture {
  readonly needed?: readonly string[];
  readonly rpath?: string;
  readonly runpath?: string;
  readonly soname?: string;
  readonly interpreter?: string;
  /** 64 (default) or 32: a 32-bit file gets only its identification and e_type/e_machine. */
  readonly bits?: 32 | 64;
  readonly machine?: number;
  readonly type?: number;
}

export function makeElf(fixture: ElfFixture): Uint8Array {
  const ident = { class: fixture.bits === 32 ? ELF_CLASS.elf32 : ELF_CLASS.elf64, data: ELF_DATA.lsb, version: 1, osAbi: 0, abiVersion: 0 };
  const machine = fixture.machine ?? (fixture.bits === 32 ? ELF_MACHINE.i386 : ELF_MACHINE.x86_64);
  const type = fixture.type ?? ELF_TYPE.shared;
  if (fixture.bits === 32) {
    const bytes = new Uint8Array(52);
    bytes.set(encodeElfIdent(ident));
    const view = new DataView(bytes.buffer);
    view.setUint16(16, type, true);
    view.setUint16(18, machine, true);
    view.setUint32(20, 1, true);
    return bytes;
  }
  // String table: a leading NUL, then each string.
  const strings: string[] = [];
  const offsets = new Map<string, number>();
  let strtabSize = 1;
  const intern = (text: string) => {
    if (!offsets.has(text)) {
      offsets.set(text, strtabSize);
      strings.push(text);
      strtabSize += new TextEncoder().encode(text).length + 1;
    }
    return offsets.get(text)!;
  };
  const dynamic: Elf64DynamicEntry[] = [];
  for (const name of fixture.needed ?? []) dynamic.push({ tag: DYNAMIC_TAG.needed, value: BigInt(intern(name)) });
  if (fixture.rpath !== undefined) dynamic.push({ tag: DYNAMIC_TAG.rpath, value: BigInt(intern(fixture.rpath)) });
  if (fixture.runpath !== undefined) dynamic.push({ tag: DYNAMIC_TAG.runpath, value: BigInt(intern(fixture.runpath)) });
  if (fixture.soname !== undefined) dynamic.push({ tag: DYNAMIC_TAG.soname, value: BigInt(intern(fixture.soname)) });

  const segments = fixture.interpreter === undefined ? 2 : 3;
  const interpOffset = ELF64_HEADER_SIZE + segments * ELF64_PROGRAM_HEADER_SIZE;
  const interpBytes = fixture.interpreter === undefined ? new Uint8Array(0) : new TextEncoder().encode(`${fixture.interpreter}\0`);
  const strtabOffset = interpOffset + interpBytes.length;
  const dynamicOffset = (strtabOffset + strtabSize + 7) & ~7;
  dynamic.push({ tag: DYNAMIC_TAG.strtab, value: BigInt(strtabOffset) }, { tag: DYNAMIC_TAG.strsz, value: BigInt(strtabSize) }, { tag: DYNAMIC_TAG.null, value: 0n });
  const total = dynamicOffset + dynamic.length * ELF64_DYNAMIC_ENTRY_SIZE;

  const bytes = new Uint8Array(total);
  bytes.set(
    encodeElf64Header({ ident, type, machine, version: 1, entry: 0n, phoff: ELF64_HEADER_SIZE, shoff: 0, flags: 0, ehsize: ELF64_HEADER_SIZE, phentsize: ELF64_PROGRAM_HEADER_SIZE, phnum: segments, shentsize: 64, shnum: 0, shstrndx: 0 }),
  );
  const segment = (index: number, kind: number, offset: number, size: number) =>
    bytes.set(encodeElf64ProgramHeader({ type: kind, flags: 4, offset, vaddr: BigInt(offset), paddr: BigInt(offset), filesz: size, memsz: size, align: 8n }, ident), ELF64_HEADER_SIZE + index * ELF64_PROGRAM_HEADER_SIZE);
  segment(0, SEGMENT_TYPE.load, 0, total);
  segment(1, SEGMENT_TYPE.dynamic, dynamicOffset, dynamic.length * ELF64_DYNAMIC_ENTRY_SIZE);
  if (fixture.interpreter !== undefined) {
    segment(2, SEGMENT_TYPE.interp, interpOffset, interpBytes.length);
    bytes.set(interpBytes, interpOffset);
  }
  let at = strtabOffset + 1;
  for (const text of strings) {
    const encoded = new TextEncoder().encode(text);
    bytes.set(encoded, at);
    at += encoded.length + 1;
  }
  bytes.set(encodeElf64DynamicEntries(dynamic, ident), dynamicOffset);
  return bytes;
}

export async function writeElf(path: string, fixture: ElfFixture): Promise<void> {
  await writeFile(path, makeElf(fixture), { mode: 0o755 });
}
