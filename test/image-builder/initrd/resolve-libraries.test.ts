/**
 * The ELF resolver finds what the loader finds: for real host programs ldd is the oracle (run here only to
 * check; Cairn never runs it); the search rules (RUNPATH over RPATH, $ORIGIN, $LIB, ld.so.conf includes,
 * skipping other classes and machines) are checked on small objects made with Cairn's ELF encoders.
 */
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../../lib/run.js';
import { ELF_MACHINE } from '../../../image-builder/elf/elf-header.js';
import { findHostProgram, hostPathEntries } from '../../../image-builder/initrd/host-files.js';
import { parseLdSoConf, readLdSoConf } from '../../../image-builder/initrd/ld-so-conf.js';
import { X86_64, expandTokens, hostLibrarySearch, resolveElfClosure, type LibrarySearch } from '../../../image-builder/initrd/resolve-libraries.js';
import { loadSystemDefinition } from '../../../system/system-spec.js';
import { caught } from '../../support/caught.js';
import { repoRoot } from '../../support/cli.js';
import { writeElf } from '../../support/elf-fixture.js';
import { withTemporaryDirectory } from '../../support/tree.js';

/** Programs the installer system carries, and some of its stage 1; each must be on the test machine (scripts/setup). */
const PROGRAMS = ['/bin/sh', '/usr/bin/cpio', '/usr/sbin/mke2fs', '/usr/sbin/mkfs.btrfs', '/usr/sbin/sfdisk', '/usr/sbin/sgdisk', '/usr/bin/xorriso', '/usr/bin/qemu-img', process.execPath];

/** ldd's answer: needed name (or the interpreter's path) to the path it resolved to. */
async function lddOf(program: string): Promise<Map<string, string>> {
  const { stdout } = await run('ldd', [program]);
  const found = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const arrow = /^\s*(\S+) => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (arrow) found.set(arrow[1]!, arrow[2]!);
    const direct = /^\s*(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (direct) found.set(direct[1]!, direct[1]!);
    if (/not found/.test(line)) throw new Error(`ldd ${program}: ${line.trim()}`);
  }
  return found;
}

/** The resolver's answer for `program` is ldd's: each needed name at the same path, and the same objects to copy. */
async function assertResolvesLikeLdd(program: string, search: LibrarySearch): Promise<void> {
  const closure = await resolveElfClosure([program], [], search);
  // ldd prints each object once, under the name it was first asked for by.
  const mine = new Map<string, string>();
  const seen = new Set<string>();
  for (const link of closure.links) {
    if (seen.has(link.path)) continue;
    seen.add(link.path);
    mine.set(link.name, link.path);
  }
  const oracle = await lddOf(program);
  assert.equal(Object.fromEntries([...mine].sort()), Object.fromEntries([...oracle].sort()), program);
  const libraries = closure.objects.filter((o) => o.role !== 'program').map((o) => o.path).sort();
  assert.equal(libraries, [...new Set(oracle.values())].sort(), `${program}: the objects to copy`);
}

test('for real programs the resolver finds exactly the libraries ldd finds, at the same paths', async () => {
  const search = await hostLibrarySearch();
  let checked = 0;
  for (const program of PROGRAMS) {
    const exists = await run('test', ['-x', program]).then(() => true, () => false);
    if (!exists && program !== '/usr/bin/qemu-img') throw new Error(`${program} is missing: run scripts/setup`);
    if (!exists) continue;
    await assertResolvesLikeLdd(program, search);
    checked++;
  }
  assert.ok(checked >= 7);
});

test("every program the example's generations carry: their packages, stage 1's blkid, e2fsck and cryptsetup (boot.initrd.luks), and node (installer: true)", async () => {
  const search = await hostLibrarySearch();
  const examples = join(repoRoot, 'examples', 'system');
  const packages = new Set<string>();
  for (const name of (await readdir(examples)).filter((n) => n.endsWith('.system.yaml')).sort()) {
    for (const program of (await loadSystemDefinition(join(examples, name))).packages) packages.add(program);
  }
  assert.equal([...packages].sort(), ['e2fsck', 'lsblk', 'sfdisk'], 'the example names these (a change here is fine: keep the list true)');
  const programs = [...(await Promise.all([...packages, 'blkid', 'e2fsck', 'cryptsetup'].map((name) => findHostProgram(name)))), process.execPath];
  for (const program of new Set(programs)) await assertResolvesLikeLdd(program, search);
});

test('dlopen libraries are resolved with what they need, sharing the programs\' loader; busybox (static) needs nothing', async () => {
  const search = await hostLibrarySearch();
  const closure = await resolveElfClosure(['/bin/busybox', '/bin/sh'], ['libgcc_s.so.1'], search);
  const oracle = [...(await lddOf('/lib/x86_64-linux-gnu/libgcc_s.so.1')).values(), ...(await lddOf('/bin/sh')).values()];
  assert.equal(closure.objects.map((o) => o.path), [...new Set(['/bin/busybox', '/bin/sh', '/lib/x86_64-linux-gnu/libgcc_s.so.1', ...oracle])].sort());
  assert.equal(closure.objects.find((o) => o.path === '/bin/busybox')!, { path: '/bin/busybox', role: 'program', neededBy: [] });
  assert.equal((await resolveElfClosure(['/bin/busybox'], [], search)).objects.map((o) => o.path), ['/bin/busybox']);
});

test('ld.so.conf: directories in order, include globs against the including folder, comments and hwcap skipped', async () => {
  assert.equal(parseLdSoConf('# comment\n/usr/local/lib\ninclude /etc/ld.so.conf.d/*.conf\nhwcap 0 nosegneg\n  /opt/lib=libc6  # old type\n'), [
    { kind: 'directory', path: '/usr/local/lib' },
    { kind: 'include', pattern: '/etc/ld.so.conf.d/*.conf' },
    { kind: 'directory', path: '/opt/lib' },
  ]);
  await withTemporaryDirectory(async (dir) => {
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'ld.so.conf'), '/first\ninclude conf.d/*.conf\n/last\n/first\n');
    await writeFile(join(dir, 'conf.d', 'b.conf'), '/from-b\n');
    await writeFile(join(dir, 'conf.d', 'a.conf'), '/from-a\ninclude ../ld.so.conf\n');
    await writeFile(join(dir, 'conf.d', 'skip.txt'), '/not-included\n');
    assert.equal(await readLdSoConf(join(dir, 'ld.so.conf')), ['/first', '/from-a', '/from-b', '/last']);
  });
});

test('$ORIGIN, $LIB and $PLATFORM expand (also braced); relative entries are dropped', () => {
  const search = { lib: 'lib/x86_64-linux-gnu', platform: 'x86_64' };
  assert.is(expandTokens('$ORIGIN/../lib', '/opt/app/bin', search), '/opt/app/bin/../lib');
  assert.is(expandTokens('${ORIGIN}/x:', '/o', search), '/o/x:');
  assert.is(expandTokens('/usr/$LIB/plugins/${PLATFORM}', '/o', search), '/usr/lib/x86_64-linux-gnu/plugins/x86_64');
  assert.is(expandTokens('relative/dir', '/o', search), undefined);
});

/** A search that looks only in the test's folders. */
function isolated(dir: string, extra: string[] = []): LibrarySearch {
  return { target: X86_64, extra, configured: [join(dir, 'conf')], defaults: [join(dir, 'default')], lib: 'lib64', platform: 'x86_64' };
}

test('search order: RPATH (of the object and its loaders) unless RUNPATH, then libraryPath, RUNPATH, ld.so.conf, defaults', async () => {
  await withTemporaryDirectory(async (dir) => {
    for (const d of ['app/bin', 'app/lib', 'rpath', 'runpath', 'extra', 'conf', 'default']) await mkdir(join(dir, d), { recursive: true });
    // libone exists everywhere: who wins shows the order.
    for (const d of ['app/lib', 'rpath', 'runpath', 'extra', 'conf', 'default']) await writeElf(join(dir, d, 'libone.so.1'), { soname: 'libone.so.1' });
    await writeElf(join(dir, 'default', 'libtwo.so.2'), { soname: 'libtwo.so.2', needed: ['libone.so.1'] });

    const resolveWith = async (fixture: Parameters<typeof writeElf>[1], extra: string[] = []) => {
      await writeElf(join(dir, 'app', 'bin', 'prog'), fixture);
      const closure = await resolveElfClosure([join(dir, 'app', 'bin', 'prog')], [], isolated(dir, extra));
      return closure.links.find((l) => l.name === 'libone.so.1' && l.from.endsWith('prog'))!.path;
    };
    assert.is(await resolveWith({ needed: ['libone.so.1'], rpath: join(dir, 'rpath'), runpath: join(dir, 'runpath') }), join(dir, 'runpath', 'libone.so.1'), 'RUNPATH present: RPATH ignored');
    assert.is(await resolveWith({ needed: ['libone.so.1'], rpath: join(dir, 'rpath') }, [join(dir, 'extra')]), join(dir, 'rpath', 'libone.so.1'), 'RPATH before libraryPath');
    assert.is(await resolveWith({ needed: ['libone.so.1'], runpath: join(dir, 'runpath') }, [join(dir, 'extra')]), join(dir, 'extra', 'libone.so.1'), 'libraryPath before RUNPATH');
    assert.is(await resolveWith({ needed: ['libone.so.1'], runpath: '$ORIGIN/../lib' }), join(dir, 'app', 'bin', '..', 'lib', 'libone.so.1').replace('/bin/..', ''), '$ORIGIN is the program folder');
    assert.is(await resolveWith({ needed: ['libone.so.1'] }), join(dir, 'conf', 'libone.so.1'), 'ld.so.conf before the defaults');

    // The program's RPATH also serves the libraries it loads (which have no RUNPATH of their own).
    await writeElf(join(dir, 'default', 'libthree.so.3'), { needed: ['libone.so.1'] });
    await writeElf(join(dir, 'app', 'bin', 'prog'), { needed: ['libthree.so.3'], rpath: join(dir, 'rpath') });
    const chain = await resolveElfClosure([join(dir, 'app', 'bin', 'prog')], [], isolated(dir));
    assert.equal(chain.links.map((l) => [l.name, l.path.slice(dir.length)]), [
      ['libthree.so.3', '/default/libthree.so.3'],
      ['libone.so.1', '/rpath/libone.so.1'],
    ]);
  });
});

test('candidates of another class or machine are skipped; when none fits, the error names the name, the needing object and every folder searched', async () => {
  await withTemporaryDirectory(async (dir) => {
    for (const d of ['conf', 'default', 'bin']) await mkdir(join(dir, d));
    await writeElf(join(dir, 'conf', 'libfoo.so.1'), { bits: 32 });
    await writeElf(join(dir, 'default', 'libfoo.so.1'), { soname: 'libfoo.so.1' });
    await writeElf(join(dir, 'bin', 'prog'), { needed: ['libfoo.so.1'], type: 2 });
    const closure = await resolveElfClosure([join(dir, 'bin', 'prog')], [], isolated(dir));
    assert.is(closure.links[0]!.path, join(dir, 'default', 'libfoo.so.1'), 'the 32-bit one is passed over, as ld.so does');

    await writeElf(join(dir, 'default', 'libfoo.so.1'), { machine: ELF_MACHINE.aarch64 });
    const error = (await caught(() => resolveElfClosure([join(dir, 'bin', 'prog')], [], isolated(dir)))) as Error & { hint?: string };
    assert.is(
      error.message,
      `libfoo.so.1, needed by ${dir}/bin/prog, not found; searched ${dir}/conf, ${dir}/default; skipped ${dir}/conf/libfoo.so.1 (32-bit little-endian i386), ${dir}/default/libfoo.so.1 (64-bit little-endian aarch64)`,
    );
    assert.match(error.hint ?? '', /install the package that provides libfoo\.so\.1, or add the folder holding it to libraryPath/);
  });
});

test('a 32-bit or foreign program is refused with what it is and what the initramfs needs', async () => {
  await withTemporaryDirectory(async (dir) => {
    await writeElf(join(dir, 'old'), { bits: 32, type: 2 });
    await writeElf(join(dir, 'arm'), { machine: ELF_MACHINE.aarch64, type: 2 });
    const old = (await caught(() => resolveElfClosure([join(dir, 'old')], [], isolated(dir)))) as Error;
    assert.is(old.message, `${dir}/old is a 32-bit little-endian i386 ELF program, but the initramfs is for 64-bit x86-64`);
    const arm = (await caught(() => resolveElfClosure([join(dir, 'arm')], [], isolated(dir)))) as Error;
    assert.is(arm.message, `${dir}/arm is a 64-bit little-endian aarch64 ELF program, but the initramfs is for 64-bit x86-64`);
  });
});

test('symlink chains are kept: each link as a link, then the file it ends at', async () => {
  await withTemporaryDirectory(async (dir) => {
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib', 'libfoo.so.1.2.3'), 'real');
    await symlink('libfoo.so.1.2', join(dir, 'lib', 'libfoo.so.1'));
    await symlink(join(dir, 'lib', 'libfoo.so.1.2.3'), join(dir, 'lib', 'libfoo.so.1.2'));
    assert.equal(await hostPathEntries(join(dir, 'lib', 'libfoo.so.1')), [
      { kind: 'symlink', path: join(dir, 'lib', 'libfoo.so.1'), target: 'libfoo.so.1.2' },
      { kind: 'symlink', path: join(dir, 'lib', 'libfoo.so.1.2'), target: join(dir, 'lib', 'libfoo.so.1.2.3') },
      { kind: 'file', path: join(dir, 'lib', 'libfoo.so.1.2.3'), source: join(dir, 'lib', 'libfoo.so.1.2.3') },
    ]);
    assert.equal(await hostPathEntries(join(dir, 'lib', 'libfoo.so.1'), { as: '/bin/foo' }), [{ kind: 'file', path: '/bin/foo', source: join(dir, 'lib', 'libfoo.so.1.2.3') }]);
  });
});

test.run();
