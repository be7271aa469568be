import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DiskScreen } from '../../../installer/screens/disk/index.js';
import { DoneScreen } from '../../../installer/screens/done/index.js';
import { GenerationsScreen } from '../../../installer/screens/generations/index.js';
import { HardwareScreen } from '../../../installer/screens/hardware/index.js';
import { KeyboardScreen } from '../../../installer/screens/keyboard/index.js';
import { LayoutScreen } from '../../../installer/screens/layout/index.js';
import { ProgressScreen } from '../../../installer/screens/progress/index.js';
import { initialProgress, progressReducer } from '../../../installer/screens/progress/state.js';
import { SummaryScreen } from '../../../installer/screens/summary/index.js';
import { TimeZoneScreen } from '../../../installer/screens/time-zone/index.js';
import { UsersScreen } from '../../../installer/screens/users/index.js';
import { WelcomeScreen } from '../../../installer/screens/welcome/index.js';
import type { DiskChoice, LayoutChoice } from '../../../installer/engine/contract.js';
import { renderScreen } from '../../support/ink.js';

const step = { index: 2, total: 9 };

function fitsTerminal(frame: string): void {
  const lines = frame.split('\n');
  assert.ok(lines.length <= 24, `at most 24 lines, got ${lines.length}`);
  for (const line of lines) assert.ok(line.length <= 80, `at most 80 columns: ${JSON.stringify(line)}`);
}

test('welcome: the locale list starts on the current locale and Enter takes it', async () => {
  const chosen: string[] = [];
  const screen = await renderScreen(<WelcomeScreen locales={['de_DE.UTF-8', 'en_US.UTF-8', 'fr_FR.UTF-8']} locale="en_US.UTF-8" source="the live medium" onNext={(l) => chosen.push(l)} />);
  const frame = await screen.waitFor(/> en_US\.UTF-8/);
  assert.match(frame, /from the live medium/);
  fitsTerminal(frame);
  await screen.press('enter');
  await screen.until(() => chosen.length === 1, 'choosing the locale');
  assert.equal(chosen, ['en_US.UTF-8']);
  screen.unmount();
});

test('keyboard and time zone: filter, choose, Esc goes back', async () => {
  const chosen: string[] = [];
  let back = 0;
  const keyboard = await renderScreen(<KeyboardScreen keyMaps={['de', 'fr', 'us']} keyMap="us" step={step} onNext={(k) => chosen.push(k)} onBack={() => back++} />);
  await keyboard.type('d');
  await keyboard.waitFor(/> de/);
  await keyboard.press('enter');
  await keyboard.until(() => chosen.length === 1, 'choosing the keymap');
  await keyboard.press('escape');
  await keyboard.until(() => back === 1, 'Esc going back');
  keyboard.unmount();
  const zones = await renderScreen(<TimeZoneScreen timeZones={Intl.supportedValuesOf('timeZone')} timeZone="UTC" step={step} onNext={(z) => chosen.push(z)} onBack={() => back++} />);
  await zones.type('berlin');
  const frame = await zones.waitFor(/> Europe\/Berlin/);
  fitsTerminal(frame);
  await zones.press('enter');
  await zones.until(() => chosen.length === 2, 'choosing the time zone');
  zones.unmount();
  assert.equal(chosen, ['de', 'Europe/Berlin']);
  assert.is(back, 1);
});

test('hardware: rows and warnings, Enter continues', async () => {
  let next = 0;
  const screen = await renderScreen(
    <HardwareScreen summary={{ rows: [['CPU', 'Intel Core i7 (8 threads)'], ['Firmware', 'UEFI 64-bit']], warnings: ['/sys/class/dmi/id/product_serial: permission denied'] }} onNext={() => next++} />,
  );
  const frame = await screen.waitFor(/Firmware\s+UEFI 64-bit/);
  assert.match(frame, /note: \/sys\/class\/dmi\/id\/product_serial: permission denied/);
  await screen.press('enter');
  await screen.until(() => next === 1, 'continuing');
  screen.unmount();
});

const disks: DiskChoice[] = [
  { path: '/dev/sda', label: 'sda  USB stick  16G', identity: 'usb-Live_Medium_123', contents: ['sda1  iso9660  CAIRN_LIVE'], refusal: 'the live medium' },
  { path: '/dev/nvme0n1', label: 'nvme0n1  Samsung 980  512G', identity: 'nvme-Samsung_SSD_980_S64', contents: ['nvme0n1p1  vfat  512M', 'nvme0n1p2  ext4  511G'] },
  { path: '/dev/vda', label: 'vda  virtio  20G', identity: 'virtio-abc', contents: ['empty'] },
];

test('disk: refused disks are shown with the reason and skipped; the focused disk shows what is on it', async () => {
  const chosen: string[] = [];
  const screen = await renderScreen(<DiskScreen disks={disks} disk={undefined} onNext={(d) => chosen.push(d)} />);
  let frame = await screen.waitFor(/> nvme0n1/);
  assert.match(frame, /sda  USB stick  16G  \(the live medium\)/);
  assert.match(frame, /nvme0n1p2  ext4  511G/);
  fitsTerminal(frame);
  await screen.press('up'); // cannot move onto the live medium
  await screen.waitFor(/> nvme0n1/);
  await screen.press('down');
  frame = await screen.waitFor(/> vda/);
  assert.match(frame, /virtio-abc/);
  await screen.press('enter');
  await screen.until(() => chosen.length === 1, 'choosing the disk');
  assert.equal(chosen, ['/dev/vda']);
  screen.unmount();
});

test('layout: guided settings, a preview of the plan, editing sizes, and errors that block continuing', async () => {
  const chosen: LayoutChoice[] = [];
  const planOf = (choice: LayoutChoice) => {
    if (choice.kind === 'file') return { rows: [], error: `${choice.path}: no such file` };
    if (choice.kind === 'custom') return { rows: choice.partitions.map((p) => `${p.name} ${p.size} ${p.format}`) };
    if (choice.kind === 'inline') return { rows: [] };
    return { rows: [`ESP 512M vfat`, ...(choice.swap === 'none' ? [] : [`swap ${choice.swap}`]), `root 100% ${choice.filesystem}`] };
  };
  const preview = (choice: LayoutChoice) => Promise.resolve(planOf(choice));
  const screen = await renderScreen(
    <LayoutScreen
      layout={{ kind: 'guided', filesystem: 'ext4', swap: 'none' }}
      preview={preview}
      guidedPartitions={() => [
        { name: 'ESP', type: 'esp', size: '512M', format: 'vfat' },
        { name: 'root', type: 'root', size: '100%', format: 'ext4' },
      ]}
      onNext={(l) => chosen.push(l)}
    />,
  );
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
  assert.match(frame, /Use this layout \(fix the problem first\)/);
  await screen.press('up', 'up', 'up', 'enter'); // refused: still on this screen
  await screen.waitFor(/> Use this layout \(fix/);
  assert.equal(chosen, []);
  // Edit sizes: root becomes 20G ext4.
  await screen.press('down', 'down', 'down', 'down', 'enter');
  await screen.waitFor(/Done editing/);
  await screen.press('down', 'enter');
  await screen.waitFor(/Size of root/);
  await screen.press('backspace', 'backspace', 'backspace', 'backspace');
  await screen.type('lots');
  await screen.press('enter');
  await screen.waitFor(/expected a size/);
  for (let i = 0; i < 4; i++) await screen.press('backspace');
  await screen.type('20G');
  await screen.press('enter');
  await screen.waitFor(/Filesystem of root/);
  await screen.press('enter'); // ext4 (the focused one)
  await screen.waitFor(/> Done editing|root\s+root\s+20G/);
  await screen.press('down', 'down', 'enter'); // Done editing
  frame = await screen.waitFor(/root 20G ext4/);
  fitsTerminal(frame);
  await screen.waitFor(/> Use this layout/);
  await screen.press('enter'); // Use this layout
  await screen.until(() => chosen.length === 1, 'choosing the layout');
  assert.equal(chosen, [{ kind: 'custom', partitions: [{ name: 'ESP', type: 'esp', size: '512M', format: 'vfat' }, { name: 'root', type: 'root', size: '20G', format: 'ext4' }] }]);
  screen.unmount();
});

test('users: validation, masked password typed twice, only the hash leaves; Esc steps back a field', async () => {
  const results: { hostName: string; users: { name: string; passwordHash: string }[] }[] = [];
  const screen = await renderScreen(<UsersScreen hostName="cairn" users={[]} hashPassword={(p) => `hash(${p})`} onNext={(r) => results.push(r)} />);
  await screen.waitFor(/Host name:\s+cairn/);
  await screen.press('enter'); // keep the host name "cairn"
  await screen.waitFor(/Host name:\s+cairn\s*\n.*User name:/);
  await screen.type('Alice');
  await screen.press('enter');
  await screen.waitFor(/start with a lower case letter/);
  for (let i = 0; i < 5; i++) await screen.press('backspace');
  await screen.type('alice');
  await screen.press('enter');
  await screen.waitFor(/User name:\s+alice/);
  await screen.type('s3cret');
  await screen.press('enter');
  const masked = await screen.waitFor(/Password:\s+\*{8}/);
  assert.not.match(masked, /s3cret/);
  await screen.type('s3cre7');
  await screen.press('enter');
  await screen.waitFor(/the two passwords differ/);
  await screen.type('s3cret');
  await screen.press('enter');
  await screen.waitFor(/Password:\s+\*{8}/);
  await screen.type('s3cret');
  await screen.press('enter');
  await screen.until(() => results.length === 1, 'finishing the users screen');
  assert.equal(results, [{ hostName: 'cairn', users: [{ name: 'alice', passwordHash: 'hash(s3cret)' }] }]);
  screen.unmount();
});

test('generations: all checked, the current one cannot be left out', async () => {
  const chosen: number[][] = [];
  const screen = await renderScreen(
    <GenerationsScreen
      generations={[
        { number: 3, title: 'Generation 3 - 2026-11-20 - Cairn 1.2', current: false },
        { number: 2, title: 'Generation 2 - 2026-11-19 - Cairn 1.1', current: true },
        { number: 1, title: 'Generation 1 - 2026-11-18 - Cairn 1.0', current: false },
      ]}
      chosen={[3, 2, 1]}
      onNext={(g) => chosen.push(g)}
    />,
  );
  await screen.waitFor(/\[x\] Generation 2 .*\[current\]/);
  await screen.press('space', 'down', 'space', 'down', 'space', 'enter');
  await screen.until(() => chosen.length === 1, 'confirming the generations');
  assert.equal(chosen, [[2]], 'unchecking everything still installs the current generation');
  screen.unmount();
});

test('summary: names what will be erased and refuses anything but the disk name', async () => {
  let confirmed = 0;
  const screen = await renderScreen(
    <SummaryScreen choices={[['Disk', 'nvme0n1 Samsung 980 512G'], ['Generations', '3, 2, 1']]} erased={['nvme0n1 (Samsung 980, nvme-Samsung_SSD_980_S64, 512G)', 'nvme0n1p2 ext4 511G']} confirmName="nvme0n1" onConfirm={() => confirmed++} />,
  );
  let frame = await screen.waitFor(/These will be ERASED/);
  assert.match(frame, /nvme0n1p2 ext4 511G/);
  await screen.waitFor(/Type the disk's name/);
  await screen.type('sda');
  await screen.press('enter');
  frame = await screen.waitFor(/"sda" is not nvme0n1: nothing was written/);
  assert.is(confirmed, 0);
  await screen.press('enter');
  await screen.waitFor(/Nothing typed/);
  await screen.type('nvme0n1');
  await screen.waitFor(/to install: nvme0n1/);
  await screen.press('enter');
  await screen.until(() => confirmed === 1, 'confirming');
  screen.unmount();
});

test('progress: phases with their own counts, the log one key away', async () => {
  let state = initialProgress;
  state = progressReducer(state, { kind: 'phase', phase: 'partition', title: 'Partitioning /dev/vda' });
  state = progressReducer(state, { kind: 'phase', phase: 'copy', title: 'Copying the store', total: 100, unit: 'files' });
  state = progressReducer(state, { kind: 'progress', phase: 'copy', done: 40, total: 100, unit: 'files' });
  state = progressReducer(state, { kind: 'warning', message: 'generation 1 skipped: kernel missing' });
  const screen = await renderScreen(<ProgressScreen progress={state} />);
  let frame = await screen.waitFor(/\[done\] Partitioning \/dev\/vda/);
  assert.match(frame, /\[ \.\. \] Copying the store\s+\[#{8}-{12}\]  40% 40\/100 files/);
  assert.match(frame, /1 warning\(s\)/);
  await screen.press('space');
  await screen.type('l');
  frame = await screen.waitFor(/Installing - log/);
  assert.match(frame, /warning: generation 1 skipped: kernel missing/);
  screen.unmount();
});

test('done: reboot only where it makes sense; failures show the log path and offer a retry', async () => {
  const actions: string[] = [];
  const installed = await renderScreen(<DoneScreen outcome={{ kind: 'installed', lines: ['Installed 3 generations on disk.img'] }} canReboot={false} onChoose={(a) => actions.push(a)} />);
  const frame = await installed.waitFor(/Exit the installer/);
  assert.not.match(frame, /Reboot/);
  await installed.press('enter');
  await installed.until(() => actions.length === 1, 'exiting');
  installed.unmount();
  const failed = await renderScreen(<DoneScreen outcome={{ kind: 'failed', message: 'mkfs.ext4 failed', logPath: '/tmp/cairn-install.log' }} canReboot onChoose={(a) => actions.push(a)} />);
  await failed.waitFor(/The full log is at \/tmp\/cairn-install\.log/);
  await failed.press('enter');
  await failed.until(() => actions.length === 2, 'retrying');
  failed.unmount();
  assert.equal(actions, ['exit', 'retry']);
});

test.run();
