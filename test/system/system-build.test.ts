/**
 * `cairn system build` as a process: what a generation's store closure holds (read back with cpio and the
 * filesystem), that the same spec gives the same store paths whenever it is built, and every kind of bad
 * input refused with the file, key or object named, before anything is written. The booting is in
 * stage-1.boot.test.ts, example-live.boot.test.ts and the installer's boot tests.
 */
import { chmod, copyFile, cp, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run, runBinary } from '../../lib/run.js';
import { decodeBootDocument } from '../../system/bootspec.js';
import { INITRD_FEATURES_KEY, initrdFeatures } from '../../system/initrd-features.js';
import { describeEntry, ENTRY_RECORDS_DIRECTORY, listStore, readEntryRecord, storeClosure, storeClosureRecords } from '../../system/store.js';
import { ensureTestKernel, ensureTestKernelPackage } from '../../scripts/test-system.js';
import { builtExampleSystem, builtInstallerSystem, EXAMPLE_EPOCH, type BuiltSystem } from '../support/built-system.js';
import { cairn, cairnOk, repoRoot } from '../support/cli.js';
import { makeElf } from '../support/elf-fixture.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  deb: string;
}

const build = suite<Context>('cairn system build');

build.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await builtExampleSystem();
  context.deb = await ensureTestKernelPackage();
});

build.after(async (context) => {
  await removeTree(context.dir);
});

/** A host path of a system path in the example's root, links inside the store followed. */
const inRoot = (system: BuiltSystem, path: string) => join(system.root, path);

build("a generation's closure: kernel, initramfs, userland with the spec's programs and their libraries, modules, /etc and stage 2", async ({ system }) => {
  const toplevel = system.toplevels.get(3)!;
  const closure = (await storeClosure({ root: system.root, store: '/cairn/store' }, [toplevel])).map((e) => posix.basename(e).slice(33)).sort();
  assert.equal(closure, ['cairn-etc', 'cairn-sw', 'cairn-system', 'initrd', `linux-${system.release}`, `linux-${system.release}-modules`]);
  const document = JSON.parse(await readFile(inRoot(system, `${toplevel}/boot.json`), 'utf8')) as { 'org.nixos.bootspec.v1': { init: string; kernelParams: string[]; label: string } };
  assert.equal(document['org.nixos.bootspec.v1'].init, `${toplevel}/init`);
  assert.equal(document['org.nixos.bootspec.v1'].kernelParams, ['console=tty0', 'console=ttyS0,115200', 'quiet'], 'from configuration.yaml, through imports');
  const sw = await readlink(inRoot(system, `${toplevel}/sw`));
  const bin = await readdir(inRoot(system, `${sw}/bin`));
  for (const program of ['busybox', 'sh', 'getty', 'login', 'init', 'e2fsck', 'lsblk', 'sfdisk']) assert.ok(bin.includes(program), `sw/bin/${program}`);
  assert.is(await readlink(inRoot(system, `${sw}/bin/sh`)), 'busybox');
  // lsblk's libraries, where the loader looks for them on the booted root (/lib -> usr/lib -> sw/lib).
  const { stdout: needed } = await run('ldd', ['/usr/bin/lsblk']);
  for (const match of needed.matchAll(/=> \S*\/(lib[^/\s]+\.so[^\s]*)/g)) {
    const libraries = await readdir(inRoot(system, `${sw}/lib/x86_64-linux-gnu`));
    assert.ok(libraries.includes(match[1]!), `sw/lib/x86_64-linux-gnu/${match[1]}`);
  }
  assert.ok((await readdir(inRoot(system, `${sw}/lib64`))).includes('ld-linux-x86-64.so.2'));
  const modules = await readlink(inRoot(system, `${sw}/lib/modules`));
  assert.match(await readFile(inRoot(system, `${modules}/${system.release}/modules.dep`), 'utf8'), /^kernel\/fs\/ext4\/ext4\.ko: /m);
  assert.is((await readFile(inRoot(system, `${sw}/share/zoneinfo/Europe/Berlin`))).subarray(0, 4).toString(), 'TZif');
  const etc = await readlink(inRoot(system, `${toplevel}/etc`));
  assert.match(await readFile(inRoot(system, `${etc}/passwd`), 'utf8'), /^cairn:x:1000:1000:Cairn example user:\/home\/cairn:\/bin\/sh$/m);
  assert.is(await readFile(inRoot(system, `${etc}/hostname`), 'utf8'), 'cairn-example\n');
  assert.is(await readlink(inRoot(system, `${etc}/localtime`)), '/usr/share/zoneinfo/Europe/Berlin', 'generation 3 says Europe/Berlin');
  assert.is(await readlink(inRoot(system, `${etc}/inittab`)), '/run/cairn/inittab');
  const stage2 = await readFile(inRoot(system, `${toplevel}/init`), 'utf8');
  assert.ok(stage2.startsWith(`#!${sw}/bin/sh\n`));
  // Generation 1 does not carry what generation 2 and 3 added.
  const sw1 = await readlink(inRoot(system, `${system.toplevels.get(1)!}/sw`));
  assert.not.ok((await readdir(inRoot(system, `${sw1}/bin`))).includes('lsblk'));
});

build('every store entry carries the record of its references and size, equal to what a scan finds; a copy of the store without records gives the same closures', async ({ dir, system }) => {
  const location = { root: system.root, store: '/cairn/store' };
  const entries = await listStore(location);
  const known = new Map(entries.map((e) => [posix.basename(e).slice(0, 32), e]));
  for (const entry of entries) {
    const recorded = await readEntryRecord(location, entry);
    assert.ok(recorded !== undefined, `${entry} has a record`);
    assert.equal(recorded, await describeEntry(location, entry, known), entry);
  }
  const system3 = await storeClosureRecords(location, [system.toplevels.get(3)!]);
  assert.ok([...system3.values()].some((r) => r.references.length > 0));
  // An older store: the same entries, no records.
  const older = join(dir, 'older-store');
  await cp(system.root, older, { recursive: true, verbatimSymlinks: true, filter: (source) => posix.basename(source) !== ENTRY_RECORDS_DIRECTORY });
  const olderLocation = { root: older, store: '/cairn/store' };
  assert.is(await readEntryRecord(olderLocation, system.toplevels.get(3)!), undefined);
  for (const toplevel of system.toplevels.values()) {
    assert.equal(await storeClosureRecords(olderLocation, [toplevel]), await storeClosureRecords(location, [toplevel]));
  }
  await removeTree(older);
});

build('the initramfs, as cpio lists it: /init, busybox, blkid and e2fsck with their libraries, the storage and filesystem modules with modules.dep', async ({ system }) => {
  const initrd = system.bootFiles.get(3)!.initrd;
  const { stdout: archive } = await runBinary('gzip', ['-dc', initrd]);
  const { stdout } = await run('cpio', ['-t', '--quiet'], { input: archive });
  const names = new Set(stdout.trim().split('\n'));
  const release = `lib/modules/${system.release}`;
  for (const name of ['init', 'bin/busybox', 'bin/switch_root', 'bin/blkid', 'bin/e2fsck', 'lib64/ld-linux-x86-64.so.2', 'dev/console', `${release}/modules.dep`,
    `${release}/kernel/fs/ext4/ext4.ko`, `${release}/kernel/fs/btrfs/btrfs.ko`, `${release}/kernel/fs/isofs/isofs.ko`, `${release}/kernel/fs/fat/vfat.ko`,
    `${release}/kernel/drivers/block/virtio_blk.ko`, `${release}/kernel/drivers/nvme/host/nvme.ko`, `${release}/kernel/drivers/ata/ahci.ko`, `${release}/kernel/drivers/ata/ata_piix.ko`,
    `${release}/kernel/drivers/scsi/sr_mod.ko`, `${release}/kernel/drivers/usb/storage/usb-storage.ko`, `${release}/kernel/drivers/usb/storage/uas.ko`, `${release}/kernel/drivers/usb/host/xhci-pci.ko`]) {
    assert.ok(names.has(name), `${name} is in the initramfs`);
  }
  const { stdout: blkidNeeds } = await run('ldd', ['/usr/sbin/blkid']);
  for (const match of blkidNeeds.matchAll(/=> (\/\S+)/g)) assert.ok(names.has(match[1]!.slice(1)) || names.has(match[1]!.replace(/^\/usr/, '').slice(1)), `${match[1]} (blkid needs it)`);
  const init = (await run('cpio', ['-i', '--to-stdout', '--quiet', 'init'], { input: archive })).stdout;
  assert.match(init, /^modules='virtio_pci virtio_blk .*ext4 .*isofs'$/m, 'stage 1 loads the modules it carries');
  assert.not.match(init, /^modules='.*dm_crypt/m, 'dm-crypt loads only when a LUKS device is named');
});

build('with boot.initrd.luks (the example enables it): stage 1 carries cryptsetup with its libraries and libgcc_s, dm-crypt and its crypto; boot.json records it', async ({ system }) => {
  const initrd = system.bootFiles.get(3)!.initrd;
  const { stdout: archive } = await runBinary('gzip', ['-dc', initrd]);
  const names = new Set((await run('cpio', ['-t', '--quiet'], { input: archive })).stdout.trim().split('\n'));
  const release = `lib/modules/${system.release}`;
  for (const name of ['bin/cryptsetup', 'lib/x86_64-linux-gnu/libgcc_s.so.1', `${release}/kernel/drivers/md/dm-mod.ko`, `${release}/kernel/drivers/md/dm-crypt.ko`, `${release}/kernel/crypto/xts.ko`,
    `${release}/kernel/crypto/ecb.ko`, `${release}/kernel/crypto/af_alg.ko`, `${release}/kernel/crypto/algif_skcipher.ko`, `${release}/kernel/arch/x86/crypto/aesni-intel.ko`]) {
    assert.ok(names.has(name), `${name} is in the initramfs`);
  }
  const { stdout: cryptsetupNeeds } = await run('ldd', ['/usr/sbin/cryptsetup']);
  const libraries = [...cryptsetupNeeds.matchAll(/=> (\/\S+)/g)].map((m) => m[1]!);
  assert.ok(libraries.some((l) => l.endsWith('/libcryptsetup.so.12')) && libraries.some((l) => l.endsWith('/libargon2.so.1')), 'ldd names libcryptsetup and libargon2');
  for (const library of libraries) assert.ok(names.has(library.slice(1)) || names.has(library.replace(/^\/usr/, '').slice(1)), `${library} (cryptsetup needs it)`);
  const modulesDep = (await run('cpio', ['-i', '--to-stdout', '--quiet', `${release}/modules.dep`], { input: archive })).stdout;
  assert.match(modulesDep, /^kernel\/drivers\/md\/dm-crypt\.ko: .*kernel\/drivers\/md\/dm-mod\.ko/m, 'modprobe dm_crypt loads dm_mod first');
  const init = (await run('cpio', ['-i', '--to-stdout', '--quiet', 'init'], { input: archive })).stdout;
  assert.match(init, /^luks_modules='dm_mod dm_crypt xts ecb af_alg algif_skcipher algif_hash'$/m);
  assert.match(init, /^cryptsetup='\/bin\/cryptsetup'$/m);
  // Parsed by the shell that runs it (busybox's ash) and by dash: a syntax error fails the run.
  await run('/bin/busybox', ['sh', '-n', '-c', init]);
  await run('sh', ['-n', '-c', init]);
  const document = await decodeBootDocument(await readFile(inRoot(system, `${system.toplevels.get(3)!}/boot.json`), 'utf8'), 'boot.json');
  assert.equal(document.extensions[INITRD_FEATURES_KEY], { luks: true });
  assert.equal(initrdFeatures(document), { luks: true });
});

build('without boot.initrd.luks: no cryptsetup and no dm-crypt in stage 1, and no extension in boot.json (plain generations keep their bytes)', async ({ dir, deb }) => {
  const file = join(dir, 'plain.system.yaml');
  await writeFile(file, ['version: 1', `kernel: { package: ${deb} }`, 'boot: { initrd: { compression: none } }', ''].join('\n'));
  const root = join(dir, 'plain-root');
  const built = JSON.parse((await cairnOk(['system', 'build', file, '--root', root, '--json'])).stdout) as { toplevel: string };
  const text = await readFile(join(root, built.toplevel, 'boot.json'), 'utf8');
  assert.not.match(text, INITRD_FEATURES_KEY);
  assert.equal(initrdFeatures(await decodeBootDocument(text, 'boot.json')), { luks: false });
  const initrd = (await decodeBootDocument(text, 'boot.json')).bootspec.initrd!;
  const names = (await run('cpio', ['-t', '--quiet'], { input: await readFile(join(root, initrd)) })).stdout.trim().split('\n');
  assert.ok(names.includes('bin/blkid'), 'the listing is of stage 1');
  assert.equal(names.filter((n) => /cryptsetup|libgcc_s|dm-crypt|dm-mod|\/xts\.ko/.test(n)), []);
});

build('the same spec builds the same store paths, whenever it is built; --json tells what was built', async ({ dir, system, deb }) => {
  const specs = join(dir, 'specs');
  await mkdir(specs);
  for (const name of await readdir(join(repoRoot, 'examples', 'system'))) {
    const text = await readFile(join(repoRoot, 'examples', 'system', name), 'utf8');
    await writeFile(join(specs, name), text.replace(/package: \S+/, `package: ${deb}`));
  }
  const root = join(dir, 'again');
  const result = await cairnOk(['system', 'build', join(specs, 'generation-1.system.yaml'), '--root', root, '--json'], { env: { SOURCE_DATE_EPOCH: String(EXAMPLE_EPOCH + 12345) } });
  const built = JSON.parse(result.stdout) as { number: number; toplevel: string; release: string; label: string; files: string[] };
  assert.equal([built.number, built.toplevel, built.release, built.label], [1, system.toplevels.get(1), system.release, 'Cairn example 1.0']);
  assert.equal(built.files.map((f) => posix.basename(f)), ['generation-1.system.yaml', 'configuration.yaml']);
});

build('installer: true carries the Node.js running the build and Cairn as npm installs it, and that Cairn runs', async () => {
  const system = await builtInstallerSystem();
  const toplevel = system.toplevels.get(1)!;
  const sw = await readlink(inRoot(system, `${toplevel}/sw`));
  const node = await readlink(inRoot(system, `${sw}/bin/node`));
  const cairnCommand = await readlink(inRoot(system, `${sw}/bin/cairn`));
  assert.match(node, /^\/cairn\/store\/[a-z0-9]{32}-nodejs-\d+\.\d+\.\d+\/bin\/node$/);
  assert.match(cairnCommand, /^\/cairn\/store\/[a-z0-9]{32}-cairn-\d+\.\d+\.\d+\/bin\/cairn$/);
  assert.is((await stat(inRoot(system, node))).size, (await stat(process.execPath)).size, 'the node that ran the build');
  const packed = inRoot(system, posix.join(posix.dirname(posix.dirname(cairnCommand)), 'lib', 'node_modules', 'cairn'));
  // The package is the bundle: its dependencies are inside dist/, so npm installs none beside it.
  assert.equal((await readdir(packed)).filter((n) => !n.startsWith('.')).sort(), ['README.md', 'dist', 'package-lock.json', 'package.json', 'schemas']);
  assert.is(await readlink(inRoot(system, cairnCommand)), '../lib/node_modules/cairn/dist/cli/cairn.cjs', 'the command is the bundle\'s entry');
  const entry = join(packed, 'dist', 'cli', 'cairn.cjs');
  assert.ok(((await stat(entry)).mode & 0o111) !== 0, 'the command is executable, as npm makes it');
  // The packed Cairn, run by the packed node, with nothing but its own files (zod and yaml are in the bundle).
  const { stdout } = await run(inRoot(system, node), [entry, 'config', 'schema', 'system']);
  assert.is((JSON.parse(stdout) as { title: string }).title, 'Cairn: system spec (cairn system build)');
  // node's libraries are in the userland, where the booted root's loader finds them.
  const { stdout: needed } = await run('ldd', [process.execPath]);
  const libraries = await readdir(inRoot(system, `${sw}/lib/x86_64-linux-gnu`));
  for (const match of needed.matchAll(/=> \S*\/(lib[^/\s]+\.so[^\s]*)/g)) assert.ok(libraries.includes(match[1]!), `node needs ${match[1]}`);
  // GRUB for BIOS, which a live boot under a BIOS installs: grub-mkimage with its libraries, and GRUB's
  // i386-pc directory where the installer looks for it (/usr/lib/grub/i386-pc: /usr is the userland).
  assert.ok((await readdir(inRoot(system, `${sw}/bin`))).includes('grub-mkimage'));
  const { stdout: grubNeeded } = await run('ldd', ['/usr/bin/grub-mkimage']);
  for (const match of grubNeeded.matchAll(/=> \S*\/(lib[^/\s]+\.so[^\s]*)/g)) assert.ok(libraries.includes(match[1]!), `grub-mkimage needs ${match[1]}`);
  assert.equal(await readFile(inRoot(system, `${sw}/lib/grub/i386-pc/boot.img`)), await readFile('/usr/lib/grub/i386-pc/boot.img'));
  assert.is((await readdir(inRoot(system, `${sw}/lib/grub/i386-pc`))).length, (await readdir('/usr/lib/grub/i386-pc')).length, 'the whole directory');
});

async function refused(context: Context, spec: string, pattern: RegExp): Promise<void> {
  const file = join(context.dir, 'bad.system.yaml');
  await writeFile(file, spec);
  const root = join(context.dir, 'bad-root');
  const result = await cairn(['system', 'build', file, '--root', root]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.is(await readdir(root).catch(() => 'absent'), 'absent', 'nothing was written');
}

const kernelLine = (context: Context) => `kernel: { package: ${context.deb} }`;

build('a spec with unknown keys: each named with its line and a suggestion; config validate says the same', async (context) => {
  const spec = ['version: 1', kernelLine(context), 'pakages: [e2fsck]', 'boot: { kernelParms: [quiet] }', ''].join('\n');
  await refused(context, spec, /bad\.system\.yaml:3: pakages: unknown key; did you mean "packages"\?\n.*bad\.system\.yaml:4: boot\.kernelParms: unknown key; did you mean "kernelParams"\?/);
  const validated = await cairn(['config', 'validate', join(context.dir, 'bad.system.yaml')]);
  assert.is(validated.code, 1);
  assert.match(validated.stderr, /pakages: unknown key/);
});

build('a program that is not on this machine, named with where it was looked for', async (context) => {
  await refused(context, ['version: 1', kernelLine(context), 'packages: [no-such-program-for-cairn]', ''].join('\n'), /bad\.system\.yaml: packages: program "no-such-program-for-cairn" is not on this host; searched \/usr\/local\/sbin, \/usr\/local\/bin, \/usr\/sbin, \/usr\/bin, \/sbin, \/bin/);
});

build('a program whose library cannot be found: the library, the program and the search path', async (context) => {
  const program = join(context.dir, 'needs-missing');
  await writeFile(program, makeElf({ type: 2, interpreter: '/lib64/ld-linux-x86-64.so.2', needed: ['libcairn-missing.so.7'] }));
  await chmod(program, 0o755);
  await refused(context, ['version: 1', kernelLine(context), `packages: [${program}]`, ''].join('\n'), new RegExp(`libcairn-missing\\.so\\.7, needed by ${program}, not found; searched .*/lib/x86_64-linux-gnu.*/usr/lib`));
});

build('a 32-bit program is refused, named with its kind', async (context) => {
  const program = join(context.dir, 'thirty-two');
  await writeFile(program, makeElf({ bits: 32, type: 2 }));
  await chmod(program, 0o755);
  await refused(context, ['version: 1', kernelLine(context), `packages: [${program}]`, ''].join('\n'), new RegExp(`${program} is a 32-bit .*ELF program, but the initramfs is for 64-bit x86-64`));
});

build('a module that is not in the kernel\'s tree, with the tree and a suggestion', async (context) => {
  const release = context.system.release.replaceAll('.', '\\.');
  await refused(context, ['version: 1', kernelLine(context), 'boot: { initrd: { kernelModules: [ext5] } }', ''].join('\n'), new RegExp(`bad\\.system\\.yaml: a module is not in the kernel's tree \\S+/lib/modules/${release} \\(release ${release}\\), nor built in:\\n\\s+ext5 \\(did you mean ext4\\?\\)`));
});

build('a kernel package whose modules are for another release; a kernel image given with another kernel\'s modules', async (context) => {
  const staged = join(context.dir, 'deb');
  await mkdir(join(staged, 'DEBIAN'), { recursive: true });
  await mkdir(join(staged, 'boot'));
  await mkdir(join(staged, 'lib', 'modules', '6.1.0-99-amd64'), { recursive: true });
  const release = context.system.release;
  await copyFile(await ensureTestKernel(), join(staged, 'boot', `vmlinuz-${release}`));
  await writeFile(join(staged, 'lib', 'modules', '6.1.0-99-amd64', 'modules.order'), 'kernel/fs/ext4/ext4.ko\n');
  await writeFile(join(staged, 'DEBIAN', 'control'), 'Package: linux-image-mixed\nVersion: 1\nArchitecture: amd64\nMaintainer: Cairn tests <tests@example.org>\nDescription: a kernel with the wrong modules\n');
  const deb = join(context.dir, 'mixed.deb');
  await run('dpkg-deb', ['-Zgzip', '-z1', '--root-owner-group', '--build', staged, deb]);
  await refused(context, ['version: 1', `kernel: { package: ${deb} }`, ''].join('\n'), new RegExp(`bad\\.system\\.yaml: kernel: the kernel package \\S+mixed\\.deb holds the kernel ${release} but modules for 6\\.1\\.0-99-amd64`));
  await refused(context, ['version: 1', `kernel: { image: ${join(staged, 'boot', `vmlinuz-${release}`)}, modules: ${join(staged, 'lib', 'modules', '6.1.0-99-amd64')} }`, ''].join('\n'), new RegExp(`the kernel image \\S+ is release ${release}, but the modules directory \\S+ is for 6\\.1\\.0-99-amd64`));
});

build('an import that is missing, or that is a system spec', async (context) => {
  await refused(context, ['version: 1', kernelLine(context), 'imports: [nowhere/configuration.yaml]', ''].join('\n'), /bad\.system\.yaml: imports\[0\]: \S+nowhere\/configuration\.yaml: no such file/);
  await writeFile(join(context.dir, 'other.system.yaml'), ['version: 1', kernelLine(context), ''].join('\n'));
  await refused(context, ['version: 1', kernelLine(context), 'imports: [other.system.yaml]', ''].join('\n'), /is a system spec; a system spec imports configuration\.yaml and hardware-configuration\.yaml files only/);
});

build.run();
