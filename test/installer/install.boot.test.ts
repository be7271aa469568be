/**
 * The whole loop for real: the example system built with `cairn system build`, installed unattended with
 * `cairn install` into a disk image (host name, a user with a password), booted under OVMF to a login prompt
 * on the serial console; the test logs in as that user and checks the host name, the kernel's command line
 * (root=UUID= of the root the disk really has, read with blkid) and the mounts. The oldest generation,
 * chosen in the menu, boots to its login prompt too. (install-btrfs.boot.test.ts: the same on btrfs.)
 */
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { run } from '../../lib/run.js';
import { sha256File, sha256Hex } from '../../system/store-hash.js';
import { builtExampleSystem, type BuiltSystem } from '../support/built-system.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { listExt4, probeFilesystem, readExt4File, readSfdisk } from '../support/disk-image.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  image: string;
  rootOffset: number;
  espOffset: number;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const ANSWERS = ['version: 1', 'hostName: box', 'timeZone: Europe/Berlin', 'users: [{ name: alice, password: "correct horse", groups: [wheel] }]', 'kernelParams: ["panic=-1"]', 'confirm: true', ''].join('\n');

const install = suite<Context>('unattended install of a built system');

install.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await builtExampleSystem();
  await mkdir(join(context.dir, 'first'));
  context.image = join(context.dir, 'first', 'disk.img');
  await writeFile(join(context.dir, 'answers.yaml'), ANSWERS);
  const result = await cairnOk(['install', '--answers', join(context.dir, 'answers.yaml'), '--target', context.image, '--size', '2G', '--source-root', context.system.root, '--from', RECORDED_VM, '--log', join(context.dir, 'install.log')]);
  assert.match(result.stdout, /Installed generations 3, 2, 1 onto image file/);
  const table = await readSfdisk(context.image);
  context.espOffset = table.partitions[0]!.start * 512;
  context.rootOffset = table.partitions[1]!.start * 512;
});

install.after(async (context) => {
  await removeTree(context.dir);
});

install('the image has the guided layout, and each filesystem passes its own fsck', async (context) => {
  const table = await readSfdisk(context.image);
  assert.is(table.label, 'gpt');
  assert.equal(table.partitions.map((p) => [p.name, p.type]), [['ESP', 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'], ['root', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709']]);
  assert.is(table.partitions[0]!.start, 2048, '1 MiB aligned');
  await run('e2fsck', ['-fn', `${context.image}?offset=${context.rootOffset}`]);
  const esp = join(context.dir, 'esp.img');
  const size = table.partitions[0]!.size * 512;
  const source = await open(context.image, 'r');
  const buffer = Buffer.alloc(size);
  await source.read(buffer, 0, size, context.espOffset);
  await source.close();
  await writeFile(esp, buffer);
  await run('fsck.fat', ['-n', esp]);
  const { stdout } = await run('mdir', ['-/', '-b', '-i', esp, '::/loader/entries']);
  assert.equal(stdout.trim().split('\n').map((l) => l.split('/').pop()).sort(), ['cairn-generation-1.conf', 'cairn-generation-2.conf', 'cairn-generation-3.conf']);
});

install('the root holds the store closure, the profile links, /etc and /etc/cairn, and the full log', async (context) => {
  const store = await listExt4(context.image, context.rootOffset, '/cairn/store');
  assert.is(store.filter((n) => n.endsWith('-cairn-system')).length, 3);
  assert.is(store.filter((n) => /-linux-[^-]+-[^-]+-amd64$/.test(n)).length, 1, 'the shared kernel is stored once');
  assert.is(store.filter((n) => n.endsWith('-initrd')).length, 1, 'the generations share their initramfs');
  assert.equal((await listExt4(context.image, context.rootOffset, '/cairn/var/profiles')).sort(), ['system', 'system-1-link', 'system-2-link', 'system-3-link']);
  assert.equal((await listExt4(context.image, context.rootOffset, '/etc/cairn')).sort(), ['answers.yaml', 'configuration.yaml', 'hardware-configuration.yaml', 'schemas']);
  const etc = (await listExt4(context.image, context.rootOffset, '/etc')).sort();
  assert.equal(etc, ['cairn', 'fstab', 'group', 'hostname', 'hosts', 'locale.conf', 'localtime', 'machine-id', 'passwd', 'shadow', 'vconsole.conf']);
  const configuration = await readExt4File(context.image, context.rootOffset, '/etc/cairn/configuration.yaml');
  assert.match(configuration, /hostName: box/);
  assert.not.match(configuration, /correct horse/, 'the plaintext password is never written');
  const log = await readExt4File(context.image, context.rootOffset, '/var/log/cairn/install.log');
  assert.match(log, /the disk is written/, 'the log on the target reaches the end of the install');
  assert.is(log, await readFile(join(context.dir, 'install.log'), 'utf8'));
});

install("/etc is the machine's: host name, accounts with the answers' hash, root locked, fstab by UUID, the time zone", async (context) => {
  const read = (path: string) => readExt4File(context.image, context.rootOffset, path);
  const root = await probeFilesystem(context.image, context.rootOffset);
  const esp = await probeFilesystem(context.image, context.espOffset);
  assert.is(await read('/etc/hostname'), 'box\n');
  assert.match(await read('/etc/hosts'), /^127\.0\.1\.1\tbox$/m);
  assert.match(await read('/etc/passwd'), /^alice:x:1000:1000::\/home\/alice:\/bin\/sh$/m);
  const shadow = await read('/etc/shadow');
  assert.match(shadow, /^root:!:/m, 'root is locked: the answers give it no password');
  const hash = /^alice:(\$6\$[^:]+):/m.exec(shadow)?.[1];
  assert.ok(hash !== undefined, shadow);
  const { stdout } = await run('openssl', ['passwd', '-6', '-salt', hash.split('$')[2]!, 'correct horse']);
  assert.is(stdout.trim(), hash, "the hash is the answers' password");
  assert.match(await read('/etc/group'), /^wheel:x:10:alice$/m);
  const fstab = await read('/etc/fstab');
  assert.match(fstab, new RegExp(`^UUID=${root.UUID}\\t/\\text4\\terrors=remount-ro\\t0\\t1$`, 'm'));
  assert.match(fstab, new RegExp(`^UUID=${esp.UUID}\\t/boot\\tvfat\\tfmask=0077,dmask=0077\\t0\\t2$`, 'm'));
  const { stdout: link } = await run('debugfs', ['-R', 'stat /etc/localtime', `${context.image}?offset=${context.rootOffset}`]);
  assert.match(link, /Fast link dest: "\/usr\/share\/zoneinfo\/Europe\/Berlin"/, 'localtime links into the zone files the generation carries');
  assert.is(await read('/etc/machine-id'), '');
  assert.is(await read('/etc/locale.conf'), 'LANG=en_US.UTF-8\n');
  assert.is(await read('/etc/vconsole.conf'), 'KEYMAP=us\n');
});

install('OVMF boots the current generation to a login prompt; the user logs in and sees the host name, root=UUID of the installed root, and the root mounted read-write', async (context) => {
  const root = await probeFilesystem(context.image, context.rootOffset);
  assert.is(root.TYPE, 'ext4');
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: context.image } });
  try {
    assert.is(await loginOnSerial(machine, 'alice', 'correct horse'), 'box');
    assert.match(machine.plainOutput, /cairn stage 2: started Cairn example 1\.2 on box/);
    assert.is((await runOnSerial(machine, 'hostname')).output.trim(), 'box');
    const commandLine = (await runOnSerial(machine, 'cat /proc/cmdline')).output.trim().split(/\s+/);
    assert.ok(commandLine.includes(`root=UUID=${root.UUID}`), commandLine.join(' '));
    assert.ok(commandLine.includes(`init=${context.system.toplevels.get(3)}/init`));
    const mounts = (await runOnSerial(machine, 'mount')).output;
    assert.match(mounts, /^\/dev\/vda2 on \/ type ext4 \(rw[,)]/m);
    assert.match(mounts, /^\/dev\/vda1 on \/boot type vfat \(rw,/m, 'the ESP is mounted from /etc/fstab');
    assert.is((await runOnSerial(machine, 'id -un; pwd')).output.trim(), 'alice\n/home/alice');
    const hardware = await readExt4File(context.image, context.rootOffset, '/etc/cairn/hardware-configuration.yaml');
    const sum = await runOnSerial(machine, 'sha256sum /etc/cairn/hardware-configuration.yaml');
    assert.is(sum.output.split(' ')[0], sha256Hex(hardware), 'the booted system reads the file the installer wrote, byte for byte');
    const wrong = await runOnSerial(machine, 'cat /etc/shadow');
    assert.is.not(wrong.code, 0, 'a user cannot read the password hashes');
  } finally {
    await machine.stop();
  }
});

install('the oldest generation, chosen in the menu, boots to its login prompt, with root=UUID of the installed root', async (context) => {
  const root = await probeFilesystem(context.image, context.rootOffset);
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: context.image } });
  try {
    await machine.waitFor(/Generation 1/, { timeoutMs: 300_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await machine.press(['down', 'down', 'enter']);
    assert.is(await loginOnSerial(machine, 'alice', 'correct horse'), 'box');
    assert.match(machine.plainOutput, /cairn stage 2: started Cairn example 1\.0 on box/);
    const commandLine = (await runOnSerial(machine, 'cat /proc/cmdline')).output.trim().split(/\s+/);
    assert.ok(commandLine.includes(`root=UUID=${root.UUID}`), commandLine.join(' '));
    assert.ok(commandLine.includes(`init=${context.system.toplevels.get(1)}/init`));
  } finally {
    await machine.stop();
  }
});

install('--dry-run leaves an existing target byte-identical', async (context) => {
  const before = await sha256File(context.image);
  const mtime = (await stat(context.image)).mtimeMs;
  const result = await cairnOk(['install', '--answers', join(context.dir, 'answers.yaml'), '--target', context.image, '--source-root', context.system.root, '--from', RECORDED_VM, '--dry-run']);
  assert.match(result.stdout, /Dry run: nothing was written\./);
  assert.match(result.stdout, /root=UUID=/);
  assert.is(await sha256File(context.image), before);
  assert.is((await stat(context.image)).mtimeMs, mtime);
});

install('the answers written to the target reproduce the install when fed back', async (context) => {
  const written = join(context.dir, 'from-target.yaml');
  await writeFile(written, await readExt4File(context.image, context.rootOffset, '/etc/cairn/answers.yaml'));
  await mkdir(join(context.dir, 'second'));
  const again = join(context.dir, 'second', 'disk.img');
  await cairnOk(['install', '--answers', written, '--target', again, '--size', '2G', '--yes', '--source-root', context.system.root, '--from', RECORDED_VM, '--log', join(context.dir, 'again.log')]);
  const [a, b] = [await readSfdisk(context.image), await readSfdisk(again)];
  assert.equal(b.partitions.map(({ node: _, ...p }) => p), a.partitions.map(({ node: _, ...p }) => p));
  assert.is(b.id, a.id);
  for (const file of ['/etc/cairn/configuration.yaml', '/etc/cairn/hardware-configuration.yaml', '/etc/cairn/answers.yaml', '/etc/passwd', '/etc/shadow', '/etc/fstab']) {
    assert.is(await readExt4File(again, context.rootOffset, file), await readExt4File(context.image, context.rootOffset, file), file);
  }
});

install.run();
