/** Temporary directories and whole-tree snapshots, to prove that a failed command changed nothing. */
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether something is at `path` (a link is followed). */
export async function pathExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function temporaryDirectory(prefix = 'cairn-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs `work` in a new temporary directory and removes the directory afterwards, whatever happens. */
export async function withTemporaryDirectory(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await temporaryDirectory();
  try {
    await work(dir);
  } finally {
    await removeTree(dir);
  }
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true }).catch(async () => {
    // Store entries are read-only; make them writable and try again.
    const { makeWritable } = await import('../../system/store.js');
    await makeWritable(path);
    await rm(path, { recursive: true, force: true });
  });
}

/**
 * Every path under `root` with its type, mode, size, mtime and content hash (or link target), sorted: two
 * equal snapshots mean nothing was created, removed or changed.
 */
export async function snapshotTree(root: string): Promise<string[]> {
  const lines: string[] = [];
  const visit = async (path: string, rel: string): Promise<void> => {
    const stat = await lstat(path);
    const head = `${rel} mode=${stat.mode.toString(8)} mtime=${stat.mtimeMs}`;
    if (stat.isSymbolicLink()) lines.push(`${head} -> ${await readlink(path)}`);
    else if (stat.isDirectory()) {
      lines.push(`${head} dir`);
      for (const name of (await readdir(path)).sort()) await visit(join(path, name), `${rel}/${name}`);
    } else {
      lines.push(`${head} size=${stat.size} sha256=${createHash('sha256').update(await readFile(path)).digest('hex')}`);
    }
  };
  await visit(root, '.');
  return lines;
}
