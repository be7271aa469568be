/**
 * The dynamic section (System V ABI, "Dynamic Section"): tag/value pairs that name the libraries an object
 * needs (DT_NEEDED), where to look for them (DT_RPATH, DT_RUNPATH) and the string table holding those names.
 */
import { elfView, type ElfIdent } from './elf-header.js';

export const ELF64_DYNAMIC_ENTRY_SIZE = 16;
export const DYNAMIC_TAG = { null: 0n, needed: 1n, strtab: 5n, strsz: 10n, soname: 14n, rpath: 15n, runpath: 29n } as const;

export interface Elf64DynamicEntry {
  readonly tag: bigint;
  readonly value: bigint;
}

/** Entries up to and including DT_NULL (or the end of the bytes). */
export function decodeElf64DynamicEntries(bytes: Uint8Array, ident: ElfIdent): Elf64DynamicEntry[] {
  const { view, le } = elfView(bytes, ident);
  const entries: Elf64DynamicEntry[] = [];
  for (let offset = 0; offset + ELF64_DYNAMIC_ENTRY_SIZE <= bytes.length; offset += ELF64_DYNAMIC_ENTRY_SIZE) {
    const entry = { tag: view.getBigInt64(offset, le), value: view.getBigUint64(offset + 8, le) };
    entries.push(entry);
    if (entry.tag === DYNAMIC_TAG.null) break;
  }
  return entries;
}

export function encodeElf64DynamicEntries(entries: readonly Elf64DynamicEntry[], ident: ElfIdent): Uint8Array {
  const bytes = new Uint8Array(entries.length * ELF64_DYNAMIC_ENTRY_SIZE);
  const { view, le } = elfView(bytes, ident);
  entries.forEach((entry, index) => {
    view.setBigInt64(index * ELF64_DYNAMIC_ENTRY_SIZE, entry.tag, le);
    view.setBigUint64(index * ELF64_DYNAMIC_ENTRY_SIZE + 8, entry.value, le);
  });
  return bytes;
}
