/**
 * `cairn iso inspect`: the decoded image (iso-reader.ts) plus sections that later parts add — the El Torito
 * catalog, the partition tables in the system area, the boot menus, the map of extents. A section decodes what it knows from the
 * image and the model, and renders it as lines; the CLI prints them or the JSON of the whole.
 */
import { formatSize } from '../../lib/size.js';
import { SECTOR_SIZE, SYSTEM_AREA_SECTORS } from '../iso9660/constants.js';
import { PosixFileType } from '../iso9660/rock-ridge.js';
import { bootMenusSection } from './boot-menu-section.js';
import { elToritoSection } from './el-torito-section.js';
import { extentsSection } from './extents-section.js';
import type { InspectSection } from './inspect-section.js';
import { readIsoImage, withImage, type IsoEntry, type IsoImage } from './iso-reader.js';
import { partitionTablesSection } from './partition-section.js';
import { secureBootSection } from './secure-boot-section.js';

export interface InspectReport {
  readonly image: IsoImage;
  readonly sections: Readonly<Record<string, unknown>>;
}

/** What the system area (sectors 0..15) holds at a glance; partition tables are decoded by their own section. */
export interface SystemAreaSummary {
  readonly nonZeroBytes: number;
  /** The MBR boot signature 0x55 0xAA at bytes 510..511. */
  readonly mbrSignature: boolean;
}

const systemAreaSection: InspectSection<SystemAreaSummary> = {
  id: 'systemArea',
  title: 'System area',
  async inspect({ access }) {
    const bytes = await access.read(0, SYSTEM_AREA_SECTORS * SECTOR_SIZE);
    let nonZeroBytes = 0;
    for (const byte of bytes) if (byte !== 0) nonZeroBytes++;
    return { nonZeroBytes, mbrSignature: bytes[510] === 0x55 && bytes[511] === 0xaa };
  },
  render(value) {
    if (value.nonZeroBytes === 0) return ['empty (all zero)'];
    return [`${value.nonZeroBytes} non-zero bytes${value.mbrSignature ? ', MBR boot signature present' : ''}`];
  },
};

/** The sections `cairn iso inspect` shows, in order. Later parts add theirs here. */
export const inspectSections: InspectSection[] = [systemAreaSection, elToritoSection, partitionTablesSection, bootMenusSection, secureBootSection, extentsSection];

export async function inspectIsoImage(file: string, sections: readonly InspectSection[] = inspectSections): Promise<InspectReport> {
  return withImage(file, async (access) => {
    const image = await readIsoImage(file, access);
    const values: Record<string, unknown> = {};
    for (const section of sections) {
      const value = await section.inspect({ image, access });
      if (value !== undefined) values[section.id] = value;
    }
    return { image, sections: values };
  });
}

/** The report as text lines (the CLI prints them). */
export function renderInspectReport(report: InspectReport, sections: readonly InspectSection[] = inspectSections): string[] {
  const { image } = report;
  const lines: string[] = [];
  lines.push(`${image.file}: ${formatSize(image.size)}, ${image.primary.volumeSpaceSize} sectors of ${image.primary.logicalBlockSize} bytes`);
  lines.push('', 'Volume descriptors:');
  for (const d of image.volumeDescriptors) {
    let detail = '';
    if (d.kind === 'primary') detail = describeVolume(image.primary);
    else if (d.kind === 'joliet' && image.joliet !== undefined) detail = describeVolume(image.joliet);
    else if (d.kind === 'boot-record') detail = `boot system "${d.bootSystemId ?? ''}"`;
    lines.push(`  ${String(d.lba).padStart(4)}  ${d.kind.padEnd(14)}${detail}`.trimEnd());
  }
  lines.push(`Rock Ridge: ${image.rockRidge === undefined ? (image.tree.rockRidge ? 'yes (no ER entry)' : 'no') : `${image.rockRidge.identifier} version ${image.rockRidge.version}`}`);
  for (const section of sections) {
    const value = report.sections[section.id];
    if (value === undefined) continue;
    lines.push('', `${section.title}:`, ...section.render(value).map((l) => `  ${l}`));
  }
  lines.push('', `Files (${image.tree.rockRidge ? 'Rock Ridge' : 'ISO 9660 names'}):`);
  for (const entry of image.tree.entries) lines.push(`  ${formatEntry(entry)}`);
  if (image.jolietTree !== undefined) {
    const files = image.jolietTree.entries.length;
    lines.push('', `Joliet: ${files} entries (see --json for each name)`);
  }
  if (image.problems.length > 0) lines.push('', 'Problems:', ...image.problems.map((p) => `  ${p}`));
  return lines;
}

function describeVolume(volume: IsoImage['primary']): string {
  const parts = [`volume id "${volume.volumeId}"`];
  if (volume.applicationId !== '') parts.push(`application "${volume.applicationId}"`);
  if (volume.created !== undefined) parts.push(`created ${volume.created.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}`);
  return parts.join(', ');
}

/** One `ls -l`-like line: mode, links, owner, size, date, path, link target, where the data is. */
function formatEntry(entry: IsoEntry): string {
  const mode = entry.mode === undefined ? (entry.type === 'directory' ? 'd---------' : '----------') : modeString(entry.mode);
  const owner = entry.uid === undefined ? '' : `${entry.uid} ${entry.gid ?? 0}`;
  const date = entry.mtime === undefined ? '-' : entry.mtime.replace('T', ' ').slice(0, 19);
  const target = entry.target === undefined ? '' : ` -> ${entry.target}`;
  const where = entry.type === 'file' && entry.size > 0 ? `  [lba ${entry.extents.map((e) => e.lba).join(',')}]` : '';
  return `${mode} ${String(entry.links ?? '').padStart(3)} ${owner.padEnd(7)} ${String(entry.size).padStart(12)}  ${date}  ${entry.path}${target}${where}`;
}

export function modeString(mode: number): string {
  const types: Record<number, string> = {
    [PosixFileType.directory]: 'd',
    [PosixFileType.symlink]: 'l',
    [PosixFileType.blockDevice]: 'b',
    [PosixFileType.characterDevice]: 'c',
    [PosixFileType.fifo]: 'p',
    [PosixFileType.socket]: 's',
  };
  const type = types[mode & PosixFileType.mask] ?? '-';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((c, i) => (mode & (1 << (8 - i)) ? c : '-'));
  if (mode & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (mode & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (mode & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return type + bits.join('');
}
