/**
 * Judging a boot from its serial console, on consoles recorded from real boots (fixtures/boot-consoles,
 * whose README says where each comes from): up to a prompt, the wrong entry, a panic, no kernel messages, no
 * init, an init that is not a stage 2, a stage 1 that did not find its root.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { judgeBoot } from '../../image-builder/vm/judge-boot.js';
import { hungTask, hungTaskReport } from '../../lib/qemu.js';
import { SERIAL_CONSOLE_PARAMS } from '../../image-builder/vm/plan-boot-tests.js';
import { repoRoot } from '../support/cli.js';

const INIT = {
  1: '/cairn/store/icckdn0v7j7xn7zy4b4mkljfvdzi2nv0-cairn-system/init',
  2: '/cairn/store/pfgvzpy4rpj33ym50i2f2sni7f5gmq75-cairn-system/init',
  3: '/cairn/store/gkzyq1rx7sprial9m3rgm5an7vnyw27v-cairn-system/init',
};

/** The example's toplevels in the live consoles. */
const LIVE_INIT = {
  1: '/cairn/store/gqllnhlz61jz8y68gjpmp07fvi7k1vyl-cairn-system/init',
  2: '/cairn/store/14hpr21p5pip4y1yx69848dfz950ai1b-cairn-system/init',
  3: '/cairn/store/9hzc3rl6ivcdmnz06z2bfcyi9dy1glmk-cairn-system/init',
};

const consoleOf = (name: string) => readFile(join(repoRoot, 'fixtures', 'boot-consoles', name), 'utf8');

test('a generation whose stage 2 put a prompt on the console is up, under systemd-boot and isolinux, with the command line it got', async () => {
  const uefi = judgeBoot(await consoleOf('live-systemd-boot-generation-1-up.txt'), { init: LIVE_INIT[1] }, 'stopped');
  assert.equal([uefi.up, uefi.reason, uefi.initProcess, uefi.prompt], [true, undefined, '/init', 'shell']);
  assert.ok(uefi.commandLine!.includes(`init=${LIVE_INIT[1]}`));
  assert.ok(uefi.commandLine!.endsWith(` ${SERIAL_CONSOLE_PARAMS.join(' ')}`), 'the serial console was appended by editing the entry');

  const bios = judgeBoot(await consoleOf('live-isolinux-generation-2-up.txt'), { init: LIVE_INIT[2] }, 'stopped');
  assert.equal([bios.up, bios.initProcess, bios.prompt], [true, '/init', 'shell']);
  assert.match(bios.commandLine!, /^BOOT_IMAGE=\/cairn\/store\/\S+\/bzImage /);
});

test('the command line is the longest copy the kernel printed: a copy cut short on the serial line does not hide the whole one', async () => {
  const whole = await consoleOf('isolinux-generation-3-test-init.txt');
  const early = /Command line: [^\n]*console=ttyS0,1/.exec(whole)!;
  const cut = whole.replace(/(\] Command line: [^\n]*console=ttyS0,1)[^\n]*/, '$1');
  assert.ok(cut.length < whole.length && early.index > 0, 'the fixture has the early copy to cut');
  for (const console of [whole, cut]) {
    const verdict = judgeBoot(console, { init: INIT[3] }, 'exited');
    assert.ok(verdict.commandLine!.endsWith(` ${SERIAL_CONSOLE_PARAMS.join(' ')}`), verdict.commandLine);
    assert.ok(verdict.commandLine!.split(' ').includes(`init=${INIT[3]}`));
  }
  const onlyCut = cut.replace(/Kernel command line: [^\n]*\n/, '');
  assert.match(judgeBoot(onlyCut, { init: INIT[3] }, 'exited').commandLine!, /console=ttyS0,1$/, 'with no whole copy, the cut one is what was printed');
});

test('a guest whose kernel reports a task blocked for four minutes hung; one report at two minutes is not yet a hang', async () => {
  const ran = await consoleOf('systemd-boot-generation-1-test-init.txt');
  // The report as Debian's 6.1 kernel printed it in a CI run, when a dm-crypt writer never got its writes done.
  const report = (seconds: number) => `[  ${seconds + 243}.768275] INFO: task dmcrypt_write/2:391 blocked for more than ${seconds} seconds.\n[  ${seconds + 243}.769101]       Not tainted 6.1.0-57-amd64 #1 Debian 6.1.192-3\n`;
  const once = judgeBoot(`${ran}${report(120)}`, { init: INIT[1] }, 'stopped');
  assert.match(once.reason!, /^the kernel ran \/init, but stage 2 did not start/);
  const twice = judgeBoot(`${ran}${report(120)}${report(241)}`, { init: INIT[1] }, 'stopped');
  assert.equal([twice.up, twice.reason], [false, 'the guest hung: its kernel reports dmcrypt_write/2:391 blocked for more than 241 seconds']);
  assert.equal(hungTask(`${report(120)}${report(241)}`), { task: 'dmcrypt_write/2:391', seconds: 241 });
  assert.is(hungTask(`${report(241)}`, report(241).length), undefined, 'only reports after the position given count');
});

test("a hung task's report is quoted from its INFO line through its call trace, the first one only", () => {
  // The shape of Debian 6.1's report (lines as printed, call trace shortened), twice, with other output around it.
  const report = (seconds: number) =>
    [
      `[  ${seconds + 243}.768275] INFO: task dmcrypt_write/2:391 blocked for more than ${seconds} seconds.`,
      `[  ${seconds + 243}.769101]       Not tainted 6.1.0-57-amd64 #1 Debian 6.1.192-3`,
      `[  ${seconds + 243}.769500] task:dmcrypt_write/2 state:D stack:0     pid:391   ppid:2      flags:0x00004000`,
      `[  ${seconds + 243}.769600] Call Trace:`,
      `[  ${seconds + 243}.769700]  <TASK>`,
      `[  ${seconds + 243}.769800]  __schedule+0x34d/0x9e0`,
      `[  ${seconds + 243}.769900]  io_schedule+0x42/0x70`,
      `[  ${seconds + 243}.770000]  </TASK>`,
    ].join('\n');
  const console = `mke2fs 1.47.0\n${report(120)}\nWriting inode tables: 12/64\n${report(241)}\n`;
  const quoted = hungTaskReport(console, 'dmcrypt_write/2:391');
  assert.is(quoted, report(120));
  assert.is(hungTaskReport(console, 'kworker/0:1'), '', 'a task never reported has no report');
  const cut = `${report(120).split('\n').slice(0, 5).join('\n')}\n[  361.0] INFO: task kworker/0:1 blocked for more than 120 seconds.\n`;
  assert.is(hungTaskReport(cut, 'dmcrypt_write/2:391').split('\n').length, 5, 'a report cut short ends at the next one');
});

test('a login prompt after stage 2 is up too; stage 2 without any prompt yet is not', async () => {
  const live = await consoleOf('live-isolinux-generation-2-up.txt');
  const marker = live.indexOf('cairn stage 2: started');
  const stage2 = live.slice(0, live.indexOf('\n', marker) + 1);
  const login = judgeBoot(`${stage2}\nCairn example 1.1 \\n \\l\n\ncairn-example login: `, { init: LIVE_INIT[2] }, 'stopped');
  assert.equal([login.up, login.prompt], [true, 'login']);
  const waiting = judgeBoot(stage2, { init: LIVE_INIT[2] }, 'timed-out');
  assert.equal([waiting.up, waiting.reason], [false, 'stage 2 started, but no login or shell prompt appeared before the time ran out']);
});

test('a kernel that ran an init which is not a stage 2 is not up, however far that init got', async () => {
  const uefi = judgeBoot(await consoleOf('systemd-boot-generation-1-test-init.txt'), { init: INIT[1] }, 'exited');
  assert.equal([uefi.up, uefi.initProcess], [false, '/init']);
  assert.is(uefi.reason, 'the kernel ran /init, but stage 2 did not start (no "cairn stage 2: started") before QEMU exited');
  assert.not.match(uefi.commandLine!.replace(SERIAL_CONSOLE_PARAMS.join(' '), ''), /console=/, 'the generation itself names no console');
  const bios = judgeBoot(await consoleOf('isolinux-generation-3-test-init.txt'), { init: INIT[3] }, 'exited');
  assert.equal([bios.up, bios.initProcess], [false, '/init']);
});

test('a stage 1 that did not find its root is a failure with its own words', async () => {
  const verdict = judgeBoot(await consoleOf('stage-1-root-missing.txt'), {}, 'stopped');
  assert.equal([verdict.up, verdict.initProcess], [false, '/init']);
  assert.is(verdict.reason, 'stage 1 failed: the root filesystem root=UUID=0badc0de-0000-4000-8000-000000000000 did not appear within 3 s (cairn.timeout= waits longer)');
});

test('another entry booting than the one chosen is a failure naming both inits', async () => {
  const verdict = judgeBoot(await consoleOf('systemd-boot-generation-1-test-init.txt'), { init: INIT[3] }, 'exited');
  assert.is(verdict.up, false);
  assert.is(verdict.reason, `the wrong entry booted: the command line has init=${INIT[1]}, expected init=${INIT[3]}`);
});

test('an init= that lost a few characters on the serial line still names its entry; no loss makes it name another', async () => {
  const full = await consoleOf('systemd-boot-generation-1-test-init.txt');
  const hash = INIT[1].split('/')[3]!.slice(0, 32);
  const COPY = /(?:Kernel command line|Command line): [^\n]*/g;
  assert.is([...full.matchAll(COPY)].filter(([line]) => line.includes(hash)).length, 2, 'the kernel printed the command line twice');
  // As CI saw it: characters missing inside the path, in both copies of the command line.
  const lose = (count: number) => full.replace(COPY, (line) => line.replace(hash, hash.slice(0, 10) + hash.slice(10 + count)));
  for (const count of [1, 2, 4]) {
    const verdict = judgeBoot(lose(count), { init: INIT[1] }, 'exited');
    assert.match(verdict.reason!, /^the kernel ran \/init, but stage 2 did not start/, `${count} lost`);
  }
  assert.match(judgeBoot(lose(5), { init: INIT[1] }, 'exited').reason!, /^the wrong entry booted/, 'more lost than tolerated');
  for (const count of [0, 2]) {
    assert.match(judgeBoot(lose(count), { init: INIT[3] }, 'exited').reason!, /^the wrong entry booted: the command line has init=/, `another entry, ${count} lost`);
  }
  // One copy whole is enough, whatever the other lost.
  const oneWhole = full.replace(/Kernel command line: [^\n]*/, (line) => line.replace(hash, hash.slice(0, 5) + hash.slice(20)));
  assert.ok(oneWhole !== full);
  assert.match(judgeBoot(oneWhole, { init: INIT[1] }, 'exited').reason!, /^the kernel ran \/init/);
});

test('a kernel panic is a failure with its message', async () => {
  const verdict = judgeBoot(await consoleOf('systemd-boot-generation-2-panic.txt'), { init: INIT[2] }, 'exited');
  assert.equal([verdict.up, verdict.reason, verdict.initProcess], [false, 'kernel panic: VFS: Unable to mount root fs on unknown-block(0,0)', undefined]);
  assert.ok(verdict.commandLine!.includes('rdinit=/no-such-init'));
});

test('a kernel that prints nothing, or stops before its init, is a failure saying how far it got', async () => {
  const quiet = judgeBoot(await consoleOf('systemd-boot-default-quiet.txt'), {}, 'exited');
  assert.equal([quiet.up, quiet.reason], [false, 'the kernel printed no command line on the serial console before QEMU exited']);

  const full = await consoleOf('systemd-boot-generation-1-test-init.txt');
  const cut = full.slice(0, full.indexOf('Run /init as init process'));
  const stalled = judgeBoot(cut, { init: INIT[1] }, 'timed-out');
  assert.equal([stalled.up, stalled.reason], [false, 'the kernel started but ran no init process before the time ran out']);
  assert.ok(stalled.commandLine!.includes(`init=${INIT[1]}`));
  assert.equal(judgeBoot(cut, {}, 'stopped').reason, 'the kernel started but ran no init process before the boot was stopped');
});

test("a quiet kernel (no \"Run /init as init process\") whose stage 2 gave a prompt is up: the marker is the init's own word", async () => {
  const full = await consoleOf('live-isolinux-generation-2-up.txt');
  const quiet = full.replace(/[^\n]*Run \S+ as init process[^\n]*\n/g, '');
  assert.ok(quiet !== full, 'the fixture shows the init process');
  const verdict = judgeBoot(quiet, {}, 'stopped');
  assert.equal([verdict.up, verdict.initProcess, verdict.prompt], [true, undefined, 'shell']);
  const beforeStage2 = quiet.slice(0, quiet.indexOf('cairn stage 2: started'));
  assert.is(judgeBoot(beforeStage2, {}, 'timed-out').reason, 'the kernel started but ran no init process before the time ran out');
});

test('an entry without init= is judged by its init process and stage 2 alone', async () => {
  assert.is(judgeBoot(await consoleOf('live-isolinux-generation-2-up.txt'), {}, 'stopped').up, true);
});

test.run();
