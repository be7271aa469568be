/** The tree a FAT image is planned from: directories and files, each file's bytes in memory or on disk. */

/** Where a file's bytes come from: a file on disk (read when the image is written) or bytes in memory. */
export type FatFileSource =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

export interface FatTreeFile {
  readonly kind: 'file';
  readonly name: string;
  /** Bytes; must equal the source's length when the image is written. */
  readonly size: number;
  readonly source: FatFileSource;
}

export interface FatTreeDirectory {
  readonly kind: 'directory';
  readonly name: string;
  readonly entries: readonly FatTreeNode[];
  /** Where the directory came from, for messages (the helper that reads a directory on disk sets it). */
  readonly origin?: string;
}

export type FatTreeNode = FatTreeFile | FatTreeDirectory;

/** A file of the tree from bytes in memory. */
export function fatFileFromBytes(name: string, bytes: Uint8Array | string): FatTreeFile {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return { kind: 'file', name, size: data.length, source: { kind: 'bytes', bytes: data } };
}

/** A file of the tree read from `path` when the image is written; `size` is what the plan reserves. */
export function fatFileFromPath(name: string, path: string, size: number): FatTreeFile {
  return { kind: 'file', name, size, source: { kind: 'path', path } };
}

export function fatDirectory(name: string, entries: readonly FatTreeNode[]): FatTreeDirectory {
  return { kind: 'directory', name, entries };
}

/** What a message should call a node: its path in the image, and its origin on disk when known. */
export function describeTreePath(imagePath: string, origin: string | undefined): string {
  return origin === undefined ? imagePath : `${imagePath} (${origin})`;
}
