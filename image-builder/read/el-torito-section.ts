/**
 * The El Torito part of `cairn iso inspect`: the boot record, the catalog it points at, and every boot image
 * in catalog order (numbered as xorriso's -report_el_torito numbers them), with the ISO file whose data
 * starts at the image's sector when there is one (a hidden image, such as Cairn's ESP, has none).
 */
import { tableLines } from '../../lib/text-table.js';
import { bootImagesOf, decodeBootCatalog, platformName } from '../el-torito/boot-catalog.js';
import { decodeBootRecord, EL_TORITO_SYSTEM_ID } from '../el-torito/boot-record.js';
import { SECTOR_SIZE } from '../iso9660/constants.js';
import type { InspectContext, InspectSection } from './inspect-section.js';
import type { IsoImage } from './iso-reader.js';

/** The emulation a boot entry's media type (bits 0-3) asks for (El Torito 1.0, section 2.2). */
const EMULATIONS = ['none', '1.2M floppy', '1.44M floppy', '2.88M floppy', 'hard disk'] as const;

export interface ElToritoImage {
  /** 1 for the initial/default entry, then the section entries in order. */
  readonly number: number;
  readonly platform: number;
  readonly platformName: string;
  readonly bootable: boolean;
  readonly emulation: string;
  readonly loadSegment: number;
  readonly systemType: number;
  /** Virtual 512-byte sectors the firmware loads (0 for UEFI means "the whole image"). */
  readonly loadSectors: number;
  /** The 2048-byte sector the image starts at. */
  readonly lba: number;
  /** The ISO file whose data starts there. */
  readonly path?: string;
}

export interface ElToritoReport {
  readonly bootRecordLba: number;
  readonly catalogLba: number;
  readonly catalogPath?: string;
  readonly images: readonly ElToritoImage[];
  readonly problems: readonly string[];
}

/** Decodes the El Torito boot record and catalog; undefined when the image has no El Torito boot record. */
export async function inspectElTorito({ image, access }: InspectContext): Promise<ElToritoReport | undefined> {
  const descriptor = image.volumeDescriptors.find((d) => d.kind === 'boot-record' && d.bootSystemId === EL_TORITO_SYSTEM_ID);
  if (descriptor === undefined) return undefined;
  const record = decodeBootRecord(await access.read(descriptor.lba * SECTOR_SIZE, SECTOR_SIZE));
  if (record === undefined) return { bootRecordLba: descriptor.lba, catalogLba: 0, images: [], problems: [`sector ${descriptor.lba}: not a readable El Torito boot record`] };
  const { catalogLba } = record;
  const catalogPath = fileStartingAt(image, catalogLba);
  const base = { bootRecordLba: descriptor.lba, catalogLba, ...(catalogPath === undefined ? {} : { catalogPath }) };
  if ((catalogLba + 1) * SECTOR_SIZE > access.size) return { ...base, images: [], problems: [`the boot catalog's sector ${catalogLba} is beyond the end of the image`] };
  try {
    const catalog = decodeBootCatalog(await access.read(catalogLba * SECTOR_SIZE, SECTOR_SIZE));
    const images = bootImagesOf(catalog).map(({ platform, entry }, index): ElToritoImage => {
      const path = fileStartingAt(image, entry.loadRba);
      return {
        number: index + 1,
        platform,
        platformName: platformName(platform),
        bootable: entry.bootable,
        emulation: EMULATIONS[entry.mediaType & 0x0f] ?? `unknown (${entry.mediaType & 0x0f})`,
        loadSegment: entry.loadSegment,
        systemType: entry.systemType,
        loadSectors: entry.sectorCount,
        lba: entry.loadRba,
        ...(path === undefined ? {} : { path }),
      };
    });
    const problems = images.filter((i) => (i.lba + 1) * SECTOR_SIZE > access.size).map((i) => `boot image ${i.number} starts at sector ${i.lba}, beyond the end of the image`);
    return { ...base, images, problems };
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return { ...base, images: [], problems: [`sector ${catalogLba}: ${error.message}`] };
  }
}

function fileStartingAt(image: IsoImage, lba: number): string | undefined {
  return image.tree.entries.find((e) => e.type === 'file' && e.size > 0 && e.extents[0]?.lba === lba)?.path;
}

export const elToritoSection: InspectSection<ElToritoReport> = {
  id: 'elTorito',
  title: 'El Torito',
  inspect: inspectElTorito,
  render(value) {
    const catalog = `catalog at sector ${value.catalogLba}${value.catalogPath === undefined ? ' (hidden)' : ` (${value.catalogPath})`}`;
    const lines = [`boot record at sector ${value.bootRecordLba}, ${catalog}`];
    if (value.images.length > 0) {
      const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;
      const rows = value.images.map((i) => [
        String(i.number),
        i.platformName,
        i.bootable ? 'yes' : 'no',
        i.emulation,
        hex(i.loadSegment, 4),
        hex(i.systemType, 2),
        String(i.loadSectors),
        String(i.lba),
        i.path ?? '(hidden)',
      ]);
      lines.push(...tableLines(['#', 'platform', 'bootable', 'emulation', 'load segment', 'system type', 'load sectors', 'LBA', 'file'], rows));
    }
    lines.push(...value.problems.map((p) => `problem: ${p}`));
    return lines;
  },
};
