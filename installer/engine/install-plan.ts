/**
 * The install plan (pure): from the answers, the resolved layout, the target disk, the hardware report and
 * the source profile, everything the executor will do, decided before anything is written: the partition
 * plan with its filesystem UUIDs, which generations are copied, the boot loader and the kernel command line
 * that names the root filesystem by UUID, the configuration choices, and the answers that reproduce the
 * install. A plan is a plain object: `--dry-run` prints it, tests check it, the executor applies it.
 */
import { stringify } from 'yaml';
import { DomainError } from '../../lib/errors.js';
import { formatExactSize } from '../../lib/size.js';
import type { Answers } from '../../system/answers.js';
import type { SignedChainPaths } from '../../system/secure-boot/secure-boot-choice.js';
import type { Layout } from '../../system/layout.js';
import type { Profile } from '../../system/profile.js';
import { selectGenerations, type SelectedGenerations } from '../../system/generation-selection.js';
import { partitionMountedAt, planPartitions, type PartitionPlan, type PlannedPartition } from '../../partitioning/plan.js';
import { biosBootDiskOfPlan, findCoreImagePlace, findEsp, type CoreImagePlace } from '../../bootloader/grub-pc/boot-code-plan.js';
import { bootsOnBios, bootsOnUefi, type FirmwareChoice } from '../../system/firmware.js';
import type { Target } from '../../partitioning/target.js';
import type { SystemChoices } from '../config/plan-configuration.js';
import type { TargetLayout } from '../config/target-layout.js';
import type { PlatformReport } from '../hardware/platform.js';

export interface InstallUser {
  readonly name: string;
  /** A crypt(3) hash; the plaintext never reaches the plan. */
  readonly passwordHash: string;
  readonly groups?: readonly string[];
}

export interface InstallRequest {
  readonly answers: Answers;
  /** The layout to apply: guided (built from the answers), a layout file, or inline. */
  readonly layout: Layout;
  readonly target: Target;
  readonly platform: PlatformReport;
  /** Which firmware the disk is made to boot on (chosen by the session: flag, answers, else the default). */
  readonly firmware: FirmwareChoice;
  readonly source: { readonly root: string; readonly store: string; readonly profile: Profile };
  /** The answers' users with passwords hashed. */
  readonly users: readonly InstallUser[];
  readonly seed: string;
}

export interface InstallPlan {
  readonly target: { readonly path: string; readonly kind: 'image' | 'block'; readonly description: string; readonly sizeBytes: number; readonly creates: boolean };
  readonly partitions: PartitionPlan;
  readonly root: PlannedPartition;
  readonly esp: PlannedPartition | undefined;
  readonly source: { readonly root: string; readonly store: string; readonly profile: string };
  /** Generation numbers to copy, newest first; `current` is among them and stays current. */
  readonly generations: readonly number[];
  readonly current: number;
  readonly firmware: FirmwareChoice;
  /** The UEFI loader; GRUB when the disk boots on BIOS alone. */
  readonly bootloader: 'systemd-boot' | 'grub';
  /** Secure Boot: the distribution's signed chain goes on the ESP (its files as named, the rest searched). */
  readonly secureBoot: SignedChainPaths | undefined;
  /** BIOS boot: where GRUB's core.img goes and the ESP it reads its menu from (its partition number). */
  readonly biosBoot: { readonly place: CoreImagePlace; readonly espPartition: number } | undefined;
  /** Parameters every boot entry gets besides the generation's own: root=UUID=... and the answers' extras. */
  readonly kernelParams: readonly string[];
  readonly choices: SystemChoices;
  readonly targetLayout: TargetLayout;
  /** The answers that reproduce this install, secrets removed, for /etc/cairn/answers.yaml. */
  readonly reproducingAnswers: string;
}

export function planInstall(request: InstallRequest): InstallPlan {
  const { answers, target, source } = request;
  const partitions = planPartitions(request.layout, target.identity, { seed: request.seed });
  const root = partitionMountedAt(partitions, '/');
  if (root?.filesystem === undefined || root.filesystem.format === 'swap' || root.filesystem.format === 'vfat') {
    throw new DomainError('no-root-filesystem', 'the layout has no root filesystem: give one partition type root (or mountPoint /) with format ext4, btrfs or xfs', {
      expected: 'a partition mounted at / with ext4, btrfs or xfs',
      actual: partitions.partitions.map((p) => `${p.name}${p.mountPoint === undefined ? '' : ` at ${p.mountPoint}`}`).join(', '),
    });
  }
  if (root.filesystem.format === 'xfs') {
    // mkfs.xfs cannot copy a directory in, and the installer writes filesystems without mounting them.
    throw new DomainError('root-not-fillable', 'an xfs root cannot be filled without mounting it (mkfs.xfs has no way to copy a directory in); nothing was written', {
      hint: 'choose ext4 or btrfs for the root filesystem',
      expected: 'ext4 or btrfs',
      actual: 'xfs',
    });
  }
  const esp = partitions.partitions.find((p) => p.type === 'esp');
  const firmware = request.firmware;
  const secureBoot = answers.signedChain;
  if (secureBoot !== undefined && !bootsOnUefi(firmware)) {
    throw new DomainError('secure-boot-bios', 'secureBoot: Secure Boot is checked by UEFI firmware, and the disk is to boot on BIOS only (firmware: bios); nothing was written', {
      hint: 'choose firmware: both (or uefi), or leave secureBoot out',
      expected: 'uefi or both',
      actual: 'bios',
    });
  }
  if (!bootsOnUefi(firmware) && answers.bootloader === 'systemd-boot') {
    throw new DomainError('systemd-boot-on-bios', 'bootloader: systemd-boot is a UEFI boot loader, and the disk is to boot on BIOS only (firmware: bios); nothing was written', {
      hint: 'leave out bootloader (BIOS boot is GRUB), or choose firmware: both',
      expected: 'grub',
      actual: 'systemd-boot',
    });
  }
  if (secureBoot !== undefined && answers.bootloader === 'systemd-boot') {
    throw new DomainError('secure-boot-loader', 'secureBoot: the Secure Boot chain is shim and the distribution-signed GRUB, and bootloader says systemd-boot, which the distribution does not sign; nothing was written', {
      hint: 'leave bootloader out (or set it to grub), or leave secureBoot out',
      expected: 'grub',
      actual: 'systemd-boot',
    });
  }
  const bootloader = bootsOnUefi(firmware) ? (answers.bootloader ?? (secureBoot === undefined ? 'systemd-boot' : 'grub')) : 'grub';
  if (esp?.filesystem?.format !== 'vfat') {
    throw new DomainError('no-esp', `the boot loader (${bootloader}) reads the kernels from an EFI system partition with format vfat; add one (type esp) to the layout`, { expected: 'a partition of type esp with format vfat' });
  }
  let biosBoot: InstallPlan['biosBoot'];
  if (bootsOnBios(firmware)) {
    // Refused here, before anything is written: a GPT without a BIOS boot partition, an MBR disk over 2 TiB.
    const disk = biosBootDiskOfPlan(partitions);
    biosBoot = { place: findCoreImagePlace(disk), espPartition: findEsp(disk) };
  }
  const { generations, current } = chooseGenerations(answers.generations, source.profile);
  const kernelParams = [`root=UUID=${root.filesystem.uuid}`, ...(root.filesystem.format === 'btrfs' ? ['rootflags=subvol=/'] : []), ...answers.kernelParams];
  const targetLayout: TargetLayout = {
    fileSystems: partitions.partitions
      .filter((p) => p.filesystem !== undefined && p.filesystem.format !== 'swap' && p.mountPoint !== undefined && p.mountPoint !== 'none')
      .map((p) => ({
        mountPoint: p.mountPoint!,
        device: `/dev/disk/by-uuid/${p.filesystem!.uuid}`,
        fsType: p.filesystem!.format,
        ...(p.filesystem!.format === 'vfat' ? { options: ['fmask=0077', 'dmask=0077'] } : {}),
      })),
    swapDevices: partitions.partitions.filter((p) => p.filesystem?.format === 'swap').map((p) => ({ device: `/dev/disk/by-uuid/${p.filesystem!.uuid}` })),
  };
  const choices: SystemChoices = {
    hostName: answers.hostName,
    timeZone: answers.timeZone,
    locale: answers.locale,
    keyMap: answers.keyMap,
    users: request.users.map((u) => ({ name: u.name, passwordHash: u.passwordHash, ...(u.groups === undefined ? {} : { groups: [...u.groups] }) })),
    bootLoader: bootloader,
    kernelParams,
  };
  return {
    target: {
      path: target.path,
      kind: target.kind,
      description: target.identity.description,
      sizeBytes: target.identity.sizeBytes,
      creates: target.kind === 'image' && !target.exists,
    },
    partitions,
    root,
    esp,
    source: { root: source.root, store: source.store, profile: source.profile.profile },
    generations,
    current,
    firmware,
    bootloader,
    secureBoot,
    biosBoot,
    kernelParams,
    choices,
    targetLayout,
    reproducingAnswers: renderReproducingAnswers(request, generations, bootloader),
  };
}

/** The generations an answer selects, newest first; the current generation is always among them. */
export function chooseGenerations(selection: Answers['generations'], profile: Profile): SelectedGenerations {
  return selectGenerations(profile, selection, {
    purpose: 'to install',
    hint: 'make one with cairn generation add, or point --source-root/--profile at a profile that has some',
    currentWithLists: true,
  });
}

function renderReproducingAnswers(request: InstallRequest, generations: readonly number[], bootloader: string): string {
  const { answers, target } = request;
  const layout =
    request.answers.layout === 'guided'
      ? 'guided'
      : {
          table: request.layout.table,
          partitions: request.layout.partitions.map((p) => ({
            name: p.name,
            type: p.type,
            size: p.size.kind === 'percent' ? `${p.size.percent}%` : formatExactSize(p.size.bytes),
            ...(p.format === undefined ? {} : { format: p.format }),
            ...(p.label === undefined ? {} : { label: p.label }),
            ...(p.mountPoint === undefined ? {} : { mountPoint: p.mountPoint }),
            ...(p.bootable ? { bootable: true } : {}),
          })),
        };
  const document = {
    version: 1,
    hostName: answers.hostName,
    timeZone: answers.timeZone,
    locale: answers.locale,
    keyMap: answers.keyMap,
    disk: {
      ...(target.identity.serial === undefined ? {} : { expectSerial: target.identity.serial }),
      expectSize: formatExactSize(target.identity.sizeBytes),
    },
    layout,
    ...(answers.layout === 'guided' ? { filesystem: answers.filesystem, swap: answers.swap } : {}),
    users: request.users.map((u) => ({ name: u.name, passwordHash: u.passwordHash, ...(u.groups === undefined ? {} : { groups: [...u.groups] }) })),
    generations: [...generations],
    firmware: request.firmware,
    bootloader,
    // The signed files' paths are this machine's: the copy asks for them to be searched again.
    ...(answers.signedChain === undefined ? {} : { secureBoot: true }),
    kernelParams: [...answers.kernelParams],
    ...(answers.seed === undefined ? {} : { seed: answers.seed }),
    confirm: false,
  };
  return [
    '# yaml-language-server: $schema=schemas/answers.schema.json',
    '# The answers that reproduce this install (cairn install --answers answers.yaml --target ... --yes).',
    '# Passwords appear only as hashes. confirm is false on purpose: a copy of this file never erases a disk',
    '# without being told to (set it to true, or pass --yes, for an unattended run).',
    stringify(document, { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}

