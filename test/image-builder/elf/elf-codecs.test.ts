/**
 * The ELF codecs against real objects: the header, program headers, section headers and dynamic section of
 * host programs and a Debian kernel module decode and encode back to the same bytes, and agree with readelf.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../../lib/run.js';
import { decodeElf64DynamicEntries, encodeElf64DynamicEntries } from '../../../image-builder/elf/dynamic-section.js';
import { ELF_MACHINE, decodeElf64Header, decodeElfIdent, describeElfKind, encodeElf64Header } from '../../../image-builder/elf/elf-header.js';
import { findElf64Section, readElf64SectionOfFile, readExecutable } from '../../../image-builder/elf/elf-object.js';
import { SEGMENT_TYPE, decodeElf64ProgramHeader, encodeElf64ProgramHeader } from '../../../image-builder/elf/program-header.js';
import { decodeElf64SectionHeader, encodeElf64SectionHeader } from '../../../image-builder/elf/section-header.js';
import { ensureTestKernelModules } from '../../../scripts/test-system.js';
import { makeElf } from '../../support/elf-fixture.js';

const PROGRAMS = ['/bin/sh', '/usr/bin/cpio', process.execPath];

function same(actual: Uint8Array, expected: Uint8Array, message: string): void {
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), message);
}

test('headers, program headers, section headers and dynamic entries of real objects encode back to the same bytes', async () => {
  const { directory } = await ensureTestKernelModules();
  for (const path of [...PROGRAMS, join(directory, 'kernel/fs/ext4/ext4.ko')]) {
    const bytes = await readFile(path);
    const header = decodeElf64Header(bytes);
    same(encodeElf64Header(header), bytes.subarray(0, 64), `${path}: header`);
    assert.is(header.machine, ELF_MACHINE.x86_64);
    for (let i = 0; i < header.phnum; i++) {
      const offset = header.phoff + i * header.phentsize;
      const segment = decodeElf64ProgramHeader(bytes, offset, header.ident);
      same(encodeElf64ProgramHeader(segment, header.ident), bytes.subarray(offset, offset + 56), `${path}: program header ${i}`);
      if (segment.type === SEGMENT_TYPE.dynamic) {
        const dynamic = bytes.subarray(segment.offset, segment.offset + segment.filesz);
        const entries = decodeElf64DynamicEntries(dynamic, header.ident);
        same(encodeElf64DynamicEntries(entries, header.ident), dynamic.subarray(0, entries.length * 16), `${path}: dynamic entries`);
      }
    }
    for (let i = 0; i < header.shnum; i++) {
      const offset = header.shoff + i * header.shentsize;
      same(encodeElf64SectionHeader(decodeElf64SectionHeader(bytes, offset, header.ident), header.ident), bytes.subarray(offset, offset + 64), `${path}: section header ${i}`);
    }
  }
});

test('interpreter, DT_NEEDED and soname agree with readelf for host programs', async () => {
  for (const path of PROGRAMS) {
    const kind = await readExecutable(path);
    assert.is(kind.kind, 'elf');
    if (kind.kind !== 'elf') continue;
    const { stdout } = await run('readelf', ['-d', '-l', '-W', path]);
    const needed = [...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    assert.equal(kind.object.needed, needed, `${path}: DT_NEEDED`);
    const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(stdout)?.[1];
    assert.is(kind.object.interpreter, interpreter, `${path}: PT_INTERP`);
  }
  const libc = await readExecutable('/lib/x86_64-linux-gnu/libc.so.6');
  assert.ok(libc.kind === 'elf' && libc.object.soname === 'libc.so.6');
  const busybox = await readExecutable('/bin/busybox');
  assert.ok(busybox.kind === 'elf' && !busybox.object.dynamic && busybox.object.needed.length === 0, 'busybox-static needs nothing');
});

test("a kernel module's .modinfo is found from memory and with positional reads alike", async () => {
  const { directory } = await ensureTestKernelModules();
  const path = join(directory, 'kernel/fs/ext4/ext4.ko');
  const fromFile = await readElf64SectionOfFile(path, '.modinfo');
  const fromMemory = await findElf64Section(await readFile(path), '.modinfo');
  assert.ok(fromFile !== undefined && fromMemory !== undefined);
  assert.equal(Buffer.from(fromFile), Buffer.from(fromMemory));
  assert.match(new TextDecoder().decode(fromFile), /depends=jbd2,mbcache,crc16/);
  assert.is(await findElf64Section(await readFile(path), '.no-such-section'), undefined);
});

test('scripts, other files and 32-bit or foreign objects are told apart', async () => {
  assert.equal(await readExecutable('/usr/bin/ldd').then((k) => k.kind), 'script');
  const script = await readExecutable('/usr/bin/ldd');
  assert.ok(script.kind === 'script' && script.interpreter === '/bin/bash');
  assert.equal(await readExecutable('/etc/hostname').then((k) => k.kind), 'other');
  const i386 = decodeElfIdent(makeElf({ bits: 32 }));
  assert.is(describeElfKind(i386, ELF_MACHINE.i386), '32-bit little-endian i386');
  assert.is(describeElfKind(decodeElfIdent(makeElf({})), ELF_MACHINE.aarch64), '64-bit little-endian aarch64');
  assert.throws(() => decodeElfIdent(new Uint8Array([1, 2, 3, 4])), /not an ELF file/);
});

test.run();
