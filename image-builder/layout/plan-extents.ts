/**
 * The plan of an image as its list of extents (image-extents.ts): what `iso build --dry-run` prints, and
 * what `iso inspect` must read back from the image written from the same plan.
 */
import { entryArraySectors, type GptTable } from '../../partitioning/gpt.js';
import { describeGptType, describeMbrType } from '../../system/partition-types.js';
import { bootImagesOf, platformName } from '../el-torito/boot-catalog.js';
import { BOOT_INFO_TABLE } from '../el-torito/boot-info-table.js';
import { formatVolumeId } from '../fat/index.js';
import { sortExtents, type ImageExtent } from '../image-extents.js';
import { MAX_EXTENT_BYTES, SECTOR_SIZE } from '../iso9660/constants.js';
import type { IsoPlan, Namespace, PlannedDirectory } from './iso-plan.js';
import { pathOfNode } from './plan-nodes.js';

const MBR_SECTOR = 512;

export function planExtents(plan: IsoPlan): ImageExtent[] {
  const extents: ImageExtent[] = [];
  const at = (lba: number) => ({ lba, offset: lba * SECTOR_SIZE });

  const area = plan.systemArea;
  if (area !== undefined) {
    extents.push({ kind: 'mbr', offset: 0, size: MBR_SECTOR, bootCode: area.isohybrid !== undefined, diskSignature: `0x${area.mbr.diskSignature.toString(16).padStart(8, '0')}` });
    for (const p of area.mbr.partitions) {
      extents.push({ kind: 'partition', table: 'mbr', number: p.number, offset: p.firstLba * MBR_SECTOR, size: p.sectors * MBR_SECTOR, type: describeMbrType(p.type), bootable: p.bootable });
    }
    if (area.gpt !== undefined) extents.push(...gptExtents(area.gpt, 'primary'));
  }
  if (plan.tail !== undefined) extents.push(...gptExtents(plan.tail.gpt, 'backup'));

  for (const d of plan.volumeDescriptors) extents.push({ kind: 'volume-descriptor', descriptor: d.kind, ...at(d.lba), size: SECTOR_SIZE });
  for (const [namespace, table] of [['primary', plan.primaryPathTable], ['joliet', plan.jolietPathTable]] as const) {
    extents.push({ kind: 'path-table', namespace, byteOrder: 'little', ...at(table.lLba), size: table.size });
    extents.push({ kind: 'path-table', namespace, byteOrder: 'big', ...at(table.mLba), size: table.size });
  }
  for (const [namespace, directories] of [['primary', plan.primaryDirectories], ['joliet', plan.jolietDirectories]] as const) {
    const paths = directoryPaths(plan, namespace, directories);
    directories.forEach((d, i) => {
      extents.push({ kind: 'directory', namespace, path: paths[i]!, ...at(d.lba), size: d.size });
      if (d.continuationSectors > 0) extents.push({ kind: 'continuation-areas', path: paths[i]!, ...at(d.lba + d.size / SECTOR_SIZE), size: d.continuationSectors * SECTOR_SIZE });
    });
  }

  const fats: { start: number; end: number }[] = [];
  for (const region of plan.data) {
    if (region.kind === 'boot-catalog') {
      extents.push({ kind: 'boot-catalog', ...at(region.lba), size: region.size });
      for (const { platform, entry } of bootImagesOf(region.catalog)) {
        extents.push({ kind: 'boot-image', platform: platformName(platform), ...at(entry.loadRba), size: entry.sectorCount * 512, loadSectors: entry.sectorCount });
      }
      continue;
    }
    if (region.bootInfoTable !== undefined) {
      const { pvdLba, fileLba } = region.bootInfoTable;
      extents.push({ kind: 'boot-info-table', offset: region.lba * SECTOR_SIZE + BOOT_INFO_TABLE.offset, size: BOOT_INFO_TABLE.length, pvdLba, fileLba, length: region.size });
    }
    if (region.content.kind === 'fat') {
      const { volume } = region.content;
      fats.push({ start: region.lba * SECTOR_SIZE, end: region.lba * SECTOR_SIZE + volume.size });
      extents.push({
        kind: 'fat',
        ...at(region.lba),
        size: volume.size,
        fatType: volume.geometry.type,
        clusterSize: volume.geometry.clusterSize,
        volumeId: formatVolumeId(volume.volumeId),
        ...(volume.volumeLabel === undefined ? {} : { label: volume.volumeLabel.trimEnd() }),
      });
    }
  }
  // Extents without a record: named by id, unless they are part of a FAT volume (its start, its end).
  for (const { id, location } of plan.extents) {
    const offset = location.lba * SECTOR_SIZE;
    if (location.size > 0 && !fats.some((f) => offset >= f.start && offset < f.end)) extents.push({ kind: 'hidden', id, ...at(location.lba), size: location.size });
  }

  plan.nodes.forEach((node, index) => {
    if (node.kind !== 'file' || node.size === 0) return;
    const path = pathOfNode(plan.nodes, index);
    for (let done = 0; done < node.size!; done += MAX_EXTENT_BYTES) {
      extents.push({ kind: 'file', path, ...at(node.lba! + done / SECTOR_SIZE), size: Math.min(MAX_EXTENT_BYTES, node.size! - done) });
    }
  });
  return sortExtents(extents);
}

/** Each directory's path as its namespace spells it: Rock Ridge names, or Joliet identifiers. */
function directoryPaths(plan: IsoPlan, namespace: Namespace, directories: readonly PlannedDirectory[]): string[] {
  const paths: string[] = [];
  directories.forEach((d, i) => {
    if (i === 0) paths.push('/');
    else if (namespace === 'primary') paths.push(pathOfNode(plan.nodes, d.node));
    else paths.push(`${paths[d.parent] === '/' ? '' : paths[d.parent]}/${d.identifier}`);
  });
  return paths;
}

function gptExtents(gpt: GptTable, copy: 'primary' | 'backup'): ImageExtent[] {
  const sector = gpt.sectorSize;
  const headerLba = copy === 'primary' ? 1 : gpt.diskSectors - 1;
  const entriesLba = copy === 'primary' ? gpt.primaryEntriesLba : gpt.backupEntriesLba;
  const extents: ImageExtent[] = [
    { kind: 'gpt-header', copy, offset: headerLba * sector, size: sector, diskGuid: gpt.diskGuid },
    { kind: 'gpt-entries', copy, offset: entriesLba * sector, size: entryArraySectors(gpt.entryCount, gpt.entrySize, sector) * sector, entries: gpt.entryCount },
  ];
  if (copy === 'primary') {
    for (const p of gpt.partitions) {
      extents.push({ kind: 'partition', table: 'gpt', number: p.number, offset: p.firstLba * sector, size: (p.lastLba - p.firstLba + 1) * sector, type: describeGptType(p.typeGuid), name: p.name });
    }
  }
  return extents;
}
