/**
 * The path tables must list the directories the records lead to: same extents, same parents, same
 * identifiers, and the L and M copies must agree. Readers that go by path table (some firmware, old
 * systems) would otherwise see another tree.
 */
import { SECTOR_SIZE } from '../iso9660/constants.js';
import { decodePathTable, type PathTableRecord } from '../iso9660/path-table.js';
import type { VolumeDescriptor } from '../iso9660/volume-descriptor.js';
import { MAX_DIRECTORY_BYTES, type ImageAccess, type WalkedDirectory } from './tree-walker.js';

export async function checkPathTables(access: ImageAccess, descriptor: VolumeDescriptor, walked: readonly WalkedDirectory[], namespace: 'primary' | 'joliet', problems: string[]): Promise<void> {
  if (descriptor.pathTableSize > MAX_DIRECTORY_BYTES) {
    problems.push(`${namespace} path table of ${descriptor.pathTableSize} bytes not read`);
    return;
  }
  let little: PathTableRecord[];
  let big: PathTableRecord[];
  try {
    little = decodePathTable(await access.read(descriptor.lPathTable * SECTOR_SIZE, descriptor.pathTableSize), 0, descriptor.pathTableSize, 'little');
    big = decodePathTable(await access.read(descriptor.mPathTable * SECTOR_SIZE, descriptor.pathTableSize), 0, descriptor.pathTableSize, 'big');
  } catch (error) {
    problems.push(`${namespace} path table: ${(error as Error).message}`);
    return;
  }
  const text = (r: PathTableRecord) => `${r.extent}/${r.parent}/${Buffer.from(r.identifier).toString('latin1')}`;
  if (little.map(text).join('|') !== big.map(text).join('|')) problems.push(`${namespace} path tables: the L and M tables differ`);
  const byExtent = new Map(walked.map((d) => [d.extent, d]));
  const mine = walked.filter((d) => little.some((r) => r.extent === d.extent));
  if (little.length !== new Set(walked.map((d) => d.extent)).size || mine.length !== walked.length) {
    problems.push(`${namespace} path table: ${little.length} directories, the directory records lead to ${walked.length}`);
  }
  little.forEach((record, index) => {
    const directory = byExtent.get(record.extent);
    const parent = little[record.parent - 1];
    const identifier = Buffer.from(record.identifier).toString('latin1');
    if (directory === undefined) problems.push(`${namespace} path table entry ${index + 1}: sector ${record.extent} is no directory of the tree`);
    else if (directory.relocated) return;
    else if (parent === undefined || parent.extent !== directory.parentExtent) problems.push(`${namespace} path table entry ${index + 1}: wrong parent ${record.parent}`);
    else if (identifier !== directory.identifier) problems.push(`${namespace} path table entry ${index + 1}: identifier differs from the directory record's`);
  });
}
