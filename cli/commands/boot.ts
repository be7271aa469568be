/** `cairn boot install|update|list`: boot entries for every generation on an EFI system partition. */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { inspectEsp, type EspReport } from '../../bootloader/esp-inspect.js';
import { ESP_LOADERS, type EspLoader } from '../../bootloader/esp-layout.js';
import { contentSize, type EspPlan } from '../../bootloader/esp-plan.js';
import { DEFAULT_LOCK_WAIT_MS } from '../../bootloader/esp-lock.js';
import { DEFAULT_BOOT_TIMEOUT, installBootLoader, updateEsp, type EspUpdateOptions, type EspUpdateResult } from '../../bootloader/esp-update.js';
import { formatSize } from '../../lib/size.js';
import { addRootOptions, collect, formatTable, parseCount, parsePositive, printJson, rootOf } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';
import { style } from '../terminal.js';

interface UpdateFlags {
  esp: string;
  root: string;
  profile: string;
  loader?: EspLoader;
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
      .addOption(new Option('--loader <loader>', 'the boot loader (default: the one the ESP boots, else systemd-boot)').choices([...ESP_LOADERS]))
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
      .description('install the boot loader (systemd-boot or a GRUB EFI image) on the ESP, then write the entries')
      .option('--systemd-boot-efi <file>', 'systemd-bootx64.efi to install (default: from the systemd-boot-efi package)')
      .option('--grub-modules <dir>', "GRUB's x86_64-efi module directory (default: from the grub-efi-amd64-bin package)"),
  ).action(async (flags: UpdateFlags & { systemdBootEfi?: string; grubModules?: string }) => {
    const result = await withProgress(flags, (onProgress) =>
      installBootLoader({
        ...updateOptions(flags, onProgress),
        ...(flags.systemdBootEfi === undefined ? {} : { systemdBootEfi: resolve(flags.systemdBootEfi) }),
        ...(flags.grubModules === undefined ? {} : { grubModules: resolve(flags.grubModules) }),
      }),
    );
    report(result, flags);
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

function report(result: EspUpdateResult, flags: UpdateFlags): void {
  const plan = result.plan;
  if (flags.json) {
    printJson(planToJson(result));
    return;
  }
  const menu = plan.menu;
  const byId = new Map(menu.entries.map((e) => [e.id, e]));
  const head = `${plan.esp} (${plan.loader}): ${menu.entries.length} entr${menu.entries.length === 1 ? 'y' : 'ies'}, default ${byId.get(menu.defaultId)!.title}`;
  if (!result.applied) {
    process.stdout.write(`plan for ${head}\n`);
    for (const step of plan.steps) process.stdout.write(`  ${step.kind === 'write' ? 'write ' : 'remove'} ${step.path}${step.kind === 'write' ? ` (${formatSize(contentSize(step.content))}${step.phase === 'transitional' ? ', transitional' : ''})` : ` (${step.reason})`}\n`);
    if (plan.steps.length === 0) process.stdout.write('  nothing to change\n');
    process.stdout.write(`  ${spaceLine(plan)}\n`);
    return;
  }
  const writes = plan.steps.filter((s) => s.kind === 'write');
  const removes = plan.steps.filter((s) => s.kind === 'remove');
  const bytes = writes.reduce((sum, s) => sum + (s.kind === 'write' ? contentSize(s.content) : 0), 0);
  process.stdout.write(`updated ${head}\n`);
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

function reportToJson(found: EspReport): object {
  return {
    esp: found.esp,
    filesystem: found.filesystem.name,
    fat: found.filesystem.isFat,
    freeBytes: found.freeBytes,
    loader: found.loader ?? null,
    removableLoader: found.removableLoader ?? null,
    timeout: found.timeout ?? null,
    defaultId: found.defaultId ?? null,
    entries: found.entries,
    files: found.files,
    problems: found.problems,
  };
}

function formatReport(found: EspReport): string {
  const lines = [
    `ESP ${found.esp}: ${found.filesystem.name}, ${formatSize(found.freeBytes)} free`,
    `loader: ${found.loader ?? 'none'}${found.removableLoader === undefined ? '' : ` (EFI/BOOT/BOOTX64.EFI is ${found.removableLoader})`}, timeout ${found.timeout === undefined ? 'unset' : `${found.timeout} s`}`,
    '',
  ];
  const rows = found.entries.map((e) => [e.isDefault ? '*' : '', e.id, e.title, e.missing.length === 0 ? 'ok' : `missing ${e.missing.join(', ')}`]);
  lines.push(rows.length === 0 ? 'no entries' : formatTable(['', 'ID', 'TITLE', 'FILES'], rows).trimEnd());
  if (found.files.length > 0) {
    lines.push('', formatTable(['FILE', 'SIZE', 'USED BY'], found.files.map((f) => [f.path, formatSize(f.size), f.usedBy.length === 0 ? 'unused' : `${f.usedBy.length} entr${f.usedBy.length === 1 ? 'y' : 'ies'}`])).trimEnd());
  }
  for (const problem of found.problems) lines.push(`${style.warning('problem:')} ${problem}`);
  return `${lines.join('\n')}\n`;
}
