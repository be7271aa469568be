import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { DomainError } from '../../../lib/errors.js';
import { decodeAnswers } from '../../../system/answers.js';
import type { FirmwareChoice } from '../../../system/firmware.js';
import { readProfile, type Profile } from '../../../system/profile.js';
import { guidedLayout } from '../../../partitioning/guided-layout.js';
import { resolveTarget, type Target } from '../../../partitioning/target.js';
import { detectPlatformOnly } from '../../../installer/hardware/detect-hardware.js';
import type { PlatformReport } from '../../../installer/hardware/platform.js';
import { openHardwareSource as openRecording } from '../../../installer/hardware/hardware-source.js';
import { chooseGenerations, planInstall } from '../../../installer/engine/install-plan.js';
import { repoRoot } from '../../support/cli.js';
import { makeExampleSystem } from '../../support/example-system.js';
import { removeTree, temporaryDirectory } from '../../support/tree.js';

interface Context {
  dir: string;
  profile: Profile;
  root: string;
  target: Target;
  uefi: PlatformReport;
  bios: PlatformReport;
}

const plan = suite<Context>('install plan');

plan.before(async (context) => {
  context.dir = await temporaryDirectory();
  const system = await makeExampleSystem(context.dir);
  context.root = system.root;
  context.profile = await readProfile(system.root, '/cairn/var/profiles/system');
  context.target = await resolveTarget(join(context.dir, 'disk.img'), { sizeBytes: 4 * 1024 ** 3 });
  context.uefi = await detectPlatformOnly(await openRecording(join(repoRoot, 'fixtures/machines/qemu-kvm-virtio/recording')));
  context.bios = await detectPlatformOnly(await openRecording(join(repoRoot, 'fixtures/machines/legacy-bios/recording')));
});

plan.after(async (context) => {
  await removeTree(context.dir);
});

function request(context: Context, answersText: string, platform: PlatformReport = context.uefi, firmware: FirmwareChoice = platform.firmware.type) {
  const answers = decodeAnswers(answersText, 'answers.yaml');
  return {
    answers,
    layout: guidedLayout({ rootFilesystem: answers.filesystem, swapBytes: 0, biosBoot: firmware !== 'uefi' }),
    target: context.target,
    platform,
    firmware,
    source: { root: context.root, store: '/cairn/store', profile: context.profile },
    users: [{ name: 'alice', passwordHash: '$6$salt$hash' }],
    seed: 'test-seed',
  };
}

plan('the root filesystem is named by its planned UUID on every kernel command line', (context) => {
  const planned = planInstall(request(context, 'version: 1\nkernelParams: ["console=ttyS0,115200"]\n'));
  assert.is(planned.root.mountPoint, '/');
  assert.match(planned.root.filesystem!.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(planned.kernelParams, [`root=UUID=${planned.root.filesystem!.uuid}`, 'console=ttyS0,115200']);
  assert.is(planned.bootloader, 'systemd-boot', 'UEFI firmware: systemd-boot');
  assert.equal(planned.generations, [3, 2, 1]);
  assert.is(planned.current, 3);
  assert.equal(planned.targetLayout.fileSystems.map((f) => [f.mountPoint, f.fsType]), [['/boot', 'vfat'], ['/', 'ext4']]);
  assert.is(planned.target.creates, true);
});

plan('the same request gives the same plan (UUIDs come from the seed)', (context) => {
  const a = planInstall(request(context, 'version: 1\n'));
  const b = planInstall(request(context, 'version: 1\n'));
  assert.equal(a.partitions, b.partitions);
});

plan('BIOS: GRUB for BIOS with core.img in the guided layout\'s BIOS boot partition, reading the ESP', (context) => {
  const bios = planInstall(request(context, 'version: 1\n', context.bios));
  assert.is(bios.firmware, 'bios');
  assert.is(bios.bootloader, 'grub', 'BIOS boot is GRUB');
  assert.equal(bios.partitions.partitions.map((p) => p.name), ['bios-boot', 'ESP', 'root']);
  assert.equal(bios.biosBoot, { place: { kind: 'bios-boot-partition', firstLba: 2048, sectors: 2048, partition: 1 }, espPartition: 2 });
  const both = planInstall(request(context, 'version: 1\n', context.uefi, 'both'));
  assert.is(both.bootloader, 'systemd-boot', 'both: systemd-boot for UEFI beside GRUB for BIOS');
  assert.ok(both.biosBoot !== undefined);
  assert.is(planInstall(request(context, 'version: 1\nbootloader: grub\n')).bootloader, 'grub', 'GRUB as a UEFI loader');
  assert.is(planInstall(request(context, 'version: 1\n')).biosBoot, undefined, 'UEFI alone: no BIOS boot code');
  assert.match(bios.reproducingAnswers, /^firmware: bios$/m, 'the firmware is in the answers that reproduce the install');
});

plan('BIOS refusals: a layout without a BIOS boot partition (naming the change), systemd-boot for BIOS, an MBR disk over 2 TiB', async (context) => {
  const noBiosBoot = { ...request(context, 'version: 1\n', context.bios), layout: guidedLayout({ biosBoot: false }) };
  assert.throws(
    () => planInstall(noBiosBoot),
    (e: unknown) => e instanceof DomainError && e.code === 'no-bios-boot-partition' && /type: bios-boot, size: 1M/.test(e.hint ?? '') && /--firmware uefi/.test(e.hint ?? ''),
  );
  assert.throws(() => planInstall(request(context, 'version: 1\nbootloader: systemd-boot\n', context.bios)), (e: unknown) => e instanceof DomainError && e.code === 'systemd-boot-on-bios');
  const big = await resolveTarget(join(context.dir, 'big.img'), { sizeBytes: 3 * 1024 ** 4 });
  const mbr = {
    ...request(context, 'version: 1\n', context.bios),
    target: big,
    layout: {
      table: 'mbr' as const,
      partitions: [
        { name: 'ESP', type: 'esp', size: { kind: 'bytes' as const, bytes: 512 * 1024 ** 2 }, format: 'vfat' as const, bootable: false },
        { name: 'root', type: 'root', size: { kind: 'bytes' as const, bytes: 2 * 1024 ** 3 }, format: 'ext4' as const, bootable: false },
      ],
    },
  };
  assert.throws(() => planInstall(mbr), (e: unknown) => e instanceof DomainError && e.code === 'mbr-disk-too-large' && /table: gpt/.test(e.hint ?? ''));
  assert.ok(planInstall({ ...mbr, target: context.target }).biosBoot?.place.kind === 'mbr-gap', 'the same MBR layout on 4G puts core.img in the gap');
});

plan('the answers written to the target reproduce the install: hashes, not passwords; explicit generations; confirm false', (context) => {
  const planned = planInstall(request(context, 'version: 1\nhostName: box\ngenerations: { newest: 2 }\nusers: [{ name: alice, password: secret }]\nconfirm: true\n'));
  assert.not.match(planned.reproducingAnswers, /secret/);
  const written = parse(planned.reproducingAnswers) as Record<string, unknown>;
  assert.equal(written.users, [{ name: 'alice', passwordHash: '$6$salt$hash' }]);
  assert.equal(written.generations, [3, 2]);
  assert.is(written.confirm, false);
  assert.is(written.hostName, 'box');
  assert.equal(written.disk, { expectSize: '4G' });
  const again = decodeAnswers(planned.reproducingAnswers, 'answers.yaml');
  assert.equal(again.generations, [3, 2]);
});

plan('generation choices: all, newest, lists, {newest: N}; the current one always; unknown numbers refused', (context) => {
  const profile = context.profile;
  assert.equal(chooseGenerations('all', profile), { generations: [3, 2, 1], current: 3 });
  assert.equal(chooseGenerations('newest', profile), { generations: [3], current: 3 });
  assert.equal(chooseGenerations([1], profile), { generations: [3, 1], current: 3 }, 'the current generation is added');
  assert.equal(chooseGenerations({ newest: 2 }, profile), { generations: [3, 2], current: 3 });
  assert.throws(() => chooseGenerations([7, 1], profile), (e: unknown) => e instanceof DomainError && /generations: 7 does not exist in \/cairn\/var\/profiles\/system \(it has 1, 2, 3\)/.test(e.message));
});

plan('an xfs root is refused: the installer fills the root without mounting it', (context) => {
  const xfsRoot = { ...request(context, 'version: 1\n'), layout: guidedLayout({ rootFilesystem: 'xfs' }) };
  assert.throws(() => planInstall(xfsRoot), (e: unknown) => e instanceof DomainError && e.code === 'root-not-fillable' && /choose ext4 or btrfs/.test(e.hint ?? ''));
});

plan('a layout without a root or an ESP is refused before anything is written', (context) => {
  const noRoot = { ...request(context, 'version: 1\n'), layout: { table: 'gpt' as const, partitions: [{ name: 'ESP', type: 'esp', size: { kind: 'percent' as const, percent: 100 }, format: 'vfat' as const, bootable: false }] } };
  assert.throws(() => planInstall(noRoot), /the layout has no root filesystem/);
  const noEsp = { ...request(context, 'version: 1\n'), layout: { table: 'gpt' as const, partitions: [{ name: 'root', type: 'root', size: { kind: 'percent' as const, percent: 100 }, format: 'ext4' as const, bootable: false }] } };
  assert.throws(() => planInstall(noEsp), /reads the kernels from an EFI system partition/);
});

plan.run();
