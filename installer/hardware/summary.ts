/**
 * A hardware report in a few lines of text, for `cairn detect` and the installer's hardware summary: the
 * machine, firmware, CPU, memory, graphics, network, and each disk with what is on it now.
 */
import { formatSize } from '../../lib/size.js';
import type { HardwareReport } from './detect-hardware.js';
import { diskInventory, type DiskEntry } from './disk-inventory.js';

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
  for (const disk of diskInventory(report)) {
    add('Disk', diskLine(disk));
    for (const line of contentLines(disk)) add('', `  ${line}`);
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

function diskLine(disk: DiskEntry): string {
  const media = disk.rotational === true ? ' rotational' : '';
  const what = [disk.name, formatSize(disk.sizeBytes), `${disk.transport}${media}`, disk.model ?? 'unknown model'];
  if (disk.removable) what.push('removable');
  what.push(disk.byId[0] ?? 'no by-id name');
  return what.join('  ');
}

/** One line per partition (or for the whole disk): its filesystem, label and where it is mounted or used. */
function contentLines(disk: DiskEntry): string[] {
  if (disk.blank) return ['empty: no partition table or filesystem found'];
  return disk.contents.map((c) => {
    const fs =
      c.filesystem !== null ? [c.filesystem, c.label === null ? undefined : `"${c.label}"`].filter(Boolean).join(' ') : c.extended ? 'extended partition' : 'no filesystem found';
    const use = [...c.mountPoints.map((m) => `mounted at ${m}`), c.activeSwap ? 'active swap' : undefined, ...c.usedBy.map((u) => `used by ${u}`)].filter(Boolean);
    return `${c.name}  ${formatSize(c.sizeBytes)}  ${fs}${use.length === 0 ? '' : `  (${use.join(', ')})`}`;
  });
}
