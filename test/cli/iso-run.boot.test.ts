/**
 * `cairn iso run` boots the example ISO in QEMU with the serial console on its own stdout and returns when
 * the guest powers off (the example's generations do, once their init has printed its command line). One
 * boot: OVMF from a USB stick, the mode with the most to get right (firmware variables, the ESP partition).
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stripTerminalCodes } from '../../lib/qemu.js';
import { TEST_INIT_LINE } from '../../scripts/test-system.js';
import { buildBootableIso } from '../support/boot-test-iso.js';
import { cairn, cairnOk } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

test('iso run --uefi --usb boots the current generation under OVMF from a USB stick, prints its console, exits 0', async () => {
  const dir = await temporaryDirectory('cairn-iso-run-');
  try {
    const { root } = await makeExampleSystem(dir);
    const iso = await buildBootableIso(dir, root);
    const listed = JSON.parse((await cairnOk(['generation', 'list', '--root', root, '--json'])).stdout) as { current: number; generations: { number: number; init: string }[] };
    const init = listed.generations.find((g) => g.number === listed.current)!.init;
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);

    const result = await cairn(['iso', 'run', iso, '--uefi', '--usb'], { env: { TMPDIR: tmp } });
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Booting \S+live\.iso under OVMF from a USB stick \(QEMU, TCG\); the serial console follows\. Ctrl-A X quits/m);
    const console = stripTerminalCodes(result.stdout);
    assert.match(console, /BdsDxe: loading Boot\d+ "UEFI QEMU QEMU USB HARDDRIVE/, 'OVMF booted the USB stick');
    assert.match(console, /Generation 3 - 2025-11-20 - Cairn example 1\.2/, "systemd-boot's menu was on the console");
    const cmdline = TEST_INIT_LINE.exec(console)?.[1];
    assert.ok(cmdline !== undefined, 'the init reported its command line');
    assert.ok(cmdline.split(' ').includes(`init=${init}`) && cmdline.includes('cairn.example=3'), cmdline);
    assert.equal((await readdir(tmp)).filter((name) => name.startsWith('cairn-qemu-')), [], "the run's OVMF variable store was removed");
  } finally {
    await removeTree(dir);
  }
});

test.run();
