/**
 * `cairn initrd build|list` as a user runs them: the same spec gives the same bytes; GNU cpio lists what
 * Cairn lists (plain, gzip, concatenated); and every kind of bad input is refused with exit 1, a message that
 * names the thing and the fix, and no output file.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runBinary } from '../../lib/run.js';
import { ELF_MACHINE } from '../../image-builder/elf/elf-header.js';
import { ensureTestKernelModules } from '../../scripts/test-system.js';
import { cairn, cairnOk } from '../support/cli.js';
import { writeElf } from '../support/elf-fixture.js';
import { withTemporaryDirectory } from '../support/tree.js';

const EPOCH = '1700000000';

async function spec(dir: string, lines: readonly string[], name = 'initrd.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

interface ListJson {
  archives: { compression: string; entries: { name: string }[] }[];
}

async function listedNames(file: string): Promise<string[]> {
  const listing = JSON.parse((await cairnOk(['initrd', 'list', '--json', file])).stdout) as ListJson;
  return listing.archives.flatMap((a) => a.entries.map((e) => e.name));
}

async function cpioNames(archive: Uint8Array): Promise<string[]> {
  const { stdout } = await runBinary('cpio', ['-t', '--quiet'], { input: archive });
  return stdout.toString('utf8').split('\n').filter((l) => l !== '');
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return (await runBinary('gzip', ['-dc'], { input: bytes })).stdout;
}

test('the same spec builds the same bytes twice, also from a copy of its files elsewhere; config validate accepts it', async () => {
  const { directory } = await ensureTestKernelModules();
  await withTemporaryDirectory(async (dir) => {
    const lines = [
      '# yaml-language-server: $schema=../schemas/initrd.schema.json',
      'programs: [busybox, sh, { from: cpio, to: /bin/cpio }]',
      'libraries: [libgcc_s.so.1]',
      `modules: { directory: ${directory}, include: [ext4] }`,
      'files:',
      '  - { from: init.sh, to: /init, mode: "0755" }',
      '  - { to: /etc/hostname, text: "cairn\\n" }',
      'directories: [/proc, { path: /root, mode: "0700" }]',
      'symlinks: [{ path: /sbin/modprobe, target: /usr/bin/busybox }]',
      'devices: [{ path: /dev/console, type: char, major: 5, minor: 1, mode: "0600" }]',
    ];
    for (const where of ['a', 'b/c']) {
      await runBinary('mkdir', ['-p', join(dir, where)]);
      await writeFile(join(dir, where, 'init.sh'), '#!/bin/sh\nexec sh\n');
      await spec(join(dir, where), lines);
    }
    const validated = await cairnOk(['config', 'validate', join(dir, 'a', 'initrd.yaml')]);
    assert.match(validated.stdout, /valid initrd spec/);
    const env = { SOURCE_DATE_EPOCH: EPOCH };
    const first = await cairnOk(['initrd', 'build', join(dir, 'a', 'initrd.yaml'), '-o', join(dir, 'one.img')], { env });
    assert.match(first.stdout, /^wrote .*one\.img: [\d.]+[KM] \(gzip, [\d.]+[KM] unpacked\), \d+ entries, 3 programs, \d+ libraries, \d+ kernel modules of /);
    await cairnOk(['initrd', 'build', 'initrd.yaml', '-o', join(dir, 'two.img')], { env, cwd: join(dir, 'b', 'c') });
    assert.is(await sha256(join(dir, 'two.img')), await sha256(join(dir, 'one.img')));
    const names = await listedNames(join(dir, 'one.img'));
    for (const name of ['init', 'etc/hostname', 'usr/bin/busybox', 'bin/cpio', 'usr/bin/sh', 'lib64/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/libgcc_s.so.1', 'lib/x86_64-linux-gnu/libc.so.6', 'dev/console']) {
      assert.ok(names.includes(name), `${name} is in the initramfs`);
    }
    assert.ok(names.some((n) => n.endsWith('/kernel/fs/ext4/ext4.ko')) && names.some((n) => n.endsWith('/modules.dep')));
    await cairnOk(['initrd', 'build', join(dir, 'a', 'initrd.yaml'), '-o', join(dir, 'later.img')], { env: { SOURCE_DATE_EPOCH: '1700000060' } });
    assert.is.not(await sha256(join(dir, 'later.img')), await sha256(join(dir, 'one.img')), 'the date is in the archive');
  });
});

test('the example spec validates and builds what the README shows', async () => {
  await withTemporaryDirectory(async (dir) => {
    assert.match((await cairnOk(['config', 'validate', 'examples/initrd/initrd.yaml'])).stdout, /valid initrd spec/);
    const built = await cairnOk(['initrd', 'build', 'examples/initrd/initrd.yaml', '-o', join(dir, 'initrd.img')]);
    assert.match(built.stdout, /: [\d.]+M \(gzip, [\d.]+M unpacked\), 13 entries, 1 program, 0 libraries\n$/);
    assert.equal(await listedNames(join(dir, 'initrd.img')), ['.', 'bin', 'bin/busybox', 'bin/sh', 'dev', 'dev/console', 'etc', 'etc/hostname', 'init', 'proc', 'root', 'sys', 'tmp']);
  });
});

test('GNU cpio lists exactly what cairn initrd list lists: uncompressed, gzip, and the two concatenated', async () => {
  await withTemporaryDirectory(async (dir) => {
    const body = ['programs: [busybox]', 'files: [{ to: /init, text: "#!/bin/busybox sh\\n", mode: "0755" }]', 'directories: [/proc, /sys, /dev]', 'symlinks: [{ path: /bin/sh, target: /usr/bin/busybox }]'];
    await cairnOk(['initrd', 'build', await spec(dir, ['compression: none', ...body], 'plain.initrd.yaml'), '-o', join(dir, 'plain.img')]);
    await cairnOk(['initrd', 'build', await spec(dir, ['compression: gzip', 'files: [{ to: /etc/extra, text: "x" }]'], 'gz.initrd.yaml'), '-o', join(dir, 'gz.img')]);
    const plain = await readFile(join(dir, 'plain.img'));
    const gz = await readFile(join(dir, 'gz.img'));
    assert.is(plain.subarray(0, 6).toString(), '070701');
    assert.equal([gz[0], gz[1]], [0x1f, 0x8b]);

    const plainNames = await cpioNames(plain);
    assert.ok(plainNames.length >= 8);
    assert.equal(await listedNames(join(dir, 'plain.img')), plainNames);
    const gzNames = await cpioNames(await gunzip(gz));
    assert.equal(await listedNames(join(dir, 'gz.img')), gzNames);

    // An early uncompressed archive followed by a compressed one, as microcode loaders make them.
    await writeFile(join(dir, 'both.img'), Buffer.concat([plain, gz]));
    assert.equal(await listedNames(join(dir, 'both.img')), [...plainNames, ...gzNames]);
    const text = (await cairnOk(['initrd', 'list', join(dir, 'both.img')])).stdout;
    assert.match(text, /^archive 1 \(at byte 0\): \d+ entries$/m);
    assert.match(text, new RegExp(`^archive 2 \\(gzip member at byte ${plain.length}\\): 3 entries$`, 'm'));
    assert.match(text, /^-rwxr-xr-x 0\/0 +\d+ 1970-01-01 00:00 init$/m);
    assert.match(text, /^lrwxrwxrwx 0\/0 +16 1970-01-01 00:00 bin\/sh -> \/usr\/bin\/busybox$/m);
  });
});

/** Runs a failing build: exit 1, the output and its .tmp absent. Returns stderr. */
async function failingBuild(dir: string, lines: readonly string[]): Promise<string> {
  const file = await spec(dir, lines, 'bad.initrd.yaml');
  const result = await cairn(['initrd', 'build', file, '-o', join(dir, 'out.img')]);
  assert.is(result.code, 1, result.stderr);
  const left = (await readdir(dir)).filter((n) => n.startsWith('out.img'));
  assert.equal(left, [], 'nothing written');
  return result.stderr;
}

test('bad input: a program not on the host, a missing library, a module not in the tree, 32-bit and foreign programs', async () => {
  const { directory, release } = await ensureTestKernelModules();
  await withTemporaryDirectory(async (dir) => {
    const notThere = await failingBuild(dir, ['programs: [cairn-no-such-program]']);
    assert.match(notThere, /program "cairn-no-such-program" is not on this host; searched \/usr\/local\/sbin, \/usr\/local\/bin, \/usr\/sbin, \/usr\/bin, \/sbin, \/bin/);
    assert.match(notThere, /install the package that provides cairn-no-such-program, or give its absolute path/);

    await writeElf(join(dir, 'needs-missing'), { type: 2, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libc.so.6', 'libcairn-missing.so.7'] });
    const missingLibrary = await failingBuild(dir, ['programs: [./needs-missing]', 'libraryPath: [/opt/cairn-extra]']);
    assert.match(missingLibrary, new RegExp(`libcairn-missing\\.so\\.7, needed by ${dir}/needs-missing, not found; searched /opt/cairn-extra, `), 'libraryPath first');
    assert.match(missingLibrary, /\/lib\/x86_64-linux-gnu, \/usr\/lib\/x86_64-linux-gnu, (\S+, )*\/lib64, \/lib, \/usr\/lib\n/, 'ld.so.conf, then the default folders');
    assert.match(missingLibrary, /install the package that provides libcairn-missing\.so\.7, or add the folder holding it to libraryPath/);

    const missingDlopen = await failingBuild(dir, ['libraries: [libcairn-plugin.so.1]']);
    assert.match(missingDlopen, /libcairn-plugin\.so\.1 \(loaded with dlopen\) not found; searched /);

    const module = await failingBuild(dir, [`modules: { directory: ${directory}, include: [ext4, ext5] }`]);
    assert.match(module, new RegExp(`a module is not in the kernel's tree ${directory} \\(release ${release}\\), nor built in:\\n\\s+ext5 \\(did you mean ext4\\?\\)`));

    await writeElf(join(dir, 'i386-program'), { bits: 32, type: 2 });
    const old = await failingBuild(dir, ['programs: [./i386-program]']);
    assert.match(old, new RegExp(`${dir}/i386-program is a 32-bit little-endian i386 ELF program, but the initramfs is for 64-bit x86-64`));
    assert.match(old, /use a 64-bit x86-64 build of it/);

    await writeElf(join(dir, 'arm-program'), { machine: ELF_MACHINE.aarch64, type: 2 });
    assert.match(await failingBuild(dir, ['programs: [{ from: ./arm-program, to: /bin/x }]']), /arm-program is a 64-bit little-endian aarch64 ELF program/);

    const notModules = await failingBuild(dir, [`modules: { directory: ${dir}, include: [ext4] }`]);
    assert.match(notModules, new RegExp(`${dir} holds no kernel modules`));
  });
});

test('bad input: a spec with unknown keys or wrong values is refused, every problem with its key path', async () => {
  await withTemporaryDirectory(async (dir) => {
    const lines = ['compresion: gzip', 'programs: [busybox]', 'files: [{ to: /init, from: a, text: b }, { to: /x, text: y, mode: 0755 }]', 'devices: [{ path: dev/x, type: pipe, major: 1, minor: 2 }]', 'extra: 1'];
    const stderr = await failingBuild(dir, lines);
    assert.match(stderr, /bad\.initrd\.yaml:1: compresion: unknown key; did you mean "compression"\?/);
    assert.match(stderr, /bad\.initrd\.yaml:3: files\[0\]: give either from \(a host file\) or text \(the content\), not both or neither/);
    assert.match(stderr, /bad\.initrd\.yaml:3: files\[1\]\.mode: write the mode as a quoted octal string such as "0755" \(got the number 755: YAML reads a bare 0755 as 755\)/);
    assert.match(stderr, /bad\.initrd\.yaml:4: devices\[0\]\.path: expected an absolute path inside the initramfs, e\.g\. \/bin\/busybox \(got "dev\/x"\)/);
    assert.match(stderr, /bad\.initrd\.yaml:4: devices\[0\]\.type: expected one of char, block \(got "pipe"\)/);
    assert.match(stderr, /bad\.initrd\.yaml:5: extra: unknown key; remove it \(allowed: compression, programs, libraries, libraryPath, modules, files, directories, symlinks, devices\)/);
    const validate = await cairn(['config', 'validate', join(dir, 'bad.initrd.yaml')]);
    assert.is(validate.code, 1);
    assert.match(validate.stderr, /6 problems:/);
  });
});

test('bad input: list refuses the old cpio format and names what it does not read', async () => {
  await withTemporaryDirectory(async (dir) => {
    const odc = (await runBinary('cpio', ['-o', '-H', 'odc', '--quiet'], { cwd: '/', input: 'etc/hostname\n' })).stdout;
    await writeFile(join(dir, 'old.cpio'), odc);
    const old = await cairn(['initrd', 'list', join(dir, 'old.cpio')]);
    assert.is(old.code, 1);
    assert.match(old.stderr, /old\.cpio: old portable cpio format \(magic 070707\) at byte 0: the kernel reads only newc \(070701\)/);
    assert.match(old.stderr, /write it in the newc format: cpio -o -H newc, or cairn initrd build/);
    const missing = await cairn(['initrd', 'list', join(dir, 'nope.img')]);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /nope\.img: no such initramfs/);
  });
});

test.run();
