/**
 * Where the bytes of a file of the image come from, shared by the tree (image-tree.ts) and the layout's
 * extents (layout/iso-layout.ts), which otherwise do not import each other.
 */
/** Where a file's bytes come from. */
export type FileContent =
  /** A host file, copied in chunks when the image is written; its size is checked again then. */
  | { readonly kind: 'host'; readonly path: string; readonly size: number }
  /** Bytes held in memory (small generated files). */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };
