// run-tests: time limit 60 minutes
/**
 * The installer ISO unattended, in QEMU under TCG: answers on the medium (`installer.answers`, confirm:
 * true, finish: poweroff) install the example's installer system onto a real block device of the guest, an
 * NVMe disk, with no question, and the machine powers off by itself; the disk then boots alone under OVMF to
 * a login prompt naming the chosen host. Then the same disk, attached as SATA (AHCI), is installed again from
 * other answers: a clean reinstall, which boots with the new host name.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtLiveInstallerSystem, type BuiltSystem } from '../support/built-system.js';
import { readExt4File } from '../support/disk-image.js';
import { blankDisk, bootInstalled, installedRoot, installerIso, installUnattended, unattendedAnswers } from '../support/installer-iso.js';
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

unattended('onto an NVMe disk: no question, powers off by itself; the disk boots alone to a login prompt with the chosen host name', async ({ dir, system }) => {
  const iso = await installerIso(dir, system, 'nvme', unattendedAnswers('nvme-box'));
  const disk = await blankDisk(join(dir, 'nvme.img'));
  const console = await installUnattended(iso, disk, 'nvme');
  assert.match(console, /Installed generations 2, 1 onto \/dev\/nvme0n1 \(QEMU NVMe Ctrl, serial CAIRN-DISK0, 4G\)\./);
  const root = await installedRoot(disk);
  assert.match(await readExt4File(disk, root.offsetBytes, '/etc/cairn/configuration.yaml'), /^hostName: nvme-box$/m);
  const { machine, host } = await bootInstalled(disk, 'nvme');
  try {
    assert.is(host, 'nvme-box', 'the installed system\'s login prompt names the host');
    assert.equal(await runOnSerial(machine, 'hostname'), { output: 'nvme-box\n', code: 0 });
    const cmdline = (await runOnSerial(machine, 'cat /proc/cmdline')).output;
    assert.ok(cmdline.split(/\s+/).includes(`root=UUID=${root.uuid}`), cmdline);
    assert.match((await runOnSerial(machine, 'cairn generation list')).output, /^\*\s+2\s+2025-11-20 12:00\s+Cairn example 1\.2/m, 'the installed system carries Cairn, which reads its generations');
  } finally {
    await machine.stop();
  }
  await copyFile(disk, join(dir, 'installed-once.img'));
});

unattended('a reinstall onto the disk of that install, attached as SATA: a clean install that boots with the new host name', async ({ dir, system }) => {
  const iso = await installerIso(dir, system, 'sata', unattendedAnswers('sata-box'));
  const disk = join(dir, 'sata.img');
  await copyFile(join(dir, 'installed-once.img'), disk);
  const console = await installUnattended(iso, disk, 'sata');
  assert.match(console, /Installed generations 2, 1 onto \/dev\/sda \(QEMU HARDDISK, serial CAIRN-DISK0, 4G\)\./);
  const root = await installedRoot(disk);
  const configuration = await readExt4File(disk, root.offsetBytes, '/etc/cairn/configuration.yaml');
  assert.match(configuration, /^hostName: sata-box$/m);
  assert.not.match(configuration, /nvme-box/, 'nothing of the first install is left');
  const { machine, host } = await bootInstalled(disk, 'sata');
  try {
    assert.is(host, 'sata-box');
    assert.equal(await runOnSerial(machine, 'hostname'), { output: 'sata-box\n', code: 0 });
  } finally {
    await machine.stop();
  }
});

unattended.run();
