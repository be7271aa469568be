/** `cairn partition plan|apply|disks`: declarative partitioning of image files and disks. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError, UserError } from '../../lib/errors.js';
import { formatSize, parseByteSize } from '../../lib/size.js';
import { loadYamlFile } from '../../lib/yaml.js';
import { applyPlan } from '../../partitioning/apply.js';
import { describeDestruction, type Destruction } from '../../partitioning/destruction.js';
import { describeDisk, loadDiskInventory, parseDiskInventory, recordDiskInventory, saveDiskInventory, type DiskInventory } from '../../partitioning/disks.js';
import { guidedLayout } from '../../partitioning/guided-layout.js';
import { planHeading, planRows, PLAN_HEADER } from '../../partitioning/plan-rows.js';
import { minimumDiskBytes, planPartitions, type PartitionPlan } from '../../partitioning/plan.js';
import { assertDiskWritable, diskRefusals, type Refusal } from '../../partitioning/safety.js';
import { defaultSeed, resolveTarget, type Target } from '../../partitioning/target.js';
import { validateLayout, type Layout } from '../../system/layout.js';
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
  inventory?: string;
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
    .option('--inventory <dir>', 'read the disks from a recorded inventory (cairn partition disks --record) instead of this machine')
    .option('--json', 'print as JSON');
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
  const inventory: DiskInventory | undefined = options.inventory === undefined ? undefined : await loadDiskInventory(options.inventory);
  const target = await resolveTarget(options.disk, { ...(options.size === undefined ? {} : { sizeBytes: options.size }), ...(inventory === undefined ? {} : { inventory }) });
  if (target.kind === 'block' && options.size !== undefined) {
    throw new UserError(`--size is for image files; ${target.identity.description} is a disk, whose size is its own`);
  }
  if (target.kind === 'image' && options.expectSerial !== undefined) {
    throw new UserError(`--expect-serial ${options.expectSerial}: ${target.path} is an image file, which has no serial`);
  }
  if (target.kind === 'image' && options.expectSize !== undefined && options.expectSize !== target.identity.sizeBytes) {
    throw new UserError(`${target.identity.description} is not the expected ${formatSize(options.expectSize)} (${options.expectSize} bytes)`);
  }
  const refusals =
    target.kind === 'block'
      ? diskRefusals(target.disk, {
          ...(options.expectSerial === undefined ? {} : { serial: options.expectSerial }),
          ...(options.expectSize === undefined ? {} : { sizeBytes: options.expectSize }),
          minimumBytes: minimumDiskBytes(layout, target.disk.sectorSize),
        })
      : [];
  // A disk too small for the layout is refused by name; planning would only repeat it less clearly.
  if (target.kind === 'block' && refusals.some((r) => r.code === 'too-small')) {
    assertDiskWritable(target.disk, { minimumBytes: minimumDiskBytes(layout, target.disk.sectorSize) });
  }
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

function refusalLines(target: Target, refusals: readonly Refusal[]): string {
  return `refusing to write ${target.kind === 'block' ? describeDisk(target.disk) : target.path}:\n${refusals.map((r) => `  - ${r.reason}`).join('\n')}`;
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
      if (refusals.length > 0) process.stderr.write(`${style.warning('warning:')} apply would refuse: ${refusalLines(target, refusals)}\n`);
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
    const { plan, refusals, target } = await prepare(layoutArgument, options);
    if (refusals.length > 0) {
      // The same checks apply() makes; made here too so a run without --yes says it would be refused.
      assertDiskWritable((target as Extract<Target, { kind: 'block' }>).disk, {
        ...(options.expectSerial === undefined ? {} : { serial: options.expectSerial }),
        ...(options.expectSize === undefined ? {} : { sizeBytes: options.expectSize }),
      });
    }
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
      expect: { ...(options.expectSerial === undefined ? {} : { serial: options.expectSerial }), ...(options.expectSize === undefined ? {} : { sizeBytes: options.expectSize }) },
      ...(options.inventory === undefined ? {} : { rediscover: () => loadDiskInventory(options.inventory!) }),
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
    .option('--record <dir>', 'save the raw inventory (lsblk JSON, by-id links) to DIR, for tests and bug reports')
    .option('--inventory <dir>', 'read a recorded inventory instead of this machine')
    .action(async (options: { json?: boolean; record?: string; inventory?: string }) => {
      let inventory: DiskInventory;
      if (options.inventory !== undefined) inventory = await loadDiskInventory(options.inventory);
      else {
        const record = await recordDiskInventory();
        if (options.record !== undefined) await saveDiskInventory(options.record, record);
        inventory = parseDiskInventory(record, 'this machine', false);
      }
      const rows = inventory.disks.map((disk) => ({ disk, refusals: diskRefusals(disk) }));
      if (options.json) {
        printJson({ source: inventory.source, disks: rows.map(({ disk, refusals }) => ({ ...disk, writable: refusals.length === 0, refusals })) });
        return;
      }
      if (rows.length === 0) {
        process.stdout.write('no disks found\n');
        return;
      }
      process.stdout.write(
        formatTable(
          ['DISK', 'MODEL', 'SERIAL', 'SIZE', 'TRAN', 'FLAGS', 'CAIRN MAY WRITE IT'],
          rows.map(({ disk, refusals }) => [
            disk.byId[0] ?? disk.path,
            disk.model ?? '-',
            disk.serial ?? '-',
            formatSize(disk.sizeBytes),
            disk.transport ?? '-',
            [disk.removable ? 'removable' : '', disk.readOnly ? 'ro' : ''].filter((f) => f !== '').join(',') || '-',
            refusals.length === 0 ? 'yes' : `no: ${refusals.map((r) => r.code).join(', ')}`,
          ]),
        ),
      );
    });

  return command;
}
