/**
 * The install plan (pure): from the answers, the resolved layout, the target disk, the hardware report and
 * the source profile, everything the executor will do, decided before anything is written: the partition
 * plan with its filesystem UUIDs, which generations are copied, the boot loader and the kernel command line
 * that names the root filesystem by UUID, the configuration choices, and the answers that reproduce the
 * install. A plan is a plain object: `--dry-run` prints it, tests check it, the executor applies it.
 */
import { stringify } from 'yaml';
import { DomainError } from '../../lib/errors.js';
import { formatExactSize, formatSize } from '../../lib/size.js';
import { LUKS_FORMAT, type Answers, type KeyDerivation } from '../../system/answers.js';
import { initrdFeatures } from '../../system/initrd-features.js';
import { deriveGuid } from '../../lib/guid.js';
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
  /** Encrypt the root filesystem (the passphrase is not here: it never enters a plan, which --dry-run prints). */
  readonly encryption?: { readonly keyDerivation?: KeyDerivation };
  /** The machine's memory (MemTotal), to refuse a key derivation it could not unlock; unknown: not checked. */
  readonly memoryBytes?: number;
  /** Where the choices came from, for messages: the answers file's name. */
  readonly answersName?: string;
}

/** The encrypted root as planned: a LUKS2 container on the root partition, its filesystem inside. */
export interface EncryptionPlan {
  /** The root partition's name in the partition plan. */
  readonly partition: string;
  /** The LUKS2 header's UUID, derived from the seed like the plan's other identifiers. */
  readonly uuid: string;
  /** The /dev/mapper name stage 1 opens it as: `luks-<uuid>`. */
  readonly mapperName: string;
  readonly cipher: typeof LUKS_FORMAT.cipher;
  readonly keySizeBits: typeof LUKS_FORMAT.keySizeBits;
  readonly pbkdf: typeof LUKS_FORMAT.pbkdf;
  /** argon2id's cost; undefined: cryptsetup's benchmark chooses on this machine. */
  readonly keyDerivation: KeyDerivation | undefined;
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
  /** The root filesystem in LUKS2; undefined: not encrypted. */
  readonly encryption: EncryptionPlan | undefined;
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
  const encryption = request.encryption === undefined ? undefined : planEncryption(request, partitions, root, generations);
  const kernelParams = [...(encryption === undefined ? [] : [`cairn.luks=UUID=${encryption.uuid}`]), `root=UUID=${root.filesystem.uuid}`, ...(root.filesystem.format === 'btrfs' ? ['rootflags=subvol=/'] : []), ...answers.kernelParams];
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
    ...(encryption === undefined ? {} : { luksDevices: [{ name: encryption.mapperName, device: `/dev/disk/by-uuid/${encryption.uuid}` }] }),
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
    encryption,
  };
}

/**
 * The encrypted root, or the reason it cannot be made, before anything is written: an image file (no
 * device-mapper without root), a swap partition (it would hold memory pages in the clear), a chosen
 * generation whose stage 1 cannot open LUKS, a key derivation needing more memory than the machine can give.
 */
function planEncryption(request: InstallRequest, partitions: PartitionPlan, root: PlannedPartition, generations: readonly number[]): EncryptionPlan {
  const where = request.answersName === undefined ? 'encryption' : `${request.answersName}: encryption`;
  if (request.target.kind === 'image') {
    throw new DomainError('encrypted-image', `${where}: ${request.target.path} is an image file, and Cairn encrypts only disks: LUKS2 needs device-mapper (root) to write the ciphertext, and Cairn does not encrypt image files rootless yet; nothing was written`, {
      hint: 'make encrypted installs from the installer ISO onto a disk, or leave encryption out for an image file',
    });
  }
  const swap = partitions.partitions.filter((p) => p.filesystem?.format === 'swap');
  if (swap.length > 0) {
    throw new DomainError('encrypted-swap', `${where}: the layout has a swap partition (${swap.map((p) => p.name).join(', ')}), which Cairn does not encrypt: memory paged out there (the passphrase's key among it) would be readable on the disk; nothing was written`, {
      hint: 'choose no swap (swap: none, or a layout without a swap partition) with an encrypted root',
      expected: 'no swap partition',
      actual: swap.map((p) => p.name).join(', '),
    });
  }
  const lacking = request.source.profile.generations.filter((g) => generations.includes(g.number) && !initrdFeatures(g.document).luks);
  if (lacking.length > 0) {
    const names = lacking.map((g) => g.number).join(', ');
    throw new DomainError('initrd-without-luks', `${where}: generation${lacking.length === 1 ? '' : 's'} ${names} cannot open an encrypted root at boot (${lacking.length === 1 ? 'its' : 'their'} stage 1 carries no cryptsetup); nothing was written`, {
      hint: 'build the system with boot.initrd.luks.enable: true (cairn system build) and install that generation, or choose only generations that have it (generations:)',
      expected: 'generations whose stage 1 opens LUKS',
      actual: names,
    });
  }
  const keyDerivation = request.encryption?.keyDerivation;
  if (keyDerivation !== undefined && request.memoryBytes !== undefined && keyDerivation.memory * 1024 > request.memoryBytes / 2) {
    const machineKiB = Math.floor(request.memoryBytes / 1024);
    throw new DomainError('key-derivation-memory', `${where}.keyDerivation.memory: ${keyDerivation.memory} KiB is more than half of this machine's memory (${machineKiB} KiB, ${formatSize(request.memoryBytes)}): unlocking at boot could fail for want of memory; nothing was written`, {
      hint: `give at most ${Math.floor(machineKiB / 2)} KiB, or leave keyDerivation out (cryptsetup then chooses by this machine)`,
      expected: Math.floor(machineKiB / 2),
      actual: keyDerivation.memory,
    });
  }
  const uuid = deriveGuid(request.seed, `luks ${root.name}`).toLowerCase();
  return {
    partition: root.name,
    uuid,
    mapperName: `luks-${uuid}`,
    cipher: LUKS_FORMAT.cipher,
    keySizeBits: LUKS_FORMAT.keySizeBits,
    pbkdf: LUKS_FORMAT.pbkdf,
    keyDerivation,
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
    // The passphrase is never written: the copy names where one must be given.
    ...(request.encryption === undefined
      ? {}
      : { encryption: { passphraseFile: 'PASSPHRASE-FILE', ...(request.encryption.keyDerivation === undefined ? {} : { keyDerivation: { ...request.encryption.keyDerivation } }) } }),
    confirm: false,
  };
  return [
    '# yaml-language-server: $schema=schemas/answers.schema.json',
    '# The answers that reproduce this install (cairn install --answers answers.yaml --target ... --yes).',
    '# Passwords appear only as hashes. confirm is false on purpose: a copy of this file never erases a disk',
    '# without being told to (set it to true, or pass --yes, for an unattended run).',
    ...(request.encryption === undefined
      ? []
      : ['# The root is encrypted; its passphrase was removed from this copy and is written nowhere: to reuse this file,', '# put the passphrase in a file and name it in encryption.passphraseFile.']),
    stringify(document, { lineWidth: 0 }).trimEnd(),
    '',
  ].join('\n');
}

