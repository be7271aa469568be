/**
 * `cairn boot install|update|list`: boot entries for every generation on an EFI system partition, read by
 * the UEFI loader and, with --firmware bios or both, by GRUB for BIOS from the disk's first sector.
 */
import { Command, Option } from 'commander';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findDiskOfMount, prepareGrubPcBootCode, writePreparedBootCode, type PreparedBootCode } from '../../bootloader/grub-pc/install-boot-code.js';
import { UserError } from '../../lib/errors.js';
import { FIRMWARE_CHOICES, bootsOnBios, describeFirmwareChoice, type FirmwareChoice } from '../../system/firmware.js';
import { detectFirmware } from '../../installer/hardware/firmware.js';
import { HostFiles } from '../../system/machine/host-files.js';
import { thisMachine } from '../../system/machine/recording.js';
import { inspectEsp, type EspMenuReport, type EspReport } from '../../bootloader/esp-inspect.js';
import { ESP_LOADERS, type EspLoader } from '../../bootloader/esp-layout.js';
import { contentSize, type EspPlan } from '../../bootloader/esp-plan.js';
import { DEFAULT_LOCK_WAIT_MS } from '../../bootloader/esp-lock.js';
import { DEFAULT_BOOT_TIMEOUT, installBootLoader, updateEsp, type EspUpdateOptions, type EspUpdateResult } from '../../bootloader/esp-update.js';
import { UsageError } from '../../lib/errors.js';
import { formatSize } from '../../lib/size.js';
import { addRootOptions, collect, formatTable, parseCount, parsePositive, printJson, rootOf } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';
import { style } from '../terminal.js';

interface UpdateFlags {
  esp: string;
  root: string;
  profile: string;
  loader?: EspLoader;
  firmware?: FirmwareChoice;
  limit?: number;
  timeout: number;
  param: string[];
  generation: number[];
  serial?: boolean;
  allowNonFat?: boolean;
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  lockWait: number;
}

function addUpdateOptions(command: Command): Command {
  return addRootOptions(
    command
      .requiredOption('--esp <dir>', 'the directory the EFI system partition is mounted at')
      .addOption(new Option('--loader <loader>', 'the UEFI boot loader (default: the one the ESP boots, else systemd-boot)').choices([...ESP_LOADERS]))
      .addOption(new Option('--firmware <firmware>', 'which firmware boots the disk: uefi, bios (GRUB from the first sector) or both').choices([...FIRMWARE_CHOICES]))
      .option('--limit <n>', 'keep the N newest generations in the menu (the current one always stays)', parsePositive)
      .option('--generation <n>', 'only this generation (repeatable)', (value: string, previous: number[] = []) => [...previous, parseCount(value)], [])
      .option('--timeout <seconds>', 'seconds before the default entry boots', parseCount, DEFAULT_BOOT_TIMEOUT)
      .option('--param <param>', 'kernel parameter added to every entry, e.g. root=LABEL=nixos (repeatable)', collect, [])
      .option('--serial', 'GRUB: show the menu on the first serial port too (115200 baud)')
      .option('--allow-non-fat', 'build an ESP tree in a directory that is not a FAT filesystem (to copy into an image)')
      .option('--dry-run', 'print the plan; change nothing')
      .option('--verbose', 'print every file written and removed')
      .option('--lock-wait <seconds>', 'how long to wait while another cairn updates the same ESP (0: stop at once)', parseCount, DEFAULT_LOCK_WAIT_MS / 1000)
      .option('--json', 'print the result as JSON'),
  );
}

function updateOptions(flags: UpdateFlags, onProgress: EspUpdateOptions['onProgress']): EspUpdateOptions {
  return {
    esp: resolve(flags.esp),
    root: rootOf(flags),
    profile: flags.profile,
    ...(flags.loader === undefined ? {} : { loader: flags.loader }),
    ...(flags.firmware === undefined ? {} : { firmware: flags.firmware }),
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.generation.length === 0 ? {} : { generations: flags.generation }),
    timeout: flags.timeout,
    extraParams: flags.param,
    serial: flags.serial === true,
    allowNonFat: flags.allowNonFat === true,
    dryRun: flags.dryRun === true,
    lockWaitMs: flags.lockWait * 1000,
    ...(onProgress === undefined ? {} : { onProgress }),
  };
}

export function bootCommand(): Command {
  const command = new Command('boot').description('boot entries for every generation on an EFI system partition (systemd-boot or GRUB)');

  addUpdateOptions(
    command
      .command('install')
      .description('install the boot loader (systemd-boot or a GRUB EFI image, and GRUB for BIOS in the disk\'s first sectors) and write the entries')
      .option('--systemd-boot-efi <file>', 'systemd-bootx64.efi to install (default: from the systemd-boot-efi package)')
      .option('--grub-modules <dir>', "GRUB's x86_64-efi module directory (default: from the grub-efi-amd64-bin package)")
      .option('--disk <disk>', 'BIOS: the disk (or image file) whose first sector and BIOS boot partition get GRUB (default: the disk the ESP is mounted from)')
      .option('--grub-pc-modules <dir>', "BIOS: GRUB's i386-pc module directory (default: from the grub-pc-bin package)")
      .option('--secure-boot', "UEFI: install the distribution's signed chain for Secure Boot: shim, its signed GRUB, the MOK manager")
      .option('--shim <file>', 'with --secure-boot: shim signed by Microsoft (default: from the shim-signed package)')
      .option('--signed-grub <file>', 'with --secure-boot: GRUB signed by the distribution (default: from the grub-efi-amd64-signed package)')
      .option('--mok-manager <file>', 'with --secure-boot: the signed MOK manager (default: from the shim-helpers-amd64-signed package)'),
  ).action(async (flags: UpdateFlags & { systemdBootEfi?: string; grubModules?: string; disk?: string; grubPcModules?: string; secureBoot?: boolean; shim?: string; signedGrub?: string; mokManager?: string }) => {
    const signed = { ...(flags.shim === undefined ? {} : { shim: resolve(flags.shim) }), ...(flags.signedGrub === undefined ? {} : { grub: resolve(flags.signedGrub) }), ...(flags.mokManager === undefined ? {} : { mokManager: resolve(flags.mokManager) }) };
    if (flags.secureBoot !== true && Object.keys(signed).length > 0) {
      throw new UsageError('--shim, --signed-grub and --mok-manager name the files of the Secure Boot chain: they need --secure-boot');
    }
    if (flags.secureBoot === true && flags.firmware === 'bios') {
      throw new UsageError('--secure-boot installs a chain that UEFI firmware checks; --firmware bios boots through GRUB for BIOS alone, which Secure Boot does not concern: give --firmware uefi or both, or leave out --secure-boot');
    }
    const esp = resolve(flags.esp);
    const mount = flags.disk === undefined && flags.firmware !== 'uefi' ? await findDiskOfMount(esp) : undefined;
    const detected = flags.firmware ?? (await defaultInstallFirmware(flags.disk, mount !== undefined));
    // Secure Boot is asked for: the disk boots with UEFI whatever this machine booted with.
    const firmware = flags.secureBoot === true && detected === 'bios' ? 'both' : detected;
    let prepared: PreparedBootCode | undefined;
    if (bootsOnBios(firmware)) {
      const disk = flags.disk ?? mount?.disk;
      if (disk === undefined) {
        throw new UserError(`--firmware ${firmware}: GRUB for BIOS goes into the first sectors of the disk the ESP is on, and ${esp} is not mounted from a partition of a disk this machine lists`, {
          hint: 'give that disk (or image file) with --disk',
        });
      }
      prepared = await prepareGrubPcBootCode({
        disk: flags.disk === undefined ? disk : resolve(disk),
        ...(mount?.partition === undefined ? {} : { espPartition: mount.partition }),
        ...(flags.grubPcModules === undefined ? {} : { modulesDirectory: resolve(flags.grubPcModules) }),
      });
    }
    const result = await withProgress(flags, async (onProgress) => {
      const installed = await installBootLoader({
        ...updateOptions(flags, onProgress),
        firmware,
        ...(flags.systemdBootEfi === undefined ? {} : { systemdBootEfi: resolve(flags.systemdBootEfi) }),
        ...(flags.grubModules === undefined ? {} : { grubModules: resolve(flags.grubModules) }),
        ...(flags.secureBoot === true ? { secureBoot: { files: signed, where: '--secure-boot' } } : {}),
      });
      // The ESP's menu is in place before the BIOS boot code that reads it.
      if (prepared !== undefined && installed.applied) await writePreparedBootCode(prepared, onProgress);
      return installed;
    });
    report(result, flags, prepared);
  });

  addUpdateOptions(command.command('update').description('write the entries of every generation onto the ESP: atomic, space checked first, stale files removed last')).action(
    async (flags: UpdateFlags) => {
      report(await withProgress(flags, (onProgress) => updateEsp(updateOptions(flags, onProgress))), flags);
    },
  );

  command
    .command('list')
    .description('what the ESP offers: entries in menu order, the default, kernels and initrds, free space')
    .requiredOption('--esp <dir>', 'the directory the EFI system partition is mounted at')
    .option('--json', 'print as JSON')
    .action(async (flags: { esp: string; json?: boolean }) => {
      const found = await inspectEsp(resolve(flags.esp));
      if (flags.json) printJson(reportToJson(found));
      else process.stdout.write(formatReport(found));
    });

  return command;
}

/** Runs the work with progress on stderr, the bar line closed before the result is printed. */
async function withProgress<T>(flags: UpdateFlags, work: (onProgress: NonNullable<EspUpdateOptions['onProgress']>) => Promise<T>): Promise<T> {
  const progress = createProgressRenderer({ verbose: flags.verbose === true });
  try {
    return await work(progress.onProgress);
  } finally {
    progress.finish();
  }
}

/**
 * `boot install`'s firmware when not given: with --disk, both for an image file (a disk made to boot
 * anywhere) and this machine's firmware for a disk; without it, this machine's firmware when the ESP is
 * mounted from a disk, else (an ESP tree in a plain directory, where no disk can be written) UEFI.
 */
async function defaultInstallFirmware(disk: string | undefined, espOnDisk: boolean): Promise<FirmwareChoice> {
  if (disk !== undefined && (await stat(disk).catch(() => undefined))?.isFile() === true) return 'both';
  if (disk === undefined && !espOnDisk) return 'uefi';
  return (await detectFirmware(new HostFiles(thisMachine().files))).type;
}

function loaderLine(plan: EspPlan): string {
  if (plan.firmware === 'bios') return 'GRUB for BIOS';
  return plan.firmware === 'both' ? `${plan.loader} for UEFI, GRUB for BIOS` : plan.loader;
}

function report(result: EspUpdateResult, flags: UpdateFlags, bios?: PreparedBootCode): void {
  const plan = result.plan;
  if (flags.json) {
    printJson({ ...planToJson(result), ...(bios === undefined ? {} : { biosBoot: biosBootToJson(bios, result.applied) }) });
    return;
  }
  const menu = plan.menu;
  const byId = new Map(menu.entries.map((e) => [e.id, e]));
  const head = `${plan.esp} (${loaderLine(plan)}): ${menu.entries.length} entr${menu.entries.length === 1 ? 'y' : 'ies'}, default ${byId.get(menu.defaultId)!.title}`;
  const biosLine = bios === undefined ? undefined : `GRUB for BIOS on ${bios.description}: core.img (${bios.code.coreSectors} sectors) in ${bios.code.place.kind === 'bios-boot-partition' ? `the BIOS boot partition (partition ${bios.code.place.partition})` : 'the gap after the MBR'} at sector ${bios.code.place.firstLba}, the menu read from the ESP (partition ${bios.esp.partition}, volume id ${bios.esp.volumeId})`;
  if (!result.applied) {
    process.stdout.write(`plan for ${head}\n`);
    if (biosLine !== undefined) process.stdout.write(`  write ${biosLine}\n`);
    for (const step of plan.steps) process.stdout.write(`  ${step.kind === 'write' ? 'write ' : 'remove'} ${step.path}${step.kind === 'write' ? ` (${formatSize(contentSize(step.content))}${step.phase === 'transitional' ? ', transitional' : ''})` : ` (${step.reason})`}\n`);
    if (plan.steps.length === 0) process.stdout.write('  nothing to change\n');
    process.stdout.write(`  ${spaceLine(plan)}\n`);
    return;
  }
  const writes = plan.steps.filter((s) => s.kind === 'write');
  const removes = plan.steps.filter((s) => s.kind === 'remove');
  const bytes = writes.reduce((sum, s) => sum + (s.kind === 'write' ? contentSize(s.content) : 0), 0);
  process.stdout.write(`updated ${head}\n`);
  if (biosLine !== undefined) process.stdout.write(`  wrote ${biosLine}\n`);
  process.stdout.write(`  wrote ${writes.length} file${writes.length === 1 ? '' : 's'} (${formatSize(bytes)}), ${plan.unchanged.length} unchanged, removed ${removes.length}${plan.space.freedFirst ? ' (stale files first, to make room)' : ''}\n`);
}

function spaceLine(plan: EspPlan): string {
  const s = plan.space;
  return `space: ${formatSize(s.freeBytes)} free, ${formatSize(s.neededBytes)} needed, ${formatSize(s.reclaimableBytes)} in stale files${s.freedFirst ? '; stale files go first to make room' : ''}`;
}

function planToJson(result: EspUpdateResult): object {
  const plan = result.plan;
  return {
    esp: plan.esp,
    loader: plan.loader,
    firmware: plan.firmware,
    menus: plan.menus,
    applied: result.applied,
    default: plan.menu.defaultId,
    defaultGeneration: plan.menu.defaultGeneration,
    entries: plan.menu.entries.map((e) => ({ id: e.id, generation: e.generation, specialisation: e.specialisation ?? null, title: e.title, kernelParams: e.kernelParams })),
    skipped: plan.menu.skipped.map((s) => ({ generation: s.generation, specialisation: s.specialisation ?? null, missing: s.missing })),
    steps: plan.steps.map((s) =>
      s.kind === 'write' ? { kind: 'write', path: s.path, role: s.role, bytes: contentSize(s.content), phase: s.phase } : { kind: 'remove', path: s.path, reason: s.reason },
    ),
    unchanged: plan.unchanged,
    stale: plan.stale,
    space: plan.space,
  };
}

function biosBootToJson(bios: PreparedBootCode, written: boolean): object {
  return {
    disk: bios.target.path,
    written,
    place: bios.code.place,
    coreSectors: bios.code.coreSectors,
    prefix: bios.prefix,
    esp: bios.esp,
  };
}

function reportToJson(found: EspReport): object {
  return {
    esp: found.esp,
    filesystem: found.filesystem.name,
    fat: found.filesystem.isFat,
    freeBytes: found.freeBytes,
    loader: found.loader ?? null,
    firmware: found.firmware,
    removableLoader: found.removableLoader ?? null,
    timeout: found.timeout ?? null,
    defaultId: found.defaultId ?? null,
    entries: found.entries,
    biosMenu: found.biosMenu ?? null,
    files: found.files,
    problems: found.problems,
  };
}

function formatReport(found: EspReport): string {
  const lines = [
    `ESP ${found.esp}: ${found.filesystem.name}, ${formatSize(found.freeBytes)} free; read by ${describeFirmwareChoice(found.firmware)} firmware`,
    `loader: ${found.loader ?? 'none'}${found.removableLoader === undefined ? '' : ` (EFI/BOOT/BOOTX64.EFI is ${found.removableLoader})`}, timeout ${found.timeout === undefined ? 'unset' : `${found.timeout} s`}`,
    '',
    ...menuLines(found),
  ];
  if (found.biosMenu !== undefined) lines.push('', `GRUB for BIOS (grub/grub.cfg), timeout ${found.biosMenu.timeout === undefined ? 'unset' : `${found.biosMenu.timeout} s`}:`, ...menuLines(found.biosMenu));
  if (found.files.length > 0) {
    lines.push('', formatTable(['FILE', 'SIZE', 'USED BY'], found.files.map((f) => [f.path, formatSize(f.size), f.usedBy.length === 0 ? 'unused' : `${f.usedBy.length} entr${f.usedBy.length === 1 ? 'y' : 'ies'}`])).trimEnd());
  }
  for (const problem of found.problems) lines.push(`${style.warning('problem:')} ${problem}`);
  return `${lines.join('\n')}\n`;
}

function menuLines(menu: EspMenuReport): string[] {
  const rows = menu.entries.map((e) => [e.isDefault ? '*' : '', e.id, e.title, e.missing.length === 0 ? 'ok' : `missing ${e.missing.join(', ')}`]);
  return [rows.length === 0 ? 'no entries' : formatTable(['', 'ID', 'TITLE', 'FILES'], rows).trimEnd()];
}
