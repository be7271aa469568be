/**
 * Stage 1 when the root is not what the command line says, booted for real (the example's kernel and
 * initramfs, given to QEMU directly, with a disk that holds an ESP and an empty ext4 root): a root=UUID that
 * never appears makes it print the UUID it waited for and every device it saw with its filesystem and UUID,
 * then open a shell, and leaving the shell tries again; a root found by PARTUUID, checked and mounted, that
 * does not hold the generation's init is reported the same way. Never a kernel panic.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtExampleSystem, type BuiltSystem } from '../support/built-system.js';
import { cairnOk } from '../support/cli.js';
import { probeFilesystem, readSfdisk } from '../support/disk-image.js';
import { runOnSerial } from '../support/serial-shell.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
  disk: string;
  root: { uuid: string; partUuid: string };
  esp: { uuid: string };
}

const MISSING_UUID = '0badc0de-0000-4000-8000-000000000000';

const stage1 = suite<Context>('stage 1 without its root');

stage1.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await builtExampleSystem();
  context.disk = join(context.dir, 'disk.img');
  await cairnOk(['partition', 'apply', 'guided', '--disk', context.disk, '--size', '1G', '--yes']);
  const table = await readSfdisk(context.disk);
  const root = await probeFilesystem(context.disk, table.partitions[1]!.start * 512);
  const esp = await probeFilesystem(context.disk, table.partitions[0]!.start * 512);
  context.root = { uuid: root.UUID!, partUuid: table.partitions[1]!.uuid!.toLowerCase() };
  context.esp = { uuid: esp.UUID! };
});

stage1.after(async (context) => {
  await removeTree(context.dir);
});

/** Boots generation 3's kernel and initramfs with `params`, the disk on virtio. */
function boot(context: Context, params: string): Promise<QemuMachine> {
  const toplevel = context.system.toplevels.get(3)!;
  return QemuMachine.start({
    firmware: 'bios',
    kernel: context.system.bootFiles.get(3)!.kernel,
    initrd: context.system.bootFiles.get(3)!.initrd,
    append: `console=ttyS0,115200 init=${toplevel}/init cairn.timeout=3 ${params}`,
    media: { kind: 'disk', path: context.disk },
  });
}

stage1('a root=UUID that never appears: stage 1 names it, lists the devices it saw with their UUIDs, opens a shell, and tries again after it', async (context) => {
  const machine = await boot(context, `root=UUID=${MISSING_UUID}`);
  try {
    await machine.waitFor(/\n\/ # $/, { timeoutMs: 300_000 });
    const console = machine.plainOutput;
    assert.match(console, `cairn stage 1: the root filesystem root=UUID=${MISSING_UUID} did not appear within 3 s`);
    assert.match(console, /cairn stage 1: block devices found:/);
    const line = (name: string) => console.split('\n').find((l) => l.startsWith(`cairn stage 1:   /dev/${name} `)) ?? '';
    assert.match(line('vda2'), `UUID=${context.root.uuid}`);
    assert.match(line('vda2'), 'TYPE=ext4');
    assert.match(line('vda2'), `PARTUUID=${context.root.partUuid}`);
    assert.match(line('vda1'), `UUID=${context.esp.uuid}`);
    assert.match(line('vda'), /^cairn stage 1: {3}\/dev\/vda \(1024 MiB\)/);
    assert.match(console, /cairn stage 1: starting a shell on every console \(ttyS0\)/);
    assert.not.match(console, /Kernel panic/);
    assert.equal(await runOnSerial(machine, 'echo $((6 * 7))'), { output: '42\n', code: 0 });
    const before = console.split('did not appear').length;
    machine.send('exit\r');
    await machine.waitFor(/starting a shell[^]*starting a shell/, { timeoutMs: 120_000 });
    assert.is(machine.plainOutput.split('did not appear').length, before + 1, 'leaving the shell tried the root again');
  } finally {
    await machine.stop();
  }
});

stage1('a root found by PARTUUID, checked and mounted, without the generation: stage 1 says init= is not there and opens a shell', async (context) => {
  const machine = await boot(context, `root=PARTUUID=${context.root.partUuid}`);
  try {
    await machine.waitFor(/\n\/ # $/, { timeoutMs: 300_000 });
    const console = machine.plainOutput;
    assert.match(console, /cairn-root: clean/, 'e2fsck -p checked the root before it was mounted');
    assert.match(console, `cairn stage 1: init=${context.system.toplevels.get(3)}/init is not on the root filesystem (/dev/vda2)`);
    assert.not.match(console, /Kernel panic/);
    assert.match((await runOnSerial(machine, 'grep " /newroot " /proc/mounts')).output, /^\/dev\/vda2 \/newroot ext4 rw/);
  } finally {
    await machine.stop();
  }
});

stage1.run();
