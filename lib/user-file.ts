/** Reading files the user named, with errors that name the file and say what is wrong with it. */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { UserError, errnoCode } from './errors.js';

export function fileReadError(file: string, error: unknown, what = 'file'): UserError {
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new UserError(`${file}: no such ${what}`, { hint: 'check the path' });
    case 'ENOTDIR':
      return new UserError(`${file}: a component of the path is not a directory`, { hint: 'check the path' });
    case 'EACCES':
    case 'EPERM':
      return new UserError(`${file}: permission denied`, { hint: `make the ${what} readable by this user` });
    case 'EISDIR':
      return new UserError(`${file}: is a directory, expected a ${what}`);
    default:
      return new UserError(`${file}: cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function readUserFile(file: string, what = 'file'): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw fileReadError(file, error, what);
  }
}

/** Checks that a path is a readable regular file, before any work that depends on it starts. */
export async function checkReadableFile(file: string, what = 'file'): Promise<void> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await access(file, constants.R_OK);
  } catch (error) {
    throw fileReadError(file, error, what);
  }
}
