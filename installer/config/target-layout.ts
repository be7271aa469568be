/**
 * The filesystems of a system that is not mounted here: what the installer passes when it writes an image
 * file without mounting it, instead of letting the generator read /proc/self/mountinfo.
 */

export interface PlannedFileSystem {
  /** Where the system mounts it: `/`, `/boot`, `/home`. */
  readonly mountPoint: string;
  /** By a stable name, as the installed system will see it: `/dev/disk/by-uuid/<uuid>`. */
  readonly device: string;
  readonly fsType: string;
  readonly options?: readonly string[];
}

export interface TargetLayout {
  readonly fileSystems: readonly PlannedFileSystem[];
  readonly swapDevices?: readonly { readonly device: string }[];
  /** Encrypted devices the initrd must open: the /dev/mapper name and the encrypted device by stable name. */
  readonly luksDevices?: readonly { readonly name: string; readonly device: string }[];
}
