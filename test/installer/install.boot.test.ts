import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { run } from '../../lib/run.js';
import { TEST_INIT_LINE, TEST_ROOT_LINE } from '../../scripts/test-system.js';
import { sha256File, sha256Hex } from '../../system/store-hash.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { listExt4, probeFilesystem, readExt4File, readSfdisk } from '../support/disk-image.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  sysroot: string;
  image: string;
  rootOffset: number;
  espOffset: number;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const ANSWERS = ['version: 1', 'hostName: box', 'timeZone: Europe/Berlin', 'users: [{ name: alice, password: "correct horse" }]', 'kernelParams: ["panic=-1"]', 'confirm: true', ''].join('\n');

const install = suite<Context>('unattended install');

install.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.sysroot = (await makeExampleSystem(context.dir)).root;
  await mkdir(join(context.dir, 'first'));
  context.image = join(context.dir, 'first', 'disk.img');
  await writeFile(join(context.dir, 'answers.yaml'), ANSWERS);
  const result = await cairnOk(['install', '--answers', join(context.dir, 'answers.yaml'), '--target', context.image, '--size', '2G', '--source-root', context.sysroot, '--from', RECORDED_VM, '--log', join(context.dir, 'install.log')]);
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

install('the root holds the store closure, the profile links, /etc/cairn and the full log', async (context) => {
  const store = await listExt4(context.image, context.rootOffset, '/cairn/store');
  assert.is(store.filter((n) => n.endsWith('-cairn-system')).length, 3);
  assert.is(store.filter((n) => /-linux-/.test(n)).length, 1, 'the shared kernel is stored once');
  assert.equal((await listExt4(context.image, context.rootOffset, '/cairn/var/profiles')).sort(), ['system', 'system-1-link', 'system-2-link', 'system-3-link']);
  assert.equal((await listExt4(context.image, context.rootOffset, '/etc/cairn')).sort(), ['answers.yaml', 'configuration.yaml', 'hardware-configuration.yaml', 'schemas']);
  const configuration = await readExt4File(context.image, context.rootOffset, '/etc/cairn/configuration.yaml');
  assert.match(configuration, /hostName: box/);
  assert.not.match(configuration, /correct horse/, 'the plaintext password is never written');
  const answers = await readExt4File(context.image, context.rootOffset, '/etc/cairn/answers.yaml');
  assert.not.match(answers, /correct horse/);
  assert.match(answers, /passwordHash: \$6\$/);
  const log = await readExt4File(context.image, context.rootOffset, '/var/log/cairn/install.log');
  assert.match(log, /the disk is written/, 'the log on the target reaches the end of the install');
  assert.is(log, await readFile(join(context.dir, 'install.log'), 'utf8'));
});

/** Boots the image; returns the command line the init reported and what it found on the root it mounted. */
async function bootInstalled(image: string, keys: ('down' | 'enter')[] = []): Promise<{ cmdline: string; root: RegExpMatchArray }> {
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: image } });
  try {
    if (keys.length > 0) {
      await machine.waitFor(/Generation 1/, { timeoutMs: 240_000 });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await machine.press(keys);
    }
    const cmdline = (await machine.waitFor(TEST_INIT_LINE, { timeoutMs: 240_000 }))[1]!;
    return { cmdline, root: await machine.waitFor(TEST_ROOT_LINE, { timeoutMs: 120_000 }) };
  } finally {
    await machine.stop();
  }
}

/** The boot found the installed root by the UUID the entry names, mounted it, and read the configuration the installer wrote. */
function assertMountedInstalledRoot(boot: { cmdline: string; root: RegExpMatchArray }, uuid: string, configuration: string): void {
  const [, found, device, hostName, sha256, error] = boot.root;
  assert.is(error, undefined, `the init mounted the root: ${error}`);
  assert.match(boot.cmdline, new RegExp(`root=UUID=${uuid}( |$)`));
  assert.is(found, uuid);
  assert.is(device, '/dev/vda2', 'the second partition of the virtio disk');
  assert.is(hostName, 'box', 'the host name the answers gave');
  assert.is(sha256, sha256Hex(configuration), 'the configuration.yaml the installer wrote, byte for byte');
}

install('OVMF boots the current generation, whose init mounts the installed root by UUID and reads the configuration there; the oldest is one menu choice away', async (context) => {
  const root = await probeFilesystem(context.image, context.rootOffset);
  assert.is(root.TYPE, 'ext4');
  const configuration = await readExt4File(context.image, context.rootOffset, '/etc/cairn/configuration.yaml');
  const current = await bootInstalled(context.image);
  assert.match(current.cmdline, /cairn\.example=3/);
  assertMountedInstalledRoot(current, root.UUID!, configuration);
  const oldest = await bootInstalled(context.image, ['down', 'down', 'enter']);
  assert.match(oldest.cmdline, /cairn\.example=1/);
  assertMountedInstalledRoot(oldest, root.UUID!, configuration);
});

install('--dry-run leaves an existing target byte-identical', async (context) => {
  const before = await sha256File(context.image);
  const mtime = (await stat(context.image)).mtimeMs;
  const result = await cairnOk(['install', '--answers', join(context.dir, 'answers.yaml'), '--target', context.image, '--source-root', context.sysroot, '--from', RECORDED_VM, '--dry-run']);
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
  await cairnOk(['install', '--answers', written, '--target', again, '--size', '2G', '--yes', '--source-root', context.sysroot, '--from', RECORDED_VM, '--log', join(context.dir, 'again.log')]);
  const [a, b] = [await readSfdisk(context.image), await readSfdisk(again)];
  assert.equal(b.partitions.map(({ node: _, ...p }) => p), a.partitions.map(({ node: _, ...p }) => p));
  assert.is(b.id, a.id);
  for (const file of ['/etc/cairn/configuration.yaml', '/etc/cairn/hardware-configuration.yaml', '/etc/cairn/answers.yaml']) {
    assert.is(await readExt4File(again, context.rootOffset, file), await readExt4File(context.image, context.rootOffset, file), file);
  }
});

install.run();
