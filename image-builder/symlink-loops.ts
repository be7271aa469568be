/**
 * Symbolic links on an image are kept as they are, dangling ones included. A loop, though, can never be
 * followed on the booted system (ELOOP), so it is refused when the image is planned: every link is resolved
 * inside the image's own namespace (absolute targets from the image root), as the kernel would after booting.
 */
import { DomainError } from '../lib/errors.js';
import { joinImagePath } from '../system/image-path.js';
import type { ImageDirectory, ImageNode, ImageTree } from './image-tree.js';

/** Linux's limit on links followed while resolving one path (MAXSYMLINKS). */
const MAX_LINKS = 40;

/** Throws a DomainError naming the first symbolic link (in sorted order) whose resolution loops. */
export function checkSymlinkLoops(tree: ImageTree): void {
  // The names down to the directory being visited: one array for the whole walk, copied only for a link.
  const names: string[] = [];
  const visit = (directory: ImageDirectory) => {
    for (const name of [...directory.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const node = directory.entries.get(name)!;
      if (node.kind === 'symlink') {
        const path = [...names, name];
        const chain = loopOf(tree, path);
        if (chain !== undefined) {
          throw new DomainError('symlink-loop', `${joinImagePath(path)} is a symbolic link loop: ${chain.join(', ')} (from ${node.origin})`, {
            hint: 'change a link target so that the chain ends at a file or directory (a dangling link is allowed)',
          });
        }
      } else if (node.kind === 'directory') {
        names.push(name);
        visit(node);
        names.pop();
      }
    }
  };
  visit(tree.root);
}

/** The links followed when resolving `path`, if resolving it loops; undefined when it ends (anywhere, or nowhere). */
function loopOf(tree: ImageTree, path: readonly string[]): string[] | undefined {
  const chain: string[] = [];
  const followed = new Set<string>();
  let resolved: string[] = [];
  let pending = [...path];
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '' || name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const node = nodeAt(tree, [...resolved, name]);
    if (node === undefined) return undefined;
    if (node.kind !== 'symlink') {
      if (node.kind !== 'directory' && pending.length > 0) return undefined;
      resolved.push(name);
      continue;
    }
    const link = joinImagePath([...resolved, name]);
    // Reaching the same link again with the same rest of the path to resolve goes round for ever.
    const state = `${link}\u0000${pending.join('/')}`;
    if (followed.has(state)) return [...chain, 'and round again'];
    followed.add(state);
    chain.push(`${link} -> ${node.target}`);
    if (chain.length > MAX_LINKS) return [...chain.slice(0, 4), `... (more than ${MAX_LINKS} links)`];
    const target = node.target;
    if (target.startsWith('/')) resolved = [];
    pending = [...target.split('/'), ...pending];
  }
  return undefined;
}

function nodeAt(tree: ImageTree, names: readonly string[]): ImageNode | undefined {
  let node: ImageNode = tree.root;
  for (const name of names) {
    if (node.kind !== 'directory') return undefined;
    const next: ImageNode | undefined = node.entries.get(name);
    if (next === undefined) return undefined;
    node = next;
  }
  return node;
}
