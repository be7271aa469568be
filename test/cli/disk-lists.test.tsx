/**
 * One disk model: `cairn partition disks --json`, `cairn detect --json` and the installer's disk screen list
 * the same disks, by the same by-id name, with the same "may be written / refused because" verdicts, on this
 * machine and on every recorded machine (fixtures/machines/*, fixtures/disks/*).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openInstallerSession } from '../../installer/engine/installer-session.js';
import type { HardwareReport } from '../../installer/hardware/detect-hardware.js';
import { stepItems, VISIBLE_ROWS } from '../../installer/screens/installer-state.js';
import { initialListState } from '../../installer/screens/select-list/state.js';
import { DiskScreen } from '../../installer/screens/disk/index.js';
import { cairnOk, repoRoot } from '../support/cli.js';
import { makeExampleSystem } from '../support/example-system.js';
import { renderScreen } from '../support/ink.js';
import { removeTree, temporaryDirectory } from '../support/tree.js';

interface Listed {
  readonly path: string;
  /** The preferred by-id name (or the kernel path when there is none). */
  readonly name: string;
  /** Empty when Cairn may write it. */
  readonly refusals: readonly string[];
}

interface JsonDisk {
  readonly path: string;
  readonly byId: readonly string[];
  readonly writable: boolean;
  readonly refusals: readonly { readonly reason: string }[];
}

const fromJson = (disks: readonly JsonDisk[]): Listed[] =>
  disks.map((d) => {
    assert.is(d.writable, d.refusals.length === 0, `${d.path}: writable says the same as the refusals`);
    return { path: d.path, name: d.byId[0] ?? d.path, refusals: d.refusals.map((r) => r.reason) };
  });

async function recordings(): Promise<string[]> {
  const machines = (await readdir(join(repoRoot, 'fixtures', 'machines'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join('fixtures', 'machines', e.name, 'recording'));
  const disks = (await readdir(join(repoRoot, 'fixtures', 'disks'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join('fixtures', 'disks', e.name));
  return [...machines, ...disks].sort();
}

const lists = suite<{ dir: string; sysroot: string }>('the disk lists agree');

lists.before(async (context) => {
  context.dir = await temporaryDirectory('cairn-disk-lists-');
  context.sysroot = (await makeExampleSystem(context.dir, 1)).root;
});

lists.after(async (context) => {
  await removeTree(context.dir);
});

async function compare(context: { sysroot: string }, from: string | undefined): Promise<Listed[]> {
  const fromArgs = from === undefined ? [] : ['--from', from];
  const where = from ?? 'this machine';
  const [partitionRun, detectRun] = await Promise.all([cairnOk(['partition', 'disks', '--json', ...fromArgs]), cairnOk(['detect', '--json', ...fromArgs])]);
  const partition = JSON.parse(partitionRun.stdout) as { source: string; disks: JsonDisk[] };
  const detect = JSON.parse(detectRun.stdout) as HardwareReport;
  const listed = fromJson(partition.disks);
  assert.ok(listed.length > 0, `${where}: at least one disk`);
  assert.equal(fromJson(detect.disks), listed, `${where}: detect --json lists what partition disks --json lists`);

  // The installer: the choices its disk screen is given, and the screen drawn from them.
  const session = await openInstallerSession({ sourceRoot: context.sysroot, profile: '/cairn/var/profiles/system', store: '/cairn/store', ...(from === undefined ? {} : { from: join(repoRoot, from) }) });
  assert.equal(
    session.model.disks.map((c) => ({ path: c.path, identity: c.identity.split(', ')[0], refusal: c.refusal })),
    listed.map((d) => ({ path: d.name, identity: d.name, refusal: d.refusals.length === 0 ? undefined : d.refusals.join('; ') })),
    `${where}: the installer offers the same disks with the same verdicts`,
  );
  const items = stepItems('disk', session.model);
  const screen = await renderScreen(<DiskScreen disks={session.model.disks} items={items} list={initialListState(items, VISIBLE_ROWS.disk, undefined)} />);
  try {
    const frame = await screen.waitFor(/Install on which disk/);
    for (const choice of session.model.disks.slice(0, 6)) {
      const marked = new RegExp(`${escape(choice.label)} {2}\\(`).test(frame);
      assert.ok(frame.includes(choice.label), `${where}: the screen lists ${choice.label}`);
      assert.is(marked, choice.refusal !== undefined, `${where}: ${choice.label} is shown ${choice.refusal === undefined ? 'as usable' : 'as refused'}`);
    }
  } finally {
    screen.unmount();
  }
  return listed;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

lists('on this machine', async (context) => {
  const listed = await compare(context, undefined);
  // The disk / is on (when / is on a disk, not an overlay) is refused by every list.
  const root = JSON.parse((await cairnOk(['detect', '--json'])).stdout) as HardwareReport;
  const rootDevice = root.mounts.find((m) => m.mountPoint === '/')?.device;
  const rootDisk = root.blockDevices.find((d) => d.name === rootDevice);
  const diskName = rootDisk?.kind === 'partition' ? rootDisk.parent : rootDisk?.name;
  if (diskName !== undefined && diskName !== null) assert.ok(listed.find((d) => d.path === `/dev/${diskName}`)!.refusals.some((r) => r.startsWith('it backs the running system')));
});

lists('on every recorded machine', async (context) => {
  const all = await recordings();
  assert.ok(all.length >= 9, `six machines and three disk recordings (found ${all.join(', ')})`);
  const verdicts: string[] = [];
  for (const recording of all) {
    const listed = await compare(context, recording);
    verdicts.push(...listed.map((d) => `${recording}: ${d.name}: ${d.refusals.length === 0 ? 'may be written' : 'refused'}`));
  }
  // The recordings hold both kinds of disk, so the comparison covers both.
  assert.ok(verdicts.some((v) => v.endsWith('may be written')) && verdicts.some((v) => v.endsWith('refused')), verdicts.join('\n'));
});

lists.run();
