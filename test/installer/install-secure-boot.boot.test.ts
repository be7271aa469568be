/**
 * An unattended install with `secureBoot:` in the answers, booted for real under OVMF with Secure Boot
 * enforced and Microsoft's keys enrolled (q35 with SMM, OVMF_CODE_4M.secboot.fd, a copy of
 * OVMF_VARS_4M.ms.fd): the installed ESP is read back with fsck.fat and mtools (shim, the signed GRUB, the MOK
 * manager, the hand-over at GRUB's prefix), then the disk boots through shim and the signed GRUB to a login
 * prompt of the installed example system (Debian's signed kernel, Cairn's own initramfs), the kernel says
 * Secure Boot is on, and the user the answers named logs in and reads what the installer wrote. One boot.
 */
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseGrubConfig } from '../../bootloader/grub.js';
import { QemuMachine } from '../../lib/qemu.js';
import { run } from '../../lib/run.js';
import { sha256Hex } from '../../system/store-hash.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { probeFilesystem, readExt4File, readSfdisk } from '../support/disk-image.js';
import { builtExampleSystem, type BuiltSystem } from '../support/built-system.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { ensureSignedBootFiles, type SignedBootFiles } from '../support/signed-boot.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  signed: SignedBootFiles;
  system: BuiltSystem;
  image: string;
  esp: string;
  rootOffset: number;
}

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const MTOOLS = { env: { MTOOLS_SKIP_CHECK: '1' } };

const install = suite<Context>('unattended install with Secure Boot');

install.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-install-sb-');
  context.signed = await ensureSignedBootFiles();
  context.system = await builtExampleSystem();
  const answers = join(context.dir, 'answers.yaml');
  await writeFile(
    answers,
    [
      'version: 1',
      'hostName: box',
      'users: [{ name: alice, password: "correct horse" }]',
      `secureBoot: { shim: ${context.signed.shim}, grub: ${context.signed.grub}, mokManager: ${context.signed.mokManager} }`,
      // loglevel=6 after the example's quiet: the kernel's lockdown notice reaches the console.
      'kernelParams: ["panic=-1", "loglevel=6"]',
      'confirm: true',
      '',
    ].join('\n'),
  );
  await mkdir(join(context.dir, 'disk'));
  context.image = join(context.dir, 'disk', 'disk.img');
  const result = await cairnOk(['install', '--answers', answers, '--target', context.image, '--size', '2G', '--source-root', context.system.root, '--from', RECORDED_VM]);
  assert.match(result.stdout, /Installed generations 3, 2, 1 onto image file/);
  const table = await readSfdisk(context.image);
  context.rootOffset = table.partitions[1]!.start * 512;
  // The ESP cut out of the disk, as a file mtools and fsck.fat read.
  const size = table.partitions[0]!.size * 512;
  const bytes = Buffer.alloc(size);
  const handle = await open(context.image, 'r');
  await handle.read(bytes, 0, size, table.partitions[0]!.start * 512);
  await handle.close();
  context.esp = join(context.dir, 'esp.img');
  await writeFile(context.esp, bytes);
});

install.after(async (context) => {
  await removeTree(context.dir);
});

async function espBytes(context: Context, path: string): Promise<Buffer> {
  const out = join(context.dir, `from-esp-${path.replaceAll('/', '_')}`);
  await run('mcopy', ['-n', '-i', context.esp, `::${path}`, out], MTOOLS);
  return readFile(out);
}

install('the installed ESP passes fsck.fat and holds shim, the signed GRUB and the MOK manager (byte for byte), the hand-over at GRUB’s prefix and the menu', async (context) => {
  await run('fsck.fat', ['-n', context.esp]);
  const { stdout } = await run('mdir', ['-/', '-b', '-i', context.esp, '::/'], MTOOLS);
  const files = stdout.trim().split('\n').filter((l) => !l.endsWith('/')).map((l) => l.replace(/^::\//, ''));
  for (const path of ['EFI/BOOT/BOOTX64.EFI', 'EFI/BOOT/grubx64.efi', 'EFI/BOOT/mmx64.efi', 'EFI/debian/grub.cfg', 'grub/grub.cfg']) assert.ok(files.includes(path), `${path} on the ESP: ${files.join(', ')}`);
  assert.not.ok(files.includes('EFI/BOOT/fbx64.efi'), 'no fallback loader');
  assert.not.ok(files.some((f) => f.startsWith('loader/')), 'no systemd-boot configuration');
  assert.equal(await espBytes(context, 'EFI/BOOT/BOOTX64.EFI'), await readFile(context.signed.shim));
  assert.equal(await espBytes(context, 'EFI/BOOT/grubx64.efi'), await readFile(context.signed.grub));
  assert.equal(await espBytes(context, 'EFI/BOOT/mmx64.efi'), await readFile(context.signed.mokManager));
  assert.match((await espBytes(context, 'EFI/debian/grub.cfg')).toString(), /\nconfigfile \/grub\/grub\.cfg\n$/);
  const menu = parseGrubConfig((await espBytes(context, 'grub/grub.cfg')).toString());
  assert.equal(menu.entries.map((e) => e.id), ['cairn-generation-3', 'cairn-generation-2', 'cairn-generation-1']);
  // The answers on the target ask for Secure Boot again, with the files searched on the machine that reads them.
  const written = await readExt4File(context.image, context.rootOffset, '/etc/cairn/answers.yaml');
  assert.match(written, /\nsecureBoot: true\n/);
  assert.match(written, /\nbootloader: grub\n/);
});

install('under OVMF with Secure Boot enforced the disk boots through shim and the signed GRUB to a login prompt; the user logs in and reads what the installer wrote', async (context) => {
  const root = await probeFilesystem(context.image, context.rootOffset);
  const hardware = await readExt4File(context.image, context.rootOffset, '/etc/cairn/hardware-configuration.yaml');
  const machine = await QemuMachine.start({ firmware: 'secure-boot', media: { kind: 'disk', path: context.image } });
  try {
    assert.is(await loginOnSerial(machine, 'alice', 'correct horse'), 'box');
    const console = machine.plainOutput;
    assert.match(console, /Kernel is locked down from EFI Secure Boot/, 'the kernel ran with Secure Boot on');
    assert.match(console, /cairn stage 2: started Cairn example 1\.2 on box/, 'the current generation came up');
    const commandLine = (await runOnSerial(machine, 'cat /proc/cmdline')).output.trim().split(/\s+/);
    assert.ok(commandLine.includes(`init=${context.system.toplevels.get(3)}/init`), commandLine.join(' '));
    assert.ok(commandLine.includes(`root=UUID=${root.UUID}`), 'the entry the installer wrote names the installed root');
    assert.match((await runOnSerial(machine, 'mount')).output, /^\/dev\/vda2 on \/ type ext4 \(rw[,)]/m);
    const sum = await runOnSerial(machine, 'sha256sum /etc/cairn/hardware-configuration.yaml');
    assert.is(sum.output.split(' ')[0], sha256Hex(hardware), 'the booted system reads the file the installer wrote, byte for byte');
  } finally {
    await machine.stop();
  }
});

install.run();
