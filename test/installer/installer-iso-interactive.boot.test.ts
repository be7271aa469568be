// run-tests: time limit 60 minutes
/**
 * The installer ISO driven over the serial console as a person would, in QEMU under TCG with OVMF: the ISO
 * attached as a USB stick (writable, so a write would reach its file) and a blank 4 GiB virtio disk. The
 * disk screen offers the stick as refused, with the reason; the test types most keys at typing speed and one
 * screen's keys in a single burst, asks for an encrypted root on the partitions screen (the passphrase typed
 * twice, never drawn), installs, and powers off from the done screen. The stick's bytes are unchanged; the
 * disk's root is a LUKS2 container (read back with cryptsetup) and the passphrase is nowhere on the disk. The
 * disk then boots alone: its menu lists every installed generation, stage 1 asks for the passphrase on the
 * serial console, refuses a wrong one and opens the root with the right one, the default generation boots to
 * a login prompt, the user and password typed log in, and the root is mounted from /dev/mapper.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtLiveInstallerSystem } from '../support/built-system.js';
import { fileContains, luksDumpAt } from '../support/disk-image.js';
import { BOOT_TIMEOUT_MS, INSTALL_TIMEOUT_MS, USER, awaitScreen, blankDisk, installedLuksRoot, installerIso, poweredOff, retriedIfDmCryptHangs, sha256, typeKeys, unlockOnSerial } from '../support/installer-iso.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { withTemporaryDirectory } from '../support/tree.js';

/** Typed on the partitions screen and at stage 1's prompt; distinctive, so that a search cannot find it by chance. */
const PASSPHRASE = 'Tundra-4471 granite';

test('installed over the serial console from a USB stick, which is refused and unchanged, the root encrypted; the disk boots alone, the passphrase typed at stage 1, and the typed user logs in', async () => {
  await withTemporaryDirectory(async (dir) => {
    const system = await builtLiveInstallerSystem();
    const medium = await installerIso(dir, system, 'interactive');
    const mediumBefore = await sha256(medium);
    const disk = join(dir, 'virtio.img');
    await retriedIfDmCryptHangs('the interactive install', async () => {
      await blankDisk(disk);
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
        // End: the last item, "Encrypt the root filesystem (no)"; then yes, the passphrase twice, and "Use this layout".
        // An escape sequence goes in one write, as a terminal sends a key (typed apart, a lone Esc is the Escape key).
        machine.send('\u001b[F');
        await typeKeys(machine, '\r');
        at = await awaitScreen(machine, /Encrypt the root filesystem\?/, at);
        machine.send('\u001b[B');
        await typeKeys(machine, '\r');
        at = await awaitScreen(machine, /Passphrase of the encrypted root/, at);
        await typeKeys(machine, `${PASSPHRASE}\r`);
        at = await awaitScreen(machine, /Type the passphrase again/, at);
        await typeKeys(machine, `${PASSPHRASE}\r`);
        at = await awaitScreen(machine, /Encrypt the root filesystem \(yes\)/, at);
        await typeKeys(machine, '\r');
        at = await awaitScreen(machine, /Host name and user/, at);
        // This screen's keys in one burst, as a paste or a fast typist sends them: Ctrl-U clears "cairn".
        machine.send(`\u0015box\r${USER.name}\r${USER.password}\r${USER.password}\r`);
        at = await awaitScreen(machine, /Generations/, at);
        await typeKeys(machine, '\r');
        at = await awaitScreen(machine, /Summary/, at);
        await typeKeys(machine, 'vda\r');
        at = await awaitScreen(machine, /Done[^]*Power off/, at, INSTALL_TIMEOUT_MS);
        machine.send('\u001b[B'); // Down to "Power off"
        await typeKeys(machine, '\r');
        await poweredOff(machine);
        assert.not.ok(machine.plainOutput.includes(PASSPHRASE), 'the passphrase was never drawn');
      } finally {
        await machine.stop();
      }
    });
    assert.is(await sha256(medium), mediumBefore, 'the medium is byte for byte what it was');
    const luks = await installedLuksRoot(disk);
    const header = await luksDumpAt(disk, luks.offsetBytes, join(dir, 'luks-header'));
    assert.match(header, /^\s+cipher:\s+aes-xts-plain64$/m);
    assert.match(header, /^\s+PBKDF:\s+argon2id$/m);
    assert.not.ok(await fileContains(disk, PASSPHRASE), 'the passphrase is nowhere on the disk');

    const booted = await QemuMachine.start({ firmware: 'uefi', disks: [{ path: disk, bus: 'virtio', bootIndex: 0 }], memoryMiB: 1024 });
    try {
      await booted.waitFor(/Generation 2 - [^]*Generation 1 - /, { timeoutMs: BOOT_TIMEOUT_MS });
      const unlocked = await unlockOnSerial(booted, PASSPHRASE, 'not-the-passphrase');
      assert.is(unlocked.name, `luks-${luks.uuid}`, 'stage 1 asks for the container the installer made');
      assert.match(unlocked.refusal!, /wrong passphrase for \/dev\/vda2, 2 tries left/, unlocked.refusal);
      const host = await loginOnSerial(booted, USER.name, USER.password, { timeoutMs: BOOT_TIMEOUT_MS });
      assert.is(host, 'box');
      assert.equal(await runOnSerial(booted, 'hostname'), { output: 'box\n', code: 0 });
      const cmdline = (await runOnSerial(booted, 'cat /proc/cmdline')).output;
      assert.ok(cmdline.split(/\s+/).includes(`cairn.luks=UUID=${luks.uuid}`), cmdline);
      assert.match((await runOnSerial(booted, 'grep " / " /proc/mounts')).output, new RegExp(`^/dev/mapper/luks-${luks.uuid} / ext4 rw`), 'the root is mounted from the opened LUKS device');
      // The zone chosen on the time zone screen: Berlin's abbreviation (CET, or CEST in summer), from /etc/localtime.
      assert.match((await runOnSerial(booted, 'date +%Z')).output, /^CES?T\n$/);
      // The configuration holds password hashes: root's only (0600), as the installer wrote it.
      assert.match((await runOnSerial(booted, 'ls -l /etc/cairn/configuration.yaml')).output, /^-rw------- +1 root +root .*\/etc\/cairn\/configuration\.yaml$/m);
    } finally {
      await booted.stop();
    }
  });
});

test.run();
