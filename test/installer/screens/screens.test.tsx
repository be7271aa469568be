/**
 * Each screen of the installer, driven through the app with keys (the only way keys reach a screen): what it
 * shows on an 80x24 terminal, how its keys act, and what it hands on.
 */
import React from 'react';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DoneScreen } from '../../../installer/screens/done/index.js';
import { InstallerApp } from '../../../installer/screens/installer-app.js';
import { doneItems, type ExitAction } from '../../../installer/screens/installer-state.js';
import { ProgressScreen } from '../../../installer/screens/progress/index.js';
import { initialProgress, progressReducer } from '../../../installer/screens/progress/state.js';
import { initialListState } from '../../../installer/screens/select-list/state.js';
import type { DraftAnswers, InstallerModel, QuestionSection } from '../../../installer/engine/contract.js';
import { Gate, fakeEngine, fakeInitial, fakeModel, type FakeEngine } from '../../support/fake-installer.js';
import { renderScreen, type ScreenDriver } from '../../support/ink.js';

function fitsTerminal(frame: string): void {
  const lines = frame.split('\n');
  assert.ok(lines.length <= 24, `at most 24 lines, got ${lines.length}`);
  for (const line of lines) assert.ok(line.length <= 80, `at most 80 columns: ${JSON.stringify(line)}`);
}

interface Run {
  screen: ScreenDriver;
  engine: FakeEngine;
  exits: { action: ExitAction; answers: DraftAnswers }[];
}

/** The app asking only `sections` (the hardware screen and the summary are always there). */
async function open(sections: QuestionSection[], options: { model?: InstallerModel; initial?: Partial<DraftAnswers>; engine?: FakeEngine } = {}): Promise<Run> {
  const engine = options.engine ?? fakeEngine();
  const exits: Run['exits'] = [];
  const screen = await renderScreen(<InstallerApp model={options.model ?? fakeModel} engine={engine} initial={{ ...fakeInitial, ...options.initial }} sections={sections} onExit={(r) => exits.push(r)} />);
  return { screen, engine, exits };
}

/** Leaves with Ctrl-C and returns the answers at that point. */
async function leave(run: Run): Promise<DraftAnswers> {
  await run.screen.write('\u0003');
  await run.screen.until(() => run.exits.length === 1, 'leaving');
  run.screen.unmount();
  return run.exits[0]!.answers;
}

test('welcome: the locale list starts on the current locale and Enter takes it', async () => {
  const run = await open(['welcome']);
  const frame = await run.screen.waitFor(/> en_US\.UTF-8/);
  assert.match(frame, /from the live medium/);
  assert.not.match(frame, /Esc: back/, 'nothing to go back to');
  fitsTerminal(frame);
  await run.screen.press('down', 'enter');
  await run.screen.waitFor(/Hardware/);
  assert.is((await leave(run)).locale, 'fr_FR.UTF-8');
});

test('keyboard and time zone: filter, Backspace widens, choose; Esc goes back a step', async () => {
  const run = await open(['keyboard', 'timezone'], { model: { ...fakeModel, timeZones: Intl.supportedValuesOf('timeZone') } });
  await run.screen.waitFor(/Keyboard layout/);
  await run.screen.type('dx');
  await run.screen.waitFor(/Nothing matches "dx"; Backspace widens the list/);
  await run.screen.press('backspace');
  await run.screen.waitFor(/> de/);
  await run.screen.press('enter');
  await run.screen.waitFor(/Time zone/);
  await run.screen.type('berlin');
  const frame = await run.screen.waitFor(/> Europe\/Berlin/);
  fitsTerminal(frame);
  await run.screen.press('escape');
  await run.screen.waitFor(/> de/);
  await run.screen.press('enter');
  await run.screen.waitFor(/Time zone/);
  await run.screen.write('berlin\r');
  await run.screen.waitFor(/Hardware/);
  const answers = await leave(run);
  assert.equal([answers.keyMap, answers.timeZone], ['de', 'Europe/Berlin']);
});

test('hardware: rows (a disk with two partitions) and warnings, Enter continues', async () => {
  const run = await open(['disk']);
  const frame = await run.screen.waitFor(/Firmware\s+UEFI 64-bit/);
  assert.match(frame, /\n\s+vda1  ext4\n\s+vda2  swap\n/);
  assert.match(frame, /note: no DMI tables/);
  fitsTerminal(frame);
  await run.screen.press('enter');
  await run.screen.waitFor(/Install on which disk/);
  await leave(run);
});

test('disk: refused disks are shown with the reason and skipped; the focused disk shows what is on it', async () => {
  const run = await open(['disk']);
  await run.screen.write('\r');
  let frame = await run.screen.waitFor(/> vda/);
  assert.match(frame, /sda  USB stick  16G  \(the live medium\)/);
  assert.match(frame, /virtio-one/);
  fitsTerminal(frame);
  await run.screen.press('up'); // cannot move onto the live medium
  await run.screen.waitFor(/> vda/);
  await run.screen.press('down');
  frame = await run.screen.waitFor(/> vdb/);
  assert.match(frame, /virtio-two\nNow on it:\n  vdb1  ext4  40G\n  vdb1  ext4  40G/, 'two equal lines, both shown');
  await run.screen.press('enter');
  await run.screen.waitFor(/Summary/);
  assert.is((await leave(run)).disk, '/dev/vdb');
});

test('layout: guided settings, a preview of the plan, editing sizes, and errors that block continuing', async () => {
  const run = await open(['layout'], { initial: { disk: '/dev/vda' } });
  const { screen } = run;
  await screen.write('\r');
  await screen.waitFor(/root 100% ext4/);
  await screen.press('down', 'enter'); // root filesystem
  await screen.waitFor(/> ext4 \(the safe default\)/);
  await screen.press('down', 'enter'); // btrfs
  await screen.waitFor(/root 100% btrfs/);
  await screen.press('down', 'down', 'enter'); // swap
  await screen.waitFor(/> no swap partition/);
  await screen.press('down', 'down', 'enter'); // 2G
  await screen.waitFor(/swap 2G/);
  // A layout file that does not exist: the error shows and "Use this layout" does nothing.
  await screen.press('down', 'down', 'down', 'enter');
  await screen.waitFor(/Path of the layout file/);
  await screen.type('/nope.yaml');
  await screen.waitFor(/\/nope\.yaml/);
  await screen.press('enter');
  let frame = await screen.waitFor(/\/nope\.yaml: no such file/);
  assert.match(frame, /> Use this layout \(fix the problem first\)/);
  await screen.press('enter'); // refused: still on this screen
  await screen.waitFor(/this layout cannot be used: fix the problem shown above first/);
  // Edit sizes: root becomes 20G ext4.
  await screen.press('end', 'up', 'enter'); // "Edit partition sizes...", above the encryption choice
  await screen.waitFor(/Done editing/);
  await screen.press('down', 'down', 'enter');
  await screen.waitFor(/Size of root/);
  await screen.write('\u0015lots\r');
  await screen.waitFor(/expected a size/);
  await screen.write('\u0015');
  await screen.type('20G');
  await screen.press('enter');
  await screen.waitFor(/Filesystem of root:\n  ext4\n> btrfs/);
  await screen.press('up', 'enter'); // ext4
  await screen.waitFor(/> root\s+root\s+20G/);
  await screen.press('down', 'enter'); // Done editing
  frame = await screen.waitFor(/root 20G ext4/);
  fitsTerminal(frame);
  await screen.waitFor(/> Use this layout$/m);
  await screen.press('enter');
  await screen.waitFor(/Summary/);
  assert.equal((await leave(run)).layout, {
    kind: 'custom',
    partitions: [
      { name: 'ESP', type: 'esp', size: '512M', format: 'vfat' },
      { name: 'swap', type: 'swap', size: '2G', format: 'swap' },
      { name: 'root', type: 'root', size: '20G', format: 'ext4' },
    ],
  });
});

test('users: validation, masked password typed twice, only the hash leaves; Esc steps back a field; spaces are kept', async () => {
  const run = await open(['users'], { initial: { disk: '/dev/vda' } });
  const { screen } = run;
  await screen.write('\r');
  await screen.waitFor(/Host name:\s+cairn/);
  await screen.press('enter'); // keep the host name "cairn"
  await screen.waitFor(/Host name:\s+cairn\s*\n.*User name:/);
  await screen.type('Alice');
  await screen.press('enter');
  await screen.waitFor(/start with a lower case letter/);
  await screen.write('\u0015alice\r');
  await screen.waitFor(/User name:\s+alice/);
  await screen.press('escape');
  await screen.waitFor(/Password:\s*\n/);
  await screen.write('\r');
  await screen.type(' s3cret ');
  await screen.press('enter');
  const masked = await screen.waitFor(/Password:\s+\*{8}/);
  assert.not.match(masked, /s3cret/);
  await screen.type(' s3cre7 ');
  await screen.press('enter');
  await screen.waitFor(/the two passwords differ/);
  await screen.write(' s3cret \r s3cret \r');
  await screen.waitFor(/Summary/);
  const answers = await leave(run);
  assert.equal([answers.hostName, answers.users], ['cairn', [{ name: 'alice', passwordHash: 'hash: s3cret ' }]]);
});

test('generations: all checked, the current one cannot be left out', async () => {
  const run = await open(['generations']);
  await run.screen.write('\r');
  await run.screen.waitFor(/\[x\] Generation 2 .*\[current\]\s+\(always\)/);
  await run.screen.press('space', 'down', 'space', 'down', 'space', 'enter');
  await run.screen.waitFor(/Summary/);
  assert.equal((await leave(run)).generations, [2], 'unchecking everything still installs the current generation');
});

test('summary: names what will be erased and refuses anything but the disk name', async () => {
  const run = await open([], { initial: { disk: '/dev/vdb' } });
  await run.screen.write('\r');
  let frame = await run.screen.waitFor(/These will be ERASED/);
  assert.match(frame, /\/dev\/vdb \(all of it\)/);
  fitsTerminal(frame);
  await run.screen.write('sda\r');
  frame = await run.screen.waitFor(/"sda" is not vdb: nothing was written/);
  await run.screen.press('enter');
  await run.screen.waitFor(/Nothing typed/);
  assert.is(run.engine.installed.length, 0);
  await run.screen.type('vdb');
  await run.screen.waitFor(/to install: vdb/);
  await run.screen.press('escape');
  await run.screen.waitFor(/Hardware/);
  await leave(run);
  assert.is(run.engine.installed.length, 0);
});

test('progress: phases with their own counts, the log one key away', async () => {
  let state = initialProgress;
  state = progressReducer(state, { kind: 'phase', phase: 'partition', title: 'Partitioning /dev/vda' });
  state = progressReducer(state, { kind: 'phase', phase: 'copy', title: 'Copying the store', total: 100, unit: 'files' });
  state = progressReducer(state, { kind: 'progress', phase: 'copy', done: 40, total: 100, unit: 'files' });
  state = progressReducer(state, { kind: 'warning', message: 'generation 1 skipped: kernel missing' });
  state = progressReducer(state, { kind: 'warning', message: 'generation 1 skipped: kernel missing' });
  const progress = await renderScreen(<ProgressScreen progress={state} showLog={false} stopping={false} />);
  const frame = await progress.waitFor(/\[done\] Partitioning \/dev\/vda/);
  assert.match(frame, /\[ \.\. \] Copying the store\s+\[#{8}-{12}\]  40% 40\/100 files/);
  assert.match(frame, /2 warning\(s\)/);
  progress.unmount();
  const log = await renderScreen(<ProgressScreen progress={state} showLog stopping />);
  const text = await log.waitFor(/Installing - log/);
  assert.match(text, /warning: generation 1 skipped: kernel missing\nwarning: generation 1 skipped: kernel missing/, 'equal lines, both shown');
  assert.match(text, /Stopping at the next safe point/);
  log.unmount();
});

test('progress: l shows the log while the install runs, and shows the progress again', async () => {
  const installGate = new Gate();
  const run = await open([], { initial: { disk: '/dev/vda' }, engine: fakeEngine({ installGate }) });
  await run.screen.write('\rvda\r');
  await run.screen.waitFor(/\[ \.\. \] Copying, attempt 1/);
  await run.screen.write('l');
  await run.screen.waitFor(/Installing - log\s+-+\s+==> Copying, attempt 1/);
  await run.screen.write('l');
  await run.screen.waitFor(/Installing\s+-+\s+\[ \.\. \] Copying/);
  installGate.open();
  await run.screen.waitFor(/Installed onto \/dev\/vda/);
  run.screen.unmount();
});

test('done: reboot only where it makes sense; failures show the log path and offer a retry', async () => {
  const installed = { kind: 'installed' as const, lines: ['Installed 3 generations on disk.img', 'Installed 3 generations on disk.img'] };
  assert.equal(doneItems(installed, 'image').map((i) => i.value), ['exit']);
  assert.equal(doneItems(installed, 'disk').map((i) => i.value), ['reboot', 'shell', 'exit']);
  assert.equal(doneItems(installed, 'live').map((i) => i.value), ['reboot', 'poweroff', 'shell'], 'the live system has nothing to exit to');
  const items = doneItems(installed, 'image');
  const done = await renderScreen(<DoneScreen outcome={installed} items={items} list={initialListState(items, 3)} />);
  const frame = await done.waitFor(/Exit the installer/);
  assert.not.match(frame, /Reboot/);
  done.unmount();
  const failedOutcome = { kind: 'failed' as const, message: 'mkfs.ext4 failed', logPath: '/tmp/cairn-install.log' };
  assert.equal(doneItems(failedOutcome, 'live').map((i) => i.value), ['retry', 'shell', 'poweroff'], 'after a failure on the live system: no reboot');
  const failedItems = doneItems(failedOutcome, 'disk');
  assert.equal(failedItems.map((i) => i.value), ['retry', 'exit']);
  const failed = await renderScreen(<DoneScreen outcome={failedOutcome} items={failedItems} list={initialListState(failedItems, 2)} />);
  await failed.waitFor(/The full log is at \/tmp\/cairn-install\.log/);
  failed.unmount();
});

test('the screen test helper fails a screen that prints a React warning', async () => {
  function Twins(): React.JSX.Element {
    return (
      <>
        {['same', 'same'].map((text) => (
          <React.Fragment key={text}>{text}</React.Fragment>
        ))}
      </>
    );
  }
  const { Text } = await import('ink');
  const screen = await renderScreen(
    <Text>
      <Twins />
    </Text>,
  );
  await screen.waitFor(/samesame/);
  assert.throws(() => screen.unmount(), /Encountered two children with the same key/);
});

test.run();
