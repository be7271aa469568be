// run-tests: time limit 60 minutes
/**
 * A disk that disappears during the install, in QEMU under TCG: the installer ISO's answers install onto a
 * virtio disk with no question; while the generations are copied, the test pulls the disk out (QEMU's
 * monitor deletes its drive: every read and write of it fails from then on, as when a cable is pulled). The
 * installer must say what failed, naming the disk, and where its log is; it must not reboot (nor power off,
 * as the answers' `finish` says after a success), and offer retry, a shell or power off on the console. The
 * test chooses power off, and the machine stops by itself.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtLiveInstallerSystem } from '../support/built-system.js';
import { BOOT_TIMEOUT_MS, INSTALL_TIMEOUT_MS, blankDisk, installerIso, poweredOff, unattendedAnswers } from '../support/installer-iso.js';
import { withTemporaryDirectory } from '../support/tree.js';

test('the target disk pulled out while the generations are copied: the error names it, the log is named, and retry, shell or power off are offered', async () => {
  await withTemporaryDirectory(async (dir) => {
    const system = await builtLiveInstallerSystem();
    const iso = await installerIso(dir, system, 'unplug', unattendedAnswers('unplug-box'));
    const disk = await blankDisk(join(dir, 'virtio.img'));
    const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'cdrom', path: iso }, disks: [{ path: disk, bus: 'virtio' }], memoryMiB: 1536 });
    try {
      await machine.waitFor(/Answers from the medium: /, { timeoutMs: BOOT_TIMEOUT_MS });
      await machine.waitFor(/==> Copying \d+ store entries of 2 generations/, { timeoutMs: INSTALL_TIMEOUT_MS });
      assert.not.match(await machine.monitor('drive_del disk0'), /error|not found/i, 'the monitor took the drive away');
      const at = machine.plainOutput.length;
      const stopped = await machine.waitFor(/cairn: error: the install stopped: (.*)\n\s*hint: read (\/tmp\/cairn-install-\S+\.log),/, { from: at, timeoutMs: INSTALL_TIMEOUT_MS });
      assert.match(stopped[1]!, /^\/dev\/vda \(serial CAIRN-DISK0, 4G\) stopped answering while its partition table was written \(EIO: /, `the error names the disk and the step: ${stopped[1]}`);
      const offer = await machine.waitFor(/The Cairn installer stopped \(exit 1\)[^\n]*\n/, { from: at, timeoutMs: 120_000 });
      assert.match(offer[0], /Enter: retry; s: a shell; p: power off\.\n$/, 'retry, a shell or power off');
      assert.not.match(offer[0], /reboot/i, 'no reboot is offered after a failure');
      assert.not.match(machine.plainOutput.slice(at), /Powering off\.|Rebooting/, 'the answers\' finish is not applied after a failure');
      machine.send('p\r');
      await poweredOff(machine);
    } finally {
      await machine.stop();
    }
  });
});

test.run();
