/** Reading installed disk images back with the real tools: partition table, filesystem UUIDs, files. */
import { run } from '../../lib/run.js';
import { open, writeFile } from 'node:fs/promises';

export interface SfdiskPartition {
  readonly node: string;
  readonly start: number;
  readonly size: number;
  readonly type: string;
  readonly uuid?: string;
  readonly name?: string;
}

export async function readSfdisk(image: string): Promise<{ label: string; id: string; partitions: SfdiskPartition[] }> {
  const { stdout } = await run('sfdisk', ['--json', image]);
  return (JSON.parse(stdout) as { partitiontable: { label: string; id: string; partitions: SfdiskPartition[] } }).partitiontable;
}

/** blkid's view of the filesystem at a byte offset: TYPE, UUID, LABEL. */
export async function probeFilesystem(image: string, offsetBytes: number): Promise<Record<string, string>> {
  const { stdout } = await run('blkid', ['-p', '-o', 'export', '-O', String(offsetBytes), image]);
  return Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** A file of an ext4 filesystem inside an image, read with debugfs (no mount). */
export async function readExt4File(image: string, offsetBytes: number, path: string): Promise<string> {
  const { stdout } = await run('debugfs', ['-R', `cat ${path}`, `${image}?offset=${offsetBytes}`]);
  return stdout;
}

/** `ls -p` of a directory of an ext4 filesystem inside an image: the names in it. */
export async function listExt4(image: string, offsetBytes: number, path: string): Promise<string[]> {
  const { stdout } = await run('debugfs', ['-R', `ls -p ${path}`, `${image}?offset=${offsetBytes}`]);
  return stdout
    .split('\n')
    .map((line) => line.split('/')[5])
    .filter((name): name is string => name !== undefined && name !== '' && name !== '.' && name !== '..');
}

/** Where a symbolic link of an ext4 filesystem inside an image points, read with debugfs (no mount). */
export async function readExt4Link(image: string, offsetBytes: number, path: string): Promise<string> {
  const { stdout } = await run('debugfs', ['-R', `stat ${path}`, `${image}?offset=${offsetBytes}`]);
  const match = /Fast link dest: "([^"]*)"/.exec(stdout);
  if (match === null) throw new Error(`${path} in ${image} at ${offsetBytes} is no symbolic link:\n${stdout}`);
  return match[1]!;
}

/** `length` bytes of a file (an image) from `offset`. */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const bytes = new Uint8Array(length);
    await handle.read(bytes, 0, length, offset);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Whether `needle` occurs anywhere in a file (an image), read in 4 MiB pieces that overlap by the needle's length. */
export async function fileContains(path: string, needle: string | Uint8Array): Promise<boolean> {
  const wanted = typeof needle === 'string' ? Buffer.from(needle) : Buffer.from(needle);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024 + wanted.length);
    let kept = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, null);
      if (bytesRead === 0) return false;
      const filled = kept + bytesRead;
      if (buffer.subarray(0, filled).includes(wanted)) return true;
      kept = Math.min(wanted.length - 1, filled);
      buffer.copy(buffer, 0, filled - kept, filled);
    }
  } finally {
    await handle.close();
  }
}

/**
 * `cryptsetup luksDump` of the LUKS header at a byte offset of an image: the header's first 16 MiB (LUKS2's
 * default metadata and keyslot areas) are copied to `scratch`, since cryptsetup reads a header from the start
 * of a file and loop devices are not available here.
 */
export async function luksDumpAt(image: string, offsetBytes: number, scratch: string): Promise<string> {
  await writeFile(scratch, await readRange(image, offsetBytes, 16 * 1024 * 1024));
  const { stdout } = await run('cryptsetup', ['luksDump', scratch]);
  return stdout;
}
