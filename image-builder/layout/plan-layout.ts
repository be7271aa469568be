/**
 * The layout planner (pure): from the image tree, which contents are identical and the extensions asked for,
 * it decides every sector of the image — names in each namespace, directory records and their Rock Ridge
 * entries, path tables, where each extent goes, and the values of the parts that depend on those places
 * (the boot catalog, the boot info table, the hybrid MBR and GPT) — and returns the plan as data
 * (iso-plan.ts), which the writer encodes. Nothing here reads a file or looks at the clock.
 *
 * In order: the nodes (plan-nodes.ts), the directories of each namespace and their sizes
 * (plan-directories.ts), descriptors, path tables and directories placed, the data area (place-data.ts),
 * then El Torito (plan-el-torito.ts) and the partition tables (plan-hybrid-tables.ts) from the places.
 */
import { DomainError } from '../../lib/errors.js';
import { volumeIdProblem } from '../../system/volume-id.js';
import type { ContentKeys } from '../content-identity.js';
import type { ImageTree } from '../image-tree.js';
import { CATALOG_SIZE } from '../el-torito/boot-catalog.js';
import { FIRST_VOLUME_DESCRIPTOR_SECTOR, SECTOR_SIZE } from '../iso9660/constants.js';
import { pathTableSize } from '../iso9660/path-table.js';
import type { ExtentLocation, GroupImage, IsoExtensions } from './iso-layout.js';
import type { BootInfo } from '../el-torito/boot-info-table.js';
import type { DroppedRegions } from './dropped-regions.js';
import type { IsoPlan, PathTablePlan, PlannedData, PlannedDirectory, PlannedNode, PlannedVolumeDescriptor } from './iso-plan.js';
import { planDirectories, sectorsFor, type DirectoryShape } from './plan-directories.js';
import { elToritoBiosFile, planBootCatalog } from './plan-el-torito.js';
import { hybridTailSize, planHybridTables } from './plan-hybrid-tables.js';
import { findNode, shapeTree } from './plan-nodes.js';
import { placeData, type PlacedData } from './place-data.js';

export interface IsoPlanInput {
  readonly volumeId: string;
  /** The image's date: volume time stamps, and the ceiling file times are clamped to. */
  readonly date: Date;
  readonly tree: ImageTree;
  /** From identifyContents(): equal keys share one extent. Contents without a key are never shared. */
  readonly contentKeys: ContentKeys;
  readonly extensions?: IsoExtensions;
}

export function planIsoLayout(input: IsoPlanInput): IsoPlan {
  return planProvisionalLayout(input).plan;
}

/**
 * A plan whose data area may still shrink: the writer, copying contents in the plan's order, can find a content
 * identical to one it has already written (contents it was asked to compare as it copies them: see
 * identifyContents' `deferrable`) and leave its region out. `settle` gives the plan with those regions left out
 * and everything after them moved down; nothing before the data area changes (the metadata's sizes do not depend
 * on the places). The provisional plan's nodes become the settled plan's: it is not to be used after settle().
 */
export interface ProvisionalLayout {
  readonly plan: IsoPlan;
  readonly settle: (dropped: DroppedRegions) => IsoPlan;
}

export function planProvisionalLayout(input: IsoPlanInput): ProvisionalLayout {
  const volumeIdIssue = volumeIdProblem(input.volumeId);
  if (volumeIdIssue !== undefined) {
    throw new DomainError('volume-id', `the volume id "${input.volumeId}" ${volumeIdIssue}`, { hint: 'use 1 to 32 characters of A-Z, 0-9 and _, e.g. CAIRN_LIVE' });
  }
  const extensions = input.extensions ?? {};
  const paddingSectors = extensions.padding?.volumeSectors ?? 0;
  checkCount(paddingSectors, 'padding.volumeSectors');
  const alignment = extensions.padding?.imageAlignment ?? SECTOR_SIZE;
  if (!Number.isInteger(alignment) || alignment < 512 || alignment % 512 !== 0) {
    throw new DomainError('layout-extension', `padding.imageAlignment must be a multiple of 512 bytes (got ${alignment})`);
  }

  const tree = shapeTree(input.tree, input.date);
  const primary = planDirectories('primary', tree.nodes);
  const joliet = planDirectories('joliet', tree.nodes);
  const biosFile = extensions.elTorito === undefined ? undefined : elToritoBiosFile(extensions.elTorito, tree.nodes);

  // Descriptors.
  let lba: number = FIRST_VOLUME_DESCRIPTOR_SECTOR;
  const primaryLba = lba++;
  const bootRecordLba = extensions.elTorito === undefined ? undefined : lba++;
  const jolietLba = lba++;
  const terminatorLba = lba++;

  // Path tables.
  const placeTable = (size: number): PathTablePlan => {
    const lLba = lba;
    lba += Math.max(1, sectorsFor(size));
    const mLba = lba;
    lba += Math.max(1, sectorsFor(size));
    return { size, lLba, mLba };
  };
  const primaryPathTable = placeTable(pathTableSize(primary.directories.map((d) => Math.max(1, d.identifier.length))));
  const jolietPathTable = placeTable(pathTableSize(joliet.directories.map((d) => Math.max(1, d.identifier.length * 2))));

  const placeDirectories = (directories: readonly DirectoryShape[]): PlannedDirectory[] =>
    directories.map((directory) => {
      const placed = { ...directory, lba };
      lba += directory.size / SECTOR_SIZE + directory.continuationSectors;
      return placed;
    });
  const primaryDirectories = placeDirectories(primary.directories);
  const jolietDirectories = placeDirectories(joliet.directories);

  const placed = placeData({ start: lba, tree, keys: input.contentKeys, extensions, bootInfoTableFile: biosFile !== undefined && extensions.elTorito?.bios?.bootInfoTable ? biosFile : undefined });

  // The shapes become the planned nodes, given their places (shapeTree made them with these fields unset): a copy
  // of tens of thousands of nodes would be held beside them at the peak of the build's memory.
  const nodes = tree.nodes.map((node, index): PlannedNode => {
    if (node.kind === 'file') node.lba = placed.fileLbas[index]!;
    else if (node.kind === 'directory') {
      node.primary = primary.directoryOf.get(index)!;
      node.joliet = joliet.directoryOf.get(index)!;
    }
    return node;
  });

  // Only what the places of the data area decide is left: kept without the tree, which can go once this returns.
  const metadata: PlannedMetadata = {
    volumeId: input.volumeId,
    date: input.date,
    paddingSectors,
    alignment,
    primaryLba,
    bootRecordLba,
    jolietLba,
    terminatorLba,
    primaryPathTable,
    jolietPathTable,
    nodes,
    primaryDirectories,
    jolietDirectories,
    counts: tree.counts,
    biosFile,
    elTorito: extensions.elTorito,
    hybridTables: extensions.hybridTables,
  };
  const places: DataPlaces = { end: placed.end, data: placed.data, catalogLba: placed.catalogLba, extents: placed.extents, groups: placed.groups, shared: placed.shared };
  return { plan: completePlan(metadata, places), settle: settler(metadata, places) };
}

/** Everything planIsoLayout decides before the data area, and what the rest of the plan is made from. */
interface PlannedMetadata extends Pick<IsoPlan, 'volumeId' | 'date' | 'primaryPathTable' | 'jolietPathTable' | 'nodes' | 'primaryDirectories' | 'jolietDirectories'> {
  readonly paddingSectors: number;
  readonly alignment: number;
  readonly primaryLba: number;
  readonly bootRecordLba: number | undefined;
  readonly jolietLba: number;
  readonly terminatorLba: number;
  readonly counts: Omit<IsoPlan['counts'], 'sharedExtents'>;
  /** The node of El Torito's BIOS boot image. */
  readonly biosFile: number | undefined;
  readonly elTorito: IsoExtensions['elTorito'];
  readonly hybridTables: IsoExtensions['hybridTables'];
}

/** The data area as placed: the nodes' places are in their `lba`. */
type DataPlaces = Omit<PlacedData, 'fileLbas'>;

/** A plan from its metadata and its data area: the volume's size and what depends on the places (El Torito's catalog, the partition tables). */
function completePlan(metadata: PlannedMetadata, places: DataPlaces): IsoPlan {
  const { nodes, elTorito, hybridTables, biosFile } = metadata;
  const volumeSectors = places.end + metadata.paddingSectors;
  if (volumeSectors > 0xffff_ffff) throw new DomainError('image-too-large', `the image would need ${volumeSectors} sectors, more than ISO 9660 can address`);
  const tailSize = hybridTables === undefined ? 0 : hybridTailSize(hybridTables);
  const imageSize = Math.ceil((volumeSectors * SECTOR_SIZE + tailSize) / metadata.alignment) * metadata.alignment;

  const groupImage = (image: GroupImage | undefined, what: string) => {
    if (image === undefined) return undefined;
    const group = places.groups.find((g) => g.id === image.group);
    if (group === undefined) throw new DomainError('layout-extension', `${what} names the group "${image.group}", which is not in the image`);
    return { lba: group.location.lba, size: image.size };
  };
  const fileLba = (path: string, what: string) => {
    const index = findNode(nodes, path);
    if (index === undefined || nodes[index]!.kind !== 'file') throw new DomainError('layout-extension', `${what} ${path}, which is not a regular file of the image`);
    return nodes[index]!.lba!;
  };
  let data: readonly PlannedData[] = places.data;
  const volumeDescriptors: PlannedVolumeDescriptor[] = [{ kind: 'primary', lba: metadata.primaryLba }];
  if (elTorito !== undefined) {
    const catalog = planBootCatalog(elTorito, { biosLba: biosFile === undefined ? undefined : nodes[biosFile]!.lba!, uefi: groupImage(elTorito.uefi, 'El Torito') });
    volumeDescriptors.push({ kind: 'boot-record', lba: metadata.bootRecordLba!, catalogLba: places.catalogLba! });
    data = [{ kind: 'boot-catalog', lba: places.catalogLba!, size: CATALOG_SIZE, catalog }, ...data];
  }
  volumeDescriptors.push({ kind: 'joliet', lba: metadata.jolietLba }, { kind: 'terminator', lba: metadata.terminatorLba });
  let systemArea: IsoPlan['systemArea'];
  let tail: IsoPlan['tail'];
  if (hybridTables !== undefined) {
    const bootFile = hybridTables.bootCode?.file;
    const loaderLba = bootFile === undefined ? undefined : fileLba(bootFile, "the hybrid MBR's boot code loads");
    systemArea = planHybridTables(hybridTables, { imageSize, loaderLba, esp: groupImage(hybridTables.esp, 'the hybrid partition tables') });
    if (systemArea.gpt !== undefined) tail = { offset: imageSize - tailSize, size: tailSize, gpt: systemArea.gpt };
  }

  return {
    volumeId: metadata.volumeId,
    date: metadata.date,
    volumeSectors,
    imageSize,
    systemArea,
    volumeDescriptors,
    primaryPathTable: metadata.primaryPathTable,
    jolietPathTable: metadata.jolietPathTable,
    nodes,
    primaryDirectories: metadata.primaryDirectories,
    jolietDirectories: metadata.jolietDirectories,
    data,
    extents: places.extents,
    groups: places.groups,
    tail,
    counts: { ...metadata.counts, sharedExtents: places.shared },
  };
}

/**
 * The settle() of a provisional layout (a function of its own, so that it holds the metadata and the places and
 * nothing else of planIsoLayout's). The provisional plan's nodes and data regions are given their final places
 * where they are, and the dropped regions taken out of its array: at the end of a build's writing, a copy of tens
 * of thousands of each would be held beside them.
 */
function settler(metadata: PlannedMetadata, places: DataPlaces): (dropped: DroppedRegions) => IsoPlan {
  return (dropped) => {
    if (dropped.count === 0) return completePlan(metadata, places);
    type Placed = { lba: number };
    for (const node of metadata.nodes) {
      if (node.kind === 'file' && node.size! > 0) (node as Placed).lba = dropped.moved(node.lba!);
    }
    const data = places.data;
    let kept = 0;
    for (const region of data) {
      if (dropped.isDropped(region.lba)) continue;
      const lba = dropped.moved(region.lba);
      (region as Placed).lba = lba;
      if (region.kind === 'content' && region.bootInfoTable !== undefined) (region as { bootInfoTable: BootInfo }).bootInfoTable = { ...region.bootInfoTable, fileLba: lba };
      data[kept++] = region;
    }
    data.length = kept;
    return completePlan(metadata, { ...places, end: places.end - dropped.sectors, shared: places.shared + dropped.count });
  };
}

/** Where a regular file of the plan is, by image path (any name of a hard link); undefined when there is none. */
export function locateFile(plan: IsoPlan, path: string): ExtentLocation | undefined {
  const index = findNode(plan.nodes, path);
  const node = index === undefined ? undefined : plan.nodes[index]!;
  if (node?.kind !== 'file') return undefined;
  return node.size === 0 ? { lba: 0, size: 0, sectors: 0 } : { lba: node.lba!, size: node.size!, sectors: sectorsFor(node.size!) };
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new DomainError('layout-extension', `${what} must be a whole number of at least 0 (got ${value})`);
}
