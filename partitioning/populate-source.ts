/** Checks on a directory that is to fill a filesystem, made before anything is written. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { UserError, errnoCode } from '../lib/errors.js';

export async function checkReadableDirectory(directory: string): Promise<void> {
  try {
    const info = await stat(directory);
    if (!info.isDirectory()) throw new UserError(`${directory} is not a directory: the files to copy into a filesystem come from a directory`);
    await access(directory, constants.R_OK | constants.X_OK);
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (errnoCode(error) === 'ENOENT') throw new UserError(`${directory}: no such directory`, { hint: 'check the path given to fill the filesystem' });
    throw new UserError(`${directory}: cannot read it (${errnoCode(error) ?? (error as Error).message})`);
  }
}
