// run-tests: time limit 60 minutes
/**
 * The installer ISO unattended, in QEMU under TCG: answers on the medium (`installer.answers`, confirm:
 * true, finish: poweroff) install the example's installer system onto a real block device of the guest, a
 * virtio disk, with no question, its root encrypted (LUKS2, the passphrase in the answers, a low key-derivation
 * memory cost for the VM), and the machine powers off by itself. The disk's LUKS header is read back with
 * cryptsetup, and neither the disk nor the install log holds the passphrase. The disk then boots alone under
 * OVMF: stage 1 asks for the passphrase on the serial console, opens the root, and the login prompt names the
 * chosen host, where the root is mounted from /dev/mapper, the installed Cairn lists the generations and
 * rewrites the boot menu (`boot update`), which still lists them. Then the same disk, attached as SATA (AHCI),
 * is installed again from other answers by the ISO booted under SeaBIOS: a clean, unencrypted reinstall for
 * BIOS (GRUB in a BIOS boot partition), which boots under SeaBIOS with the new host name.
 */
import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GPT_TYPE_GUIDS } from '../../system/partition-types.js';
import { builtLiveInstallerSystem, type BuiltSystem } from '../support/built-system.js';
import { fileContains, luksDumpAt, readExt4File, readSfdisk } from '../support/disk-image.js';
import { extractWithMtools } from '../support/fat-tools.js';
import { blankDisk, bootInstalled, installedLuksRoot, installedRoot, installerIso, installUnattended, unattendedAnswers } from '../support/installer-iso.js';
import { runOnSerial } from '../support/serial-shell.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
}

const unattended = suite<Context>('the installer ISO, unattended');

unattended.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-installer-iso-');
  context.system = await builtLiveInstallerSystem();
});

unattended.after(async (context) => {
  await removeTree(context.dir);
});

/** The root's passphrase in the answers: distinctive, so that a search of the disk cannot find it by chance. */
const PASSPHRASE = 'cairn-luks-Quartz-7319-wombat';

unattended('onto a virtio disk, the root encrypted: no question, powers off by itself; the passphrase nowhere on the disk; the disk boots alone with the passphrase typed at stage 1 to a login prompt with the chosen host name', async ({ dir, system }) => {
  // root gets a password too: `boot update` writes the ESP, which only root may.
  const rootUser = { name: 'root', password: 'rootpass' } as const;
  const encryption = [`encryption: { passphrase: ${PASSPHRASE}, keyDerivation: { memory: 65536, iterations: 4 } }`];
  const iso = await installerIso(dir, system, 'virtio', unattendedAnswers('virtio-box', rootUser.password, encryption));
  const disk = await blankDisk(join(dir, 'virtio.img'));
  const console = await installUnattended(iso, disk, 'virtio');
  assert.match(console, /Installed generations 2, 1 onto \/dev\/vda \(.*serial CAIRN-DISK0, 4G\)\./);
  assert.not.ok(console.includes(PASSPHRASE), 'the passphrase is not on the console');
  const luks = await installedLuksRoot(disk);
  const header = await luksDumpAt(disk, luks.offsetBytes, join(dir, 'luks-header'));
  assert.match(header, /^Version:\s+2$/m);
  assert.match(header, new RegExp(`^UUID:\\s+${luks.uuid}$`, 'm'));
  assert.match(header, /^\s+cipher:\s+aes-xts-plain64$/m, 'the data segment\'s cipher');
  assert.match(header, /^\s+PBKDF:\s+argon2id$/m);
  assert.match(header, /^\s+Memory:\s+65536$/m, 'the memory cost the answers asked for');
  assert.match(header, /^\s+Time cost:\s+4$/m, 'the iterations the answers asked for');
  assert.not.ok(await fileContains(disk, PASSPHRASE), 'the passphrase is nowhere on the disk');
  const menuBefore = await espEntries(disk, join(dir, 'esp-installed'));
  assert.equal(Object.keys(menuBefore).length, 2, 'the installer wrote an entry per generation');
  const { machine, host } = await bootInstalled(disk, 'virtio', { user: rootUser, passphrase: PASSPHRASE });
  let rootParam: string;
  try {
    assert.is(host, 'virtio-box', 'the installed system\'s login prompt names the host');
    assert.equal(await runOnSerial(machine, 'hostname'), { output: 'virtio-box\n', code: 0 });
    const cmdline = (await runOnSerial(machine, 'cat /proc/cmdline')).output.split(/\s+/);
    assert.ok(cmdline.includes(`cairn.luks=UUID=${luks.uuid}`), cmdline.join(' '));
    rootParam = cmdline.find((param) => param.startsWith('root=UUID='))!;
    assert.ok(rootParam !== undefined, cmdline.join(' '));
    assert.match((await runOnSerial(machine, 'grep " / " /proc/mounts')).output, new RegExp(`^/dev/mapper/luks-${luks.uuid} / ext4 rw`), 'the root is mounted from the opened LUKS device');
    assert.match((await runOnSerial(machine, 'cat /etc/cairn/configuration.yaml')).output, /^hostName: virtio-box$/m);
    const hardware = (await runOnSerial(machine, 'cat /etc/cairn/hardware-configuration.yaml')).output;
    assert.match(hardware, new RegExp(`luks-${luks.uuid}:\\s*\\n\\s+device: /dev/disk/by-uuid/${luks.uuid}`), hardware);
    assert.match((await runOnSerial(machine, 'cat /etc/crypttab')).output, new RegExp(`^luks-${luks.uuid}\\s+UUID=${luks.uuid}\\s+none\\s+luks`, 'm'));
    // The whole install log is on the target; it names the steps but never the passphrase.
    assert.match((await runOnSerial(machine, 'grep -c "" /var/log/cairn/install.log')).output, /^[1-9]\d*\n$/, 'the install log is there');
    // grep lists the files that hold it; with none it fails, and the shell says so (a command must print something).
    assert.equal(await runOnSerial(machine, `grep -rlF '${PASSPHRASE}' /etc /var/log || echo none`), { output: 'none\n', code: 0 }, 'no file of /etc or /var/log holds the passphrase');
    assert.match((await runOnSerial(machine, 'cairn generation list')).output, /^\*\s+2\s+2025-11-20 12:00\s+Cairn example 1\.2/m, 'the installed system carries Cairn, which reads its generations');
    // The README's update on an installed system: the ESP is mounted at /boot (fstab), the LUKS device and the root named as the installer named them.
    const update = await runOnSerial(machine, `cairn boot update --esp /boot --param cairn.luks=UUID=${luks.uuid} --param ${rootParam}`);
    assert.is(update.code, 0, update.output);
    assert.match(update.output, /^updated \/boot \(systemd-boot\): 2 entries, default /m, update.output);
    assert.match(update.output, /, removed 0$/m, update.output);
  } finally {
    await machine.stop();
  }
  const menuAfter = await espEntries(disk, join(dir, 'esp-updated'));
  assert.equal(Object.keys(menuAfter), Object.keys(menuBefore), 'the updated ESP still has an entry per generation');
  for (const [name, text] of Object.entries(menuAfter)) assert.match(text, new RegExp(`^options .*cairn\\.luks=UUID=${luks.uuid} ${rootParam}`, 'm'), `${name} still opens and boots the installed root`);
  await copyFile(disk, join(dir, 'installed-once.img'));
});

unattended('a reinstall onto the disk of that install, attached as SATA, from the ISO under SeaBIOS: a clean install for BIOS that boots under SeaBIOS with the new host name', async ({ dir, system }) => {
  const iso = await installerIso(dir, system, 'sata', unattendedAnswers('sata-box'));
  const disk = join(dir, 'sata.img');
  await copyFile(join(dir, 'installed-once.img'), disk);
  // Live under SeaBIOS, the install is for BIOS: GRUB's core.img in a BIOS boot partition, its menu on the ESP.
  const console = await installUnattended(iso, disk, 'sata', 'bios');
  assert.match(console, /Installed generations 2, 1 onto \/dev\/sda \(QEMU HARDDISK, serial CAIRN-DISK0, 4G\)\./);
  const table = await readSfdisk(disk);
  assert.equal(
    table.partitions.map((p) => p.type),
    [GPT_TYPE_GUIDS['bios-boot'], GPT_TYPE_GUIDS.esp, GPT_TYPE_GUIDS.root],
    'a BIOS boot partition, the ESP and the root, where the first install had no BIOS boot partition',
  );
  const root = await installedRoot(disk);
  const configuration = await readExt4File(disk, root.offsetBytes, '/etc/cairn/configuration.yaml');
  assert.match(configuration, /^hostName: sata-box$/m);
  assert.not.match(configuration, /virtio-box/, 'nothing of the first install is left');
  const { machine, host } = await bootInstalled(disk, 'sata', { firmware: 'bios' });
  try {
    assert.is(host, 'sata-box');
    assert.equal(await runOnSerial(machine, 'hostname'), { output: 'sata-box\n', code: 0 });
  } finally {
    await machine.stop();
  }
});

/** The systemd-boot entries on an installed disk's ESP (name -> text), read with mtools. */
async function espEntries(disk: string, into: string): Promise<Record<string, string>> {
  const esp = (await readSfdisk(disk)).partitions.find((p) => p.type === GPT_TYPE_GUIDS.esp)!;
  await extractWithMtools(disk, into, esp.start * 512);
  const directory = join(into, 'loader', 'entries');
  const entries: Record<string, string> = {};
  for (const name of (await readdir(directory)).sort()) entries[name] = await readFile(join(directory, name), 'utf8');
  return entries;
}

unattended.run();
