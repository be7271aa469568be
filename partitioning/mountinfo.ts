/**
 * /proc/self/mountinfo (proc(5)): one mount per line,
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent major:minor root mount-point options [optional fields...] - fstype source super-options
 *
 * Space, tab, newline and backslash in paths are written as octal escapes (\040, \011, \012, \134).
 */

export interface Mount {
  readonly id: number;
  readonly parentId: number;
  /** `major:minor` of the filesystem's device (an anonymous `0:N` for btrfs, tmpfs, ...). */
  readonly majorMinor: string;
  /** The directory of the filesystem mounted here: `/` for a whole filesystem, the subvolume or bind source otherwise. */
  readonly root: string;
  readonly mountPoint: string;
  /** Per-mount options (`rw`, `relatime`, ...). */
  readonly options: readonly string[];
  readonly fsType: string;
  /** The device or other source (`/dev/nvme0n1p2`, `tmpfs`, `server:/export`). */
  readonly source: string;
  /** Per-superblock options (`fmask=0022`, `subvol=/@home`, ...). */
  readonly superOptions: readonly string[];
}

/** Decodes mountinfo; malformed lines are returned separately so that callers can report them. */
export function decodeMountinfo(text: string): { mounts: Mount[]; malformed: string[] } {
  const mounts: Mount[] = [];
  const malformed: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const separator = fields.indexOf('-', 6);
    const [id, parentId, majorMinor, root, mountPoint, options] = fields;
    if (separator < 0 || fields.length < separator + 3 || !/^\d+$/.test(id ?? '') || !/^\d+:\d+$/.test(majorMinor ?? '')) {
      malformed.push(line);
      continue;
    }
    mounts.push({
      id: Number(id),
      parentId: Number(parentId),
      majorMinor: majorMinor!,
      root: unescapeMountField(root!),
      mountPoint: unescapeMountField(mountPoint!),
      options: options!.split(','),
      fsType: fields[separator + 1]!,
      source: unescapeMountField(fields[separator + 2]!),
      superOptions: (fields[separator + 3] ?? '').split(',').filter((o) => o !== ''),
    });
  }
  return { mounts, malformed };
}

/** Undoes the kernel's octal escapes in mountinfo, /proc/swaps and /proc/mounts fields. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
