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
import type { IsoPlan, PathTablePlan, PlannedData, PlannedDirectory, PlannedNode, PlannedVolumeDescriptor } from './iso-plan.js';
import { planDirectories, sectorsFor, type DirectoryShape } from './plan-directories.js';
import { elToritoBiosFile, planBootCatalog } from './plan-el-torito.js';
import { hybridTailSize, planHybridTables } from './plan-hybrid-tables.js';
import { findNode, shapeTree } from './plan-nodes.js';
import { placeData } from './place-data.js';

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
  lba = placed.end;

  const volumeSectors = lba + paddingSectors;
  if (volumeSectors > 0xffff_ffff) throw new DomainError('image-too-large', `the image would need ${volumeSectors} sectors, more than ISO 9660 can address`);
  const tailSize = extensions.hybridTables === undefined ? 0 : hybridTailSize(extensions.hybridTables);
  const imageSize = Math.ceil((volumeSectors * SECTOR_SIZE + tailSize) / alignment) * alignment;

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

  // What depends on the places: El Torito's catalog and the partition tables.
  const groupImage = (image: GroupImage | undefined, what: string) => {
    if (image === undefined) return undefined;
    const group = placed.groups.find((g) => g.id === image.group);
    if (group === undefined) throw new DomainError('layout-extension', `${what} names the group "${image.group}", which is not in the image`);
    return { lba: group.location.lba, size: image.size };
  };
  const fileLba = (path: string, what: string) => {
    const index = findNode(tree.nodes, path);
    if (index === undefined || tree.nodes[index]!.kind !== 'file') throw new DomainError('layout-extension', `${what} ${path}, which is not a regular file of the image`);
    return placed.fileLbas[index]!;
  };
  let data: readonly PlannedData[] = placed.data;
  const volumeDescriptors: PlannedVolumeDescriptor[] = [{ kind: 'primary', lba: primaryLba }];
  const { elTorito, hybridTables } = extensions;
  if (elTorito !== undefined) {
    const catalog = planBootCatalog(elTorito, { biosLba: biosFile === undefined ? undefined : placed.fileLbas[biosFile]!, uefi: groupImage(elTorito.uefi, 'El Torito') });
    volumeDescriptors.push({ kind: 'boot-record', lba: bootRecordLba!, catalogLba: placed.catalogLba! });
    data = [{ kind: 'boot-catalog', lba: placed.catalogLba!, size: CATALOG_SIZE, catalog }, ...data];
  }
  volumeDescriptors.push({ kind: 'joliet', lba: jolietLba }, { kind: 'terminator', lba: terminatorLba });
  let systemArea: IsoPlan['systemArea'];
  let tail: IsoPlan['tail'];
  if (hybridTables !== undefined) {
    const bootFile = hybridTables.bootCode?.file;
    const loaderLba = bootFile === undefined ? undefined : fileLba(bootFile, "the hybrid MBR's boot code loads");
    systemArea = planHybridTables(hybridTables, { imageSize, loaderLba, esp: groupImage(hybridTables.esp, 'the hybrid partition tables') });
    if (systemArea.gpt !== undefined) tail = { offset: imageSize - tailSize, size: tailSize, gpt: systemArea.gpt };
  }

  return {
    volumeId: input.volumeId,
    date: input.date,
    volumeSectors,
    imageSize,
    systemArea,
    volumeDescriptors,
    primaryPathTable,
    jolietPathTable,
    nodes,
    primaryDirectories,
    jolietDirectories,
    data,
    extents: placed.extents,
    groups: placed.groups,
    tail,
    counts: { ...tree.counts, sharedExtents: placed.shared },
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
