/**
 * An initramfs written by `cairn initrd build` boots: the Debian test kernel unpacks it, its /init (busybox,
 * static) loads virtio_pci, virtio_blk and ext4 with busybox modprobe through the modules.dep Cairn made, the
 * kernel itself asks modprobe for crc32c (ext4's soft dependency, found through modules.alias), and the init
 * mounts an ext4 image (through the loop module) and prints what it found: /proc/modules and a file of the
 * image, whose content the test chose at random.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../../lib/qemu.js';
import { run } from '../../../lib/run.js';
import { ensureTestKernel, ensureTestKernelModules } from '../../../scripts/test-system.js';
import { cairnOk } from '../../support/cli.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

const INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in virtio_pci virtio_blk loop ext4; do modprobe $module || echo "CAIRN-INITRD modprobe $module failed"; done
mkdir -p /mnt
if mount -t ext4 -o ro,loop /disk.img /mnt; then echo "CAIRN-INITRD disk=[$(cat /mnt/marker)]"; else echo "CAIRN-INITRD mount failed"; fi
echo "CAIRN-INITRD modules=[$(cut -d' ' -f1 /proc/modules | sort | tr '\\n' ' ')]"
echo "CAIRN-INITRD done"
poweroff -f
`;

test('an initramfs built by cairn initrd boots, loads modules through its modules.dep and mounts an ext4 image', async () => {
  const dir = await temporaryDirectory('cairn-initrd-boot-');
  try {
    const kernel = await ensureTestKernel();
    const { directory } = await ensureTestKernelModules();
    const applets = ['sh', 'mount', 'modprobe', 'mkdir', 'cat', 'cut', 'sort', 'tr', 'echo', 'poweroff', 'losetup'];
    await writeFile(join(dir, 'init'), INIT);
    const token = randomBytes(8).toString('hex');
    await mkdir(join(dir, 'disk'));
    await writeFile(join(dir, 'disk', 'marker'), `${token}\n`);
    await run('mke2fs', ['-q', '-t', 'ext4', '-d', join(dir, 'disk'), join(dir, 'disk.img'), '4M']);
    await writeFile(
      join(dir, 'initrd.yaml'),
      [
        'compression: gzip',
        'programs:',
        '  - { from: busybox, to: /bin/busybox }',
        'modules:',
        `  directory: ${directory}`,
        '  include: [virtio_pci, virtio_blk, loop, ext4]',
        'files:',
        '  - { from: init, to: /init, mode: "0755" }',
        '  - { from: disk.img, to: /disk.img }',
        'directories: [/proc, /sys, /dev]',
        'symlinks:',
        ...applets.map((a) => `  - { path: /bin/${a}, target: busybox }`),
        '  - { path: /sbin/modprobe, target: /bin/busybox }',
        '',
      ].join('\n'),
    );
    await cairnOk(['initrd', 'build', join(dir, 'initrd.yaml'), '-o', join(dir, 'initrd.img')]);

    const machine = await QemuMachine.start({
      firmware: 'bios',
      kernel,
      initrd: join(dir, 'initrd.img'),
      // no_timer_check: on a loaded machine TCG's timer can lag the kernel's IO-APIC check, which then panics.
      append: 'console=ttyS0,115200 quiet panic=-1 no_timer_check',
    });
    try {
      await machine.waitFor(/CAIRN-INITRD done/, { timeoutMs: 300_000 });
      const output = machine.plainOutput;
      assert.not.match(output, /CAIRN-INITRD (modprobe .* failed|mount failed)/);
      assert.match(output, new RegExp(`CAIRN-INITRD disk=\\[${token}\\]`), 'the init read the file from the ext4 image');
      const modules = /CAIRN-INITRD modules=\[([^\]]*)\]/.exec(output)![1]!.trim().split(/\s+/);
      for (const name of ['virtio_pci', 'virtio_blk', 'virtio', 'virtio_ring', 'loop', 'ext4', 'jbd2', 'mbcache', 'crc16']) assert.ok(modules.includes(name), `${name} is loaded (${modules.join(' ')})`);
      assert.ok(modules.some((m) => m.startsWith('crc32c')), `crc32c, loaded by the kernel's request through modules.alias (${modules.join(' ')})`);
      assert.is((await machine.exited).code, 0, 'the init powered the machine off');
    } finally {
      await machine.stop();
    }
  } finally {
    await removeTree(dir);
  }
});

test.run();
