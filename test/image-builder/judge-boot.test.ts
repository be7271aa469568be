/**
 * Judging a boot from its serial console, on consoles recorded from real boots (fixtures/boot-consoles,
 * whose README says where each comes from): up, the wrong entry, a panic, no kernel messages, no init.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeBoot } from '../../image-builder/vm/judge-boot.js';
import { SERIAL_CONSOLE_PARAMS } from '../../image-builder/vm/plan-boot-tests.js';
import { repoRoot } from '../support/cli.js';

const INIT = {
  1: '/cairn/store/icckdn0v7j7xn7zy4b4mkljfvdzi2nv0-cairn-system/init',
  2: '/cairn/store/pfgvzpy4rpj33ym50i2f2sni7f5gmq75-cairn-system/init',
  3: '/cairn/store/gkzyq1rx7sprial9m3rgm5an7vnyw27v-cairn-system/init',
};

const consoleOf = (name: string) => readFile(join(repoRoot, 'fixtures', 'boot-consoles', name), 'utf8');

test('a generation that reached its init is up, under systemd-boot and isolinux, with the command line it got', async () => {
  const uefi = judgeBoot(await consoleOf('systemd-boot-generation-1-up.txt'), { init: INIT[1] }, 'exited');
  assert.equal([uefi.up, uefi.reason, uefi.initProcess], [true, undefined, '/init']);
  assert.ok(uefi.commandLine!.includes(`init=${INIT[1]}`));
  assert.ok(uefi.commandLine!.endsWith(` ${SERIAL_CONSOLE_PARAMS.join(' ')}`), 'the serial console was appended by editing the entry');
  assert.not.match(uefi.commandLine!.replace(SERIAL_CONSOLE_PARAMS.join(' '), ''), /console=/, 'the generation itself names no console');

  const bios = judgeBoot(await consoleOf('isolinux-generation-3-up.txt'), { init: INIT[3] }, 'exited');
  assert.equal([bios.up, bios.initProcess], [true, '/init']);
  assert.match(bios.commandLine!, /^BOOT_IMAGE=\/cairn\/store\/\S+\/bzImage /);
});

test('another entry booting than the one chosen is a failure naming both inits', async () => {
  const verdict = judgeBoot(await consoleOf('systemd-boot-generation-1-up.txt'), { init: INIT[3] }, 'exited');
  assert.is(verdict.up, false);
  assert.is(verdict.reason, `the wrong entry booted: the command line has init=${INIT[1]}, expected init=${INIT[3]}`);
});

test('a kernel panic is a failure with its message', async () => {
  const verdict = judgeBoot(await consoleOf('systemd-boot-generation-2-panic.txt'), { init: INIT[2] }, 'exited');
  assert.equal([verdict.up, verdict.reason, verdict.initProcess], [false, 'kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)', undefined]);
  assert.ok(verdict.commandLine!.includes('rdinit=/no-such-init'));
});

test('a kernel that prints nothing, or stops before its init, is a failure saying how far it got', async () => {
  const quiet = judgeBoot(await consoleOf('systemd-boot-default-quiet.txt'), {}, 'exited');
  assert.equal([quiet.up, quiet.reason], [false, 'the kernel printed no command line on the serial console before QEMU exited']);

  const full = await consoleOf('systemd-boot-generation-1-up.txt');
  const cut = full.slice(0, full.indexOf('Run /init as init process'));
  const stalled = judgeBoot(cut, { init: INIT[1] }, 'timed-out');
  assert.equal([stalled.up, stalled.reason], [false, 'the kernel started but ran no init process before the time ran out']);
  assert.ok(stalled.commandLine!.includes(`init=${INIT[1]}`));
  assert.equal(judgeBoot(cut, {}, 'stopped').reason, 'the kernel started but ran no init process before the boot was stopped');
});

test('an entry without init= is judged by its init process alone', async () => {
  assert.is(judgeBoot(await consoleOf('isolinux-generation-3-up.txt'), {}, 'exited').up, true);
});

test.run();
