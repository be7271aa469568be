/**
 * A GPT disk image whose only partition is an ESP holding a directory tree, written the way an installed
 * disk's ESP is: `cairn partition apply` with Cairn's GPT codec and its own FAT writer (no mkfs.fat, no
 * mtools), for booting an updated ESP under OVMF without loop devices. `fsck.fat -n` checks the result.
 */
import { lstat, open, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../lib/run.js';
import { cairnOk } from './cli.js';

const MIB = 1024 * 1024;
/** The partition starts at 1 MiB, as partitioning tools align it. */
const START_BYTES = MIB;

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    const info = await lstat(join(dir, name));
    total += info.isDirectory() ? await treeBytes(join(dir, name)) : info.size;
  }
  return total;
}

/** Writes `image`: GPT, one EFI system partition (FAT32) with the content of `espDirectory` at its root. */
export async function writeEspDiskImage(espDirectory: string, image: string): Promise<void> {
  const partitionMiB = Math.max(40, Math.ceil((await treeBytes(espDirectory)) / MIB) + 8);
  const layout = join(dirname(image), 'esp-only.layout.yaml');
  await writeFile(layout, 'table: gpt\npartitions:\n  - { name: ESP, type: esp, size: 100%, format: vfat, label: CAIRNESP }\n');
  // 1 MiB before the partition, 1 MiB after it for the backup GPT.
  await cairnOk(['partition', 'apply', layout, '--disk', image, '--size', `${partitionMiB + 2}M`, '--populate', `ESP=${espDirectory}`, '--yes']);
  // The FAT as written must pass its own fsck.
  const esp = `${image}.esp`;
  const source = await open(image, 'r');
  const bytes = Buffer.alloc((await source.stat()).size - START_BYTES);
  await source.read(bytes, 0, bytes.length, START_BYTES);
  await source.close();
  await writeFile(esp, bytes);
  await run('fsck.fat', ['-n', esp]);
}
