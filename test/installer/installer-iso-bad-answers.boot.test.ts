// run-tests: time limit 40 minutes
/**
 * Answers on the medium that do not validate, in QEMU under TCG. `iso build` checks `installer.answers`, so
 * invalid answers cannot reach the medium that way: the build refuses them, naming the file and each key
 * path. The other route is the kernel parameter `cairn.answers=` naming another file the ISO carries
 * (image.yaml `files:`): the live installer reads it at boot, shows every problem with its key path on the
 * console and ends without writing; the blank target disk is all zeros after the machine is stopped.
 */
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { writeBootableSpec } from '../support/bootable-iso.js';
import { builtLiveInstallerSystem, type BuiltSystem } from '../support/built-system.js';
import { cairn } from '../support/cli.js';
import { BOOT_TIMEOUT_MS, blankDisk, installerIso } from '../support/installer-iso.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Context {
  dir: string;
  system: BuiltSystem;
}

/** Three problems: an unknown key, a host name that is not one, a `finish` that is not an ending. */
const INVALID_ANSWERS = ['version: 1', 'hostname: box', 'hostName: "not a host"', 'finish: halt', 'confirm: true', ''].join('\n');
const ON_MEDIUM = '/cairn/other-answers.yaml';

const badAnswers = suite<Context>('answers on the medium that do not validate');

badAnswers.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-bad-answers-');
  context.system = await builtLiveInstallerSystem();
});

badAnswers.after(async (context) => {
  await removeTree(context.dir);
});

/** Whether every byte of a file is zero, read in 4 MiB pieces. */
async function allZeros(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return true;
      if (buffer.subarray(0, bytesRead).some((byte) => byte !== 0)) return false;
    }
  } finally {
    await file.close();
  }
}

badAnswers('as installer.answers: iso build refuses them, naming the file and every key path, and writes no ISO', async ({ dir, system }) => {
  await writeFile(join(dir, 'invalid-answers.yaml'), INVALID_ANSWERS);
  const spec = await writeBootableSpec(dir, system.root, { name: 'invalid.yaml', volumeId: 'CAIRN_INSTALLER', extra: 'installer: { answers: invalid-answers.yaml }' });
  const result = await cairn(['iso', 'build', spec, '-o', join(dir, 'invalid.iso')]);
  assert.is(result.code, 1, result.stderr);
  assert.match(result.stderr, /3 problems:/);
  assert.match(result.stderr, /invalid-answers\.yaml:2: hostname: unknown key; did you mean "hostName"\?/);
  assert.match(result.stderr, /invalid-answers\.yaml:3: hostName: /);
  assert.match(result.stderr, /invalid-answers\.yaml:4: finish: expected one of poweroff, reboot, shell \(got "halt"\)/);
  assert.not.ok(await stat(join(dir, 'invalid.iso')).then(() => true, () => false), 'no ISO was written');
});

badAnswers('named by cairn.answers= on the medium: every problem on the console with its key path, the blank disk still all zeros', async ({ dir, system }) => {
  const iso = await installerIso(dir, system, 'param', undefined, { other: { [ON_MEDIUM]: INVALID_ANSWERS }, kernelParams: [`cairn.answers=${ON_MEDIUM}`] });
  const disk = await blankDisk(join(dir, 'blank.img'), 2 * 1024 ** 3);
  const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'cdrom', path: iso }, disks: [{ path: disk, bus: 'virtio' }], memoryMiB: 1536 });
  let console: string;
  try {
    // Printed by the installer-console script Cairn wrote, once `cairn install --live` has ended.
    await machine.waitFor(/The Cairn installer stopped \(exit 1\)/, { timeoutMs: BOOT_TIMEOUT_MS });
    console = machine.plainOutput;
  } finally {
    await machine.stop();
  }
  const file = `/run/cairn/medium${ON_MEDIUM}`.replace(/[/.]/g, '\\$&');
  assert.match(console, /3 problems:/);
  assert.match(console, new RegExp(`${file}:2: hostname: unknown key; did you mean "hostName"\\?`));
  assert.match(console, new RegExp(`${file}:3: hostName: `));
  assert.match(console, new RegExp(`${file}:4: finish: expected one of poweroff, reboot, shell \\(got "halt"\\)`));
  assert.match(console, new RegExp(`Answers from the medium: ${file}`), 'the file the parameter names is read');
  assert.not.match(console, /Preparing the work directory|Installed generations/, 'no install started');
  assert.ok(await allZeros(disk), 'nothing was written to the target disk');
});

badAnswers.run();
