/**
 * udev's database entry of a block device, /run/udev/data/b<major>:<minor>: one record per line, a type
 * letter, a colon, the value. `E:` lines are properties (`E:ID_FS_TYPE=ext4`), `S:` lines the symlinks udev
 * made under /dev (`S:disk/by-id/nvme-...`). The properties say what is on a device (filesystem, partition
 * table) without probing it, which is what lsblk shows too.
 */

export interface UdevRecord {
  readonly properties: ReadonlyMap<string, string>;
  /** Symlinks below /dev, as full paths (`/dev/disk/by-id/...`), sorted. */
  readonly links: readonly string[];
}

export function decodeUdevData(text: string): UdevRecord {
  const properties = new Map<string, string>();
  const links: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('E:')) {
      const equals = line.indexOf('=');
      if (equals > 2) properties.set(line.slice(2, equals), line.slice(equals + 1));
    } else if (line.startsWith('S:')) {
      links.push(`/dev/${line.slice(2)}`);
    }
  }
  return { properties, links: links.sort() };
}
