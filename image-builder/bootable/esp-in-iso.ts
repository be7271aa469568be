/**
 * The UEFI side of the ISO: a FAT ESP (systemd-boot, loader.conf, one entry per generation) whose kernels and
 * initrds are not copied into it. The FAT's data area is laid out in 2048-byte clusters, its metadata and
 * small files first, then every kernel and initrd back to back; the ISO places the FAT as one contiguous
 * group (metadata, then those files as ordinary ISO files), so each kernel's FAT clusters are the very
 * sectors its ISO 9660 record points at. UEFI firmware reads the kernels through FAT, isolinux and the
 * installed system through ISO 9660, and the ISO carries each of them once.
 */
import { UserError } from '../../lib/errors.js';
import type { BootFile } from '../../bootloader/boot-files.js';
import type { BootMenu } from '../../bootloader/entries.js';
import { ESP_BOOT_FILE_DIRECTORY, REMOVABLE_LOADER_PATH, espBootFileName, loaderPathOnEsp } from '../../bootloader/esp-layout.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, renderSystemdBoot } from '../../bootloader/systemd-boot.js';
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
  /** Where systemd-boot reads each boot file, by system path. */
  readonly loaderPath: (systemPath: string) => string;
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
  const tree = buildTree([
    [REMOVABLE_LOADER_PATH, fatFileFromBytes(basename(REMOVABLE_LOADER_PATH), input.systemdBoot)],
    [LOADER_CONF_PATH, fatFileFromBytes(basename(LOADER_CONF_PATH), config.loaderConf)],
    ...config.entries.map((entry) => [`${BLS_ENTRIES_DIRECTORY}/${entry.name}`, fatFileFromBytes(entry.name, entry.text)] as [string, FatTreeNode]),
    ...tailNames.map((name) => {
      const file = byName.get(name)!;
      return [`${ESP_BOOT_FILE_DIRECTORY}/${name}`, fatFileFromPath(name, file.hostPath, file.size)] as [string, FatTreeNode];
    }),
  ]);
  const fat = planFatImage(tree, {
    clusterSize: ESP_CLUSTER_SIZE,
    dataAlignment: ESP_CLUSTER_SIZE,
    tailFiles: tailNames.map((name) => `${ESP_BOOT_FILE_DIRECTORY}/${name}`),
    volumeLabel: 'CAIRN_ESP',
    volumeIdSeed: `cairn-iso-esp:${input.seed}`,
    date: input.date,
  });
  const tail = tailNames.map((name) => ({ planned: fat.files.find((f) => f.path === `${ESP_BOOT_FILE_DIRECTORY}/${name}`)!, isoPath: byName.get(name)!.isoPath }));
  return { fat, members: groupMembers(fat, tail), size: fat.size, loaderPath };
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

