/**
 * Ctrl-C pressed on the installer's screens while the real engine installs the example system onto an image
 * file that exists already: the install stops at its next safe point, the done screen says the target was
 * not written, and the image is byte for byte what it was, with nothing left beside it.
 */
import { readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openInstallerSession } from '../../installer/engine/installer-session.js';
import { InstallerApp } from '../../installer/screens/installer-app.js';
import type { InstallerEngine } from '../../installer/engine/contract.js';
import { sha256File } from '../../system/store-hash.js';
import { repoRoot } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { renderScreen } from '../support/ink.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

const RECORDED_VM = join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording');

test('Ctrl-C during the install, before the disk is written: the install stops and the target is untouched', async () => {
  const dir = await temporaryDirectory();
  try {
    const sysroot = (await makeExampleSystem(dir)).root;
    const image = join(dir, 'disk.img');
    // An existing target: 2 GiB with something on it that must survive.
    await writeFile(image, 'what was on the disk before');
    await truncate(image, 2 * 1024 ** 3);
    const before = await sha256File(image);
    const listing = (await readdir(dir)).sort();

    const session = await openInstallerSession({ target: image, sourceRoot: sysroot, profile: '/cairn/var/profiles/system', store: '/cairn/store', from: RECORDED_VM, logPath: join(dir, 'install.log'), workDirectory: join(dir, 'work') });
    const exits: { action: string; installed: boolean }[] = [];
    const phases: string[] = [];
    // Set once the screen is up; the engine below is made before it.
    const keyboard: { press?: (bytes: string) => void } = {};
    // The real engine, with Ctrl-C typed on the screens the moment the copy of the generations starts.
    const engine: InstallerEngine = {
      ...session.engine,
      install: (answers, onProgress, signal) =>
        session.engine.install(
          answers,
          (event) => {
            if (event.kind === 'phase') phases.push(event.phase);
            onProgress(event);
            if (event.kind === 'phase' && event.phase === 'copy') keyboard.press?.('\u0003');
          },
          signal,
        ),
    };
    const screen = await renderScreen(<InstallerApp model={session.model} engine={engine} initial={{ ...session.initial, users: [{ name: 'alice', passwordHash: '!' }] }} sections={[]} onExit={(r) => exits.push(r)} />);
    keyboard.press = (bytes) => void screen.write(bytes);
    await screen.waitFor(/Hardware/);
    await screen.write('\rdisk.img\r');
    const frame = await screen.waitFor(/Install failed/, 120_000);
    assert.match(frame, /stopped after copying the generations; the target\s+\S*disk\.img was not written/, frame);
    assert.ok(phases.includes('copy') && !phases.some((p) => ['check', 'filesystems', 'table', 'finish'].includes(p)), `stopped before the disk steps; phases run: ${phases.join(', ')}`);
    assert.is(await sha256File(image), before, 'the image is byte for byte what it was');
    assert.equal((await readdir(dir)).filter((n) => n !== 'install.log' && n !== 'work').sort(), listing.filter((n) => n !== 'install.log'), 'nothing was left beside it');
    await screen.write('\u001b[B\r');
    await screen.until(() => exits.length === 1, 'leaving');
    assert.equal(exits.map((e) => [e.action, e.installed]), [['exit', false]]);
    screen.unmount();
  } finally {
    await removeTree(dir);
  }
});

test.run();
