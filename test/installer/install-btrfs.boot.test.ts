/**
 * install.boot.test.ts on a btrfs root: the example system installed unattended with `filesystem: btrfs`
 * boots under OVMF to a login prompt, and the user sees the installed btrfs root (root=UUID= of the UUID
 * blkid reads on the disk) mounted read-write.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFile } from 'node:fs/promises';
import { QemuMachine } from '../../lib/qemu.js';
import { builtExampleSystem } from '../support/built-system.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { probeFilesystem, readSfdisk } from '../support/disk-image.js';
import { loginOnSerial, runOnSerial } from '../support/serial-shell.js';
import { withTemporaryDirectory } from '../support/tree.js';

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');
const ANSWERS = ['version: 1', 'hostName: butter', 'filesystem: btrfs', 'generations: newest', 'users: [{ name: bob, password: "battery staple" }]', 'confirm: true', ''].join('\n');

test('a btrfs root: installed, booted to a login, mounted read-write by its UUID, written to', async () => {
  await withTemporaryDirectory(async (dir) => {
    const system = await builtExampleSystem();
    const image = join(dir, 'disk.img');
    await writeFile(join(dir, 'answers.yaml'), ANSWERS);
    await cairnOk(['install', '--answers', join(dir, 'answers.yaml'), '--target', image, '--size', '2G', '--source-root', system.root, '--from', RECORDED_VM, '--log', join(dir, 'install.log')]);
    const rootOffset = (await readSfdisk(image)).partitions[1]!.start * 512;
    const root = await probeFilesystem(image, rootOffset);
    assert.is(root.TYPE, 'btrfs');
    const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: image } });
    try {
      assert.is(await loginOnSerial(machine, 'bob', 'battery staple'), 'butter');
      assert.ok((await runOnSerial(machine, 'cat /proc/cmdline')).output.split(/\s+/).includes(`root=UUID=${root.UUID}`));
      assert.match((await runOnSerial(machine, 'mount')).output, /^\/dev\/vda2 on \/ type btrfs \(rw[,)]/m);
      assert.equal(await runOnSerial(machine, 'echo written > ~/file && cat ~/file'), { output: 'written\n', code: 0 });
    } finally {
      await machine.stop();
    }
  });
});

test.run();
