/**
 * The directories of each namespace (pure): path table order, the identifiers of their children, and their
 * records — ".", "..", then the children, packed so none crosses a sector, with the Rock Ridge entries of
 * the primary tree split between the record and continuation areas. walkRecords() derives the records the
 * same way when planning (for the sizes) and when encoding (encode-metadata.ts).
 */
import { DomainError } from '../../lib/errors.js';
import { MAX_PATH_TABLE_DIRECTORIES, SECTOR_SIZE } from '../iso9660/constants.js';
import type { RecordingDateTime } from '../iso9660/date-time.js';
import { directoryRecordLength, systemUseCapacity } from '../iso9660/directory-record.js';
import { compareIdentifiers } from '../iso9660/identifier-order.js';
import { assignJolietIdentifiers, assignPrimaryIdentifiers } from './assign-identifiers.js';
import type { Namespace, PlannedDirectory, PlannedNode } from './iso-plan.js';
import { sectionsOf, type NodeShape } from './plan-nodes.js';
import { ContinuationAllocator, splitSystemUse, type RockRidgeRecord, type SystemUseSplit } from './system-use.js';

/** A directory before it is placed. */
export type DirectoryShape = Omit<PlannedDirectory, 'lba'>;

/** What walkRecords reads of a node: its shape, and (once planned) its directories. */
type NodeView = NodeShape & Pick<PlannedNode, 'primary' | 'joliet'>;

export type RecordRole = 'self' | 'parent' | 'child';

/** One directory record, as walkRecords() derives it. */
export interface PlannedRecord {
  readonly role: RecordRole;
  /** Children only: the identifier as code units. */
  readonly identifier: string;
  /** Index of the node it describes. */
  readonly target: number;
  /** Index of the directory it points at (in the same namespace), for ".", ".." and subdirectories once planned. */
  readonly directory: number | undefined;
  /** Multi-extent files: which section this record describes, of how many. */
  readonly section: number;
  readonly sections: number;
  /** Byte offset in the directory's extent. */
  readonly offset: number;
  /** Primary tree: where its Rock Ridge entries go (in the record, and in continuation areas). */
  readonly systemUse: SystemUseSplit | undefined;
}

export function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR_SIZE);
}

/**
 * Every directory of a namespace in path table order (breadth first, by parent number, then identifier),
 * sized; and for each node, the index of its directory.
 */
export function planDirectories(namespace: Namespace, nodes: readonly NodeShape[]): { directories: DirectoryShape[]; directoryOf: Map<number, number> } {
  const shapes: Omit<DirectoryShape, 'size' | 'continuationSectors'>[] = [];
  const directoryOf = new Map<number, number>();
  const queue: { node: number; parent: number; identifier: string }[] = [{ node: 0, parent: 0, identifier: '' }];
  for (let index = 0; index < queue.length; index++) {
    const item = queue[index]!;
    if (shapes.length >= MAX_PATH_TABLE_DIRECTORIES) {
      throw new DomainError('too-many-directories', `the image would hold more than ${MAX_PATH_TABLE_DIRECTORIES} directories, more than ISO 9660 path tables can number`);
    }
    const candidates = (nodes[item.node]!.children ?? []).filter((c) => namespace === 'primary' || nodes[c]!.kind !== 'symlink');
    const named = candidates.map((c) => ({ name: nodes[c]!.name, isDirectory: nodes[c]!.kind === 'directory' }));
    const assigned = namespace === 'primary' ? assignPrimaryIdentifiers(named) : assignJolietIdentifiers(named);
    const order = candidates.map((_, i) => i).sort((a, b) => compareIdentifiers(assigned[a]!, assigned[b]!));
    const own = shapes.length;
    const shape = { namespace, node: item.node, parent: item.parent, identifier: item.identifier, children: order.map((i) => candidates[i]!), identifiers: order.map((i) => assigned[i]!) };
    shapes.push(shape);
    directoryOf.set(item.node, own);
    shape.children.forEach((child, i) => {
      if (nodes[child]!.kind === 'directory') queue.push({ node: child, parent: own, identifier: shape.identifiers[i]! });
    });
  }
  const directories = shapes.map((shape): DirectoryShape => ({ ...shape, size: 0, continuationSectors: 0 }));
  return { directories: directories.map((d, i) => ({ ...d, ...walkRecords(nodes, directories, i) })), directoryOf };
}

/**
 * Derives the records of directory `index` in order — ".", "..", then the children (a multi-extent file has
 * one record per section) — packing them so none crosses a sector boundary and planning their Rock Ridge
 * continuation areas. Planning calls it for the sizes (with no `visit`); encoding calls it again and writes what
 * it is given.
 */
export function walkRecords(
  nodes: readonly NodeView[],
  directories: readonly Pick<DirectoryShape, 'namespace' | 'node' | 'parent' | 'children' | 'identifiers'>[],
  index: number,
  visit?: (record: PlannedRecord) => void,
): { size: number; continuationSectors: number } {
  const directory = directories[index]!;
  const { namespace } = directory;
  const allocator = new ContinuationAllocator();
  const isRoot = index === 0;
  let position = 0;
  const emit = (role: RecordRole, identifier: string, target: number, targetDirectory: number | undefined, section: number, sections: number) => {
    const idLength = role === 'child' ? (namespace === 'primary' ? identifier.length : identifier.length * 2) : 1;
    let systemUse: SystemUseSplit | undefined;
    if (namespace === 'primary') {
      systemUse = splitSystemUse(rockRidgeShapeOf(role, nodes[target]!, isRoot), systemUseCapacity(idLength), allocator);
    }
    const length = directoryRecordLength(idLength, systemUse?.inlineLength ?? 0);
    if ((position % SECTOR_SIZE) + length > SECTOR_SIZE) position = Math.ceil(position / SECTOR_SIZE) * SECTOR_SIZE;
    visit?.({ role, identifier, target, directory: targetDirectory, section, sections, offset: position, systemUse });
    position += length;
  };
  emit('self', '', directory.node, index, 0, 1);
  emit('parent', '', directories[directory.parent]!.node, directory.parent, 0, 1);
  directory.children.forEach((child, i) => {
    const identifier = directory.identifiers[i]!;
    const node = nodes[child]!;
    if (node.kind === 'directory') {
      emit('child', identifier, child, node[namespace], 0, 1);
      return;
    }
    const sections = sectionsOf(node);
    for (let section = 0; section < sections; section++) emit('child', identifier, child, undefined, section, sections);
  });
  return { size: Math.max(1, sectorsFor(position)) * SECTOR_SIZE, continuationSectors: allocator.sectors };
}

/** The Rock Ridge entries a primary-tree record carries (`time`: the target's, in record form). */
export function rockRidgeOf(record: PlannedRecord, target: PlannedNode, isRoot: boolean, time: RecordingDateTime): RockRidgeRecord {
  return { attributes: { mode: target.mode, links: target.links, inode: target.inode, time }, ...rockRidgeShapeOf(record.role, target, isRoot) };
}

/** What decides the lengths of a record's Rock Ridge entries: its role, name and link target. */
function rockRidgeShapeOf(role: RecordRole, target: NodeShape, isRoot: boolean): Omit<RockRidgeRecord, 'attributes'> {
  if (role === 'self') return isRoot ? { rootSelf: true } : {};
  if (role === 'parent') return {};
  return target.kind === 'symlink' ? { name: target.name, symlinkTarget: target.target! } : { name: target.name };
}
