/**
 * What can be read from a Linux kernel image without running it: the x86 boot protocol header of a bzImage
 * carries a pointer to the version string (`6.1.0-27-amd64 (debian-kernel@...) #1 SMP ...`).
 */
import { open } from 'node:fs/promises';

const HEADER_MAGIC_OFFSET = 0x202; // "HdrS"
const KERNEL_VERSION_POINTER = 0x20e; // u16, offset of the version string minus 0x200

/** The kernel release (first word of the version string), or undefined if this is not a bzImage. */
export async function readKernelRelease(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(0x210);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    if (bytesRead < header.length || header.toString('latin1', HEADER_MAGIC_OFFSET, HEADER_MAGIC_OFFSET + 4) !== 'HdrS') return undefined;
    const pointer = header.readUInt16LE(KERNEL_VERSION_POINTER);
    if (pointer === 0) return undefined;
    const text = Buffer.alloc(256);
    const read = await handle.read(text, 0, text.length, pointer + 0x200);
    const version = text.subarray(0, read.bytesRead).toString('latin1').split('\0')[0]!;
    const release = version.split(' ')[0];
    return release !== undefined && /^[0-9][\w.+~-]*$/.test(release) ? release : undefined;
  } finally {
    await handle.close();
  }
}
