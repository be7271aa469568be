/**
 * Reading an ESP as it is: checks that the directory is a writable FAT filesystem (or that the caller
 * asked for a plain directory), the files Cairn manages there with their sizes (and the text of the small
 * configuration files), leftovers of an interrupted run, and the free space.
 */
import { constants } from 'node:fs';
import { access, lstat, readdir, readFile, stat, statfs } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import { mapConcurrent } from '../lib/map-concurrent.js';
import { firmwareChoiceOf, type FirmwareChoice } from '../system/firmware.js';
import { PeFormatError, decodePeImage } from '../system/secure-boot/pe-image.js';
import { describeUefiBinary } from '../system/secure-boot/uefi-binary.js';
import { sha256File } from '../system/store-hash.js';
import {
  CAIRN_ENTRY_PATTERN,
  ESP_BOOT_FILE_DIRECTORY,
  REMOVABLE_LOADER_PATH,
  SYSTEMD_BOOT_LOADER_PATH,
  isTemporaryName,
  type EspLoader,
} from './esp-layout.js';
import { GRUB_CONFIG_PATH } from './grub.js';
import { BLS_ENTRIES_DIRECTORY, CAIRN_CONFIG_HEADER, LOADER_CONF_PATH } from './systemd-boot.js';

/** statfs f_type of FAT (vfat/msdos). */
const FAT_MAGIC = 0x4d44;

const FILESYSTEM_NAMES: Readonly<Record<number, string>> = {
  [FAT_MAGIC]: 'FAT',
  0x01021994: 'tmpfs',
  0xef53: 'ext2/3/4',
  0x9123683e: 'btrfs',
  0x58465342: 'xfs',
  0x794c7630: 'overlayfs',
  0x65735546: 'FUSE',
  0x6969: 'NFS',
  0x2fc12fc1: 'ZFS',
  0x5346544e: 'NTFS',
  0x858458f6: 'ramfs',
};

export interface EspFilesystem {
  /** statfs f_type. */
  readonly type: number;
  readonly name: string;
  readonly isFat: boolean;
}

function describeFilesystem(type: number): EspFilesystem {
  return { type, name: FILESYSTEM_NAMES[type] ?? `type 0x${type.toString(16)}`, isFat: type === FAT_MAGIC };
}

/** Checks that the ESP directory exists and is a directory, and tells its filesystem. */
export async function statEspDirectory(esp: string): Promise<EspFilesystem> {
  let info;
  try {
    info = await stat(esp);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') {
      throw new UserError(`ESP ${esp} does not exist`, { hint: 'mount the EFI system partition there (or create the directory and pass --allow-non-fat to build an ESP tree)' });
    }
    throw new UserError(`ESP ${esp} cannot be read: ${(error as Error).message}`);
  }
  if (!info.isDirectory()) throw new UserError(`ESP ${esp} is not a directory`, { hint: 'give the directory the EFI system partition is mounted at (for example /boot/efi)' });
  return describeFilesystem((await statfs(esp)).type);
}

/**
 * Checks the ESP directory before anything is planned: it exists, is a directory, is FAT (unless
 * `allowNonFat`, for building an ESP tree in a plain directory) and is writable.
 */
export async function checkEspDirectory(esp: string, options: { readonly allowNonFat?: boolean } = {}): Promise<EspFilesystem> {
  const filesystem = await statEspDirectory(esp);
  if (!filesystem.isFat && options.allowNonFat !== true) {
    throw new UserError(`ESP ${esp} is not a FAT filesystem (it is ${filesystem.name}); firmware reads only FAT EFI system partitions`, {
      hint: 'mount the EFI system partition at this directory, or pass --allow-non-fat to build an ESP tree in a plain directory (to copy into an image)',
    });
  }
  try {
    await access(esp, constants.W_OK);
  } catch (error) {
    const why = errnoCode(error) === 'EROFS' ? 'its filesystem is mounted read-only' : 'permission denied';
    throw new UserError(`ESP ${esp} is not writable: ${why}`, {
      hint: errnoCode(error) === 'EROFS' ? 'remount it read-write (mount -o remount,rw <dir>)' : 'run as root, or as the owner of the ESP',
    });
  }
  return filesystem;
}

/** A file Cairn manages on the ESP, as found. */
export interface EspFileState {
  /** The path Cairn knows the file by (fixed names in their canonical case). */
  readonly path: string;
  /** The path as stored (FAT keeps whatever case another tool wrote). */
  readonly actual: string;
  readonly size: number;
  /** Text of configuration files and entries. */
  readonly text?: string;
  /** sha256 of loader binaries, hex. */
  readonly sha256?: string;
}

export interface ObservedEsp {
  /** Keyed by `path`. */
  readonly files: ReadonlyMap<string, EspFileState>;
  /** Temporary files an interrupted run left, with their sizes. */
  readonly leftovers: readonly { readonly path: string; readonly size: number }[];
  /** Directories (among those Cairn writes to) that exist. */
  readonly directories: ReadonlySet<string>;
  readonly freeBytes: number;
  /** The allocation unit: the cluster size on FAT, the page size on tmpfs. */
  readonly blockSize: number;
  readonly filesystem: EspFilesystem;
  /** Which loader EFI/BOOT/BOOTX64.EFI is, if Cairn can tell: shim starts the signed GRUB beside it (Secure Boot). */
  readonly removableLoader: RemovableLoader | undefined;
}

/** The directories Cairn writes to, with which of their files it manages. */
const MANAGED_DIRECTORIES: readonly { readonly directory: string; readonly kind: 'all' | 'entries' | 'fixed'; readonly names?: readonly string[] }[] = [
  { directory: ESP_BOOT_FILE_DIRECTORY, kind: 'all' },
  { directory: BLS_ENTRIES_DIRECTORY, kind: 'entries' },
  { directory: posix.dirname(LOADER_CONF_PATH), kind: 'fixed', names: [posix.basename(LOADER_CONF_PATH)] },
  { directory: posix.dirname(GRUB_CONFIG_PATH), kind: 'fixed', names: [posix.basename(GRUB_CONFIG_PATH)] },
  { directory: posix.dirname(REMOVABLE_LOADER_PATH), kind: 'fixed', names: [posix.basename(REMOVABLE_LOADER_PATH)] },
  { directory: posix.dirname(SYSTEMD_BOOT_LOADER_PATH), kind: 'fixed', names: [posix.basename(SYSTEMD_BOOT_LOADER_PATH)] },
];

const LOADER_BINARIES = new Set([REMOVABLE_LOADER_PATH, SYSTEMD_BOOT_LOADER_PATH]);

export async function readEspState(esp: string, filesystem: EspFilesystem): Promise<ObservedEsp> {
  const files = new Map<string, EspFileState>();
  const leftovers: { path: string; size: number }[] = [];
  const directories = new Set<string>();
  for (const managed of MANAGED_DIRECTORIES) {
    let names: string[];
    try {
      names = (await readdir(posix.join(esp, managed.directory))).sort();
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') continue;
      if (errnoCode(error) === 'ENOTDIR') throw new UserError(`${posix.join(esp, managed.directory)} is not a directory`, { hint: 'move the file out of the way; Cairn writes a directory there' });
      throw error;
    }
    directories.add(managed.directory);
    // Read concurrently (a thousand entries are a thousand small files), then record in name order.
    const found = await mapConcurrent(names, 32, async (name) => {
      const actual = posix.join(managed.directory, name);
      const info = await lstat(posix.join(esp, actual));
      if (!info.isFile()) return undefined;
      if (isTemporaryName(name)) return { leftover: { path: actual, size: info.size } };
      let path: string | undefined;
      if (managed.kind === 'all') path = actual;
      else if (managed.kind === 'entries') path = CAIRN_ENTRY_PATTERN.test(name) ? actual : undefined;
      else {
        const canonical = managed.names!.find((n) => n.toLowerCase() === name.toLowerCase());
        path = canonical === undefined ? undefined : posix.join(managed.directory, canonical);
      }
      if (path === undefined) return undefined;
      const host = posix.join(esp, actual);
      const isText = managed.kind === 'entries' || path === LOADER_CONF_PATH || path === GRUB_CONFIG_PATH;
      const state: EspFileState = { path, actual, size: info.size };
      if (isText) return { file: { ...state, text: await readFile(host, 'utf8') } };
      if (LOADER_BINARIES.has(path)) return { file: { ...state, sha256: await sha256File(host) } };
      return { file: state };
    });
    for (const item of found) {
      if (item?.leftover !== undefined) leftovers.push(item.leftover);
      if (item?.file !== undefined) files.set(item.file.path, item.file);
    }
  }
  // Fixed names' directories are also parents of others (EFI/BOOT inside EFI): record every level.
  for (const directory of [...directories]) {
    for (let parent = posix.dirname(directory); parent !== '.'; parent = posix.dirname(parent)) directories.add(parent);
  }
  const space = await statfs(esp);
  let removableLoader: ObservedEsp['removableLoader'];
  if (files.has(REMOVABLE_LOADER_PATH)) removableLoader = identifyEfiLoader(await readFile(posix.join(esp, files.get(REMOVABLE_LOADER_PATH)!.actual)));
  return {
    files,
    leftovers,
    directories,
    freeBytes: space.bavail * space.bsize,
    blockSize: space.bsize,
    filesystem,
    removableLoader,
  };
}

/** Whether a configuration file starts with the header Cairn writes. */
export function writtenByCairn(text: string | undefined): boolean {
  return text !== undefined && text.startsWith(CAIRN_CONFIG_HEADER);
}

export type RemovableLoader = EspLoader | 'shim' | 'other';

/** Which boot loader an EFI binary is: shim by its PE sections, the others from the marker strings each embeds. */
export function identifyEfiLoader(bytes: Uint8Array): RemovableLoader {
  if (isShim(bytes)) return 'shim';
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes('#### LoaderInfo: systemd-boot')) return 'systemd-boot';
  // GRUB's kernel greets with this whatever modules are built in (images without normal.mod lack "GNU GRUB").
  if (text.includes('GNU GRUB') || text.includes('Welcome to GRUB!')) return 'grub';
  return 'other';
}

function isShim(bytes: Uint8Array): boolean {
  try {
    return describeUefiBinary(bytes, decodePeImage(bytes)).kind === 'shim';
  } catch (error) {
    if (error instanceof PeFormatError) return false;
    throw error;
  }
}

/**
 * Which firmware an ESP serves now: UEFI when it holds a loader at the removable path, BIOS when it holds
 * a grub.cfg Cairn wrote that no GRUB EFI image beside it reads (GRUB's core.img outside the ESP does; shim's
 * signed GRUB reads it too, through the hand-over at its prefix), both when both. An ESP with neither is
 * taken for UEFI.
 */
export function detectEspFirmware(observed: ObservedEsp): FirmwareChoice {
  const uefi = observed.removableLoader !== undefined;
  const readByEfiGrub = observed.removableLoader === 'grub' || observed.removableLoader === 'shim';
  const bios = writtenByCairn(observed.files.get(GRUB_CONFIG_PATH)?.text) && !readByEfiGrub;
  return uefi || bios ? firmwareChoiceOf(uefi, bios) : 'uefi';
}

/**
 * The loader whose configuration Cairn finds on an ESP: from BOOTX64.EFI (shim: the signed GRUB it starts),
 * else from the configuration files.
 */
export function detectEspLoader(observed: ObservedEsp): EspLoader | undefined {
  if (observed.removableLoader === 'shim') return 'grub';
  if (observed.removableLoader === 'systemd-boot' || observed.removableLoader === 'grub') return observed.removableLoader;
  if (observed.files.has(LOADER_CONF_PATH)) return 'systemd-boot';
  if (observed.files.has(GRUB_CONFIG_PATH)) return 'grub';
  return undefined;
}
