/**
 * `cairn system build`: a system spec made into store entries whose closure boots, and a toplevel with
 * boot.json (the caller adds it to a profile as the next generation):
 *
 *   <hash>-linux-<release>/bzImage               the kernel
 *   <hash>-linux-<release>-modules/lib/modules/  the modules of stage 1 and 2, with modules.dep (depmod)
 *   <hash>-initrd/initrd                          stage 1: busybox, blkid, e2fsck, modules, /init (stage-1.ts);
 *                                                 with boot.initrd.luks also cryptsetup and dm-crypt
 *   <hash>-cairn-sw/                              the userland, the root's /usr: busybox, the spec's programs
 *                                                 and their libraries, zone files, lib/modules
 *   <hash>-cairn-etc/                             the default /etc (default-etc.ts)
 *   <hash>-nodejs-<v>/, <hash>-cairn-<v>/         with installer: true
 *   <hash>-cairn-system/                          boot.json, init (stage 2), sw, etc, kernel, initrd
 *
 * planSystem finds and checks everything on this machine first (the kernel and its modules, every program
 * and library, every module), so bad input leaves no stray entry; writeSystem then stages each entry in a
 * folder beside the store and moves it in whole.
 */
import { lstat, mkdir, readdir, readlink, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '../../lib/errors.js';
import { ignoreProgress, type OnProgress } from '../../lib/progress.js';
import { ZONEINFO, type EtcFile } from '../../system/etc-files.js';
import { encodeInitrdFeatures, INITRD_FEATURES_KEY, type InitrdFeatures } from '../../system/initrd-features.js';
import { hostPath } from '../../system/root-path.js';
import { addEntry, addTreeEntry, ensureStore, type EntryContent, type StoreLocation } from '../../system/store.js';
import type { SystemDefinition } from '../../system/system-spec.js';
import { buildToplevel, type BuiltToplevel } from '../../system/toplevel.js';
import type { InitramfsEntry } from '../initrd/archive-plan.js';
import { PROGRAM_SEARCH_PATH, findHostProgram } from '../initrd/host-files.js';
import { kernelModuleEntries, normalizeModuleName, readModuleTree, resolveModuleClosure, type ModuleTree } from '../initrd/kernel-modules.js';
import { writeInitramfs } from '../initrd/write-initramfs.js';
import { findGrubModules, findSystemdBoot } from '../../bootloader/loader-binaries.js';
import { addCairnPackage } from './cairn-package.js';
import { planDefaultEtc } from './default-etc.js';
import { kernelFiles, type KernelFiles } from './kernel-source.js';
import { materializeTree } from './materialize-tree.js';
import { busyboxApplets, planProgramTree, type HostProgram } from './program-tree.js';
import { renderStage1Init } from './stage-1.js';
import { INSTALLER_CONSOLE, renderInstallerConsole, renderStage2Init } from './stage-2.js';

/**
 * The modules every stage 1 carries and loads, so that one initramfs finds its root on the disks and media
 * of PCs and virtual machines: virtio, NVMe, AHCI and IDE (PATA) controllers, SCSI disks and CD-ROMs, USB
 * host controllers, sticks and keyboards, and the filesystems Cairn installs and boots from.
 */
export const STAGE_1_MODULES = [
  'virtio_pci', 'virtio_blk', 'virtio_scsi', 'nvme', 'ahci', 'ata_piix', 'sd_mod', 'sr_mod',
  'xhci_pci', 'ehci_pci', 'ohci_pci', 'uhci_hcd', 'usb_storage', 'uas', 'usbhid', 'hid_generic',
  'ext4', 'crc32c_generic', 'btrfs', 'vfat', 'nls_cp437', 'nls_ascii', 'nls_utf8', 'isofs',
] as const;

/**
 * What a stage 1 with LUKS support (`boot.initrd.luks`) loads before it opens a device: device-mapper and
 * dm-crypt, the XTS mode of LUKS2's default cipher (aes-xts-plain64; ecb is its inner mode, AES and SHA-256
 * are built into Debian's kernels), and the kernel crypto API for programs, through which cryptsetup decrypts
 * the key slots. `LUKS_OPTIONAL_MODULES` load only on CPUs that have the instructions (not under QEMU's TCG).
 */
export const LUKS_MODULES = ['dm_mod', 'dm_crypt', 'xts', 'ecb', 'af_alg', 'algif_skcipher', 'algif_hash'] as const;
export const LUKS_OPTIONAL_MODULES = ['aesni_intel', 'sha256_ssse3'] as const;

/**
 * Libraries cryptsetup loads with dlopen: glibc's pthread_exit loads libgcc_s.so.1 to unwind, and libargon2
 * ends its threads (one per lane of the key derivation) with pthread_exit.
 */
const CRYPTSETUP_DLOPEN = ['libgcc_s.so.1'] as const;

/**
 * Programs an installer system carries for `cairn install`, with the package each comes from (busybox has the
 * rest: blockdev, sync, poweroff): mke2fs and debugfs for the root, grub-mkimage for GRUB's BIOS core.img,
 * cryptsetup for an encrypted root (with the libraries it loads by dlopen, and LUKS_MODULES loaded by stage 2).
 */
const INSTALLER_PROGRAMS = { mke2fs: 'e2fsprogs', debugfs: 'e2fsprogs', 'grub-mkimage': 'grub-common', cryptsetup: 'cryptsetup-bin' } as const;

/** Where a busybox is looked for when the spec names none (busybox-static on Debian). */
const BUSYBOX_SEARCH = ['/bin', '/usr/bin', '/sbin', '/usr/sbin'] as const;

export interface BuildSystemOptions {
  readonly location: StoreLocation;
  /** The profile the generation goes into (stage 1 binds its folder from a live medium). */
  readonly profile: string;
  readonly onProgress?: OnProgress;
}

export interface BuiltSystem extends BuiltToplevel {
  readonly release: string;
  /** Every store entry the generation consists of, besides the toplevel. */
  readonly entries: readonly string[];
}

/** Everything the build found on this machine and decided, before the first store write. */
export interface SystemBuildPlan {
  readonly definition: SystemDefinition;
  readonly label: string;
  readonly kernel: KernelFiles;
  /** The time zone, when this machine has its zone file (else the system keeps UTC). */
  readonly timeZone: string | undefined;
  /** Stage 1's tree (programs and libraries) and the modules it loads, in order. */
  readonly stage1: {
    readonly tree: readonly InitramfsEntry[];
    readonly modules: readonly InitramfsEntry[];
    readonly load: readonly string[];
    readonly e2fsck: boolean;
    /** With LUKS support: the modules loaded before the first device is opened (the optional ones apart). */
    readonly luks?: { readonly load: readonly string[]; readonly optional: readonly string[] };
  };
  /** The userland's tree (without node, which is a store entry of its own) and the modules stage 2 loads. */
  readonly userland: { readonly tree: readonly InitramfsEntry[]; readonly modules: readonly InitramfsEntry[]; readonly load: readonly string[] };
}

/** A spec made into a generation's store entries and toplevel: the plan, then the writing. */
export async function buildSystem(definition: SystemDefinition, options: BuildSystemOptions): Promise<BuiltSystem> {
  return writeSystem(await planSystem(definition, options.onProgress ?? ignoreProgress), options);
}

/**
 * Finds everything the system needs on this machine (the kernel and its modules, every program and library,
 * every module with its dependencies, the zone files) and checks it; writes nothing.
 */
export async function planSystem(definition: SystemDefinition, onProgress: OnProgress): Promise<SystemBuildPlan> {
  const where = definition.file;
  onProgress({ kind: 'phase', phase: 'check', title: 'Checking the kernel, the programs and the modules' });
  const kernel = await kernelFiles(definition.kernel, `${where}: kernel`);
  const busybox = await findHostProgram(definition.busybox ?? 'busybox', BUSYBOX_SEARCH, `${where}: busybox`);
  const applets = await busyboxApplets(busybox);
  const packages: HostProgram[] = [];
  for (const name of definition.packages) {
    packages.push({ name: posix.basename(name), path: await findHostProgram(name, PROGRAM_SEARCH_PATH, `${where}: packages`) });
  }
  // What `cairn install` runs on the live system besides busybox (blockdev, sync): INSTALLER_PROGRAMS, and
  // the boot loaders it sets up where bootloader/loader-binaries.ts looks (/usr is the userland):
  // systemd-boot's EFI binary for UEFI, GRUB's i386-pc directory for BIOS (a live boot under a BIOS installs for it).
  const installerFiles: InitramfsEntry[] = [];
  if (definition.installer) {
    for (const [name, providedBy] of Object.entries(INSTALLER_PROGRAMS).filter(([n]) => !packages.some((p) => p.name === n))) {
      packages.push({ name, path: await findHostProgram(name, PROGRAM_SEARCH_PATH, `${where}: installer: true needs ${name} (${providedBy})`) });
    }
    let systemdBoot: string;
    let grubPc: string;
    try {
      systemdBoot = findSystemdBoot();
      grubPc = await findGrubModules('i386-pc');
    } catch (error) {
      throw new UserError(`${where}: installer: true carries the boot loaders the installer sets up: ${(error as Error).message}`, { hint: (error as UserError).hint ?? '' });
    }
    installerFiles.push({ kind: 'file', path: '/lib/systemd/boot/efi/systemd-bootx64.efi', source: systemdBoot, mode: 0o644 });
    for (const name of (await readdir(grubPc)).sort()) installerFiles.push({ kind: 'file', path: `/lib/grub/i386-pc/${name}`, source: join(grubPc, name), mode: 0o644 });
  }
  const blkid = await findHostProgram('blkid', PROGRAM_SEARCH_PATH, 'stage 1 needs blkid (util-linux) to find root=UUID=...');
  const e2fsck = await findHostProgram('e2fsck', PROGRAM_SEARCH_PATH).catch(() => undefined);
  if (e2fsck === undefined) onProgress({ kind: 'warning', message: 'e2fsck (e2fsprogs) is not on this machine: stage 1 will mount ext4 roots unchecked' });

  const cryptsetup = definition.luks ? await findHostProgram('cryptsetup', PROGRAM_SEARCH_PATH, `${where}: boot.initrd.luks needs cryptsetup (cryptsetup-bin) in stage 1`) : undefined;

  const modules = await readModuleTree(kernel.modules);
  const luksNames: string[] = definition.luks ? [...LUKS_MODULES, ...LUKS_OPTIONAL_MODULES.filter((m) => modules.modules.has(m))] : [];
  const stage1Names = [...new Set([...STAGE_1_MODULES, ...definition.initrdModules, ...luksNames].map(normalizeModuleName))];
  // An installer system's stage 2 loads dm-crypt and its crypto, so that cryptsetup can encrypt a root.
  const stage2Names = [...new Set([...definition.kernelModules, ...(definition.installer ? LUKS_MODULES : [])].map(normalizeModuleName))];
  const allNames = [...new Set([...stage1Names, ...stage2Names])];
  const loadable = (names: readonly string[]) => names.filter((n) => !modules.builtin.has(n));
  const stage1Modules = await kernelModuleEntries(modules, await moduleClosure(modules, stage1Names, where));
  // The userland's modules: stage 1's and stage 2's (one depmod when they are the same).
  const allModules = allNames.length === stage1Names.length ? stage1Modules : await kernelModuleEntries(modules, await moduleClosure(modules, allNames, where));

  const stage1Programs: HostProgram[] = [
    { name: 'busybox', path: busybox },
    { name: 'blkid', path: blkid },
    ...(e2fsck === undefined ? [] : [{ name: 'e2fsck', path: e2fsck }]),
    ...(cryptsetup === undefined ? [] : [{ name: 'cryptsetup', path: cryptsetup }]),
  ];
  const stage1Tree = await planProgramTree(stage1Programs, { applets, tree: 'initramfs', libraries: cryptsetup === undefined ? [] : CRYPTSETUP_DLOPEN });
  // node's libraries are resolved with the userland's; node itself becomes a store entry of its own.
  const node: HostProgram[] = definition.installer ? [{ name: 'node', path: process.execPath }] : [];
  const userlandTree = await planProgramTree([{ name: 'busybox', path: busybox }, ...packages, ...node], { applets, tree: 'usr', libraries: definition.installer ? CRYPTSETUP_DLOPEN : [] });
  const zoneinfo = await zoneinfoEntries();
  const timeZone = zoneinfo.some((e) => e.path === `/share/zoneinfo/${definition.timeZone}`) ? definition.timeZone : undefined;
  if (timeZone === undefined) onProgress({ kind: 'warning', message: `no zone file for ${definition.timeZone} in ${ZONEINFO}: the system keeps UTC` });
  return {
    definition,
    label: definition.label ?? `Cairn ${definition.hostName} (Linux ${kernel.release})`,
    kernel,
    timeZone,
    stage1: {
      tree: stage1Tree.entries,
      modules: stage1Modules,
      // Stage 1 loads dm-crypt and its crypto only when the command line names a LUKS device.
      load: loadable(stage1Names.filter((n) => !luksNames.includes(n))),
      e2fsck: e2fsck !== undefined,
      ...(definition.luks ? { luks: { load: loadable(LUKS_MODULES), optional: loadable(luksNames.filter((n) => !(LUKS_MODULES as readonly string[]).includes(n))) } } : {}),
    },
    userland: {
      tree: [...userlandTree.entries.filter((e) => e.path !== '/bin/node'), ...zoneinfo, ...installerFiles],
      modules: allModules,
      load: loadable(stage2Names),
    },
  };
}

/** Writes a plan's store entries and toplevel; each entry is staged in a folder beside the store and moved in whole. */
export async function writeSystem(plan: SystemBuildPlan, options: BuildSystemOptions): Promise<BuiltSystem> {
  const onProgress = options.onProgress ?? ignoreProgress;
  const { location } = options;
  const { definition, label, kernel } = plan;
  onProgress({ kind: 'phase', phase: 'store', title: `Writing the store entries of ${label}` });
  await ensureStore(location);
  const staging = join(hostPath(location.root, location.store), `.stage-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging);
  try {
    const stage = async (name: string, entries: readonly InitramfsEntry[]) => {
      const directory = join(staging, name);
      await materializeTree(entries, directory);
      return addTreeEntry(location, name, directory);
    };
    const modulesEntry = await stage(`linux-${kernel.release}-modules`, plan.userland.modules);
    const cairn = definition.installer ? await addCairnPackage(location, staging) : undefined;
    const sw = await stage('cairn-sw', [
      ...plan.userland.tree,
      { kind: 'symlink', path: '/lib/modules', target: posix.join(modulesEntry, 'lib', 'modules') },
      ...(cairn === undefined ? [] : [{ kind: 'symlink', path: '/bin/node', target: cairn.node } as const, { kind: 'symlink', path: '/bin/cairn', target: cairn.cairn } as const]),
    ]);
    const etcFiles = planDefaultEtc({ ...definition, label, timeZone: plan.timeZone });
    const etc = await addEntry(location, 'cairn-etc', Object.fromEntries(etcFiles.map((f) => [f.name, etcContent(f)])));

    onProgress({ kind: 'phase', phase: 'initramfs', title: 'Writing stage 1 (the initramfs)' });
    const init = renderStage1Init({
      store: location.store,
      profiles: posix.dirname(options.profile),
      modules: plan.stage1.load,
      blkid: '/bin/blkid',
      ...(plan.stage1.e2fsck ? { e2fsck: '/bin/e2fsck' } : {}),
      ...(plan.stage1.luks === undefined ? {} : { luks: { cryptsetup: '/bin/cryptsetup', modules: plan.stage1.luks.load, optionalModules: plan.stage1.luks.optional } }),
    });
    const initrd = join(staging, 'initrd');
    await writeInitramfs(
      [
        ...plan.stage1.tree,
        ...plan.stage1.modules,
        { kind: 'file', path: '/init', data: init, mode: 0o755 },
        { kind: 'device', path: '/dev/console', device: 'char', major: 5, minor: 1, mode: 0o600 },
        { kind: 'device', path: '/dev/null', device: 'char', major: 1, minor: 3, mode: 0o666 },
        ...['/etc', '/newroot', '/proc', '/run', '/sys', '/tmp'].map((path): InitramfsEntry => ({ kind: 'directory', path })),
      ],
      // Dated 1970 like every store file, so that generations of the same contents share one initramfs.
      { output: initrd, compression: definition.compression, onProgress },
    );

    onProgress({ kind: 'phase', phase: 'toplevel', title: 'Writing the toplevel (boot.json, stage 2)' });
    const stage2 = (self: string) => renderStage2Init({ toplevel: self, sw, etc, label, kernelModules: plan.userland.load, liveConsole: definition.liveConsole });
    const built = await buildToplevel(location, {
      kernel: kernel.image,
      initrd,
      kernelParams: definition.kernelParams,
      label,
      extensions: initrdExtensions({ luks: plan.stage1.luks !== undefined }),
      files: {
        init: (self) => ({ type: 'text', executable: true, text: stage2(self) }),
        ...(definition.liveConsole === 'installer' ? { [INSTALLER_CONSOLE]: { type: 'text', executable: true, text: renderInstallerConsole({ sw }) } as const } : {}),
        sw: { type: 'symlink', target: sw },
        etc: { type: 'symlink', target: etc },
      },
    });
    const packaged = cairn === undefined ? [] : [cairn.node, cairn.cairn].map((path) => posix.dirname(posix.dirname(path)));
    return { ...built, release: kernel.release, entries: [modulesEntry, sw, etc, ...packaged] };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** boot.json's record of what stage 1 can do (nothing for a plain stage 1, so its boot.json keeps its bytes). */
function initrdExtensions(features: InitrdFeatures): Record<string, unknown> {
  const value = encodeInitrdFeatures(features);
  return value === undefined ? {} : { [INITRD_FEATURES_KEY]: value };
}

async function moduleClosure(tree: ModuleTree, names: readonly string[], where: string) {
  try {
    return await resolveModuleClosure(tree, names);
  } catch (error) {
    if (error instanceof UserError && !error.message.startsWith(where)) throw new UserError(`${where}: ${error.message}`, { hint: error.hint ?? '' });
    throw error;
  }
}

function etcContent(file: EtcFile): EntryContent {
  return file.kind === 'symlink' ? { type: 'symlink', target: file.target } : { type: 'text', text: file.text };
}

/**
 * This machine's zone files (/usr/share/zoneinfo without the posix/ and right/ variants) under
 * /share/zoneinfo of the userland; none when the machine has none (tzdata).
 */
async function zoneinfoEntries(): Promise<InitramfsEntry[]> {
  const entries: InitramfsEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    const directory = posix.join(ZONEINFO, relative);
    for (const name of (await readdir(directory)).sort()) {
      const path = posix.join(relative, name);
      if (relative === '' && (name === 'posix' || name === 'right' || name === 'localtime')) continue;
      const info = await lstat(posix.join(directory, name));
      if (info.isDirectory()) await walk(path);
      else if (info.isSymbolicLink()) {
        const target = await readlink(posix.join(directory, name));
        if (!target.startsWith('/')) entries.push({ kind: 'symlink', path: `/share/zoneinfo/${path}`, target });
      } else if (info.isFile()) entries.push({ kind: 'file', path: `/share/zoneinfo/${path}`, source: posix.join(directory, name), mode: 0o644 });
    }
  };
  try {
    await walk('');
  } catch {
    return [];
  }
  return entries;
}
