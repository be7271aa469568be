/**
 * A tree described as initramfs entries, written out as a directory instead of an archive: how the userland,
 * the modules and Cairn itself become store entries. The same plan as an archive's (planInitramfs: parents
 * added, duplicates refused, paths under the tree's own directory links resolved), so a tree is described one
 * way whether it ends up in the initramfs or in the store. Device nodes and named pipes have no place in the
 * store and are refused.
 */
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { planInitramfs, type InitramfsEntry } from '../initrd/archive-plan.js';
import { FILE_TYPE } from '../initrd/newc.js';
import { readSourceInfo } from '../initrd/write-initramfs.js';
import { fileReadError } from '../../lib/user-file.js';

/** Writes the tree into `directory` (which must not exist yet). */
export async function materializeTree(entries: readonly InitramfsEntry[], directory: string): Promise<void> {
  const plan = planInitramfs(entries, { date: new Date(0), sources: await readSourceInfo(entries) });
  const directories: [string, number][] = [];
  for (const entry of plan.entries) {
    const path = entry.name === '.' ? directory : join(directory, entry.name);
    const type = entry.header.mode & FILE_TYPE.mask;
    const permissions = entry.header.mode & 0o7777;
    switch (type) {
      case FILE_TYPE.directory:
        await mkdir(path, { recursive: true });
        directories.push([path, permissions]);
        break;
      case FILE_TYPE.symlink:
        if (entry.content.kind !== 'bytes') throw new Error(`symlink ${entry.name} without a target`);
        await symlink(new TextDecoder().decode(entry.content.data), path);
        break;
      case FILE_TYPE.regular:
        if (entry.content.kind === 'host') {
          try {
            await copyFile(entry.content.path, path);
          } catch (error) {
            throw fileReadError(entry.content.path, error);
          }
        } else await writeFile(path, entry.content.kind === 'bytes' ? entry.content.data : new Uint8Array());
        await chmod(path, permissions);
        break;
      default:
        throw new Error(`${entry.name}: only files, directories and symlinks can be stored (a device node or pipe was given)`);
    }
  }
  // Directory modes last, so a read-only directory is filled before it is made so.
  for (const [path, permissions] of directories.reverse()) await chmod(path, permissions);
}
