/**
 * A disk too small for the chosen generations, refused on the summary screen before anything is written:
 * with the real install engine on a recorded machine whose free disk is 700 MiB and a source store of a
 * 300 MiB (sparse) kernel, the summary shows what is needed and what the disk has, offers no confirmation,
 * and Enter goes back to the disk screen; with the fake engine, the way back leads to another disk, which
 * the summary accepts and installs on. Keys typed while the space is measured wait for it.
 */
import { cp, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openInstallerSession } from '../../../installer/engine/installer-session.js';
import { InstallerApp } from '../../../installer/screens/installer-app.js';
import type { ExitAction } from '../../../installer/screens/installer-state.js';
import { cairnOk, repoRoot } from '../../support/cli.js';
import { fakeEngine, fakeInitial, fakeModel } from '../../support/fake-installer.js';
import { renderScreen } from '../../support/ink.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

interface Context {
  dir: string;
  /** A copy of the recorded QEMU machine whose second disk (vdb, free) is 700 MiB. */
  recording: string;
  /** A source root whose one generation has a 300 MiB kernel. */
  source: string;
}

const space = suite<Context>('the summary refuses a disk too small');

space.before(async (context) => {
  context.dir = await temporaryDirectory();
  context.recording = join(context.dir, 'small-disk-recording');
  await cp(join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording'), context.recording, { recursive: true, verbatimSymlinks: true });
  // The kernel's size of vdb in 512-byte sectors, as /sys/block/vdb/size gives it.
  await writeFile(join(context.recording, 'files/sys/devices/pci0000:00/0000:00:02.3/0000:04:00.0/virtio3/block/vdb/size'), `${(700 * 1024 * 1024) / 512}\n`);
  context.source = join(context.dir, 'big-root');
  const kernel = join(context.dir, 'huge-kernel');
  await writeFile(kernel, 'kernel');
  await truncate(kernel, 300 * 1024 * 1024);
  await cairnOk(['generation', 'add', '--root', context.source, '--kernel', kernel]);
});

space.after(async (context) => {
  await removeTree(context.dir);
});

space('the real engine on a recorded machine: the sizes shown, nothing to confirm, Enter back to the disk screen', async ({ recording, source }) => {
  const session = await openInstallerSession({ sourceRoot: source, profile: '/cairn/var/profiles/system', store: '/cairn/store', from: recording });
  assert.is(session.initial.disk, '/dev/vdb', 'the free disk is chosen; the running system\'s is refused');
  const exits: ExitAction[] = [];
  const screen = await renderScreen(<InstallerApp model={session.model} engine={session.engine} initial={session.initial} sections={['disk']} onExit={(r) => exits.push(r.action)} />);
  await screen.waitFor(/Hardware/);
  // Enter (hardware), Enter (the disk: vdb), then the disk's name typed while the space is measured.
  await screen.write('\r\rvdb\r');
  const frame = await screen.waitFor(/Cannot install/);
  assert.match(frame, /Summary\s+\(step 3 of 3\)/);
  assert.match(frame, /Cannot install: needed \d[\d.]*M, the disk has 700M\./);
  assert.match(frame.replace(/\s+/g, ' '), /\/dev\/vdb \(700M\) is too small: the install needs \d[\d.]*M \(30\d(\.\d+)?M of files for generation 1, in a root of \d[\d.]*M, and \d[\d.]*M for the other partitions and the table\); the disk has 700M, its root partition \d[\d.]*M\. Nothing was written\./);
  assert.not.match(frame, /Type the disk's name/, 'nothing to confirm');
  assert.match(frame, /Enter: choose another disk/);
  const measured = await session.engine.checkSpace(session.initial);
  assert.ok(measured.neededBytes > measured.diskBytes && measured.diskBytes === 700 * 1024 * 1024, JSON.stringify(measured));
  assert.ok(measured.rootNeedBytes >= 300 * 1024 * 1024, 'the kernel\'s 300 MiB are counted');

  await screen.press('enter');
  const disks = await screen.waitFor(/Disk\s+\(step 2 of 3\)/);
  assert.match(disks, /vdb\s+unknown model\s+700M/);
  assert.equal(exits, [], 'the installer is still running, nothing installed');
  screen.unmount();
});

space('the fake engine: a refused disk, back to the disk screen, another disk accepted with its space shown, installed there only', async () => {
  const engine = fakeEngine({ tooSmall: ['/dev/vda'] });
  const exits: ExitAction[] = [];
  const screen = await renderScreen(<InstallerApp model={fakeModel} engine={engine} initial={{ ...fakeInitial, disk: '/dev/vda' }} sections={['disk']} onExit={(r) => exits.push(r.action)} />);
  await screen.waitFor(/Hardware/);
  await screen.write('\r\r');
  const refused = await screen.waitFor(/Cannot install/);
  assert.match(refused, /Cannot install: needed 64G, the disk has 20G\./);
  // Typing the name does nothing: no field, no install.
  await screen.write('vda\r');
  await screen.waitFor(/Disk\s+\(step 2 of 2\)|Disk\s+\(step 2 of 3\)/);
  await screen.press('down', 'enter');
  const accepted = await screen.waitFor(/Type the disk's name \(vdb\)/);
  assert.match(accepted, /Space\s+1G needed, the disk has 40G/);
  await screen.write('vdb\r');
  await screen.waitFor(/Done/);
  assert.equal(engine.installed.map((a) => a.disk), ['/dev/vdb']);
  screen.unmount();
});

space.run();
