/**
 * An image as a list of extents — what lies where, in bytes — in one form for the plan of an image
 * (`iso build --dry-run`, from layout/plan-extents.ts) and for an image read back (`iso inspect`, from
 * read/extents-section.ts), so the two can be compared extent for extent. Extents may overlap: a partition
 * covers what is inside it, a boot image is a file's first sectors.
 */
import { tableLines } from '../lib/text-table.js';
import { formatSize } from '../lib/size.js';
import { SECTOR_SIZE } from './iso9660/constants.js';

export type Namespace = 'primary' | 'joliet';

export type ImageExtent =
  /** The master boot record: boot code (isolinux's isohdpfx in a hybrid ISO), disk signature, entries. */
  | { readonly kind: 'mbr'; readonly offset: number; readonly size: number; readonly bootCode: boolean; readonly diskSignature: string }
  | { readonly kind: 'gpt-header'; readonly copy: 'primary' | 'backup'; readonly offset: number; readonly size: number; readonly diskGuid: string }
  | { readonly kind: 'gpt-entries'; readonly copy: 'primary' | 'backup'; readonly offset: number; readonly size: number; readonly entries: number }
  /** An MBR or GPT partition; `type` as `partition-types.ts` names it (`esp`, `0x00`). */
  | {
      readonly kind: 'partition';
      readonly table: 'mbr' | 'gpt';
      readonly number: number;
      readonly offset: number;
      readonly size: number;
      readonly type: string;
      readonly bootable?: boolean;
      readonly name?: string;
    }
  | { readonly kind: 'volume-descriptor'; readonly descriptor: string; readonly lba: number; readonly offset: number; readonly size: number }
  | { readonly kind: 'path-table'; readonly namespace: Namespace; readonly byteOrder: 'little' | 'big'; readonly lba: number; readonly offset: number; readonly size: number }
  | { readonly kind: 'directory'; readonly namespace: Namespace; readonly path: string; readonly lba: number; readonly offset: number; readonly size: number }
  /** The Rock Ridge continuation areas of a directory's records (a run of sectors). */
  | { readonly kind: 'continuation-areas'; readonly path: string; readonly lba: number; readonly offset: number; readonly size: number }
  | { readonly kind: 'boot-catalog'; readonly lba: number; readonly offset: number; readonly size: number }
  /** What the firmware loads for an El Torito entry: `loadSectors` virtual 512-byte sectors (0: the whole image). */
  | { readonly kind: 'boot-image'; readonly platform: string; readonly lba: number; readonly offset: number; readonly size: number; readonly loadSectors: number }
  /** isolinux's boot info table: 56 bytes at byte 8 of the BIOS image. */
  | { readonly kind: 'boot-info-table'; readonly offset: number; readonly size: number; readonly pvdLba: number; readonly fileLba: number; readonly length: number }
  | {
      readonly kind: 'fat';
      readonly lba: number;
      readonly offset: number;
      readonly size: number;
      readonly fatType: number;
      readonly clusterSize: number;
      readonly volumeId: string;
      readonly label?: string;
    }
  /** An extent with no directory record and nothing that says what it is (planned images only). */
  | { readonly kind: 'hidden'; readonly id: string; readonly lba: number; readonly offset: number; readonly size: number }
  /** A regular file's data (one extent per section of a multi-extent file). */
  | { readonly kind: 'file'; readonly path: string; readonly lba: number; readonly offset: number; readonly size: number };

const KIND_ORDER: readonly ImageExtent['kind'][] = [
  'mbr',
  'gpt-header',
  'gpt-entries',
  'partition',
  'volume-descriptor',
  'path-table',
  'directory',
  'continuation-areas',
  'boot-catalog',
  'fat',
  'hidden',
  'boot-image',
  'boot-info-table',
  'file',
];

/** By offset, then kind (an extent before what it contains), then name: one order for plans and images. */
export function sortExtents(extents: readonly ImageExtent[]): ImageExtent[] {
  const name = (e: ImageExtent) => ('path' in e ? e.path : 'table' in e ? `${e.table}${e.number}` : 'namespace' in e ? `${e.namespace} ${'byteOrder' in e ? e.byteOrder : ''}` : '');
  return [...extents].sort((a, b) => a.offset - b.offset || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compare(name(a), name(b)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A text table: where (the 2048-byte sector, or the byte when not on a sector), the size, the kind, what it is. */
export function renderExtents(extents: readonly ImageExtent[]): string[] {
  const rows = extents.map((e) => [e.offset % SECTOR_SIZE === 0 ? String(e.offset / SECTOR_SIZE) : `byte ${e.offset}`, formatSize(e.size), e.kind, describeExtent(e)]);
  return tableLines(['sector', 'size', 'kind', 'what'], rows);
}

function describeExtent(e: ImageExtent): string {
  switch (e.kind) {
    case 'mbr':
      return `disk signature ${e.diskSignature}${e.bootCode ? ', boot code' : ''}`;
    case 'gpt-header':
      return `${e.copy}, disk GUID ${e.diskGuid}`;
    case 'gpt-entries':
      return `${e.copy}, ${e.entries} entries`;
    case 'partition':
      return `${e.table.toUpperCase()} ${e.number}, ${e.type}${e.bootable ? ', bootable' : ''}${e.name === undefined || e.name === '' ? '' : `, "${e.name}"`}`;
    case 'volume-descriptor':
      return e.descriptor;
    case 'path-table':
      return `${e.namespace}, ${e.byteOrder === 'little' ? 'L' : 'M'}`;
    case 'directory':
      return `${e.namespace} ${e.path}`;
    case 'continuation-areas':
      return `Rock Ridge of ${e.path}`;
    case 'boot-catalog':
      return 'El Torito';
    case 'boot-image':
      return `${e.platform}, ${e.loadSectors} load sectors`;
    case 'boot-info-table':
      return `volume descriptor at ${e.pvdLba}, image at ${e.fileLba}, ${e.length} bytes`;
    case 'fat':
      return `FAT${e.fatType}, ${e.clusterSize}-byte clusters, id ${e.volumeId}${e.label === undefined ? '' : `, "${e.label}"`}`;
    case 'hidden':
      return e.id;
    case 'file':
      return e.path;
  }
}
