/**
 * `cairn iso build|inspect|run|test`: write an ISO from an image spec, decode one with Cairn's own codecs,
 * boot it in QEMU on this terminal, or boot every generation headless and report which came up.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { CancelledError, UserError } from '../../lib/errors.js';
import type { DiskBus, Firmware } from '../../lib/qemu.js';
import { formatSize, parseByteSize } from '../../lib/size.js';
import { sourceDateEpoch } from '../../lib/source-date.js';
import { loadImageSpec } from '../../system/image-spec.js';
import { buildIsoFromSpec, type IsoEngine } from '../../image-builder/build-from-spec.js';
import { renderExtents } from '../../image-builder/image-extents.js';
import { planExtents } from '../../image-builder/layout/plan-extents.js';
import { inspectIsoImage, renderInspectReport } from '../../image-builder/read/inspect.js';
import { statSync } from 'node:fs';
import { BOOT_MEDIA, FIRMWARES, bootSectionsOf, describeBootMode, firmwareName, type BootMedia } from '../../image-builder/vm/boot-modes.js';
import { planBootTests, type BootStep, type BootTestCase, type BootTestPlan } from '../../image-builder/vm/plan-boot-tests.js';
import { describeEntry, runBootTests, type BootTestResult } from '../../image-builder/vm/run-boot-tests.js';
import { createRunDisk, planIsoRun, runIsoAttached } from '../../image-builder/vm/run-iso.js';
import { renderJunitReport } from '../../image-builder/vm/junit-report.js';
import { checkOutputFolder } from '../../image-builder/build-iso.js';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { count, formatTable, parseCount, parsePositive, printJson } from '../options.js';
import { createProgressRenderer } from '../progress-renderer.js';

/** `--date`: seconds since 1970 (like SOURCE_DATE_EPOCH) or an ISO 8601 date. */
function parseDate(value: string): Date {
  const date = /^\d+$/.test(value) ? new Date(Number(value) * 1000) : /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError(`expected seconds since 1970 or a date such as 2026-01-31T12:00:00Z, got "${value}"`);
  return date;
}

function parseRunDiskSize(value: string): number {
  const bytes = parseByteSize(value);
  if (typeof bytes !== 'number') throw new InvalidArgumentError(bytes.error);
  if (bytes < 1024 * 1024 || bytes % 512 !== 0) throw new InvalidArgumentError(`a disk is at least 1M and a whole number of 512-byte sectors, got "${value}"`);
  return bytes;
}

/** Enough for a live system's initramfs; QEMU's own default (128 MiB) is not. */
const DEFAULT_MEMORY_MIB = 1024;
/** A boot under TCG takes 10-30 s on a shared CI core; a slow one gets ten times that. */
const DEFAULT_BOOT_TIMEOUT_SECONDS = 300;

export function isoCommand(): Command {
  const command = new Command('iso').description('build ISO images from an image spec and inspect them');

  command
    .command('build')
    .description('build an ISO (Rock Ridge, Joliet, identical files stored once) from an image spec')
    .argument('<spec>', 'the image spec (image.yaml)')
    .requiredOption('-o, --output <file>', 'the ISO to write (written as <file>.tmp, renamed when complete)')
    .addOption(new Option('--engine <engine>', 'who writes the image: Cairn itself, or xorriso').choices(['builtin', 'xorriso']).default('builtin'))
    .option('--date <when>', "the image's date: seconds since 1970 or an ISO 8601 date (default: SOURCE_DATE_EPOCH, else the newest source)", parseDate)
    .option('--dry-run', 'plan the image and print the plan (every extent with its sector and size) without writing anything')
    .option('--json', 'print what was built (or, with --dry-run, the plan) as JSON')
    .action(async (specFile: string, options: { output: string; engine: IsoEngine; date?: Date; dryRun?: boolean; json?: boolean }) => {
      const loaded = await loadImageSpec(specFile);
      const renderer = createProgressRenderer();
      const controller = new AbortController();
      const stop = () => controller.abort(new CancelledError('stopped by Ctrl-C; no image was written'));
      process.once('SIGINT', stop);
      try {
        const date = options.date ?? sourceDateEpoch();
        const result = await buildIsoFromSpec(loaded, {
          output: resolve(options.output),
          engine: options.engine,
          ...(date === undefined ? {} : { date }),
          onProgress: renderer.onProgress,
          signal: controller.signal,
          dryRun: options.dryRun === true,
        });
        renderer.finish();
        const counts = `${count(result.files, 'file')}, ${count(result.directories, 'directory', 'directories')}, ${count(result.symlinks, 'symbolic link')}`;
        if (options.dryRun) {
          const plan = result.plan!;
          const extents = planExtents(plan);
          if (options.json) {
            printJson({ dryRun: true, output: options.output, engine: result.engine, volumeId: plan.volumeId, date: result.date.toISOString(), size: plan.imageSize, volumeSectors: plan.volumeSectors, files: result.files, directories: result.directories, symlinks: result.symlinks, sharedExtents: result.sharedExtents ?? null, extents });
            return;
          }
          process.stdout.write(`would write ${options.output}: ${formatSize(plan.imageSize)} (${plan.volumeSectors} sectors of 2048 bytes in the volume), ${counts}; nothing written\n`);
          process.stdout.write(`${renderExtents(extents).join('\n')}\n`);
          return;
        }
        const size = statSync(result.output).size;
        if (options.json) {
          const { plan: _plan, boot, ...built } = result;
          // Of a bootable ISO's parts, what was chosen: the whole plan is --dry-run's to show.
          const bootSummary = boot === undefined ? {} : { boot: { generations: boot.generations, defaultGeneration: boot.menu.defaultGeneration, espSize: boot.espSize ?? null } };
          printJson({ ...built, output: options.output, date: result.date.toISOString(), size, sharedExtents: result.sharedExtents ?? null, ...bootSummary });
          return;
        }
        const shared = result.sharedExtents === undefined || result.sharedExtents === 0 ? '' : `, ${count(result.sharedExtents, 'file')} stored once for identical content`;
        process.stdout.write(`wrote ${options.output}: ${formatSize(size)}, ${counts}${shared}\n`);
      } finally {
        renderer.finish();
        process.removeListener('SIGINT', stop);
      }
    });

  command
    .command('inspect')
    .description('show what an ISO holds, decoded by Cairn: volume descriptors, El Torito catalog, partition tables, boot menus, files')
    .argument('<image>', 'the ISO image')
    .option('--json', 'print the whole decoded image as JSON')
    .action(async (image: string, options: { json?: boolean }) => {
      const report = await inspectIsoImage(image);
      if (options.json) printJson(report);
      else process.stdout.write(`${renderInspectReport(report).join('\n')}\n`);
    });

  command
    .command('run')
    .description('boot an ISO in QEMU with its serial console on this terminal (Ctrl-A X quits); with --disk, a disk to install onto, or alone an installed disk')
    .argument('[image]', 'the ISO image (leave it out to boot --disk alone)')
    .option('--uefi', 'boot with UEFI firmware (OVMF) instead of BIOS (SeaBIOS)')
    .option('--secure-boot', "boot with UEFI firmware enforcing Secure Boot, Microsoft's keys enrolled (OVMF)")
    .option('--usb', 'attach the image as a USB stick instead of a CD')
    .option('--disk <file>', 'a disk image attached as a target (created sparse when missing), or booted alone without an ISO')
    .option('--disk-size <size>', 'the size of the disk to create, e.g. 8G (default 8G)', parseRunDiskSize)
    .addOption(new Option('--disk-bus <bus>', 'how the disk is attached').choices(['virtio', 'sata', 'nvme']).default('virtio'))
    .option('--kvm', 'use KVM instead of TCG emulation (faster, where /dev/kvm works)')
    .option('--memory <MiB>', "the machine's memory in MiB", parsePositive, DEFAULT_MEMORY_MIB)
    .action(async (image: string | undefined, options: { uefi?: boolean; secureBoot?: boolean; usb?: boolean; disk?: string; diskSize?: number; diskBus: DiskBus; kvm?: boolean; memory: number }) => {
      if (options.diskSize !== undefined && options.disk === undefined) throw new UserError('--disk-size is the size of --disk: give --disk FILE too');
      if (image === undefined && (options.usb || options.uefi || options.secureBoot)) throw new UserError('--uefi, --secure-boot and --usb are for an ISO: a disk booted alone boots under OVMF', { hint: 'leave them out, or give the ISO' });
      const firmware: Firmware = options.secureBoot ? 'secure-boot' : options.uefi ? 'uefi' : 'bios';
      const mode = { firmware, media: options.usb ? ('usb' as const) : ('cd' as const) };
      const disk = options.disk === undefined ? undefined : { path: options.disk, bus: options.diskBus, ...(options.diskSize === undefined ? {} : { sizeBytes: options.diskSize }) };
      const plan = await planIsoRun(image, { ...mode, accel: options.kvm ? 'kvm' : 'tcg', memoryMiB: options.memory, ...(disk === undefined ? {} : { disk }) });
      await createRunDisk(plan);
      process.stderr.write(`Booting ${plan.description} (QEMU, ${options.kvm ? 'KVM' : 'TCG'}); the serial console follows. Ctrl-A X quits, Ctrl-A C opens the QEMU monitor.\n`);
      const code = await runIsoAttached(plan.machine);
      if (code !== 0) throw new UserError(`QEMU exited with code ${code}`, { hint: 'its message is above' });
    });

  command
    .command('test')
    .description('boot every generation of an ISO in each firmware mode (SeaBIOS, OVMF, OVMF with Secure Boot; CD and USB stick) headless, and report which came up')
    .argument('<image>', 'the ISO image')
    .addOption(new Option('--firmware <firmware>', 'only this firmware').choices([...FIRMWARES]))
    .addOption(new Option('--media <media>', 'only this medium').choices([...BOOT_MEDIA]))
    .option('--generation <n>', 'only this generation (repeatable)', (value: string, previous: number[] = []) => [...previous, parseCount(value)])
    .option('--timeout <seconds>', 'per boot, from power-on to the init process', parsePositive, DEFAULT_BOOT_TIMEOUT_SECONDS)
    .option('--kvm', 'use KVM instead of TCG emulation (faster, where /dev/kvm works)')
    .option('--memory <MiB>', "each machine's memory in MiB", parsePositive, DEFAULT_MEMORY_MIB)
    .option('--logs <dir>', "keep each boot's serial console in this directory")
    .option('--junit <file>', 'also write the results as a JUnit XML report (one test case per boot), for CI test reports')
    .option('--dry-run', 'list the boots and the keys each one types, without starting QEMU')
    .option('--json', 'print the results as JSON')
    .action(async (image: string, options: { firmware?: Firmware; media?: BootMedia; generation?: number[]; timeout: number; kvm?: boolean; memory: number; logs?: string; junit?: string; dryRun?: boolean; json?: boolean }) => {
      // The report's folder is checked before any machine starts, not after the boots.
      if (options.junit !== undefined) checkOutputFolder(resolve(options.junit));
      const report = await inspectIsoImage(image);
      const plan = planBootTests(image, bootSectionsOf(report), {
        ...(options.firmware === undefined ? {} : { firmware: options.firmware }),
        ...(options.media === undefined ? {} : { media: options.media }),
        ...(options.generation === undefined ? {} : { generations: options.generation }),
      });
      const skipped = plan.skipped.map((s) => ({ firmware: s.mode.firmware, media: s.mode.media, reason: s.reason }));
      if (options.dryRun) {
        if (options.json) printJson({ image, boots: plan.cases, skipped });
        else process.stdout.write(renderBootPlan(plan));
        return;
      }
      if (plan.cases.length === 0) throw new UserError(`${image}: nothing to boot: ${plan.skipped.map((s) => `${describeBootMode(s.mode)}: ${s.reason}`).join('; ') || 'no menu entry matches'}`);
      const renderer = createProgressRenderer();
      let results;
      try {
        results = await runBootTests(image, plan, {
          accel: options.kvm ? 'kvm' : 'tcg',
          memoryMiB: options.memory,
          timeoutMs: options.timeout * 1000,
          ...(options.logs === undefined ? {} : { logDirectory: resolve(options.logs) }),
          onProgress: renderer.onProgress,
        });
      } finally {
        renderer.finish();
      }
      const failed = results.filter((r) => !r.up);
      if (options.junit !== undefined) await writeFileAtomic(resolve(options.junit), renderJunitReport({ image, results, skipped: plan.skipped }));
      if (options.json) {
        printJson({
          image,
          boots: results.map((r) => ({
            generation: r.case.entry.generation ?? null,
            title: r.case.entry.title,
            firmware: r.case.mode.firmware,
            media: r.case.mode.media,
            loader: r.case.loader,
            result: r.up ? 'up' : 'failed',
            seconds: r.seconds,
            reason: r.reason ?? null,
            commandLine: r.commandLine ?? null,
            initProcess: r.initProcess ?? null,
            prompt: r.prompt ?? null,
            log: r.log ?? null,
            consoleTail: r.consoleTail ?? null,
          })),
          skipped,
          up: results.length - failed.length,
          failed: failed.length,
        });
      } else {
        process.stdout.write(renderBootResults(results, plan));
      }
      if (failed.length > 0) throw new UserError(`${failed.length} of ${results.length} ${results.length === 1 ? 'boot' : 'boots'} failed`, { hint: 'the console of each failed boot is shown above (keep whole consoles with --logs DIR)' });
    });

  return command;
}

function entryName(entry: BootTestCase['entry']): string {
  return entry.generation === undefined ? entry.title : String(entry.generation);
}

function renderBootPlan(plan: BootTestPlan): string {
  const step = (s: BootStep) => (s.kind === 'wait' ? `wait for ${s.what}` : s.kind === 'keys' ? s.keys.join(' ') : `type "${s.text}"`);
  const rows = plan.cases.map((c) => [entryName(c.entry), firmwareName(c.mode.firmware), c.mode.media.toUpperCase(), c.loader, c.steps.map(step).join(', ')]);
  let text = formatTable(['generation', 'firmware', 'media', 'loader', 'steps'], rows);
  for (const s of plan.skipped) text += `skipped: ${describeBootMode(s.mode)}: ${s.reason}\n`;
  return text;
}

function renderBootResults(results: readonly BootTestResult[], plan: BootTestPlan): string {
  const rows = results.map((r) => [entryName(r.case.entry), firmwareName(r.case.mode.firmware), r.case.mode.media.toUpperCase(), r.up ? 'up' : 'FAILED', `${r.seconds} s`, r.up ? `${r.prompt} prompt` : r.reason!]);
  for (const s of plan.skipped) rows.push(['-', firmwareName(s.mode.firmware), s.mode.media.toUpperCase(), 'skipped', '', s.reason]);
  let text = formatTable(['generation', 'firmware', 'media', 'result', 'time', 'detail'], rows);
  const failed = results.filter((r) => !r.up);
  text += `${results.length - failed.length} up, ${failed.length} failed${plan.skipped.length === 0 ? '' : `, ${plan.skipped.length} ${plan.skipped.length === 1 ? 'mode' : 'modes'} skipped`}\n`;
  for (const r of failed) {
    text += `\n--- ${describeEntry(r.case)} under ${describeBootMode(r.case.mode)}: the end of its serial console${r.log === undefined ? '' : ` (all of it: ${r.log})`}\n${r.consoleTail ?? ''}\n`;
  }
  return text;
}
