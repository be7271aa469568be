/**
 * The safety refusals, against recorded disks (fixtures/disks/) of machines that cannot be had here, and
 * against this machine's own system disk. Every refusal names the disk by its by-id name and serial, and
 * nothing is written.
 */
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError } from '../../lib/errors.js';
import { applyPlan } from '../../partitioning/apply.js';
import { discoverDisks, readDiskInventory, volumesOf } from '../../partitioning/disks.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import { planPartitions } from '../../partitioning/plan.js';
import { diskRefusals } from '../../partitioning/safety.js';
import { defaultSeed, resolveTarget } from '../../partitioning/target.js';
import { openRecording } from '../../system/machine/recording.js';
import { cairn } from '../support/cli.js';
import { repoRoot } from '../support/cli.js';

const fixtures = join(repoRoot, 'fixtures', 'disks');
const liveUsb = join(fixtures, 'live-usb');
const installed = join(fixtures, 'installed-system');
const nvme = '/dev/disk/by-id/nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0N123456A';

const safety = suite('disk safety');

const loadDiskInventory = async (recording: string) => readDiskInventory(await openRecording(recording));

/** `cairn partition apply guided` against a recorded machine: must exit 1, name the disk, print no plan. */
async function refused(recording: string, disk: string, extra: string[] = []): Promise<string> {
  const result = await cairn(['partition', 'apply', 'guided', '--disk', disk, '--from', recording, ...extra]);
  assert.is(result.code, 1, `exit code (stdout: ${result.stdout}, stderr: ${result.stderr})`);
  assert.not.match(result.stderr, /internal error/);
  assert.not.match(result.stdout, /Nothing was written|Done/);
  return result.stderr;
}

safety('the inventory: model, serial, size, transport, removable, by-id names, partitions and mounts', async () => {
  const inventory = await loadDiskInventory(liveUsb);
  assert.equal(inventory.disks.map((d) => d.name), ['nvme0n1', 'sda', 'sdb', 'sdc', 'sdd'], 'loop devices are not disks');
  assert.equal(inventory.problems, []);
  const stick = inventory.disks[1]!;
  assert.equal(
    { model: stick.model, serial: stick.serial, transport: stick.transport, removable: stick.removable, byId: stick.byId[0], partitions: stick.children.map((c) => c.path) },
    { model: 'SanDisk Ultra Fit', serial: '4C530001230815117382', transport: 'usb', removable: true, byId: '/dev/disk/by-id/usb-SanDisk_Ultra_Fit_4C530001230815117382-0:0', partitions: ['/dev/sda1', '/dev/sda2'] },
  );
  const ssd = inventory.disks[0]!;
  assert.equal(ssd.byId, [nvme, '/dev/disk/by-id/nvme-eui.0025385b71b21234'], 'the vendor-and-serial name comes before the eui name');
  assert.is(ssd.sizeBytes, 500107862016);
  assert.equal(
    inventory.disks.map((d) => [d.name, diskRefusals(d).map((r) => r.code)]),
    [['nvme0n1', []], ['sda', ['live-medium']], ['sdb', ['mounted']], ['sdc', []], ['sdd', ['read-only']]],
  );
  const system = (await loadDiskInventory(installed)).disks[0]!;
  assert.equal(volumesOf(system).flatMap((v) => v.mountpoints), ['/boot', '/', '/cairn/store'], 'mounts inside LUKS are found');
  assert.equal(volumesOf(system).filter((v) => v.activeSwap).map((v) => v.path), ['/dev/sda2'], 'the swap in use is found');
  assert.equal(volumesOf(system).find((v) => v.name === 'dm-0')?.mapperName, 'cryptroot');
});

safety('the live medium is refused, named by by-id and serial', async () => {
  const stderr = await refused(liveUsb, '/dev/sda');
  assert.match(stderr, /refusing to write \/dev\/disk\/by-id\/usb-SanDisk_Ultra_Fit_4C530001230815117382-0:0 \(\/dev\/sda, SanDisk Ultra Fit, serial 4C530001230815117382, 28\.9G\)/);
  assert.match(stderr, /it is the live medium this system booted from: \/dev\/sda1 is mounted at \/run\/live\/medium/);
});

safety('a disk with a mounted partition is refused, also when named by its by-id link', async () => {
  const stderr = await refused(liveUsb, '/dev/disk/by-id/ata-ST2000DM008-2FR102_ZFL5ABCD');
  assert.match(stderr, /refusing to write \/dev\/disk\/by-id\/ata-ST2000DM008-2FR102_ZFL5ABCD \(\/dev\/sdb, ST2000DM008-2FR102, serial ZFL5ABCD, 1\.82T\)/);
  assert.match(stderr, /\/dev\/sdb1 is mounted at \/mnt\/backup; unmount it first/);
});

safety('the disk backing the running system is refused with every reason', async () => {
  const stderr = await refused(installed, '/dev/sda');
  assert.match(stderr, /ata-Samsung_SSD_860_EVO_250GB_S3YJNX0M123456X .*serial S3YJNX0M123456X/);
  assert.match(stderr, /it backs the running system: \/dev\/sda1 is mounted at \/boot, \/dev\/sda2 is swap in use, \/dev\/dm-0 is mounted at \/, \/dev\/dm-0 is mounted at \/cairn\/store/);
});

safety('a read-only disk is refused', async () => {
  const stderr = await refused(liveUsb, '/dev/sdd');
  assert.match(stderr, /usb-Kingston_DataTraveler_3\.0_E0D55EA573DCF450F9A30F2B-0:0 .*serial E0D55EA573DCF450F9A30F2B/);
  assert.match(stderr, /it is read-only/);
});

safety('a disk too small for the layout is refused with the sizes', async () => {
  const stderr = await refused(liveUsb, '/dev/sdc', ['--swap', '4G']);
  assert.match(stderr, /refusing to write \/dev\/disk\/by-id\/usb-Generic-_SD_MMC_CRW_000000000000-0:0 \(\/dev\/sdc, SD\/MMC CRW, serial 000000000000-0:0, 3\.69G\)/);
  assert.match(stderr, /it is 3\.69G, the layout needs at least 4\.5G/);
});

safety('--expect-serial and --expect-size pin the disk', async () => {
  const serial = await refused(liveUsb, '/dev/nvme0n1', ['--expect-serial', 'S4EWNX0N000000B']);
  assert.match(serial, /nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0N123456A .*its serial is "S4EWNX0N123456A", but --expect-serial expects "S4EWNX0N000000B"/s);
  const size = await refused(liveUsb, '/dev/nvme0n1', ['--expect-size', '512G']);
  assert.match(size, /its size is 466G \(500107862016 bytes\), but --expect-size expects 512G \(549755813888 bytes\)/);
  const ok = await cairn(['partition', 'apply', 'guided', '--disk', nvme, '--from', liveUsb, '--expect-serial', 'S4EWNX0N123456A', '--expect-size', '500107862016']);
  assert.is(ok.code, 0, ok.stderr);
});

safety('a partition is not a disk, and a disk has its own size', async () => {
  const stderr = await refused(liveUsb, '/dev/nvme0n1p2');
  assert.match(stderr, /\/dev\/nvme0n1p2 is a partition of \/dev\/disk\/by-id\/nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0N123456A/);
  assert.match(await refused(liveUsb, '/dev/nvme0n1', ['--size', '8G']), /--size is for image files; \/dev\/disk\/by-id\/nvme-Samsung.* is a disk/);
});

safety('the writable disk: without --yes the plan and what is destroyed; with --yes a recording is never written', async () => {
  const dry = await cairn(['partition', 'apply', 'guided', '--disk', nvme, '--from', liveUsb, '--swap', '8G']);
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /Disk: {2}\/dev\/disk\/by-id\/nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0N123456A \(\/dev\/nvme0n1, Samsung SSD 970 EVO Plus 500GB, serial S4EWNX0N123456A, 466G\)/);
  assert.match(dry.stdout, /\/dev\/nvme0n1p1: "EFI system partition", vfat, label SYSTEM, 513M/);
  assert.match(dry.stdout, /\/dev\/nvme0n1p2: "Basic data partition", ntfs, label Windows, 465G/);
  assert.match(dry.stdout, /Nothing was written\. Run again with --yes to apply\./);
  const written = await cairn(['partition', 'apply', 'guided', '--disk', nvme, '--from', liveUsb, '--yes']);
  assert.is(written.code, 1);
  assert.match(written.stderr, /is a disk of a recorded machine \(.*live-usb\); it describes another machine, so nothing is written/);
});

safety('a disk that changed between plan and apply (same model and size, another serial) is refused', async () => {
  const target = await resolveTarget(nvme, { machine: await openRecording(liveUsb) });
  const plan = planPartitions(guidedLayout(), target.identity, { seed: defaultSeed(target.identity) });
  try {
    await applyPlan(plan, target, { rediscover: () => loadDiskInventory(join(fixtures, 'live-usb-disk-swapped')) });
    assert.unreachable('apply must refuse');
  } catch (error) {
    assert.instance(error, DomainError);
    const domain = error as DomainError;
    assert.is(domain.code, 'disk-changed');
    assert.match(domain.message, /S4EWNX0N123456A .* changed between plan and apply: its serial was S4EWNX0N123456A, now S4EWNX0N999999Z; its by-id name was \/dev\/disk\/by-id\/nvme-Samsung_SSD_970_EVO_Plus_500GB_S4EWNX0N123456A, now .*S4EWNX0N999999Z\. Nothing was written\./);
  }
});

safety("this machine's disks are listed, and the one holding / is refused", async () => {
  const inventory = await discoverDisks();
  assert.ok(inventory.disks.length > 0, 'at least one disk');
  const system = inventory.disks.find((d) => [...d.mountpoints, ...volumesOf(d).flatMap((v) => v.mountpoints)].includes('/'));
  if (system === undefined) {
    // In a container whose / is not a block device (overlayfs), there is no system disk to find.
    assert.ok(inventory.disks.every((d) => d.path.startsWith('/dev/')));
    return;
  }
  assert.equal(diskRefusals(system).map((r) => r.code), ['system-disk']);
  // `plan` writes nothing by construction; it warns that apply would refuse.
  const result = await cairn(['partition', 'plan', 'guided', '--disk', system.path]);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`apply would refuse: refusing to write ${system.byId[0] ?? system.path}`));
  assert.match(result.stderr, /it backs the running system: .* is mounted at \/(,|$)/m);
});

safety.run();
