/**
 * The data area (pure): El Torito's boot catalog, the hidden extents, the contiguous groups, then the files of
 * the tree in path order, each content once. Group members own their extents: a file or hidden extent with
 * the same content placed anywhere points at the member.
 */
import { DomainError } from '../../lib/errors.js';
import type { ContentKeys, DedupCandidate } from '../content-identity.js';
import type { ImageFile } from '../image-tree.js';
import { CATALOG_SIZE } from '../el-torito/boot-catalog.js';
import { FIRST_VOLUME_DESCRIPTOR_SECTOR, SECTOR_SIZE } from '../iso9660/constants.js';
import type { ExtentContent, ExtentLocation, GroupLocation, HiddenExtent, IsoExtensions } from './iso-layout.js';
import type { PlannedData } from './iso-plan.js';
import { sectorsFor } from './plan-directories.js';
import { findNode, type TreeShape } from './plan-nodes.js';

export interface PlacedData {
  /** The first sector after the data. */
  readonly end: number;
  /** In LBA order, the boot catalog's sector left out (it is made once everything else is placed). */
  readonly data: PlannedData[];
  readonly catalogLba: number | undefined;
  /**
   * The first sector of each regular file's bytes, by node index (-1 for other nodes; 0 for empty files): numbers
   * in an array, not a location object in a map for each of tens of thousands of files.
   */
  readonly fileLbas: readonly number[];
  readonly extents: { id: string; location: ExtentLocation }[];
  readonly groups: { id: string; location: GroupLocation }[];
  /** Records and extents that point at an extent already placed for identical content. */
  readonly shared: number;
}

const EMPTY_EXTENT: ExtentLocation = { lba: 0, size: 0, sectors: 0 };

export interface PlaceDataInput {
  readonly start: number;
  readonly tree: TreeShape;
  readonly keys: ContentKeys;
  readonly extensions: IsoExtensions;
  /** The node of the BIOS boot image that gets a boot info table: never shared with identical content. */
  readonly bootInfoTableFile: number | undefined;
}

export function placeData({ start, tree, keys, extensions, bootInfoTableFile }: PlaceDataInput): PlacedData {
  let lba = start;
  let shared = 0;
  const data: PlannedData[] = [];
  /** The first sector of each content placed, by key (its size is the content's). */
  const placedByKey = new Map<number, number>();
  const fileLbas = new Array<number>(tree.nodes.length).fill(-1);
  const extents: { id: string; location: ExtentLocation }[] = [];
  const groups: { id: string; location: GroupLocation }[] = [];

  const catalogLba = extensions.elTorito === undefined ? undefined : lba;
  if (catalogLba !== undefined) lba += sectorsFor(CATALOG_SIZE);

  const fileOf = (index: number) => tree.sources[index] as ImageFile;
  /** The content key of a file or extent: undefined for content shared with nothing (no key, a FAT's start, a patched file). */
  const fileKey = (index: number) => (index === bootInfoTableFile ? undefined : keys.get(fileOf(index)));
  const extentKey = (extent: HiddenExtent) => (extent.content.kind === 'fat' ? undefined : keys.get(extent as DedupCandidate));
  /** Places `region` at the next sector; returns that sector. */
  const allocate = (size: number, region: PlannedData): number => {
    const start = lba;
    data.push(region);
    lba += sectorsFor(size);
    return start;
  };
  const locationOf = (start: number, size: number): ExtentLocation => (size === 0 ? EMPTY_EXTENT : { lba: start, size, sectors: sectorsFor(size) });
  const extentRegion = (content: ExtentContent, origin: string): PlannedData => ({ kind: 'content', lba, size: contentSize(content), content, origin });
  const fileRegion = (index: number): PlannedData => {
    const file = fileOf(index);
    const region = { kind: 'content', lba, size: contentSize(file.content), content: file.content, origin: file.origin } as const;
    return index === bootInfoTableFile ? { ...region, bootInfoTable: { pvdLba: FIRST_VOLUME_DESCRIPTOR_SECTOR, fileLba: lba } } : region;
  };

  const ids = new Set<string>();
  const checkId = (id: string, origin: string) => {
    if (ids.has(id)) throw new DomainError('layout-extension', `two extents share the id "${id}" (${origin})`);
    ids.add(id);
  };
  // Group members own their extents: whatever else has the same content points at them.
  const groupKeys = new Set<number>();
  const groupFiles = new Map<number, string>();
  const memberFiles = new Map<object, { index: number; key: number | undefined }>();
  const memberKeys = new Map<object, number | undefined>();
  for (const group of extensions.groups ?? []) {
    for (const member of group.members) {
      if (member.kind === 'file') {
        const index = findNode(tree.nodes, member.path);
        if (index === undefined || tree.nodes[index]!.kind !== 'file') {
          throw new DomainError('layout-extension', `group "${group.id}" names ${member.path}, which is not a regular file of the image`);
        }
        const other = groupFiles.get(index);
        if (other !== undefined) throw new DomainError('layout-extension', `${member.path} is a member of two groups ("${other}" and "${group.id}")`);
        groupFiles.set(index, group.id);
        const key = fileKey(index);
        memberFiles.set(member, { index, key });
        if (key !== undefined) groupKeys.add(key);
      } else {
        const key = extentKey(member);
        memberKeys.set(member, key);
        if (key !== undefined) groupKeys.add(key);
      }
    }
  }

  const deferred: { key: number; resolve: (lba: number) => void }[] = [];
  /**
   * Gives `resolve` the first sector of a content: 0 when empty, else where the content of `key` was placed, or
   * where `own()` places it (a content with no key is placed without being remembered: nothing else shares it).
   */
  const placeShared = (key: number | undefined, size: number, resolve: (lba: number) => void, own: () => number) => {
    if (size === 0) return resolve(0);
    if (key === undefined) return resolve(own());
    const existing = placedByKey.get(key);
    if (existing !== undefined) {
      shared++;
      return resolve(existing);
    }
    if (groupKeys.has(key)) {
      shared++;
      deferred.push({ key, resolve });
      return;
    }
    const start = own();
    placedByKey.set(key, start);
    resolve(start);
  };

  for (const extent of extensions.hiddenExtents ?? []) {
    checkId(extent.id, extent.origin);
    const size = contentSize(extent.content);
    placeShared(extentKey(extent), size, (start) => extents.push({ id: extent.id, location: locationOf(start, size) }), () => allocate(size, extentRegion(extent.content, extent.origin)));
  }

  for (const group of extensions.groups ?? []) {
    const groupStart = lba;
    const members: ExtentLocation[] = [];
    for (const member of group.members) {
      const align = member.alignSectors ?? 1;
      if (!Number.isSafeInteger(align) || align < 1) throw new DomainError('layout-extension', `group "${group.id}": alignSectors must be a whole number of at least 1 (got ${align})`);
      const misalignment = (lba - groupStart) % align;
      if (misalignment !== 0) lba += align - misalignment;
      let location: ExtentLocation;
      let key: number | undefined;
      if (member.kind === 'file') {
        const found = memberFiles.get(member)!;
        const size = tree.nodes[found.index]!.size!;
        location = size === 0 ? { lba, size: 0, sectors: 0 } : locationOf(allocate(size, fileRegion(found.index)), size);
        fileLbas[found.index] = location.lba;
        key = found.key;
      } else {
        checkId(member.id, member.origin);
        const size = contentSize(member.content);
        location = size === 0 ? { lba, size: 0, sectors: 0 } : locationOf(allocate(size, extentRegion(member.content, member.origin)), size);
        extents.push({ id: member.id, location });
        key = memberKeys.get(member);
      }
      if (key !== undefined && location.size > 0 && !placedByKey.has(key)) placedByKey.set(key, location.lba);
      members.push(location);
    }
    groups.push({ id: group.id, location: { lba: groupStart, size: (lba - groupStart) * SECTOR_SIZE, sectors: lba - groupStart, members } });
  }

  for (const index of tree.files) {
    if (fileLbas[index] !== -1) continue;
    const size = tree.nodes[index]!.size!;
    placeShared(
      fileKey(index),
      size,
      (start) => (fileLbas[index] = start),
      () => allocate(size, fileRegion(index)),
    );
  }

  for (const item of deferred) item.resolve(placedByKey.get(item.key)!);
  return { end: lba, data, catalogLba, fileLbas, extents, groups, shared };
}

export function contentSize(content: ExtentContent): number {
  return content.kind === 'host' || content.kind === 'fat' ? content.size : content.bytes.length;
}
