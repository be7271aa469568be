/**
 * A GPT disk image whose only partition is an ESP holding a directory tree, made with the real tools
 * (sgdisk, mkfs.fat --offset, mcopy), for booting an updated ESP under OVMF without loop devices. Cairn's own
 * GPT and FAT writers will replace this helper once they exist.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../lib/run.js';

const MIB = 1024 * 1024;
const SECTOR = 512;
/** The partition starts at 1 MiB, as partitioning tools align it. */
const START_SECTOR = 2048;

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    const info = await lstat(join(dir, name));
    total += info.isDirectory() ? await treeBytes(join(dir, name)) : info.size;
  }
  return total;
}

/** Writes `image`: GPT, one EFI system partition (FAT) with the content of `espDirectory` at its root. */
export async function writeEspDiskImage(espDirectory: string, image: string): Promise<void> {
  const partitionMiB = Math.max(40, Math.ceil((await treeBytes(espDirectory)) / MIB) + 8);
  const handle = await open(image, 'w');
  try {
    // 1 MiB before the partition, 1 MiB after it for the backup GPT.
    await handle.truncate((partitionMiB + 2) * MIB);
  } finally {
    await handle.close();
  }
  const sectors = (partitionMiB * MIB) / SECTOR;
  await run('sgdisk', ['--clear', `--new=1:${START_SECTOR}:${START_SECTOR + sectors - 1}`, '--typecode=1:EF00', '--change-name=1:ESP', image]);
  await run('mkfs.fat', ['-F', '32', '-n', 'CAIRN-ESP', '--offset', String(START_SECTOR), image, String(partitionMiB * 1024)]);
  const names = (await readdir(espDirectory)).sort();
  if (names.length > 0) {
    await run('mcopy', ['-s', '-Q', '-i', `${image}@@${START_SECTOR * SECTOR}`, ...names.map((n) => join(espDirectory, n)), '::/'], {
      env: { MTOOLS_SKIP_CHECK: '1' },
    });
  }
}
