/**
 * The layout planner (pure): from the image tree, which contents are identical and the extension points, it
 * decides every sector of the image — names in each namespace, directory records and their Rock Ridge
 * entries, path tables, where each extent goes — and returns a plan the writer streams out. Nothing here
 * reads a file or looks at the clock.
 *
 * A big tree has tens of thousands of files, so the plan keeps little per file: one PlannedNode, and per
 * directory the ordered children and their identifiers. Directory records are not stored: walkRecords()
 * derives them (offsets, Rock Ridge continuation areas) the same way when planning and when encoding.
 */
import { DomainError } from '../../lib/errors.js';
import { compareImageNames, imagePathNames } from '../../system/image-path.js';
import { volumeIdProblem } from '../../system/volume-id.js';
import type { ContentKeys, DedupCandidate } from '../content-identity.js';
import type { FileContent } from '../file-content.js';
import type { ImageFile, ImageNode, ImageTree } from '../image-tree.js';
import { FIRST_VOLUME_DESCRIPTOR_SECTOR, MAX_EXTENT_BYTES, MAX_PATH_TABLE_DIRECTORIES, SECTOR_SIZE } from '../iso9660/constants.js';
import { EARLIEST_RECORDING_DATE, LATEST_RECORDING_DATE, type RecordingDateTime } from '../iso9660/date-time.js';
import { directoryRecordLength, systemUseCapacity } from '../iso9660/directory-record.js';
import { compareIdentifiers } from '../iso9660/identifier-order.js';
import { pathTableSize } from '../iso9660/path-table.js';
import { PosixFileType } from '../iso9660/rock-ridge.js';
import { assignJolietIdentifiers, assignPrimaryIdentifiers } from './assign-identifiers.js';
import type { ComputeFromLayout, ExtentContent, ExtentLocation, GroupLocation, IsoExtensions, IsoLayout } from './iso-layout.js';
import { ContinuationAllocator, rockRidgeEntryLengths, splitSystemUse, type RockRidgeRecord, type SystemUseSplit } from './system-use.js';

export interface IsoPlanInput {
  readonly volumeId: string;
  /** The image's date: volume time stamps, and the ceiling file times are clamped to. */
  readonly date: Date;
  readonly tree: ImageTree;
  /** From identifyContents(): equal keys share one extent. Contents without a key are never shared. */
  readonly contentKeys: ContentKeys;
  readonly extensions?: IsoExtensions;
}

/** A node of the tree with what its records say about it. */
export interface PlannedNode {
  /** Its name in its directory ("" for the root). */
  readonly name: string;
  readonly parent: PlannedNode | undefined;
  readonly node: ImageNode;
  /** st_mode: type and permission bits. */
  readonly mode: number;
  readonly links: number;
  readonly inode: number;
  /** Modification time in seconds since 1970, clamped. */
  readonly time: number;
  /** Directories: their children, sorted by name (UTF-8 bytes). */
  children?: PlannedNode[];
  /** Regular files: where their bytes are (lba 0 and size 0 for empty files). */
  data?: ExtentLocation;
  /** Directories: their directory in each namespace. */
  primary?: PlannedDirectory;
  joliet?: PlannedDirectory;
}

export interface PlannedDirectory {
  readonly namespace: 'primary' | 'joliet';
  readonly node: PlannedNode;
  readonly parent: PlannedDirectory | undefined;
  /** Its identifier in the parent ("" for the root, whose path table identifier is the byte 0x00). */
  readonly identifier: string;
  /** 1-based position in the path table. */
  readonly number: number;
  /** Children in record order (by identifier), with their identifiers: code units, one byte each in the primary tree, UCS-2 in Joliet. */
  readonly children: readonly PlannedNode[];
  readonly identifiers: readonly string[];
  /** Bytes of the directory extent (a multiple of 2048). */
  size: number;
  /** Sectors of Rock Ridge continuation areas that follow the extent. */
  continuationSectors: number;
  lba: number;
}

export type RecordRole = 'self' | 'parent' | 'child';

/** One directory record, as walkRecords() derives it. */
export interface PlannedRecord {
  readonly role: RecordRole;
  /** Children only: the identifier as code units. */
  readonly identifier: string;
  readonly target: PlannedNode;
  /** Set when the record points at a directory (also for "." and ".."). */
  readonly directory: PlannedDirectory | undefined;
  /** Multi-extent files: which section this record describes, of how many. */
  readonly section: number;
  readonly sections: number;
  /** Byte offset in the directory's extent. */
  readonly offset: number;
  /** Primary tree: where its Rock Ridge entries go (in the record, and in continuation areas). */
  readonly systemUse: SystemUseSplit | undefined;
}

/** A run of sectors with content: a file's bytes, bytes computed from the layout, or a patched file. */
export type DataRegion =
  | { readonly kind: 'content'; readonly lba: number; readonly size: number; readonly content: FileContent; readonly origin: string }
  | { readonly kind: 'computed'; readonly lba: number; readonly size: number; readonly compute: ComputeFromLayout; readonly origin: string }
  | { readonly kind: 'patched'; readonly lba: number; readonly size: number; readonly file: ImageFile; readonly path: string };

export interface PathTablePlan {
  readonly size: number;
  readonly lLba: number;
  readonly mLba: number;
}

export interface IsoPlan {
  readonly layout: IsoLayout;
  readonly date: Date;
  readonly primaryDirectories: readonly PlannedDirectory[];
  readonly jolietDirectories: readonly PlannedDirectory[];
  readonly primaryPathTable: PathTablePlan;
  readonly jolietPathTable: PathTablePlan;
  /** Data regions in LBA order. */
  readonly dataRegions: readonly DataRegion[];
  readonly extensions: IsoExtensions;
  readonly counts: { readonly files: number; readonly directories: number; readonly symlinks: number; readonly sharedExtents: number };
}

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}

export function planIsoLayout(input: IsoPlanInput): IsoPlan {
  const volumeIdIssue = volumeIdProblem(input.volumeId);
  if (volumeIdIssue !== undefined) {
    throw new DomainError('volume-id', `the volume id "${input.volumeId}" ${volumeIdIssue}`, { hint: 'use 1 to 32 characters of A-Z, 0-9 and _, e.g. CAIRN_LIVE' });
  }
  const extensions = input.extensions ?? {};
  const tree = planNodes(input);
  const primary = planDirectories('primary', tree.root);
  const joliet = planDirectories('joliet', tree.root);

  // Descriptors.
  let lba: number = FIRST_VOLUME_DESCRIPTOR_SECTOR;
  const primaryVolumeDescriptorLba = lba++;
  const extraVolumeDescriptorLbas = (extensions.volumeDescriptors ?? []).map(() => lba++);
  const jolietVolumeDescriptorLba = lba++;
  const terminatorLba = lba++;

  // Path tables.
  const placeTable = (size: number): PathTablePlan => {
    const lLba = lba;
    lba += Math.max(1, sectorsFor(size));
    const mLba = lba;
    lba += Math.max(1, sectorsFor(size));
    return { size, lLba, mLba };
  };
  const primaryPathTable = placeTable(pathTableSize(primary.map((d) => Math.max(1, d.identifier.length))));
  const jolietPathTable = placeTable(pathTableSize(joliet.map((d) => Math.max(1, d.identifier.length * 2))));

  for (const directory of [...primary, ...joliet]) {
    directory.lba = lba;
    lba += directory.size / SECTOR_SIZE + directory.continuationSectors;
  }

  const placed = placeData(lba, tree, input.contentKeys, extensions);
  lba = placed.end;

  const paddingSectors = extensions.padding?.volumeSectors ?? 0;
  checkCount(paddingSectors, 'padding.volumeSectors');
  const volumeSectors = lba + paddingSectors;
  if (volumeSectors > 0xffff_ffff) throw new DomainError('image-too-large', `the image would need ${volumeSectors} sectors, more than ISO 9660 can address`);

  const tailSize = extensions.tail?.size ?? 0;
  const alignment = extensions.padding?.imageAlignment ?? SECTOR_SIZE;
  checkCount(tailSize, 'tail.size');
  if (tailSize % 512 !== 0) throw new DomainError('layout-extension', `tail.size must be a multiple of 512 bytes (got ${tailSize})`);
  if (!Number.isInteger(alignment) || alignment < 512 || alignment % 512 !== 0) {
    throw new DomainError('layout-extension', `padding.imageAlignment must be a multiple of 512 bytes (got ${alignment})`);
  }
  const imageSize = Math.ceil((volumeSectors * SECTOR_SIZE + tailSize) / alignment) * alignment;

  const root = tree.root;
  const layout: IsoLayout = {
    volumeId: input.volumeId,
    volumeSectors,
    imageSize,
    primaryVolumeDescriptorLba,
    extraVolumeDescriptorLbas,
    jolietVolumeDescriptorLba,
    terminatorLba,
    locateFile: (path) => {
      const node = findPlannedNode(root, path);
      return node?.node.kind === 'file' ? node.data : undefined;
    },
    extents: placed.extents,
    groups: placed.groups,
    tail: extensions.tail === undefined ? undefined : { offset: imageSize - tailSize, size: tailSize },
  };
  return {
    layout,
    date: input.date,
    primaryDirectories: primary,
    jolietDirectories: joliet,
    primaryPathTable,
    jolietPathTable,
    dataRegions: placed.regions,
    extensions,
    counts: { ...tree.counts, sharedExtents: placed.shared },
  };
}

// ---- nodes -------------------------------------------------------------------------------------------

interface PlannedTree {
  readonly root: PlannedNode;
  /** Regular files in path order (depth first, names sorted by bytes). */
  readonly files: PlannedNode[];
  readonly counts: { files: number; directories: number; symlinks: number };
}

function planNodes(input: IsoPlanInput): PlannedTree {
  const ceiling = Math.floor(input.date.getTime() / 1000);
  const linkCounts = new Map<string, number>();
  const countLinks = (node: ImageNode) => {
    if (node.kind === 'directory') for (const child of node.entries.values()) countLinks(child);
    else if (node.kind === 'file' && node.linkKey !== undefined) linkCounts.set(node.linkKey, (linkCounts.get(node.linkKey) ?? 0) + 1);
  };
  countLinks(input.tree.root);

  const inodes = new Map<string, number>();
  let nextInode = 1;
  const files: PlannedNode[] = [];
  const counts = { files: 0, directories: -1, symlinks: 0 };

  const plan = (node: ImageNode, name: string, parent: PlannedNode | undefined): PlannedNode => {
    const time = clampTime(node.mtime ?? ceiling, ceiling);
    let mode: number;
    let links = 1;
    let inode: number;
    if (node.kind === 'file' && node.linkKey !== undefined) {
      inode = inodes.get(node.linkKey) ?? nextInode++;
      inodes.set(node.linkKey, inode);
      links = linkCounts.get(node.linkKey) ?? 1;
    } else {
      inode = nextInode++;
    }
    if (node.kind === 'directory') {
      mode = PosixFileType.directory | (node.mode & 0o7777);
      links = 2;
      for (const child of node.entries.values()) if (child.kind === 'directory') links++;
      counts.directories++;
    } else if (node.kind === 'file') {
      mode = PosixFileType.regular | (node.mode & 0o7777);
      counts.files++;
    } else {
      mode = PosixFileType.symlink | 0o777;
      counts.symlinks++;
    }
    const planned: PlannedNode = { name, parent, node, mode, links, inode, time };
    if (node.kind === 'file') files.push(planned);
    if (node.kind === 'directory') {
      const names = [...node.entries.keys()].sort(compareImageNames);
      planned.children = names.map((child) => plan(node.entries.get(child)!, child, planned));
    }
    return planned;
  };
  return { root: plan(input.tree.root, '', undefined), files, counts };
}

/** Newer than the image's date becomes the image's date; older stays; outside 1900..2155 is clamped to fit. */
export function clampTime(seconds: number, ceiling: number): number {
  const earliest = EARLIEST_RECORDING_DATE.getTime() / 1000;
  const latest = LATEST_RECORDING_DATE.getTime() / 1000;
  return Math.min(Math.max(Math.min(Math.floor(seconds), ceiling), earliest), latest);
}

/** The image path of a planned node. */
export function pathOf(node: PlannedNode): string {
  const names: string[] = [];
  for (let n: PlannedNode | undefined = node; n?.parent !== undefined; n = n.parent) names.push(n.name);
  return `/${names.reverse().join('/')}`;
}

/** The planned node at an image path, by walking the sorted children. */
export function findPlannedNode(root: PlannedNode, path: string): PlannedNode | undefined {
  const parsed = imagePathNames(path);
  if ('error' in parsed) return undefined;
  let node: PlannedNode | undefined = root;
  for (const name of parsed.names) {
    node = node?.children?.find((c) => c.name === name);
    if (node === undefined) return undefined;
  }
  return node;
}

function sectionsOf(node: PlannedNode): number {
  if (node.node.kind !== 'file') return 1;
  return Math.max(1, Math.ceil(contentSize(node.node.content) / MAX_EXTENT_BYTES));
}

function contentSize(content: FileContent | ExtentContent): number {
  return content.kind === 'host' ? content.size : content.kind === 'bytes' ? content.bytes.length : content.size;
}

// ---- directories -------------------------------------------------------------------------------------

/** Every directory of a namespace in path table order (breadth first, by parent number, then identifier). */
function planDirectories(namespace: 'primary' | 'joliet', root: PlannedNode): PlannedDirectory[] {
  const all: PlannedDirectory[] = [];
  const queue: { node: PlannedNode; parent: PlannedDirectory | undefined; identifier: string }[] = [{ node: root, parent: undefined, identifier: '' }];
  for (let index = 0; index < queue.length; index++) {
    const item = queue[index]!;
    if (all.length >= MAX_PATH_TABLE_DIRECTORIES) {
      throw new DomainError('too-many-directories', `the image would hold more than ${MAX_PATH_TABLE_DIRECTORIES} directories, more than ISO 9660 path tables can number`);
    }
    const candidates = (item.node.children ?? []).filter((c) => namespace === 'primary' || c.node.kind !== 'symlink');
    const named = candidates.map((c) => ({ name: c.name, isDirectory: c.node.kind === 'directory' }));
    const assigned = namespace === 'primary' ? assignPrimaryIdentifiers(named) : assignJolietIdentifiers(named);
    const order = candidates.map((_, i) => i).sort((a, b) => compareIdentifiers(assigned[a]!, assigned[b]!));
    const directory: PlannedDirectory = {
      namespace,
      node: item.node,
      parent: item.parent,
      identifier: item.identifier,
      number: all.length + 1,
      children: order.map((i) => candidates[i]!),
      identifiers: order.map((i) => assigned[i]!),
      size: 0,
      continuationSectors: 0,
      lba: 0,
    };
    all.push(directory);
    item.node[namespace] = directory;
    directory.children.forEach((child, i) => {
      if (child.node.kind === 'directory') queue.push({ node: child, parent: directory, identifier: directory.identifiers[i]! });
    });
  }
  for (const directory of all) {
    const { size, continuationSectors } = walkRecords(directory, () => {});
    directory.size = size;
    directory.continuationSectors = continuationSectors;
  }
  return all;
}

/**
 * Derives a directory's records in order — ".", "..", then the children (a multi-extent file has one record
 * per section) — packing them so none crosses a sector boundary and planning their Rock Ridge continuation
 * areas. Planning calls it for the sizes; encoding calls it again and writes what it is given.
 */
export function walkRecords(directory: PlannedDirectory, visit: (record: PlannedRecord) => void): { size: number; continuationSectors: number } {
  const allocator = new ContinuationAllocator();
  const isRoot = directory.parent === undefined;
  const parent = directory.parent ?? directory;
  let position = 0;
  const emit = (role: RecordRole, identifier: string, target: PlannedNode, target_directory: PlannedDirectory | undefined, section: number, sections: number) => {
    const idLength = role === 'child' ? (directory.namespace === 'primary' ? identifier.length : identifier.length * 2) : 1;
    let systemUse: SystemUseSplit | undefined;
    if (directory.namespace === 'primary') {
      systemUse = splitSystemUse(rockRidgeEntryLengths(rockRidgeShapeOf(role, target, isRoot)), systemUseCapacity(idLength), allocator);
    }
    const length = directoryRecordLength(idLength, systemUse?.inlineLength ?? 0);
    if ((position % SECTOR_SIZE) + length > SECTOR_SIZE) position = Math.ceil(position / SECTOR_SIZE) * SECTOR_SIZE;
    visit({ role, identifier, target, directory: target_directory, section, sections, offset: position, systemUse });
    position += length;
  };
  emit('self', '', directory.node, directory, 0, 1);
  emit('parent', '', parent.node, parent, 0, 1);
  directory.children.forEach((child, i) => {
    const identifier = directory.identifiers[i]!;
    if (child.node.kind === 'directory') {
      emit('child', identifier, child, child[directory.namespace], 0, 1);
      return;
    }
    const sections = sectionsOf(child);
    for (let section = 0; section < sections; section++) emit('child', identifier, child, undefined, section, sections);
  });
  return { size: Math.max(1, sectorsFor(position)) * SECTOR_SIZE, continuationSectors: allocator.sectors };
}

/** The Rock Ridge entries a primary-tree record carries (`time`: the target's, in record form). */
export function rockRidgeOf(record: PlannedRecord, isRoot: boolean, time: RecordingDateTime): RockRidgeRecord {
  const target = record.target;
  return { attributes: { mode: target.mode, links: target.links, inode: target.inode, time }, ...rockRidgeShapeOf(record.role, target, isRoot) };
}

/** What decides the lengths of a record's Rock Ridge entries: its role, name and link target. */
function rockRidgeShapeOf(role: RecordRole, target: PlannedNode, isRoot: boolean): Omit<RockRidgeRecord, 'attributes'> {
  if (role === 'self') return isRoot ? { rootSelf: true } : {};
  if (role === 'parent') return {};
  return target.node.kind === 'symlink' ? { name: target.name, symlinkTarget: target.node.target } : { name: target.name };
}

// ---- data --------------------------------------------------------------------------------------------

interface PlacedData {
  readonly end: number;
  readonly regions: DataRegion[];
  readonly extents: Map<string, ExtentLocation>;
  readonly groups: Map<string, GroupLocation>;
  readonly shared: number;
}

const EMPTY_EXTENT: ExtentLocation = { lba: 0, size: 0, sectors: 0 };

function placeData(start: number, tree: PlannedTree, keys: ContentKeys, extensions: IsoExtensions): PlacedData {
  let lba = start;
  let shared = 0;
  let unsharedKeys = 0;
  const regions: DataRegion[] = [];
  const placedByKey = new Map<number | string, ExtentLocation>();
  const extents = new Map<string, ExtentLocation>();
  const groups = new Map<string, GroupLocation>();

  /** The content key of a candidate; contents without one (computed, patched) get a key of their own. */
  const keyOf = (candidate: DedupCandidate | undefined): number | string => (candidate === undefined ? undefined : keys.get(candidate)) ?? `unshared:${unsharedKeys++}`;
  const fileKey = (node: PlannedNode) => {
    const file = node.node as ImageFile;
    return file.patch !== undefined ? keyOf(undefined) : keyOf(file);
  };
  const extentKey = (extent: { content: ExtentContent; origin: string }) => (extent.content.kind === 'computed' ? keyOf(undefined) : keyOf(extent as DedupCandidate));
  const allocate = (size: number, region: DataRegion): ExtentLocation => {
    const location = { lba, size, sectors: sectorsFor(size) };
    regions.push(region);
    lba += location.sectors;
    return location;
  };
  const extentRegion = (content: ExtentContent, origin: string): DataRegion =>
    content.kind === 'computed'
      ? { kind: 'computed', lba, size: content.size, compute: content.compute, origin }
      : { kind: 'content', lba, size: contentSize(content), content, origin };
  const fileRegion = (node: PlannedNode): DataRegion => {
    const file = node.node as ImageFile;
    return file.patch !== undefined
      ? { kind: 'patched', lba, size: contentSize(file.content), file, path: pathOf(node) }
      : { kind: 'content', lba, size: contentSize(file.content), content: file.content, origin: file.origin };
  };

  // Group members own their extents: whatever else has the same content points at them.
  const ids = new Set<string>();
  const checkId = (id: string, origin: string) => {
    if (ids.has(id)) throw new DomainError('layout-extension', `two extents share the id "${id}" (${origin})`);
    ids.add(id);
  };
  const groupKeys = new Set<number | string>();
  const groupFiles = new Map<PlannedNode, string>();
  const memberFiles = new Map<object, { node: PlannedNode; key: number | string }>();
  const memberKeys = new Map<object, number | string>();
  for (const group of extensions.groups ?? []) {
    for (const member of group.members) {
      if (member.kind === 'file') {
        const node = findPlannedNode(tree.root, member.path);
        if (node === undefined || node.node.kind !== 'file') {
          throw new DomainError('layout-extension', `group "${group.id}" names ${member.path}, which is not a regular file of the image`);
        }
        const other = groupFiles.get(node);
        if (other !== undefined) throw new DomainError('layout-extension', `${member.path} is a member of two groups ("${other}" and "${group.id}")`);
        groupFiles.set(node, group.id);
        const key = fileKey(node);
        memberFiles.set(member, { node, key });
        groupKeys.add(key);
      } else {
        const key = extentKey(member);
        memberKeys.set(member, key);
        groupKeys.add(key);
      }
    }
  }

  const deferred: { key: number | string; resolve: (location: ExtentLocation) => void }[] = [];
  const placeShared = (key: number | string, size: number, resolve: (location: ExtentLocation) => void, own: () => ExtentLocation) => {
    if (size === 0) return resolve(EMPTY_EXTENT);
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
    const location = own();
    placedByKey.set(key, location);
    resolve(location);
  };

  for (const extent of extensions.hiddenExtents ?? []) {
    checkId(extent.id, extent.origin);
    const size = contentSize(extent.content);
    placeShared(extentKey(extent), size, (location) => extents.set(extent.id, location), () => allocate(size, extentRegion(extent.content, extent.origin)));
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
      let key: number | string;
      if (member.kind === 'file') {
        const found = memberFiles.get(member)!;
        const size = contentSize((found.node.node as ImageFile).content);
        location = size === 0 ? { lba, size: 0, sectors: 0 } : allocate(size, fileRegion(found.node));
        found.node.data = location;
        key = found.key;
      } else {
        checkId(member.id, member.origin);
        const size = contentSize(member.content);
        location = size === 0 ? { lba, size: 0, sectors: 0 } : allocate(size, extentRegion(member.content, member.origin));
        extents.set(member.id, location);
        key = memberKeys.get(member)!;
      }
      if (location.size > 0 && !placedByKey.has(key)) placedByKey.set(key, location);
      members.push(location);
    }
    groups.set(group.id, { lba: groupStart, size: (lba - groupStart) * SECTOR_SIZE, sectors: lba - groupStart, members });
  }

  for (const node of tree.files) {
    if (node.data !== undefined) continue;
    const size = contentSize((node.node as ImageFile).content);
    placeShared(fileKey(node), size, (location) => (node.data = location), () => allocate(size, fileRegion(node)));
  }

  for (const item of deferred) item.resolve(placedByKey.get(item.key)!);
  return { end: lba, regions, extents, groups, shared };
}

function checkCount(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new DomainError('layout-extension', `${what} must be a whole number of at least 0 (got ${value})`);
}
