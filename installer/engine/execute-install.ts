/**
 * Applying an install plan. Everything the target receives is first assembled in a work directory: the
 * root tree (the store closure of the chosen generations, their profile links, /etc/cairn with the
 * generated configuration and the answers, the log) and the ESP tree (the boot loader with an entry per
 * generation, and GRUB's menu for BIOS boot). Only then is the disk written, in one step (partition table,
 * GRUB's BIOS boot code, and filesystems filled from the two trees), so that a failure or Ctrl-C before it
 * leaves the target untouched, and an image target is built under a temporary name and renamed at the end. Running the installer again cleans up what an
 * earlier run left in the work directory.
 */
import { cp, lstat, lutimes, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { CancelledError, DomainError, UserError } from '../../lib/errors.js';
import { ignoreProgress, progressCounter, type OnProgress } from '../../lib/progress.js';
import { run } from '../../lib/run.js';
import { formatSize } from '../../lib/size.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { checkSecureBootInstall, installBootLoader } from '../../bootloader/esp-update.js';
import { biosBootDiskOfPlan, grubPcCoreConfig, planGrubPcBootCode, type GrubPcBootCode } from '../../bootloader/grub-pc/boot-code-plan.js';
import { buildGrubPcImages } from '../../bootloader/grub-pc/install-boot-code.js';
import { describeBootLoaders } from '../../system/firmware.js';
import { applyPlan, closeEncrypted, flushDisk, type AppliedDisk } from '../../partitioning/apply.js';
import { assertOnThisMachine, type Target } from '../../partitioning/target.js';
import { generationLink, readProfile } from '../../system/profile.js';
import { hostPath } from '../../system/root-path.js';
import { storeClosureRecords, writeEntryRecord } from '../../system/store.js';
import { fileKind, jsonSchemaOf } from '../../system/file-kinds.js';
import { renderConfigFiles } from '../config/generate-config.js';
import type { PlatformReport } from '../hardware/platform.js';
import { openInstallLog } from './install-log.js';
import type { InstallPlan } from './install-plan.js';
import { checkRootSpace, spaceError } from './space-check.js';
import { writeTargetEtc } from './target-etc.js';

const TARGET_LOG_PATH = '/var/log/cairn/install.log';

export interface ExecuteOptions {
  readonly platform: PlatformReport;
  readonly target: Target;
  /** The work directory for the two trees; emptied first. */
  readonly workDirectory: string;
  /** The log on this machine (kept after the install, whatever happens). */
  readonly logPath: string;
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
  /**
   * The encryption passphrase when the plan encrypts the root (it is never part of a plan). Given to
   * cryptsetup on stdin only, and zeroed here once the disk is written or the install stopped.
   */
  readonly passphrase?: Uint8Array;
}

export interface InstallResult {
  readonly disk: AppliedDisk;
  readonly logPath: string;
  readonly lines: readonly string[];
}

/** An install that stopped: what was done, where the log is, and what to do. */
class InstallFailedError extends DomainError {
  override readonly name: string = 'InstallFailedError';
  readonly logPath: string;
  constructor(message: string, logPath: string, options: { hint?: string; cause?: unknown } = {}) {
    super('install-failed', message, options);
    this.logPath = logPath;
  }
}

export async function executeInstall(plan: InstallPlan, options: ExecuteOptions): Promise<InstallResult> {
  // Before any work: a recorded machine's disk is planned for, never written.
  assertOnThisMachine(options.target);
  if (plan.encryption !== undefined && (options.passphrase === undefined || options.passphrase.length === 0)) {
    throw new UserError('the plan encrypts the root filesystem, and no passphrase was given; nothing was written', { hint: 'give encryption.passphrase or encryption.passphraseFile in the answers' });
  }
  // Secure Boot: the signed chain and every kernel checked before anything is copied or written.
  const secureBoot = plan.secureBoot === undefined ? undefined : { files: plan.secureBoot, where: 'secureBoot (in the answers)' };
  if (secureBoot !== undefined) await checkSecureBootInstall({ root: plan.source.root, profile: plan.source.profile, generations: plan.generations, secureBoot });
  const log = openInstallLog(options.logPath, options.onProgress ?? ignoreProgress);
  const onProgress = log.onProgress;
  const stagedRoot = join(options.workDirectory, 'root');
  const stagedEsp = join(options.workDirectory, 'esp');
  const checkpoint = (done: string) => {
    if (options.signal?.aborted) {
      throw new CancelledError(`stopped after ${done}; the target ${plan.target.path} was not written`, { hint: 'start the installer again when ready' });
    }
  };
  let disk: AppliedDisk | undefined;
  log.line(`install onto ${plan.target.description}: generations ${plan.generations.join(', ')} (current ${plan.current}), ${describeBootLoaders(plan.firmware, plan.bootloader)}, ${plan.kernelParams.join(' ')}`);
  try {
    onProgress({ kind: 'phase', phase: 'prepare', title: 'Preparing the work directory' });
    await rm(options.workDirectory, { recursive: true, force: true });
    await mkdir(stagedRoot, { recursive: true });
    await mkdir(stagedEsp, { recursive: true });
    // GRUB for BIOS first: a missing grub-pc-bin or a BIOS boot partition too small is known before any copying.
    const biosBootCode = await planBiosBootCode(plan, onProgress);
    checkpoint('preparing');

    await copyGenerations(plan, stagedRoot, onProgress, options.signal);
    checkpoint('copying the generations');
    await writeSystemFiles(plan, stagedRoot, options.platform, onProgress);
    await writeTargetEtc(plan, stagedRoot, { lastPasswordChange: sourceDateEpoch(), onProgress });

    onProgress({ kind: 'phase', phase: 'boot', title: `Setting up ${describeBootLoaders(plan.firmware, plan.bootloader)} with an entry per generation` });
    await installBootLoader({
      esp: stagedEsp,
      root: stagedRoot,
      profile: plan.source.profile,
      loader: plan.bootloader,
      firmware: plan.firmware,
      generations: plan.generations,
      extraParams: plan.kernelParams,
      allowNonFat: true,
      serial: true,
      ...(secureBoot === undefined ? {} : { secureBoot }),
      onProgress,
    });
    checkpoint('setting up the boot loader');

    await checkSpace(plan, stagedRoot, stagedEsp);
    // The log so far goes into the root tree; on ext4 it is replaced by the whole log once the disk is written.
    log.line(`writing the disk; the log goes to ${TARGET_LOG_PATH} on the target`);
    await mkdir(join(stagedRoot, posix.dirname(TARGET_LOG_PATH)), { recursive: true });
    await cp(options.logPath, join(stagedRoot, TARGET_LOG_PATH));

    disk = await applyPlan(plan.partitions, options.target, {
      onProgress,
      populate: { [plan.root.name]: stagedRoot, ...(plan.esp === undefined ? {} : { [plan.esp.name]: stagedEsp }) },
      ...(biosBootCode === undefined ? {} : { bootCode: biosBootCode.blocks }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(plan.encryption === undefined ? {} : { encrypt: { partition: plan.encryption.partition, format: plan.encryption, passphrase: options.passphrase! } }),
    });
    log.line(`the disk is written: ${disk.partitions.map((p) => `${p.name} at ${formatSize(p.offsetBytes)}`).join(', ')}`);
    // The phase is announced first, so that the log the target receives ends with it.
    onProgress({ kind: 'phase', phase: 'flush', title: `Copying the log and flushing ${plan.target.description}` });
    await copyLogToTarget(plan, disk, options.logPath);
    await flushDisk(disk);
    await closeEncrypted(disk);
    const encrypted = plan.encryption === undefined ? '' : ` inside LUKS2 UUID ${plan.encryption.uuid} (${plan.encryption.cipher}, ${plan.encryption.pbkdf})`;
    const lines = [
      `Installed generations ${plan.generations.join(', ')} onto ${plan.target.description}.`,
      `Root filesystem: ${plan.root.filesystem!.format} UUID ${plan.root.filesystem!.uuid}${encrypted}; boot loader: ${describeBootLoaders(plan.firmware, plan.bootloader)}.`,
      `The configuration is in /etc/cairn on the target; the log is ${options.logPath} (and ${TARGET_LOG_PATH} there).`,
    ];
    return { disk, logPath: options.logPath, lines };
  } catch (error) {
    if (disk !== undefined) await closeEncrypted(disk).catch(() => undefined);
    const what = error instanceof Error ? error.message : String(error);
    log.line(`FAILED: ${what}`);
    if (error instanceof CancelledError) throw Object.assign(error, { logPath: options.logPath });
    throw new InstallFailedError(`the install stopped: ${what}`, options.logPath, {
      hint: `read ${options.logPath}, fix the cause, and run the installer again (it starts over cleanly)`,
      cause: error,
    });
  } finally {
    options.passphrase?.fill(0);
    await rm(options.workDirectory, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * GRUB's BIOS boot code for the planned disk: core.img built for the planned ESP (its partition and FAT
 * volume id), placed in the BIOS boot partition (or the MBR gap), and GRUB's boot sector over the planned
 * table. Written with the table, in the disk step.
 */
async function planBiosBootCode(plan: InstallPlan, onProgress: OnProgress): Promise<GrubPcBootCode | undefined> {
  if (plan.biosBoot === undefined) return undefined;
  const disk = biosBootDiskOfPlan(plan.partitions);
  const esp = plan.partitions.partitions.find((p) => p.number === plan.biosBoot!.espPartition)!;
  onProgress({ kind: 'phase', phase: 'bios-boot', title: 'Building GRUB for BIOS (core.img)' });
  const images = await buildGrubPcImages(grubPcCoreConfig(disk, { partition: esp.number, volumeId: esp.filesystem!.uuid }));
  const code = planGrubPcBootCode(disk, images);
  onProgress({ kind: 'log', message: `GRUB for BIOS: core.img (${code.coreSectors} sectors) goes to sector ${code.place.firstLba}, its menu is read from the ESP (partition ${esp.number}, volume id ${esp.filesystem!.uuid})` });
  return code;
}

/** Copies the store closure of the chosen generations and recreates their profile links, dated as before. */
async function copyGenerations(plan: InstallPlan, stagedRoot: string, onProgress: OnProgress, signal: AbortSignal | undefined): Promise<void> {
  const profile = await readProfile(plan.source.root, plan.source.profile);
  const chosen = profile.generations.filter((g) => plan.generations.includes(g.number));
  const location = { root: plan.source.root, store: plan.source.store };
  // The medium records each entry's references and size: the closure is read, not scanned (store.ts).
  const closure = await storeClosureRecords(location, chosen.map((g) => g.toplevel));
  const entries = [...closure.keys()];
  const files = [...closure.values()].reduce((sum, record) => sum + record.files, 0);
  onProgress({ kind: 'phase', phase: 'copy', title: `Copying ${entries.length} store entries of ${chosen.length} generations`, total: files, unit: 'files' });
  const counter = progressCounter(onProgress, 'copy', files, 'files', Math.max(1, Math.floor(files / 100)));
  await mkdir(hostPath(stagedRoot, plan.source.store), { recursive: true });
  for (const entry of entries) {
    if (signal?.aborted) return;
    await cp(hostPath(plan.source.root, entry), hostPath(stagedRoot, entry), {
      recursive: true,
      preserveTimestamps: true,
      verbatimSymlinks: true,
      filter: () => {
        counter.advance(1);
        return true;
      },
    });
    await writeEntryRecord({ root: stagedRoot, store: plan.source.store }, entry, closure.get(entry)!);
  }
  counter.finish();
  const profileDirectory = hostPath(stagedRoot, posix.dirname(plan.source.profile));
  await mkdir(profileDirectory, { recursive: true });
  for (const generation of chosen) {
    const link = hostPath(stagedRoot, generationLink(plan.source.profile, generation.number));
    await symlink(generation.toplevel, link);
    await lutimes(link, generation.date, generation.date);
  }
  await symlink(posix.basename(generationLink(plan.source.profile, plan.current)), hostPath(stagedRoot, plan.source.profile));
}

/** /etc/cairn (configuration, hardware configuration, answers, their schemas) and the mount points. */
async function writeSystemFiles(plan: InstallPlan, stagedRoot: string, platform: PlatformReport, onProgress: OnProgress): Promise<void> {
  onProgress({ kind: 'phase', phase: 'config', title: 'Writing /etc/cairn (configuration, hardware configuration, answers)' });
  const rendered = renderConfigFiles({ platform, layout: plan.targetLayout, choices: plan.choices, mountedAt: '/' });
  for (const warning of rendered.warnings) onProgress({ kind: 'warning', message: warning });
  const etc = join(stagedRoot, 'etc', 'cairn');
  await mkdir(join(etc, 'schemas'), { recursive: true });
  await writeFile(join(etc, 'hardware-configuration.yaml'), rendered.hardwareConfiguration);
  await writeFile(join(etc, 'configuration.yaml'), rendered.configuration, { mode: 0o600 });
  await writeFile(join(etc, 'answers.yaml'), plan.reproducingAnswers, { mode: 0o600 });
  for (const schema of rendered.schemas) await writeFile(join(etc, schema.path), schema.text);
  await writeFile(join(etc, 'schemas', 'answers.schema.json'), `${JSON.stringify(jsonSchemaOf(fileKind('answers')), null, 2)}\n`);
  for (const fileSystem of plan.targetLayout.fileSystems) {
    if (fileSystem.mountPoint !== '/') await mkdir(join(stagedRoot, fileSystem.mountPoint), { recursive: true });
  }
}

/** Refuses, before the disk is touched, a root or ESP partition too small for what goes on it. */
async function checkSpace(plan: InstallPlan, stagedRoot: string, stagedEsp: string): Promise<void> {
  const root = checkRootSpace(plan, await treeBytes(stagedRoot, 4096));
  if (root.refusal !== undefined) throw spaceError(root);
  if (plan.esp !== undefined) {
    const espNeed = await treeBytes(stagedEsp, 2048);
    const espRoom = Math.floor(plan.esp.sizeBytes * 0.95);
    if (espNeed > espRoom) {
      throw new DomainError('esp-full', `the ESP (${formatSize(plan.esp.sizeBytes)}) cannot hold the boot loader and the kernels of ${plan.generations.length} generations (${formatSize(espNeed)}); nothing was written`, {
        hint: 'give the ESP more room in the layout, or install fewer generations',
        expected: espNeed,
        actual: espRoom,
      });
    }
  }
}

async function treeBytes(path: string, block: number): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return Math.ceil(Math.max(info.size, 1) / block) * block;
  let total = block;
  for (const name of await readdir(path)) total += await treeBytes(join(path, name), block);
  return total;
}

/** Puts the whole log (up to the end) on an ext4 root, written in place with debugfs; other filesystems keep the log as staged. */
async function copyLogToTarget(plan: InstallPlan, disk: AppliedDisk, logPath: string): Promise<void> {
  const root = disk.partitions.find((p) => p.name === plan.root.name);
  if (root === undefined || plan.root.filesystem?.format !== 'ext4') return;
  const device = root.mapper ?? root.device ?? `${disk.path}?offset=${root.offsetBytes}`;
  await stat(logPath);
  const directory = posix.dirname(TARGET_LOG_PATH);
  const name = posix.basename(TARGET_LOG_PATH);
  const commands = [`cd ${directory}`, `rm ${name}`, `write ${logPath} ${name}`].join('\n');
  const script = `${logPath}.debugfs`;
  await writeFile(script, `${commands}\n`);
  try {
    await run('debugfs', ['-w', '-f', script, device]);
  } finally {
    await rm(script, { force: true });
  }
}
