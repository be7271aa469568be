// run-tests: time limit 60 minutes
/**
 * The installer ISO driven over the serial console as a person would, in QEMU under TCG with OVMF: the ISO
 * attached as a USB stick (writable, so a write would reach its file) and a blank 4 GiB virtio disk. The
 * disk screen offers the stick as refused, with the reason; the test types most keys at typing speed and one
 * screen's keys in a single burst, installs, and powers off from the done screen. The stick's bytes are
 * unchanged; the disk then boots alone: its menu lists every installed generation, the default boots to a
 * login prompt, and the user and password typed log in.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtLiveInstallerSystem } from '../support/built-system.js';
import { readExt4File } from '../support/disk-image.js';
import { BOOT_TIMEOUT_MS, INSTALL_TIMEOUT_MS, USER, awaitScreen, blankDisk, installedRoot, installerIso, poweredOff, sha256, typeKeys } from '../support/installer-iso.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { withTemporaryDirectory } from '../support/tree.js';

test('installed over the serial console from a USB stick, which is refused and unchanged; the disk boots alone and the typed user logs in', async () => {
  await withTemporaryDirectory(async (dir) => {
    const system = await builtLiveInstallerSystem();
    const medium = await installerIso(dir, system, 'interactive');
    const mediumBefore = await sha256(medium);
    const disk = await blankDisk(join(dir, 'virtio.img'));
    const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'usb', path: medium, writable: true }, disks: [{ path: disk, bus: 'virtio' }], memoryMiB: 1536 });
    try {
      let at = await awaitScreen(machine, /Welcome/, 0, BOOT_TIMEOUT_MS);
      await typeKeys(machine, '\r');
      at = await awaitScreen(machine, /Keyboard layout/, at);
      await typeKeys(machine, '\r');
      at = await awaitScreen(machine, /Time zone/, at);
      await typeKeys(machine, 'berlin\r');
      at = await awaitScreen(machine, /Hardware/, at);
      await typeKeys(machine, '\r');
      const diskScreen = (await machine.waitFor(/Disk[^]*Enter: choose/, { from: at, timeoutMs: 600_000 }))[0];
      assert.match(diskScreen, /vda/);
      assert.match(diskScreen, /it is the live medium this system booted from/, 'the stick is offered as refused, with the reason');
      at = machine.plainOutput.length;
      await typeKeys(machine, '\r');
      // The guided layout, once planned for the disk: an ESP and an ext4 root filling the rest of its 4 GiB.
      at = await awaitScreen(machine, /Partitions[^]*1 ESP +512M +vfat[^]*2 root +3\.5G +ext4/, at);
      await typeKeys(machine, '\r');
      at = await awaitScreen(machine, /Host name and user/, at);
      // This screen's keys in one burst, as a paste or a fast typist sends them: Ctrl-U clears "cairn".
      machine.send(`\u0015box\r${USER.name}\r${USER.password}\r${USER.password}\r`);
      at = await awaitScreen(machine, /Generations/, at);
      await typeKeys(machine, '\r');
      at = await awaitScreen(machine, /Summary/, at);
      await typeKeys(machine, 'vda\r');
      at = await awaitScreen(machine, /Done[^]*Power off/, at, INSTALL_TIMEOUT_MS);
      await typeKeys(machine, '\u001b[B\r'); // Down to "Power off", Enter
      await poweredOff(machine);
    } finally {
      await machine.stop();
    }
    assert.is(await sha256(medium), mediumBefore, 'the medium is byte for byte what it was');
    const root = await installedRoot(disk);
    const written = await readExt4File(disk, root.offsetBytes, '/etc/cairn/configuration.yaml');
    assert.match(written, /^hostName: box$/m);
    assert.match(written, /^timeZone: Europe\/Berlin$/m);
    assert.match(written, new RegExp(`^  - name: ${USER.name}$`, 'm'));

    const booted = await QemuMachine.start({ firmware: 'uefi', disks: [{ path: disk, bus: 'virtio', bootIndex: 0 }], memoryMiB: 1024 });
    try {
      await booted.waitFor(/Generation 2 - [^]*Generation 1 - /, { timeoutMs: BOOT_TIMEOUT_MS });
      const host = await loginOnSerial(booted, USER.name, USER.password, { timeoutMs: BOOT_TIMEOUT_MS });
      assert.is(host, 'box');
      assert.equal(await runOnSerial(booted, 'hostname'), { output: 'box\n', code: 0 });
      const cmdline = (await runOnSerial(booted, 'cat /proc/cmdline')).output;
      assert.ok(cmdline.split(/\s+/).includes(`root=UUID=${root.uuid}`), cmdline);
      // The configuration holds password hashes: root's only (0600), as the installer wrote it.
      assert.match((await runOnSerial(booted, 'ls -l /etc/cairn/configuration.yaml')).output, /^-rw------- +1 root +root .*\/etc\/cairn\/configuration\.yaml$/m);
    } finally {
      await booted.stop();
    }
  });
});

test.run();
