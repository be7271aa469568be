/**
 * The nodes of the tree as the records will describe them (pure): each node once, root first, then depth
 * first in name order (UTF-8 bytes), with its mode, link count, inode number (counted in that order, one per
 * hard-link set) and its time clamped to the image's date. The image tree's own nodes are kept beside them
 * (by index) only while planning, for their contents.
 */
import { compareImageNames, imagePathNames } from '../../system/image-path.js';
import type { ImageFile, ImageNode, ImageTree } from '../image-tree.js';
import { MAX_EXTENT_BYTES } from '../iso9660/constants.js';
import { EARLIEST_RECORDING_DATE, LATEST_RECORDING_DATE } from '../iso9660/date-time.js';
import { PosixFileType } from '../iso9660/rock-ridge.js';
import type { PlannedNode } from './iso-plan.js';

/**
 * A node before anything is placed: what it is, not yet where. The planner gives it its places and it becomes
 * the PlannedNode (plan-layout.ts); it has those fields from the start, unset, so that every file (and every
 * directory) keeps one hidden class and its fields in the object.
 */
export type NodeShape = Omit<PlannedNode, 'lba' | 'primary' | 'joliet'> & { lba?: number; primary?: number; joliet?: number };

export interface TreeShape {
  readonly nodes: readonly NodeShape[];
  /** The image tree's node behind each planned node (same index). */
  readonly sources: readonly ImageNode[];
  /** Indexes of the regular files, in path order. */
  readonly files: readonly number[];
  readonly counts: { readonly files: number; readonly directories: number; readonly symlinks: number };
}

export function shapeTree(tree: ImageTree, date: Date): TreeShape {
  const ceiling = Math.floor(date.getTime() / 1000);
  const linkCounts = new Map<string, number>();
  const countLinks = (node: ImageNode) => {
    if (node.kind === 'directory') for (const child of node.entries.values()) countLinks(child);
    else if (node.kind === 'file' && node.linkKey !== undefined) linkCounts.set(node.linkKey, (linkCounts.get(node.linkKey) ?? 0) + 1);
  };
  countLinks(tree.root);

  const nodes: NodeShape[] = [];
  const sources: ImageNode[] = [];
  const files: number[] = [];
  const inodes = new Map<string, number>();
  let nextInode = 1;
  const counts = { files: 0, directories: -1, symlinks: 0 };

  const add = (node: ImageNode, name: string, parent: number): number => {
    const index = nodes.length;
    const time = clampTime(node.mtime ?? ceiling, ceiling);
    let inode: number;
    let links = 1;
    if (node.kind === 'file' && node.linkKey !== undefined) {
      inode = inodes.get(node.linkKey) ?? nextInode++;
      inodes.set(node.linkKey, inode);
      links = linkCounts.get(node.linkKey) ?? 1;
    } else {
      inode = nextInode++;
    }
    // Reserve the slot: children come after their parent.
    nodes.push(undefined as unknown as NodeShape);
    sources.push(node);
    if (node.kind === 'directory') {
      counts.directories++;
      let subdirectories = 0;
      for (const child of node.entries.values()) if (child.kind === 'directory') subdirectories++;
      const names = [...node.entries.keys()].sort(compareImageNames);
      const children = names.map((child) => add(node.entries.get(child)!, child, index));
      nodes[index] = { name, parent, kind: 'directory', mode: PosixFileType.directory | (node.mode & 0o7777), links: 2 + subdirectories, inode, time, children, primary: undefined, joliet: undefined };
    } else if (node.kind === 'file') {
      counts.files++;
      files.push(index);
      nodes[index] = { name, parent, kind: 'file', mode: PosixFileType.regular | (node.mode & 0o7777), links, inode, time, size: contentSize(node), lba: undefined };
    } else {
      counts.symlinks++;
      nodes[index] = { name, parent, kind: 'symlink', mode: PosixFileType.symlink | 0o777, links, inode, time, target: node.target };
    }
    return index;
  };
  add(tree.root, '', -1);
  return { nodes, sources, files, counts };
}

function contentSize(file: ImageFile): number {
  return file.content.kind === 'host' ? file.content.size : file.content.bytes.length;
}

/** Newer than the image's date becomes the image's date; older stays; outside 1900..2155 is clamped to fit. */
function clampTime(seconds: number, ceiling: number): number {
  const earliest = EARLIEST_RECORDING_DATE.getTime() / 1000;
  const latest = LATEST_RECORDING_DATE.getTime() / 1000;
  return Math.min(Math.max(Math.min(Math.floor(seconds), ceiling), earliest), latest);
}

/** The image path of a node. */
export function pathOfNode(nodes: readonly Pick<PlannedNode, 'name' | 'parent'>[], index: number): string {
  const names: string[] = [];
  for (let i = index; i > 0; i = nodes[i]!.parent) names.push(nodes[i]!.name);
  return `/${names.reverse().join('/')}`;
}

/** The node at an image path, by walking the sorted children; undefined when there is none. */
export function findNode(nodes: readonly Pick<PlannedNode, 'name' | 'children'>[], path: string): number | undefined {
  const parsed = imagePathNames(path);
  if ('error' in parsed) return undefined;
  let index = 0;
  for (const name of parsed.names) {
    const next = nodes[index]!.children?.find((c) => nodes[c]!.name === name);
    if (next === undefined) return undefined;
    index = next;
  }
  return index;
}

/** Records a regular file needs: one per 4 GiB - 2 KiB section (ISO level 3 multi-extent files). */
export function sectionsOf(node: Pick<PlannedNode, 'kind' | 'size'>): number {
  if (node.kind !== 'file') return 1;
  return Math.max(1, Math.ceil((node.size ?? 0) / MAX_EXTENT_BYTES));
}
