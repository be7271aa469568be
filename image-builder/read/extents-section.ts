/**
 * The extents part of `cairn iso inspect`: every extent the image is made of, read back (image-extents.ts)
 * — the MBR and GPT with their partitions, the volume descriptors, path tables, directories of both trees
 * and their Rock Ridge continuation areas, El Torito's catalog, boot images and boot info table, FAT
 * volumes the firmware is pointed at, and each file's data — in the form `iso build --dry-run` prints a
 * plan in, so the two can be compared.
 */
import { entryArraySectors } from '../../partitioning/gpt.js';
import { DomainError } from '../../lib/errors.js';
import { PLATFORM } from '../el-torito/boot-catalog.js';
import { BOOT_INFO_TABLE, decodeBootInfoTable } from '../el-torito/boot-info-table.js';
import { formatVolumeId, openFatImage } from '../fat/index.js';
import { renderExtents, sortExtents, type ImageExtent } from '../image-extents.js';
import { FIRST_VOLUME_DESCRIPTOR_SECTOR, SECTOR_SIZE } from '../iso9660/constants.js';
import { inspectElTorito } from './el-torito-section.js';
import type { InspectContext, InspectSection } from './inspect-section.js';
import type { IsoImage, IsoTree } from './iso-reader.js';
import { espPartitionOf, inspectPartitionTables } from './partition-section.js';

const MBR_SECTOR = 512;

async function inspectExtents(context: InspectContext): Promise<ImageExtent[]> {
  const { image, access } = context;
  const extents: ImageExtent[] = [];
  const at = (lba: number) => ({ lba, offset: lba * SECTOR_SIZE });

  const tables = await inspectPartitionTables(context);
  if (tables?.mbr !== undefined) {
    const { mbr } = tables;
    extents.push({ kind: 'mbr', offset: 0, size: MBR_SECTOR, bootCode: mbr.bootCode, diskSignature: mbr.diskSignature });
    for (const p of mbr.partitions) extents.push({ kind: 'partition', table: 'mbr', number: p.number, offset: p.start * MBR_SECTOR, size: p.sectors * MBR_SECTOR, type: p.typeName, bootable: p.status === 0x80 });
  }
  if (tables?.gpt !== undefined) {
    const { gpt } = tables;
    const entries = { size: entryArraySectors(gpt.entryCount, gpt.entrySize, MBR_SECTOR) * MBR_SECTOR, entries: gpt.entryCount };
    extents.push(
      { kind: 'gpt-header', copy: 'primary', offset: MBR_SECTOR, size: MBR_SECTOR, diskGuid: gpt.diskGuid },
      { kind: 'gpt-entries', copy: 'primary', offset: gpt.entriesLba * MBR_SECTOR, ...entries },
      { kind: 'gpt-header', copy: 'backup', offset: gpt.backupHeaderLba * MBR_SECTOR, size: MBR_SECTOR, diskGuid: gpt.diskGuid },
      { kind: 'gpt-entries', copy: 'backup', offset: gpt.backupEntriesLba * MBR_SECTOR, ...entries },
    );
    for (const p of gpt.partitions) extents.push({ kind: 'partition', table: 'gpt', number: p.number, offset: p.firstLba * MBR_SECTOR, size: p.sectors * MBR_SECTOR, type: p.typeName, name: p.name });
  }

  for (const d of image.volumeDescriptors) extents.push({ kind: 'volume-descriptor', descriptor: d.kind, ...at(d.lba), size: SECTOR_SIZE });
  for (const [namespace, volume] of [['primary', image.primary], ['joliet', image.joliet]] as const) {
    if (volume === undefined) continue;
    extents.push({ kind: 'path-table', namespace, byteOrder: 'little', ...at(volume.lPathTable), size: volume.pathTableSize });
    extents.push({ kind: 'path-table', namespace, byteOrder: 'big', ...at(volume.mPathTable), size: volume.pathTableSize });
  }
  for (const tree of [image.tree, image.jolietTree]) {
    if (tree === undefined) continue;
    extents.push(...directoryExtents(tree));
  }

  const elTorito = await inspectElTorito(context);
  const fatOffsets = new Set<number>();
  if (elTorito !== undefined && elTorito.catalogLba > 0) {
    extents.push({ kind: 'boot-catalog', ...at(elTorito.catalogLba), size: SECTOR_SIZE });
    for (const boot of elTorito.images) {
      extents.push({ kind: 'boot-image', platform: boot.platformName, ...at(boot.lba), size: boot.loadSectors * 512, loadSectors: boot.loadSectors });
      if (boot.platform === PLATFORM.efi) fatOffsets.add(boot.lba * SECTOR_SIZE);
      // A boot info table names the primary descriptor and the image's own sector: nothing else has both there.
      if (boot.platform === PLATFORM.x86 && boot.emulation === 'none') {
        const table = decodeBootInfoTable(await access.read(boot.lba * SECTOR_SIZE, BOOT_INFO_TABLE.checksumStart));
        if (table.pvdLba === FIRST_VOLUME_DESCRIPTOR_SECTOR && table.fileLba === boot.lba) {
          extents.push({ kind: 'boot-info-table', offset: boot.lba * SECTOR_SIZE + BOOT_INFO_TABLE.offset, size: BOOT_INFO_TABLE.length, pvdLba: table.pvdLba, fileLba: table.fileLba, length: table.length });
        }
      }
    }
  }
  const espPartition = tables === undefined ? undefined : espPartitionOf(tables);
  if (espPartition !== undefined) fatOffsets.add(espPartition.offset);
  for (const offset of fatOffsets) {
    const fat = await fatExtent(image, offset);
    if (fat !== undefined) extents.push(fat);
  }

  for (const entry of image.tree.entries) {
    if (entry.type !== 'file') continue;
    for (const extent of entry.extents) if (extent.size > 0) extents.push({ kind: 'file', path: entry.path, ...at(extent.lba), size: extent.size });
  }
  return sortExtents(extents);
}

function directoryExtents(tree: IsoTree): ImageExtent[] {
  const { namespace } = tree;
  const extents: ImageExtent[] = [];
  for (const entry of tree.entries) {
    if (entry.type !== 'directory') continue;
    for (const extent of entry.extents) extents.push({ kind: 'directory', namespace, path: entry.path, lba: extent.lba, offset: extent.lba * SECTOR_SIZE, size: extent.size });
  }
  for (const area of tree.continuationAreas) {
    extents.push({ kind: 'continuation-areas', path: area.path, lba: area.lba, offset: area.lba * SECTOR_SIZE, size: area.sectors * SECTOR_SIZE });
  }
  return extents;
}

/** The FAT volume at a byte offset of the image, when there is a readable one (the boot menus section says why not). */
async function fatExtent(image: IsoImage, offset: number): Promise<ImageExtent | undefined> {
  let reader;
  try {
    reader = await openFatImage(image.file, { offset });
  } catch (error) {
    if (error instanceof DomainError) return undefined;
    throw error;
  }
  try {
    const { info } = reader;
    return {
      kind: 'fat',
      lba: offset / SECTOR_SIZE,
      offset,
      size: info.geometry.size,
      fatType: info.type,
      clusterSize: info.geometry.clusterSize,
      volumeId: formatVolumeId(info.volumeId),
      ...(info.volumeLabel === undefined ? {} : { label: info.volumeLabel.trimEnd() }),
    };
  } finally {
    await reader.close();
  }
}

export const extentsSection: InspectSection<ImageExtent[]> = {
  id: 'extents',
  title: 'Extents',
  inspect: inspectExtents,
  render(value) {
    const files = value.filter((e) => e.kind === 'file').length;
    return [...renderExtents(value.filter((e) => e.kind !== 'file')), `and ${files} file ${files === 1 ? 'extent' : 'extents'} (listed under Files)`];
  },
};
