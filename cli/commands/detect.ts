/** `cairn detect`: the hardware report, optionally recorded to or replayed from a directory. */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { UsageError } from '../../lib/errors.js';
import { detectHardware } from '../../installer/hardware/detect-hardware.js';
import { openHardwareSource, startHardwareRecording } from '../../installer/hardware/hardware-source.js';
import { formatHardwareSummary } from '../../installer/hardware/summary.js';
import { printJson } from '../options.js';

export function detectCommand(): Command {
  return new Command('detect')
    .description('detect the hardware: firmware, CPU, memory, graphics, network, PCI and USB devices, disks, mounts, RAID and LUKS')
    .option('--json', 'print the full report as JSON')
    .option('--yaml', 'print the full report as YAML')
    .option('--record <dir>', 'also save every raw input read (systeminformation results, /sys and /proc files) into a new directory')
    .option('--from <dir>', 'replay a recording instead of reading this machine')
    .action(async (options: { json?: boolean; yaml?: boolean; record?: string; from?: string }) => {
      if (options.json && options.yaml) throw new UsageError('give --json or --yaml, not both');
      if (options.record !== undefined && options.from !== undefined) throw new UsageError('give --record or --from, not both');
      const recorder = options.record === undefined ? undefined : await startHardwareRecording(options.record);
      const source = recorder?.source ?? (await openHardwareSource(options.from));
      let report;
      try {
        report = await detectHardware(source);
      } catch (error) {
        await recorder?.abandon();
        throw error;
      }
      const recorded = await recorder?.finish();
      if (options.json) printJson(report);
      else if (options.yaml) process.stdout.write(stringify(report, { lineWidth: 0 }));
      else process.stdout.write(formatHardwareSummary(report));
      if (recorded !== undefined) process.stderr.write(`recorded ${recorded.files} files in ${recorded.directory}\n`);
    });
}
