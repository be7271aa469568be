import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InstallerApp } from '../../../installer/screens/installer-app.js';
import type { DraftAnswers, InstallerEngine, InstallerModel } from '../../../installer/engine/contract.js';
import { renderScreen } from '../../support/ink.js';

const model: InstallerModel = {
  source: 'the live medium',
  locales: ['de_DE.UTF-8', 'en_US.UTF-8'],
  keyMaps: ['de', 'us'],
  timeZones: ['Europe/Berlin', 'UTC'],
  hardware: { rows: [['CPU', 'QEMU Virtual CPU'], ['Firmware', 'UEFI 64-bit']], warnings: [] },
  disks: [
    { path: '/dev/vda', label: 'vda  virtio  20G', identity: 'virtio-one', contents: ['empty'] },
    { path: '/dev/vdb', label: 'vdb  virtio  40G', identity: 'virtio-two', contents: ['vdb1  ext4  40G'] },
  ],
  generations: [
    { number: 2, title: 'Generation 2 - 2026-11-20 - Cairn 1.1', current: true },
    { number: 1, title: 'Generation 1 - 2026-11-19 - Cairn 1.0', current: false },
  ],
  canReboot: false,
};

const initial: DraftAnswers = {
  locale: 'en_US.UTF-8',
  keyMap: 'us',
  timeZone: 'UTC',
  hostName: 'cairn',
  disk: undefined,
  layout: { kind: 'guided', filesystem: 'ext4', swap: 'none' },
  users: [],
  generations: [2, 1],
};

function fakeEngine(installed: DraftAnswers[]): InstallerEngine {
  return {
    previewLayout: (_answers, choice) => Promise.resolve({ rows: [`${choice.kind} layout on the disk`] }),
    guidedPartitions: () => [{ name: 'root', type: 'root', size: '100%', format: 'ext4' }],
    summarise: (answers) => ({
      choices: [['Disk', answers.disk ?? '?'], ['Keyboard', answers.keyMap], ['Generations', answers.generations.join(', ')]],
      erased: [`${answers.disk} (all of it)`],
      confirmName: answers.disk!.replace('/dev/', ''),
    }),
    hashPassword: (password) => `hash:${password}`,
    install: (answers, onProgress) => {
      installed.push(answers);
      onProgress({ kind: 'phase', phase: 'copy', title: 'Copying generations', total: 2, unit: 'items' });
      onProgress({ kind: 'progress', phase: 'copy', done: 2, total: 2, unit: 'items' });
      return Promise.resolve({ lines: [`Installed onto ${answers.disk}`] });
    },
  };
}

test('the whole flow: answers survive going back, a wrong disk name is refused, then the install runs', async () => {
  const installed: DraftAnswers[] = [];
  const exits: { action: string; installed: boolean }[] = [];
  const screen = await renderScreen(<InstallerApp model={model} engine={fakeEngine(installed)} initial={initial} onExit={(r) => exits.push(r)} />);
  await screen.waitFor(/Welcome\s+\(step 1 of 9\)/);
  await screen.press('enter');
  await screen.waitFor(/Keyboard layout/);
  await screen.type('de');
  await screen.waitFor(/> de/);
  await screen.press('enter');
  await screen.waitFor(/Time zone/);
  await screen.press('enter');
  await screen.waitFor(/Hardware\s+\(step 4 of 9\)/);
  await screen.press('enter');
  await screen.waitFor(/Install on which disk/);
  await screen.press('down', 'enter'); // vdb
  await screen.waitFor(/Partitions/);
  await screen.waitFor(/guided layout on the disk/);
  await screen.press('enter');
  await screen.waitFor(/Host name and user/);
  await screen.press('enter');
  await screen.waitFor(/User name:/);
  await screen.type('bob');
  await screen.press('enter');
  await screen.waitFor(/User name:\s+bob/);
  await screen.type('pw');
  await screen.press('enter');
  await screen.waitFor(/Password:\s+\*{8}/);
  await screen.type('pw');
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);

  // Back three steps: the disk screen still has vdb under the cursor, the keymap is still de.
  await screen.press('escape');
  await screen.waitFor(/Host name and user/);
  await screen.press('escape');
  await screen.waitFor(/Partitions/);
  await screen.press('escape');
  const disk = await screen.waitFor(/Install on which disk/);
  assert.match(disk, /> vdb/);
  await screen.press('enter');
  await screen.waitFor(/Partitions/);
  await screen.press('enter');
  // The users screen keeps the names; an empty password keeps the hash already made.
  await screen.waitFor(/Host name and user/);
  await screen.press('enter');
  await screen.waitFor(/User name:/);
  await screen.press('enter');
  await screen.waitFor(/empty keeps the password/);
  await screen.press('enter');
  await screen.waitFor(/Repeat password/);
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);
  await screen.press('enter');
  const summary = await screen.waitFor(/These will be ERASED/);
  assert.match(summary, /Keyboard\s+de/);
  assert.match(summary, /\/dev\/vdb \(all of it\)/);

  await screen.type('vda');
  await screen.press('enter');
  await screen.waitFor(/"vda" is not vdb: nothing was written/);
  assert.is(installed.length, 0);
  await screen.type('vdb');
  await screen.press('enter');
  await screen.waitFor(/Done/);
  assert.equal(installed, [{ ...initial, keyMap: 'de', disk: '/dev/vdb', hostName: 'cairn', users: [{ name: 'bob', passwordHash: 'hash:pw' }], generations: [2, 1] }]);
  await screen.press('enter');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.equal(exits.map((e) => [e.action, e.installed]), [['exit', true]]);
  screen.unmount();
});

test('only the sections asked are shown; the others come from the answers', async () => {
  const installed: DraftAnswers[] = [];
  const screen = await renderScreen(
    <InstallerApp model={model} engine={fakeEngine(installed)} initial={{ ...initial, disk: '/dev/vda', users: [{ name: 'ann', passwordHash: 'h' }] }} sections={['generations']} onExit={() => {}} />,
  );
  const first = await screen.waitFor(/Hardware\s+\(step 1 of 3\)/);
  assert.match(first, /QEMU Virtual CPU/);
  await screen.press('enter');
  await screen.waitFor(/Generations to install/);
  await screen.press('down', 'space', 'enter');
  await screen.waitFor(/Summary/);
  await screen.type('vda');
  await screen.press('enter');
  await screen.until(() => installed.length === 1, 'the install');
  assert.equal(installed[0]!.generations, [2]);
  screen.unmount();
});

test('Ctrl-C while answering leaves without installing', async () => {
  const installed: DraftAnswers[] = [];
  const exits: { action: string; installed: boolean }[] = [];
  const screen = await renderScreen(<InstallerApp model={model} engine={fakeEngine(installed)} initial={initial} onExit={(r) => exits.push(r)} />);
  await screen.waitFor(/Welcome/);
  await screen.press('ctrl-c');
  await screen.until(() => exits.length === 1, 'leaving');
  assert.equal(exits.map((e) => [e.action, e.installed]), [['cancel', false]]);
  assert.is(installed.length, 0);
  screen.unmount();
});

test.run();
