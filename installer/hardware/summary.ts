/**
 * A hardware report in a few lines of text, for `cairn detect` and the installer's hardware summary: the
 * machine, firmware, CPU, memory, graphics, network, and each disk with what is on it now.
 */
import { formatSize } from '../../lib/size.js';
import type { BlockDevice } from './block-devices.js';
import type { HardwareReport } from './detect-hardware.js';

export interface SummaryLine {
  readonly label: string;
  readonly value: string;
}

export function summariseHardware(report: HardwareReport): SummaryLine[] {
  const lines: SummaryLine[] = [];
  const add = (label: string, value: string) => lines.push({ label, value });
  add('Machine', machineLine(report));
  add('Firmware', firmwareLine(report));
  add('CPU', cpuLine(report));
  add('Memory', report.memory.totalBytes === null ? 'unknown' : memoryLine(report));
  for (const gpu of report.graphics) {
    add('Graphics', [gpu.vendor, gpu.model].filter(Boolean).join(' ') + (gpu.driver === null ? '' : ` (driver ${gpu.driver})`));
  }
  for (const nic of report.network) add('Network', `${nic.name}: ${nic.kind}${nic.mac === null ? '' : `, ${nic.mac}`}${nic.speedMbps === null ? '' : `, ${nic.speedMbps} Mbit/s`}`);
  for (const disk of report.blockDevices.filter((d) => d.kind === 'disk')) {
    add('Disk', diskLine(disk));
    for (const part of contentsOf(report, disk)) add('', `  ${part}`);
  }
  return lines;
}

/** The summary as aligned text lines. */
export function formatHardwareSummary(report: HardwareReport): string {
  const lines = summariseHardware(report).map((l) => `${l.label.padEnd(10)}${l.value}`);
  if (report.problems.length > 0) {
    lines.push('', `Not read (${report.problems.length}):`);
    for (const p of report.problems) lines.push(`  ${p.source}: ${p.message}`);
  }
  return `${lines.join('\n')}\n`;
}

function machineLine(report: HardwareReport): string {
  const m = report.machine;
  const name = [m.manufacturer, m.product].filter((s) => s !== null).join(' ') || 'unknown machine';
  const { vm, container } = report.virtualisation;
  const where = [vm === 'none' ? undefined : `virtual machine: ${vm}`, container === 'none' ? undefined : `container: ${container}`].filter(Boolean);
  return where.length === 0 ? name : `${name} (${where.join(', ')})`;
}

function firmwareLine(report: HardwareReport): string {
  const f = report.firmware;
  if (f.type === 'bios') return 'BIOS (legacy boot)';
  const parts = [`UEFI${f.efiBitness === null ? '' : ` ${f.efiBitness}-bit`}`];
  parts.push(f.efiVariables ? 'EFI variables available' : 'no EFI variables');
  if (f.secureBoot !== null) parts.push(`Secure Boot ${f.secureBoot ? 'on' : 'off'}`);
  return parts.join(', ');
}

function cpuLine(report: HardwareReport): string {
  const cpu = report.cpu;
  if (cpu === null) return 'unknown';
  const threads = `${cpu.logicalCpus} thread${cpu.logicalCpus === 1 ? '' : 's'}`;
  const cores = report.processor.physicalCores === null ? '' : `, ${report.processor.physicalCores} cores`;
  const virt = cpu.hardwareVirtualisation === null ? '' : `, ${cpu.hardwareVirtualisation === 'vmx' ? 'VT-x' : 'AMD-V'}`;
  return `${cpu.modelName || cpu.vendorId} (${threads}${cores}${virt})`;
}

function memoryLine(report: HardwareReport): string {
  const modules = report.memory.modules;
  const total = formatSize(report.memory.totalBytes ?? 0);
  if (modules.length === 0) return total;
  const kinds = [...new Set(modules.map((m) => [formatSize(m.sizeBytes), m.type].filter(Boolean).join(' ')))];
  return `${total} (${modules.length} module${modules.length === 1 ? '' : 's'}: ${kinds.join(', ')})`;
}

function diskLine(disk: BlockDevice): string {
  const media = disk.rotational === null ? '' : disk.rotational ? ' rotational' : '';
  const what = [disk.name, formatSize(disk.sizeBytes), `${disk.transport}${media}`, disk.model ?? 'unknown model'];
  if (disk.removable) what.push('removable');
  what.push(disk.byId[0] ?? 'no by-id name');
  return what.join('  ');
}

/** MBR partition types of extended partitions, which only hold logical partitions. */
const EXTENDED_PARTITION_TYPES = new Set(['0x5', '0xf', '0x85']);

/** One line per partition (or for the whole disk): its filesystem, label and where it is mounted or used. */
export function contentsOf(report: HardwareReport, disk: BlockDevice): string[] {
  const parts = report.blockDevices.filter((d) => d.parent === disk.name);
  const holderName = (name: string) => {
    const holder = report.blockDevices.find((h) => h.name === name);
    return holder?.deviceMapper === null || holder?.deviceMapper === undefined ? name : `/dev/mapper/${holder.deviceMapper.name}`;
  };
  const describe = (d: BlockDevice) => {
    const fs =
      d.filesystem !== null
        ? [d.filesystem.type, d.filesystem.label === null ? undefined : `"${d.filesystem.label}"`].filter(Boolean).join(' ')
        : EXTENDED_PARTITION_TYPES.has(d.partitionEntry?.type ?? '')
          ? 'extended partition'
          : 'no filesystem found';
    const use = [...d.mountPoints.map((m) => `mounted at ${m}`), d.activeSwap ? 'active swap' : undefined, ...d.holders.map((h) => `used by ${holderName(h)}`)].filter(Boolean);
    return `${d.name}  ${formatSize(d.sizeBytes)}  ${fs}${use.length === 0 ? '' : `  (${use.join(', ')})`}`;
  };
  if (parts.length > 0) return parts.sort((a, b) => (a.partitionNumber ?? 0) - (b.partitionNumber ?? 0)).map(describe);
  const whole = describe(disk);
  return disk.filesystem === null && disk.mountPoints.length === 0 && disk.holders.length === 0 && disk.partitionTable === null ? ['empty: no partition table or filesystem found'] : [whole];
}
