/**
 * A disk image that holds an ESP tree the way an installed system's disk holds its mounted ESP, for booting
 * `cairn boot install|update` results under SeaBIOS and OVMF without loop devices: the disk is partitioned
 * once by `cairn partition apply` (a BIOS boot partition, a FAT ESP and an ext4 root filled from a directory
 * that holds a built system's store), and the ESP directory is written into the ESP partition with Cairn's
 * FAT writer under the ESP's own volume id (which GRUB for BIOS finds it by), as often as the directory
 * changes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFatImageFromDirectory } from '../../image-builder/fat/index.js';
import { parseVolumeId } from '../../image-builder/fat/volume-id.js';
import { run } from '../../lib/run.js';
import { cairnOk } from './cli.js';
import { probeFilesystem, readSfdisk } from './disk-image.js';

export const BIOS_ESP_LAYOUT = [
  'table: gpt',
  'partitions:',
  '  - { name: bios-boot, type: bios-boot, size: 1M }',
  '  - { name: ESP, type: esp, size: 100M, format: vfat, label: ESP }',
  '  - { name: root, type: root, size: 100%, format: ext4 }',
  '',
].join('\n');

/**
 * Partitions a new image file `image` (384 MiB) with a BIOS boot partition, an empty FAT ESP and an ext4 root
 * filled from the directory `root`; returns the root filesystem's UUID.
 */
export async function partitionBiosEspDisk(image: string, work: string, root: string): Promise<string> {
  const layout = join(work, 'bios-esp.layout.yaml');
  await writeFile(layout, BIOS_ESP_LAYOUT);
  await cairnOk(['partition', 'apply', layout, '--disk', image, '--size', '384M', '--seed', 'bios-esp-disk', '--populate', `root=${root}`, '--yes']);
  const partition = (await readSfdisk(image)).partitions.find((p) => p.name === 'root')!;
  return (await probeFilesystem(image, partition.start * 512)).UUID!;
}

/** Replaces the content of the image's ESP with the directory `tree`, keeping the ESP's place and volume id. */
export async function writeEspTreeInto(image: string, tree: string): Promise<void> {
  const esp = (await readSfdisk(image)).partitions.find((p) => p.type === 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B');
  if (esp === undefined) throw new Error(`${image} has no ESP`);
  const volumeId = parseVolumeId((await probeFilesystem(image, esp.start * 512)).UUID ?? '');
  if (volumeId === undefined) throw new Error(`the ESP of ${image} has no FAT volume id`);
  await buildFatImageFromDirectory(tree, image, { size: esp.size * 512, offset: esp.start * 512, hiddenSectors: esp.start, volumeId, volumeLabel: 'ESP' });
}

/** A copy of an image file that keeps its holes. */
export async function copySparse(from: string, to: string): Promise<void> {
  await run('cp', ['--sparse=always', from, to]);
}
