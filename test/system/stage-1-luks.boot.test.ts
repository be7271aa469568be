/**
 * Stage 1 opening a LUKS2 root, booted for real: the example's generation 3 (built with boot.initrd.luks),
 * its kernel and initramfs given to QEMU directly, with a disk that is a LUKS2 container (aes-xts-plain64,
 * 512-bit key, argon2id at a low memory cost) holding an ext4 root filled with the example's store. The disk
 * is made on this machine without device-mapper: mke2fs -d at the start of the file, then `cryptsetup
 * reencrypt --encrypt` offline, which moves the data behind a new header. Stage 1 asks for the passphrase on
 * the serial console; three wrong ones are refused with the tries left, then it opens a shell; leaving it
 * asks again, the right one opens the device, and stage 2 runs from the root mounted from /dev/mapper. A
 * second, short boot: a key slot that asks for more memory than the machine has is reported as too little
 * memory for the key derivation, not as a wrong passphrase.
 */
import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { run } from '../../lib/run.js';
import { builtExampleSystem, EXAMPLE_HOST, EXAMPLE_USER, type BuiltSystem } from '../support/built-system.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
}

const PASSPHRASE = 'correct horse battery staple';
const LUKS_UUID = '5d3b8a44-6c1e-4f2a-9b7d-0c1e2f3a4b5c';
const ROOT_UUID = '8e9f0a1b-2c3d-4e5f-8a6b-7c8d9e0f1a2b';
const HUNGRY_UUID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
/** Generous for TCG on a loaded machine: each key derivation takes seconds there. */
const STEP_MS = 240_000;

/**
 * LUKS2 as the documented test settings (a low argon2id memory cost for small VMs); two lanes, so that
 * unlocking runs libargon2's threads (whose pthread_exit needs the libgcc_s.so.1 stage 1 carries).
 */
function luksOptions(memoryKiB: number): string[] {
  return ['--batch-mode', '--type', 'luks2', '--cipher', 'aes-xts-plain64', '--key-size', '512', '--pbkdf', 'argon2id', '--pbkdf-memory', String(memoryKiB), '--pbkdf-force-iterations', '4', '--pbkdf-parallel', '2', '--key-file=-'];
}

const luks = suite<Context>('stage 1 with a LUKS2 root');

luks.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.system = await builtExampleSystem();
});

luks.after(async (context) => {
  await removeTree(context.dir);
});

/** Boots generation 3's kernel and initramfs with `params`, `disk` on virtio. */
function boot(context: Context, disk: string, params: string, memoryMiB = 512): Promise<QemuMachine> {
  const toplevel = context.system.toplevels.get(3)!;
  return QemuMachine.start({
    firmware: 'bios',
    kernel: context.system.bootFiles.get(3)!.kernel,
    initrd: context.system.bootFiles.get(3)!.initrd,
    append: `console=tty0 console=ttyS0,115200 init=${toplevel}/init ${params}`,
    media: { kind: 'disk', path: disk },
    memoryMiB,
  });
}

/** Waits for stage 1's prompt after `from` and types `passphrase` (no echo: it never shows on the console). */
async function answer(machine: QemuMachine, passphrase: string, from: number): Promise<number> {
  await machine.waitFor(/Passphrase for \/dev\/vda \(luks-[0-9a-f-]+\): $/, { timeoutMs: STEP_MS, from });
  const at = machine.plainOutput.length;
  machine.send(`${passphrase}\r`);
  return at;
}

luks('three wrong passphrases are refused with the tries left, then a shell; leaving it asks again, and the right one boots the root from /dev/mapper', async (context) => {
  const disk = join(context.dir, 'luks-root.img');
  await writeFile(disk, '');
  await truncate(disk, 160 * 1024 * 1024);
  // The filesystem ends 32 MiB before the file does: the room reencrypt needs for the header it puts first.
  await run('mke2fs', ['-q', '-t', 'ext4', '-L', 'cairn-root', '-U', ROOT_UUID, '-E', 'root_owner=0:0', '-d', context.system.root, disk, '128M']);
  await run('cryptsetup', ['reencrypt', '--encrypt', '--reduce-device-size', '32M', '--disable-locks', '--uuid', LUKS_UUID, ...luksOptions(65536), disk], { input: PASSPHRASE });
  const dump = (await run('cryptsetup', ['luksDump', disk])).stdout;
  assert.match(dump, /Version:\s+2\n/);
  assert.match(dump, /cipher: aes-xts-plain64/);
  assert.match(dump, /PBKDF:\s+argon2id/);

  const machine = await boot(context, disk, `cairn.luks=UUID=${LUKS_UUID} root=UUID=${ROOT_UUID}`);
  try {
    let at = await answer(machine, 'not the passphrase', 0);
    await machine.waitFor(/cairn stage 1: wrong passphrase for \/dev\/vda, 2 tries left\n/, { timeoutMs: STEP_MS, from: at });
    at = await answer(machine, 'still not it', at);
    await machine.waitFor(/cairn stage 1: wrong passphrase for \/dev\/vda, 1 try left\n/, { timeoutMs: STEP_MS, from: at });
    at = await answer(machine, PASSPHRASE.toUpperCase(), at);
    await machine.waitFor(new RegExp(`cairn stage 1: wrong passphrase for /dev/vda \\(cairn.luks=UUID=${LUKS_UUID}\\), 3 tries: giving up\n`), { timeoutMs: STEP_MS, from: at });
    await machine.waitFor(/cairn stage 1: starting a shell on every console[^\n]*\n[^]*\/ # $/, { timeoutMs: STEP_MS, from: at });
    assert.equal((await runOnSerial(machine, 'ls /dev/mapper')).output, 'control\n', 'nothing was opened');
    machine.send('exit\r');
    at = await answer(machine, PASSPHRASE, machine.plainOutput.length);
    await machine.waitFor(new RegExp(`cairn stage 1: opened /dev/vda as /dev/mapper/luks-${LUKS_UUID}\n`), { timeoutMs: STEP_MS, from: at });
    await machine.waitFor(new RegExp(`cairn stage 2: started ${context.system.labels.get(3)!.replace(/[.()]/g, '\\$&')} on ${EXAMPLE_HOST}`), { timeoutMs: STEP_MS, from: at });
    const console = machine.plainOutput;
    assert.not.match(console, PASSPHRASE, 'the passphrase is never echoed');
    assert.not.match(console, 'not the passphrase');
    assert.match(console, /cairn-root: clean/, 'e2fsck -p checked the root inside the LUKS device');
    await loginOnSerial(machine, EXAMPLE_USER.name, EXAMPLE_USER.password, { timeoutMs: STEP_MS });
    assert.match((await runOnSerial(machine, 'grep " / " /proc/mounts')).output, new RegExp(`^/dev/mapper/luks-${LUKS_UUID} / ext4 rw`));
    assert.match((await runOnSerial(machine, `cat /sys/block/dm-0/dm/name /sys/block/dm-0/dm/uuid`)).output, new RegExp(`^luks-${LUKS_UUID}\nCRYPT-LUKS2-${LUKS_UUID.replaceAll('-', '')}-luks-${LUKS_UUID}\n`));
  } finally {
    await machine.stop();
  }
});

luks('a key slot asking for more memory than the machine has: reported as too little memory for the key derivation, then a shell', async (context) => {
  const disk = join(context.dir, 'hungry.img');
  await writeFile(disk, '');
  await truncate(disk, 20 * 1024 * 1024);
  await run('cryptsetup', ['luksFormat', '--uuid', HUNGRY_UUID, ...luksOptions(1024 * 1024), disk], { input: PASSPHRASE });
  const machine = await boot(context, disk, `cairn.luks=UUID=${HUNGRY_UUID} root=UUID=${ROOT_UUID} cairn.timeout=5`, 256);
  try {
    const at = await answer(machine, PASSPHRASE, 0);
    await machine.waitFor(new RegExp(`cairn stage 1: too little memory to derive the key of /dev/vda \\(luks-${HUNGRY_UUID}\\)`), { timeoutMs: STEP_MS, from: at });
    await machine.waitFor(/cairn stage 1: starting a shell on every console/, { timeoutMs: STEP_MS, from: at });
    assert.not.match(machine.plainOutput, /wrong passphrase/);
  } finally {
    await machine.stop();
  }
});

luks.run();
