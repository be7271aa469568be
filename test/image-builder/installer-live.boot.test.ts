/**
 * A system built with `installer: true` (the example's newest generation plus Node.js and Cairn) booted live
 * from its ISO under SeaBIOS: `cairn` runs on it, from the packed package in the store on the medium.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../lib/qemu.js';
import { builtInstallerSystem } from '../support/built-system.js';
import { buildIso, writeBootableSpec } from '../support/bootable-iso.js';
import { repoRoot } from '../support/cli.js';
import { runOnSerial } from '../support/serial-shell.js';
import { withTemporaryDirectory } from '../support/tree.js';

test('cairn runs on a live installer system: its version, and a command that loads its dependencies', async () => {
  await withTemporaryDirectory(async (dir) => {
    const system = await builtInstallerSystem();
    const spec = await writeBootableSpec(dir, system.root, { volumeId: 'CAIRN_INSTALLER', boot: 'boot: { bios: true, uefi: false, timeout: 1, serial: true }' });
    const iso = await buildIso(spec, join(dir, 'installer.iso'));
    const machine = await QemuMachine.start({ firmware: 'bios', media: { kind: 'cdrom', path: iso }, memoryMiB: 1024 });
    try {
      await machine.waitFor(/cairn stage 2: started[^]*# $/, { timeoutMs: 600_000 });
      const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
      assert.equal(await runOnSerial(machine, 'cairn --version'), { output: `${manifest.version}\n`, code: 0 });
      const schema = await runOnSerial(machine, "cairn config schema system | grep '\"title\"'");
      assert.match(schema.output, /"title": "Cairn: system spec \(cairn system build\)"/);
      assert.equal(await runOnSerial(machine, 'node -e "console.log(process.versions.node)"'), { output: `${process.versions.node}\n`, code: 0 }, 'the node that ran the build');
    } finally {
      await machine.stop();
    }
  });
});

test.run();
