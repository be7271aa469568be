/**
 * A hardware report in a few lines of text, for `cairn detect` and the installer's hardware summary: the
 * machine, firmware, CPU, memory, graphics, network, and each disk with what is on it now and whether
 * Cairn may write it.
 */
import { formatSize } from '../../lib/size.js';
import type { DiskVolume } from '../../partitioning/disks.js';
import type { AssessedDisk } from '../../partitioning/safety.js';
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
  for (const disk of report.disks) {
    add('Disk', diskLine(disk));
    for (const line of contentLines(disk)) add('', `  ${line}`);
    add('', `  ${disk.writable ? 'Cairn may write it' : `Cairn refuses it: ${disk.refusals.map((r) => r.reason).join('; ')}`}`);
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

function diskLine(disk: AssessedDisk): string {
  const media = disk.rotational === true ? ' rotational' : '';
  const what = [disk.name, formatSize(disk.sizeBytes), `${disk.transport}${media}`, disk.model ?? 'unknown model'];
  if (disk.removable) what.push('removable');
  what.push(disk.byId[0] ?? 'no by-id name');
  return what.join('  ');
}

/** MBR partition types of extended partitions, which only hold logical partitions. */
const EXTENDED_PARTITION_TYPES = new Set(['0x5', '0xf', '0x85']);

/** One line per partition (or for the whole disk): its filesystem, label and where it is mounted or used. */
function contentLines(disk: AssessedDisk): string[] {
  const partitions = disk.children.filter((c) => c.kind === 'partition');
  const holders = disk.children.filter((c) => c.kind !== 'partition');
  if (partitions.length > 0) return partitions.map(contentLine);
  if (disk.fstype === undefined && disk.partitionTable === undefined && holders.length === 0 && disk.mountpoints.length === 0 && !disk.activeSwap) {
    return ['empty: no partition table or filesystem found'];
  }
  return [contentLine(disk)];
}

function contentLine(volume: Pick<DiskVolume, 'name' | 'sizeBytes' | 'fstype' | 'label' | 'partType' | 'mountpoints' | 'activeSwap' | 'children'>): string {
  const fs =
    volume.fstype !== undefined
      ? [volume.fstype, volume.label === undefined ? undefined : `"${volume.label}"`].filter(Boolean).join(' ')
      : EXTENDED_PARTITION_TYPES.has(volume.partType ?? '')
        ? 'extended partition'
        : 'no filesystem found';
  const usedBy = volume.children.filter((c) => c.kind !== 'partition').map((c) => (c.mapperName === undefined ? c.name : `/dev/mapper/${c.mapperName}`));
  const use = [...volume.mountpoints.map((m) => `mounted at ${m}`), volume.activeSwap ? 'active swap' : undefined, ...usedBy.map((u) => `used by ${u}`)].filter(Boolean);
  return `${volume.name}  ${formatSize(volume.sizeBytes)}  ${fs}${use.length === 0 ? '' : `  (${use.join(', ')})`}`;
}
