/**
 * The tree an ISO is made of, before any sector is planned: directories, files (content from a host file or
 * from bytes) and symbolic links, each remembering where it came from so that a conflict or a failure can
 * name the spec key and the path. Sources are scanned into it (scan-sources.ts); later parts add generated
 * files (boot menus, boot loaders) the same way.
 */
import { DomainError } from '../lib/errors.js';
import { imagePathNames, invalidNameReason, joinImagePath } from '../system/image-path.js';

/** Where a file's bytes come from. */
export type FileContent =
  /** A host file, copied in chunks when the image is written; its size is checked again then. */
  | HostFileContent
  /** Bytes held in memory (small generated files). */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

/**
 * A host file, named by its path; or, for the files found by scanning a directory, by that directory's path (with
 * its final slash) and the file's name, which hostPathOf() joins when the path is needed. The tree keeps the names
 * and its directories' paths anyway, where a whole path for each file took about 120 bytes (the string and the
 * pieces it was joined from): 5.5 MiB of the peak of a /usr/share build.
 */
export type HostFileContent = { readonly kind: 'host'; readonly size: number } & ({ readonly path: string } | { readonly directory: string; readonly name: string });

export function hostPathOf(content: HostFileContent): string {
  return 'path' in content ? content.path : content.directory + content.name;
}

export interface ImageFile {
  readonly kind: 'file';
  /** Permission bits (including set-id and sticky bits), 0o7777 at most. */
  readonly mode: number;
  /** Modification time in whole seconds since 1970 (a number, not a Date: trees hold many thousands). */
  readonly mtime: number;
  readonly content: FileContent;
  /**
   * Files sharing a link key are hard links of one another: one inode number, one extent. Scanning sets it
   * from the host's device and inode for files with more than one link.
   */
  readonly linkKey?: string;
  /**
   * Where it came from, for messages: the spec key (`image.yaml: files[2]`) or what generated it. The host
   * path, when there is one, is added by describeOrigin().
   */
  readonly origin: string;
}

export interface ImageSymlink {
  readonly kind: 'symlink';
  readonly target: string;
  /** Seconds since 1970. */
  readonly mtime: number;
  readonly origin: string;
  /** The host path it was read from, for messages. */
  readonly source?: string;
}

export interface ImageDirectory {
  readonly kind: 'directory';
  mode: number;
  /** Seconds since 1970; undefined for directories made only to hold something else: they get the image's date. */
  mtime: number | undefined;
  origin: string;
  /** The host path it was read from, for messages. */
  source?: string | undefined;
  /** True while no source has named this directory itself. */
  implicit: boolean;
  readonly entries: Map<string, ImageNode>;
}

export type ImageNode = ImageFile | ImageSymlink | ImageDirectory;

/** The mode directories get when nothing says otherwise. */
const IMPLICIT_DIRECTORY_MODE = 0o755;

export function newDirectory(options: { mode?: number; mtime?: number; origin: string; source?: string; implicit?: boolean }): ImageDirectory {
  return {
    kind: 'directory',
    mode: options.mode ?? IMPLICIT_DIRECTORY_MODE,
    mtime: options.mtime,
    origin: options.origin,
    source: options.source,
    implicit: options.implicit ?? false,
    entries: new Map(),
  };
}

export class ImageTree {
  readonly root: ImageDirectory = newDirectory({ origin: 'the image root', implicit: true });

  /**
   * Puts a node at an absolute image path, creating missing parent directories. Two directories at one path
   * merge (the first source to name a directory gives its mode and time); anything else at a taken path is a
   * conflict naming both sources.
   */
  add(path: string, node: ImageNode): void {
    const parsed = imagePathNames(path);
    if ('error' in parsed) throw new DomainError('image-path', `${node.origin}: target "${path}" ${parsed.error}`);
    const { names } = parsed;
    if (names.length === 0) {
      if (node.kind !== 'directory') {
        throw new DomainError('image-root', `${node.origin}: the image root "/" can only be a directory`, { hint: 'give the file a name, e.g. to: /boot/vmlinuz' });
      }
      mergeDirectory(this.root, node, '/');
      return;
    }
    const parent = this.ensureDirectory(names.slice(0, -1), node.origin);
    this.addChild(parent, names, node);
  }

  /** Adds `node` as `name` in the directory at `parentNames` (a fast path for scanning, names already checked). */
  addChild(parent: ImageDirectory, names: readonly string[], node: ImageNode): void {
    const name = names[names.length - 1]!;
    const reason = invalidNameReason(name);
    if (reason !== undefined) {
      throw new DomainError('image-name', `${node.origin}: the name "${name}" at ${joinImagePath(names.slice(0, -1))} ${reason}`);
    }
    const existing = parent.entries.get(name);
    if (existing === undefined) {
      parent.entries.set(name, node);
      return;
    }
    if (existing.kind === 'directory' && node.kind === 'directory') {
      mergeDirectory(existing, node, joinImagePath(names));
      return;
    }
    throw conflict(joinImagePath(names), existing, node);
  }

  /** The directory at `names`, created (implicitly) where missing; a file in the way is a conflict. */
  ensureDirectory(names: readonly string[], origin: string): ImageDirectory {
    let directory = this.root;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const existing = directory.entries.get(name);
      if (existing === undefined) {
        const reason = invalidNameReason(name);
        if (reason !== undefined) throw new DomainError('image-name', `${origin}: the name "${name}" ${reason}`);
        const created = newDirectory({ origin, implicit: true });
        directory.entries.set(name, created);
        directory = created;
      } else if (existing.kind === 'directory') {
        directory = existing;
      } else {
        throw conflict(joinImagePath(names.slice(0, i + 1)), existing, newDirectory({ origin }));
      }
    }
    return directory;
  }

  /** The node at an image path, if any. */
  get(path: string): ImageNode | undefined {
    const parsed = imagePathNames(path);
    if ('error' in parsed) return undefined;
    let node: ImageNode = this.root;
    for (const name of parsed.names) {
      if (node.kind !== 'directory') return undefined;
      const next: ImageNode | undefined = node.entries.get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }
}

function mergeDirectory(existing: ImageDirectory, incoming: ImageDirectory, path: string): void {
  if (existing.implicit && !incoming.implicit) {
    existing.mode = incoming.mode;
    existing.mtime = incoming.mtime;
    existing.origin = incoming.origin;
    existing.source = incoming.source;
    existing.implicit = false;
  }
  for (const [name, child] of incoming.entries) {
    const current = existing.entries.get(name);
    if (current === undefined) existing.entries.set(name, child);
    else if (current.kind === 'directory' && child.kind === 'directory') mergeDirectory(current, child, `${path === '/' ? '' : path}/${name}`);
    else throw conflict(`${path === '/' ? '' : path}/${name}`, current, child);
  }
}

/** `image.yaml: files[2] (/src/boot/vmlinuz)`: the origin, with the host path when the node has one. */
function describeOrigin(node: ImageNode): string {
  const host = node.kind === 'file' ? (node.content.kind === 'host' ? hostPathOf(node.content) : undefined) : node.source;
  return host === undefined ? node.origin : `${node.origin} (${host})`;
}

function conflict(path: string, existing: ImageNode, incoming: ImageNode): DomainError {
  const what = (node: ImageNode) => (node.kind === 'directory' ? 'a directory' : node.kind === 'symlink' ? 'a symbolic link' : 'a file');
  return new DomainError('image-conflict', `${path} is claimed twice: ${what(existing)} from ${describeOrigin(existing)} and ${what(incoming)} from ${describeOrigin(incoming)}`, {
    hint: 'give each source its own target path, or remove one of them',
    expected: describeOrigin(existing),
    actual: describeOrigin(incoming),
  });
}
