/** `cairn partition plan|apply|disks`: declarative partitioning of image files and disks. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../../lib/errors.js';
import { formatSize, parseByteSize } from '../../lib/size.js';
import { loadYamlFile } from '../../lib/yaml.js';
import { applyPlan } from '../../partitioning/apply.js';
import { describeDestruction, type Destruction } from '../../partitioning/destruction.js';
import { readDiskInventory } from '../../partitioning/disks.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import { planHeading, planRows, PLAN_HEADER } from '../../partitioning/plan-rows.js';
import { planPartitions, type PartitionPlan } from '../../partitioning/plan.js';
import { assessDisks, describeRefusals, type Refusal, type TargetPins } from '../../partitioning/safety.js';
import { assertTargetWritable, defaultSeed, prepareTarget, type Target } from '../../partitioning/target.js';
import { validateLayout, type Layout } from '../../system/layout.js';
import { openMachine, startRecording } from '../../system/machine/recording.js';
import { createProgressRenderer } from '../progress-renderer.js';
import { collect, formatTable, printJson } from '../options.js';
import { style } from '../terminal.js';

function parseSizeOption(value: string): number {
  const bytes = parseByteSize(value);
  if (typeof bytes !== 'number') throw new InvalidArgumentError(bytes.error);
  return bytes;
}

interface TargetOptions {
  disk: string;
  size?: number;
  seed?: string;
  swap?: number;
  rootFs?: 'ext4' | 'btrfs' | 'xfs';
  biosBoot?: boolean;
  from?: string;
  expectSerial?: string;
  expectSize?: number;
  json?: boolean;
}

function addTargetOptions(command: Command): Command {
  return command
    .argument('<layout>', 'a layout file (YAML), or "guided" for the built-in layout: ESP, optional swap, root filling the rest')
    .requiredOption('--disk <target>', 'the disk (/dev/disk/by-id/..., /dev/sdX) or image file')
    .option('--size <size>', 'create the image file with this size (sparse), e.g. 8G', parseSizeOption)
    .option('--seed <text>', "seed of the GUIDs and UUIDs (default: the disk's serial and size, or the image's name and size)")
    .option('--swap <size>', 'guided layout: add a swap partition of this size', parseSizeOption)
    .addOption(new Option('--root-fs <format>', 'guided layout: the root filesystem').choices(['ext4', 'btrfs', 'xfs']))
    .option('--bios-boot', 'guided layout: add a 1 MiB BIOS boot partition (GRUB on BIOS machines)')
    .option('--expect-serial <serial>', 'refuse unless the disk has this serial')
    .option('--expect-size <size>', 'refuse unless the disk has exactly this size', parseSizeOption)
    .option('--from <recording>', 'look the disk up in a recording (cairn partition disks --record, cairn detect --record) instead of this machine; it is never written')
    .option('--json', 'print as JSON');
}

function pinsOf(options: TargetOptions): TargetPins {
  return {
    ...(options.expectSerial === undefined ? {} : { serial: { value: options.expectSerial, from: '--expect-serial' } }),
    ...(options.expectSize === undefined ? {} : { sizeBytes: { value: options.expectSize, from: '--expect-size' } }),
  };
}

async function loadLayout(argument: string, options: TargetOptions): Promise<Layout> {
  if (argument === 'guided') {
    return guidedLayout({
      ...(options.swap === undefined ? {} : { swapBytes: options.swap }),
      ...(options.rootFs === undefined ? {} : { rootFilesystem: options.rootFs }),
      ...(options.biosBoot === undefined ? {} : { biosBoot: options.biosBoot }),
    });
  }
  const given = [options.swap !== undefined && '--swap', options.rootFs !== undefined && '--root-fs', options.biosBoot !== undefined && '--bios-boot'].filter(Boolean);
  if (given.length > 0) throw new UsageError(`${given.join(', ')} shape the guided layout; ${argument} is a layout file, so change the file instead`);
  return validateLayout(await loadYamlFile(argument));
}

interface Prepared {
  readonly layout: Layout;
  readonly target: Target;
  readonly plan: PartitionPlan;
  readonly refusals: readonly Refusal[];
}

async function prepare(layoutArgument: string, options: TargetOptions): Promise<Prepared> {
  const layout = await loadLayout(layoutArgument, options);
  const { target, refusals } = await prepareTarget(options.disk, {
    ...(options.size === undefined ? {} : { sizeBytes: options.size }),
    machine: await openMachine(options.from),
    pins: pinsOf(options),
    layout,
  });
  const plan = planPartitions(layout, target.identity, { seed: options.seed ?? defaultSeed(target.identity) });
  return { layout, target, plan, refusals };
}

function printPlan(plan: PartitionPlan): void {
  process.stdout.write(`${planHeading(plan).join('\n')}\n\n`);
  process.stdout.write(formatTable(PLAN_HEADER, planRows(plan)));
  if (plan.freeSectorsAtEnd > 0) process.stdout.write(`Unallocated at the end: ${formatSize(plan.freeSectorsAtEnd * plan.disk.sectorSize)}\n`);
}

function printDestruction(target: Target, destruction: Destruction): void {
  if (destruction.creates) {
    process.stdout.write(`\n${target.path} will be created (${formatSize(target.identity.sizeBytes)}, sparse).\n`);
    return;
  }
  const existing = destruction.partitions.map((p) => {
    const what = [p.name === undefined ? undefined : `"${p.name}"`, p.type, p.fstype, p.label === undefined ? undefined : `label ${p.label}`, formatSize(p.sizeBytes)].filter((s) => s !== undefined);
    return `  ${p.where}: ${what.join(', ')}${p.mountpoints.length > 0 ? ` (mounted at ${p.mountpoints.join(', ')})` : ''}`;
  });
  process.stdout.write(`\n${style.bold('Everything on')} ${target.identity.description} ${style.bold('will be destroyed')}`);
  if (existing.length === 0) {
    process.stdout.write(`: it holds ${destruction.wholeDiskFilesystem === undefined ? `no partition table${destruction.table === 'none' ? '' : ` (${destruction.table})`}` : `a ${destruction.wholeDiskFilesystem} filesystem on the whole disk`}.\n`);
  } else {
    process.stdout.write(`, now ${destruction.table === 'mbr' ? 'an MBR' : destruction.table === 'gpt' ? 'a GPT' : 'a'} table with:\n${existing.join('\n')}\n`);
  }
}

export function partitionCommand(): Command {
  const command = new Command('partition').description('declarative partitioning of disks and image files: plan, apply, list disks');

  addTargetOptions(command.command('plan').description('print the partition plan of a layout on a disk or image file; writes nothing')).action(
    async (layoutArgument: string, options: TargetOptions) => {
      const { plan, refusals, target } = await prepare(layoutArgument, options);
      if (options.json) {
        printJson({ ...plan, refusals });
        return;
      }
      printPlan(plan);
      if (refusals.length > 0) process.stderr.write(`${style.warning('warning:')} apply would refuse: ${describeRefusals(target.identity.description, refusals)}\n`);
    },
  );

  addTargetOptions(
    command
      .command('apply')
      .description('write the partition table and create the filesystems; without --yes, print what would happen and write nothing')
      .option('--yes', 'really write (everything on the target is destroyed)')
      .option('--populate <name=dir>', 'fill the filesystem of partition NAME from DIR (ext4, btrfs, vfat; repeatable)', collect, []),
  ).action(async (layoutArgument: string, options: TargetOptions & { yes?: boolean; populate: string[] }) => {
    const populate: Record<string, string> = {};
    for (const entry of options.populate) {
      const at = entry.indexOf('=');
      if (at <= 0 || at === entry.length - 1) throw new UsageError(`--populate ${entry}: expected NAME=DIR, e.g. --populate root=./rootfs`);
      populate[entry.slice(0, at)] = entry.slice(at + 1);
    }
    const { plan, layout, target } = await prepare(layoutArgument, options);
    // The same checks applyPlan() makes; made here too so a run without --yes says it would be refused.
    assertTargetWritable(target, { pins: pinsOf(options), layout });
    if (!options.yes) {
      const destruction = await describeDestruction(target);
      if (options.json) printJson({ written: false, plan, destroys: destruction });
      else {
        printPlan(plan);
        printDestruction(target, destruction);
        process.stdout.write(`\nNothing was written. Run again with --yes to apply.\n`);
      }
      return;
    }
    const renderer = createProgressRenderer();
    // Ctrl-C stops at the next safe point; an image being built is removed, the old one stays.
    const stop = new AbortController();
    const onInterrupt = () => stop.abort();
    process.once('SIGINT', onInterrupt);
    const applied = await applyPlan(plan, target, {
      onProgress: renderer.onProgress,
      signal: stop.signal,
      populate,
      pins: pinsOf(options),
    });
    process.off('SIGINT', onInterrupt);
    renderer.finish();
    if (options.json) printJson({ written: true, plan, applied });
    else {
      printPlan(plan);
      process.stdout.write(`\n${style.ok('Done:')} ${plan.table === 'gpt' ? 'GPT' : 'MBR'} and ${plan.partitions.filter((p) => p.filesystem !== undefined).length} filesystems written to ${target.path}\n`);
    }
  });

  command
    .command('disks')
    .description('list the disks of this machine by by-id name, model, serial and size, and whether Cairn may write them')
    .option('--json', 'print as JSON')
    .option('--record <dir>', 'also save what was read (sysfs, udev data, /dev/disk links, mounts, swaps) into a new directory, for tests and bug reports')
    .option('--from <recording>', 'read a recording (cairn partition disks --record, cairn detect --record) instead of this machine')
    .action(async (options: { json?: boolean; record?: string; from?: string }) => {
      if (options.record !== undefined && options.from !== undefined) throw new UsageError('give --record or --from, not both');
      const recorder = options.record === undefined ? undefined : await startRecording(options.record);
      let inventory;
      try {
        inventory = await readDiskInventory(recorder?.machine ?? (await openMachine(options.from)));
      } catch (error) {
        await recorder?.abandon();
        throw error;
      }
      const recorded = await recorder?.finish();
      const disks = assessDisks(inventory.disks);
      if (options.json) printJson({ source: inventory.source, disks, problems: inventory.problems });
      else if (disks.length === 0) process.stdout.write('no disks found\n');
      else {
        process.stdout.write(
          formatTable(
            ['DISK', 'MODEL', 'SERIAL', 'SIZE', 'TRAN', 'FLAGS', 'CAIRN MAY WRITE IT'],
            disks.map((disk) => [
              disk.byId[0] ?? disk.path,
              disk.model ?? '-',
              disk.serial ?? '-',
              formatSize(disk.sizeBytes),
              disk.transport,
              [disk.removable ? 'removable' : '', disk.readOnly ? 'ro' : ''].filter((f) => f !== '').join(',') || '-',
              disk.writable ? 'yes' : `no: ${disk.refusals.map((r) => r.code).join(', ')}`,
            ]),
          ),
        );
      }
      if (recorded !== undefined) process.stderr.write(`recorded ${recorded.files} files in ${recorded.directory}\n`);
    });

  return command;
}
