/** A plan as table rows (header + one row per partition), for the CLI and the installer's summary. */
import { formatSize } from '../lib/size.js';
import type { PartitionPlan } from './plan.js';

export const PLAN_HEADER = ['#', 'NAME', 'TYPE', 'START', 'END', 'SIZE', 'FORMAT', 'LABEL', 'UUID', 'MOUNT'] as const;

export function planRows(plan: PartitionPlan): string[][] {
  return plan.partitions.map((p) => [
    String(p.number),
    p.name,
    p.type + (p.bootable ? ' (bootable)' : ''),
    String(p.firstLba),
    String(p.lastLba),
    formatSize(p.sizeBytes),
    p.filesystem?.format ?? '-',
    p.filesystem?.label ?? '-',
    p.filesystem?.uuid ?? '-',
    p.mountPoint ?? (p.filesystem?.format === 'swap' ? 'swap' : '-'),
  ]);
}

/** The lines above the table: the disk, the table kind and its identifier, the seed. */
export function planHeading(plan: PartitionPlan): string[] {
  return [
    `Disk:  ${plan.disk.description}, ${plan.diskSectors} sectors of ${plan.disk.sectorSize} bytes`,
    `Table: ${plan.table === 'gpt' ? `GPT, disk GUID ${plan.diskId}` : `MBR, disk signature 0x${plan.diskId}`}`,
    `Seed:  ${plan.seed}`,
  ];
}
