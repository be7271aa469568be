/**
 * The UEFI side of the ISO: a FAT ESP (systemd-boot, loader.conf, one entry per generation) whose kernels and
 * initrds are not copied into it. The FAT's data area is laid out in 2048-byte clusters, its metadata and
 * small files first, then every kernel and initrd back to back; the ISO places the FAT as one contiguous
 * group (metadata, then those files as ordinary ISO files), so each kernel's FAT clusters are the very
 * sectors its ISO 9660 record points at. UEFI firmware reads the kernels through FAT, isolinux and the
 * installed system through ISO 9660, and the ISO carries each of them once.
 *
 * With Secure Boot the ESP holds the signed chain instead (shim as the removable-media loader, the signed
 * GRUB and the MOK manager beside it) and GRUB's menu where that GRUB reads it; GRUB reads the kernels
 * from ISO 9660 itself, so the ESP carries no kernel at all.
 */
import { posix } from 'node:path';
import { UserError } from '../../lib/errors.js';
import type { BootFile } from '../../bootloader/boot-files.js';
import type { BootMenu } from '../../bootloader/entries.js';
import { ESP_BOOT_FILE_DIRECTORY, REMOVABLE_LOADER_PATH, espBootFileName, loaderPathOnEsp } from '../../bootloader/esp-layout.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, renderSystemdBoot } from '../../bootloader/systemd-boot.js';
import { SHIM_DIRECTORY, SHIM_MOK_MANAGER, SHIM_SECOND_STAGE, type SignedChain } from '../../bootloader/secure-boot.js';
import { fatDirectory, fatFileFromBytes, fatFileFromPath, planFatImage, type FatPlan, type FatTreeDirectory, type FatTreeNode } from '../fat/index.js';
import type { FatVolumeContent, GroupMember } from '../layout/iso-layout.js';

/** ISO sectors and FAT clusters are the same size, so a cluster run is a run of ISO sectors. */
export const ESP_CLUSTER_SIZE = 2048;
export const ESP_GROUP_ID = 'esp';
const ESP_HEAD_ID = 'esp-head';
const ESP_TRAILER_ID = 'esp-trailer';

export interface IsoEsp {
  readonly fat: FatPlan;
  /** The group the ISO places: the FAT's head, each boot file (by its ISO path), any trailing bytes. */
  readonly members: readonly GroupMember[];
  /** Bytes of the whole FAT image (the El Torito image and the ESP partition). */
  readonly size: number;
}

export interface IsoEspInput {
  readonly menu: BootMenu;
  /** Every kernel and initrd the menu boots, by system path; `isoPath` is the regular file on the ISO. */
  readonly bootFiles: ReadonlyMap<string, BootFile & { readonly isoPath: string }>;
  readonly systemdBoot: Uint8Array;
  readonly timeout: number;
  readonly date: Date;
  /** Seeds the FAT volume id. */
  readonly seed: string;
}

export function planIsoEsp(input: IsoEspInput): IsoEsp {
  const byName = new Map<string, BootFile & { readonly isoPath: string }>();
  for (const file of input.bootFiles.values()) byName.set(espBootFileName(file), file);
  const espPathOf = (systemPath: string): string => {
    const file = input.bootFiles.get(systemPath);
    if (file === undefined) throw new Error(`no boot file described for ${systemPath}`);
    return `${ESP_BOOT_FILE_DIRECTORY}/${espBootFileName(file)}`;
  };
  const loaderPath = (systemPath: string) => loaderPathOnEsp(espPathOf(systemPath));
  // The editor is on: a live medium's user may fix a command line at boot, and `cairn iso test` adds a serial console.
  const config = renderSystemdBoot(input.menu, { loaderPath, timeout: input.timeout, serial: true, editor: true });
  // Kernels in the order of the ISO group: sorted by their ESP name, so the layout does not depend on menu order.
  const tailNames = [...byName.keys()].sort();
  return planEspGroup(
    [
      [REMOVABLE_LOADER_PATH, fatFileFromBytes(basename(REMOVABLE_LOADER_PATH), input.systemdBoot)],
      [LOADER_CONF_PATH, fatFileFromBytes(basename(LOADER_CONF_PATH), config.loaderConf)],
      ...config.entries.map((entry) => [`${BLS_ENTRIES_DIRECTORY}/${entry.name}`, fatFileFromBytes(entry.name, entry.text)] as [string, FatTreeNode]),
    ],
    tailNames.map((name) => ({ espPath: `${ESP_BOOT_FILE_DIRECTORY}/${name}`, file: byName.get(name)! })),
    input,
  );
}

export interface SecureBootIsoEspInput {
  readonly chain: SignedChain;
  /** GRUB's menu (its kernels are read from ISO 9660), placed where the signed GRUB reads grub.cfg. */
  readonly grubConfig: string;
  readonly date: Date;
  readonly seed: string;
}

/** Where GRUB's menu goes on the ISO's ESP: `<prefix>/grub.cfg` of the signed GRUB (`boot/grub` for Debian's gcdx64). */
export function secureBootEspConfigPath(chain: SignedChain): string | undefined {
  return chain.grubPrefix === undefined ? undefined : `${chain.grubPrefix}/grub.cfg`;
}

/**
 * The ESP of a Secure Boot ISO: shim as EFI/BOOT/BOOTX64.EFI, the signed GRUB as grubx64.efi and the MOK
 * manager beside it (no fallback loader: on removable media shim would run it instead of GRUB), and GRUB's
 * menu at its prefix. Without a prefix, the signed GRUB's own script finds the ISO by /.disk/info and reads
 * the copy of the menu there.
 */
export function planSecureBootIsoEsp(input: SecureBootIsoEspInput): IsoEsp {
  const config = secureBootEspConfigPath(input.chain);
  return planEspGroup(
    [
      [REMOVABLE_LOADER_PATH, fatFileFromBytes(basename(REMOVABLE_LOADER_PATH), input.chain.shim.bytes)],
      [`${SHIM_DIRECTORY}/${SHIM_SECOND_STAGE}`, fatFileFromBytes(SHIM_SECOND_STAGE, input.chain.grub.bytes)],
      [`${SHIM_DIRECTORY}/${SHIM_MOK_MANAGER}`, fatFileFromBytes(SHIM_MOK_MANAGER, input.chain.mokManager.bytes)],
      ...(config === undefined ? [] : [[config, fatFileFromBytes(posix.basename(config), new TextEncoder().encode(input.grubConfig))] as [string, FatTreeNode]]),
    ],
    [],
    input,
  );
}

/** A FAT of `files`, then `tail` (each an ISO file whose sectors the FAT's clusters share), as the ISO group. */
function planEspGroup(
  files: readonly (readonly [string, FatTreeNode])[],
  tail: readonly { readonly espPath: string; readonly file: BootFile & { readonly isoPath: string } }[],
  input: { readonly date: Date; readonly seed: string },
): IsoEsp {
  const tree = buildTree([...files, ...tail.map(({ espPath, file }) => [espPath, fatFileFromPath(basename(espPath), file.hostPath, file.size)] as [string, FatTreeNode])]);
  const fat = planFatImage(tree, {
    clusterSize: ESP_CLUSTER_SIZE,
    dataAlignment: ESP_CLUSTER_SIZE,
    tailFiles: tail.map((t) => t.espPath),
    volumeLabel: 'CAIRN_ESP',
    volumeIdSeed: `cairn-iso-esp:${input.seed}`,
    date: input.date,
  });
  const planned = tail.map(({ espPath, file }) => ({ planned: fat.files.find((f) => f.path === espPath)!, isoPath: file.isoPath }));
  return { fat, members: groupMembers(fat, planned), size: fat.size };
}

/** The ISO group for a FAT plan whose tail files are ISO files: head bytes, the files, trailing bytes. */
function groupMembers(fat: FatPlan, tailFiles: readonly { planned: FatPlan['files'][number]; isoPath: string }[]): GroupMember[] {
  const tail = tailFiles.map((t) => t.planned);
  const isoPaths = tailFiles.map((t) => t.isoPath);
  if (isoPaths.length === 0) return [{ kind: 'extent', id: ESP_HEAD_ID, origin: 'the ESP image', content: fatVolumeStart(fat, fat.size) }];
  const headEnd = tail[0]!.offset!;
  const members: GroupMember[] = [{ kind: 'extent', id: ESP_HEAD_ID, origin: 'the ESP image (FAT metadata, systemd-boot, entries)', content: fatVolumeStart(fat, headEnd) }];
  let position = headEnd;
  tail.forEach((file, index) => {
    if (file.offset !== position) {
      throw new Error(`the ESP's boot file ${file.path} is at byte ${file.offset}, the ISO group would put it at ${position}`);
    }
    members.push({ kind: 'file', path: isoPaths[index]! });
    position += Math.ceil(file.size / ESP_CLUSTER_SIZE) * ESP_CLUSTER_SIZE;
  });
  if (position < fat.size) members.push({ kind: 'extent', id: ESP_TRAILER_ID, origin: 'the end of the ESP image', content: { kind: 'bytes', bytes: new Uint8Array(fat.size - position) } });
  if (position > fat.size) throw new UserError(`the ESP image plan ends at ${fat.size} bytes, inside its last boot file (ending at ${position})`);
  return members;
}

/** The first `size` bytes of a FAT volume (up to its first tail file), as its plan's regions: written when the ISO is. */
export function fatVolumeStart(fat: FatPlan, size: number): FatVolumeContent {
  const regions = fat.regions.filter((region) => region.offset < size);
  const last = regions[regions.length - 1];
  if (last !== undefined && last.offset + last.length !== size) throw new Error(`the ESP's head ends inside a FAT region (at byte ${last.offset}, ${last.length} bytes; the head is ${size})`);
  return { kind: 'fat', volume: { size: fat.size, geometry: fat.geometry, volumeId: fat.volumeId, volumeLabel: fat.volumeLabel }, size, regions };
}

function buildTree(files: readonly (readonly [string, FatTreeNode])[]): FatTreeDirectory {
  interface Folder {
    files: FatTreeNode[];
    folders: Map<string, Folder>;
  }
  const root: Folder = { files: [], folders: new Map() };
  for (const [path, node] of files) {
    const parts = path.split('/');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let next = folder.folders.get(part);
      if (next === undefined) {
        next = { files: [], folders: new Map() };
        folder.folders.set(part, next);
      }
      folder = next;
    }
    folder.files.push(node);
  }
  const toDirectory = (name: string, folder: Folder): FatTreeDirectory =>
    fatDirectory(name, [...folder.files, ...[...folder.folders].map(([child, sub]) => toDirectory(child, sub))]);
  return toDirectory('', root);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

