/**
 * A plan's partition table as bytes (pure): the blocks to write, each with its LBA. GPT: the protective
 * MBR, the primary header and entries, the backup entries and header. MBR: the one sector.
 */
import { GPT_ATTRIBUTE, encodeGpt, newGptTable, type GptTable, type SectorBlock } from './gpt.js';
import { encodeMbr, protectiveMbr, type MbrTable } from './mbr.js';
import type { PartitionPlan } from './plan.js';

function gptTableOfPlan(plan: PartitionPlan): GptTable {
  return newGptTable({
    diskSectors: plan.diskSectors,
    diskGuid: plan.diskId,
    sectorSize: plan.disk.sectorSize,
    partitions: plan.partitions.map((p) => ({
      number: p.number,
      typeGuid: p.typeGuid!,
      guid: p.partUuid,
      firstLba: p.firstLba,
      lastLba: p.lastLba,
      attributes: p.bootable ? GPT_ATTRIBUTE.legacyBiosBootable : 0n,
      name: p.name,
    })),
  });
}

function mbrTableOfPlan(plan: PartitionPlan): MbrTable {
  return {
    diskSignature: parseInt(plan.diskId, 16),
    reserved: 0,
    partitions: plan.partitions.map((p) => ({ number: p.number, bootable: p.bootable, type: p.mbrType!, firstLba: p.firstLba, sectors: p.sectors })),
  };
}

/** The sectors that hold the plan's table, in the order they are written (backup first, MBR last). */
export function encodePlanTable(plan: PartitionPlan): SectorBlock[] {
  if (plan.table === 'mbr') return [{ lba: 0, bytes: encodeMbr(mbrTableOfPlan(plan)) }];
  const blocks = encodeGpt(gptTableOfPlan(plan));
  return [blocks.backup, blocks.primary, { lba: 0, bytes: encodeMbr(protectiveMbr(plan.diskSectors)) }];
}
