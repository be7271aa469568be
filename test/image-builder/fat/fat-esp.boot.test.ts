/**
 * Real firmware reads Cairn's FAT: an ESP image laid out as the ISO will embed it (2048-byte clusters, the
 * kernel and initrd at the end of the image) is booted under OVMF as a disk without a partition table;
 * systemd-boot loads the test kernel and initramfs from it, and the initramfs reports its command line.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QemuMachine } from '../../../lib/qemu.js';
import { findDistroFile } from '../../../lib/tools.js';
import { TEST_INIT_LINE, ensureTestSystem } from '../../../scripts/test-system.js';
import { fatDirectory, fatFileFromBytes, fatFileFromPath, planFatImage, writeFatImage, type FatType } from '../../../image-builder/fat/index.js';
import { assertFsckClean } from '../../support/fat-tools.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

const SYSTEMD_BOOT = {
  description: 'systemd-boot for x86-64 UEFI',
  candidates: ['/usr/lib/systemd/boot/efi/systemd-bootx64.efi'],
  packages: { debian: 'systemd-boot-efi', fedora: 'systemd-boot', arch: 'systemd' },
};

for (const fatType of [undefined, 32] as (FatType | undefined)[]) {
  test(`OVMF boots the test kernel through systemd-boot from a ${fatType === undefined ? 'FAT16 (chosen by size)' : 'FAT32'} ESP with tail-placed files`, async () => {
    const { kernel, initramfs } = await ensureTestSystem();
    const loader = findDistroFile(SYSTEMD_BOOT);
    const dir = await temporaryDirectory();
    try {
      const tag = `fat${fatType ?? 'auto'}-esp`;
      const tree = fatDirectory('', [
        fatDirectory('EFI', [
          fatDirectory('BOOT', [fatFileFromPath('BOOTX64.EFI', loader, (await stat(loader)).size)]),
          fatDirectory('cairn', [
            fatFileFromPath('linux-test.efi', kernel, (await stat(kernel)).size),
            fatFileFromPath('initrd-test.img', initramfs, (await stat(initramfs)).size),
          ]),
        ]),
        fatDirectory('loader', [
          fatFileFromBytes('loader.conf', 'timeout 0\ndefault cairn-test.conf\n'),
          fatDirectory('entries', [
            fatFileFromBytes(
              'cairn-test.conf',
              `title Cairn FAT test\nlinux /EFI/cairn/linux-test.efi\ninitrd /EFI/cairn/initrd-test.img\noptions console=ttyS0,115200 quiet cairn.test=${tag}\n`,
            ),
          ]),
        ]),
      ]);
      const plan = planFatImage(tree, {
        fatType,
        clusterSize: 2048,
        volumeLabel: 'CAIRN_ESP',
        tailFiles: ['EFI/cairn/linux-test.efi', 'EFI/cairn/initrd-test.img'],
      });
      assert.is(plan.geometry.type, fatType ?? 16);
      assert.ok(plan.files.slice(-2).every((f) => f.offset! % 2048 === 0));
      const image = join(dir, 'esp.img');
      await writeFatImage(plan, image);
      await assertFsckClean(image);
      const machine = await QemuMachine.start({ firmware: 'uefi', media: { kind: 'disk', path: image } });
      try {
        const match = await machine.waitFor(TEST_INIT_LINE, { timeoutMs: 240_000 });
        assert.match(match[1]!, new RegExp(`cairn\\.test=${tag}`));
      } finally {
        await machine.stop();
      }
    } finally {
      await removeTree(dir);
    }
  });
}

test.run();
