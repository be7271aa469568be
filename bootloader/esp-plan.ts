/**
 * Planning an ESP update (pure): from the full new state (every file Cairn wants on the ESP) and the ESP as
 * it is, the ordered steps that get there without ever leaving the ESP without a bootable default:
 *
 *   1. remove temporary files an interrupted run left;
 *   2. write kernels and initrds, then entries, then the loaders' configurations (loader.conf, grub.cfg),
 *      then the loader binaries (so that a loader being switched to finds its configuration), each to a
 *      temporary name that is renamed into place;
 *   3. remove stale entries and configurations, then stale kernels and initrds.
 *
 * Free space is simulated over these steps (a file being replaced still takes its room until the rename).
 * When it does not fit, stale files are removed first: before that, the configuration is pointed at the
 * entries of the new state whose files are already on the ESP (a bootable default while the rest is
 * copied). When even that does not fit, the plan is refused and nothing is touched.
 */
import { posix } from 'node:path';
import { DomainError } from '../lib/errors.js';
import { formatSize } from '../lib/size.js';
import type { FirmwareChoice } from '../system/firmware.js';
import type { BootMenu } from './entries.js';
import { ESP_BOOT_FILE_DIRECTORY, REMOVABLE_LOADER_PATH, SYSTEMD_BOOT_LOADER_PATH, temporaryPathFor, type EspLoader } from './esp-layout.js';
import { writtenByCairn, type ObservedEsp } from './esp-state.js';
import { GRUB_CONFIG_PATH } from './grub.js';
import { LOADER_CONF_PATH } from './systemd-boot.js';

export type TargetRole = 'loader' | 'boot-file' | 'entry' | 'config';

export type TargetContent =
  | { readonly kind: 'text'; readonly text: string }
  /** Small binaries held in memory (loader images). */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly sha256: string }
  /** A file copied from this machine (kernels and initrds). */
  | { readonly kind: 'copy'; readonly source: string; readonly size: number; readonly sha256: string };

/** A file of the new state. */
export interface TargetFile {
  readonly path: string;
  readonly role: TargetRole;
  readonly content: TargetContent;
}

export interface EspDesired {
  /** The ESP as the user named it, for messages. */
  readonly esp: string;
  /** The UEFI loader, or GRUB on an ESP that serves BIOS boot only. */
  readonly loader: EspLoader;
  /** Whose menus the ESP holds: the UEFI loader's, and GRUB's for BIOS boot (the same grub.cfg when both are GRUB). */
  readonly menus: readonly EspLoader[];
  readonly firmware: FirmwareChoice;
  readonly menu: BootMenu;
  /** Kernels and initrds, each distinct content once. */
  readonly bootFiles: readonly TargetFile[];
  /** The boot files (ESP paths) each entry reads, by entry id. */
  readonly entryFiles: ReadonlyMap<string, readonly string[]>;
  /** Loader binaries to install (`boot install`); empty for an update. */
  readonly loaderFiles: readonly TargetFile[];
  /** The loader's entries and configuration for a menu (pure: the renderers). */
  readonly renderConfig: (menu: BootMenu) => readonly TargetFile[];
}

export type EspStep =
  | {
      readonly kind: 'write';
      readonly path: string;
      readonly role: TargetRole;
      readonly content: TargetContent;
      /** `transitional`: a configuration that keeps a bootable default while space is freed. */
      readonly phase: 'transitional' | 'final';
    }
  | { readonly kind: 'remove'; readonly path: string; readonly reason: 'leftover' | 'stale' | 'outdated' };

export interface EspSpace {
  readonly freeBytes: number;
  readonly blockSize: number;
  /** Room the writes take (rounded to blocks), directory entries included. */
  readonly neededBytes: number;
  /** Room stale files and leftovers take. */
  readonly reclaimableBytes: number;
  /** Whether stale files are removed before the new files are written, for lack of space. */
  readonly freedFirst: boolean;
}

export interface EspPlan {
  readonly esp: string;
  readonly loader: EspLoader;
  readonly menus: readonly EspLoader[];
  readonly firmware: FirmwareChoice;
  readonly menu: BootMenu;
  /** Every file Cairn manages on the ESP after the update. */
  readonly target: readonly TargetFile[];
  readonly steps: readonly EspStep[];
  /** Target files already on the ESP with the right content. */
  readonly unchanged: readonly string[];
  /** Files removed because nothing in the new state uses them. */
  readonly stale: readonly string[];
  readonly space: EspSpace;
}

export function planEspUpdate(desired: EspDesired, observed: ObservedEsp): EspPlan {
  const config = desired.renderConfig(desired.menu);
  const entries = config.filter((f) => f.role === 'entry');
  const configuration = config.filter((f) => f.role === 'config');
  const target = [...desired.loaderFiles, ...desired.bootFiles, ...entries, ...configuration];
  const targetPaths = new Set(target.map((f) => f.path));
  const unchanged = target.filter((f) => sameContent(f, observed.files.get(f.path))).map((f) => f.path);

  const staleFiles = [...observed.files.values()].filter((file) => !targetPaths.has(file.path) && isStale(file.path, file.text, desired.menus));
  const stale = staleFiles.map((file) => file.actual).sort();
  const staleBootFiles = stale.filter((p) => p.startsWith(`${ESP_BOOT_FILE_DIRECTORY}/`));
  const staleOthers = stale.filter((p) => !p.startsWith(`${ESP_BOOT_FILE_DIRECTORY}/`));
  const reclaimableBytes = [...staleFiles, ...observed.leftovers].map((f) => f.size).reduce((sum, size) => sum + roundUp(size, observed.blockSize), 0);

  // The usual order: everything new first, stale files last.
  const normal = new StepBuilder(observed);
  for (const leftover of observed.leftovers) normal.remove(leftover.path, 'leftover');
  for (const file of [...desired.bootFiles, ...entries, ...configuration, ...desired.loaderFiles]) normal.write(file, 'final');
  for (const path of [...staleOthers, ...staleBootFiles]) normal.remove(path, 'stale');
  if (normal.fits()) return finish(normal, false);

  // Short of space: free it first, keeping a bootable default throughout.
  const present = new Set(desired.bootFiles.filter((f) => observed.files.has(f.path)).map((f) => f.path));
  const bootableNow = desired.menu.entries.filter((e) => (desired.entryFiles.get(e.id) ?? []).every((p) => present.has(p)));
  const short = new StepBuilder(observed);
  if (bootableNow.length > 0) {
    const keepsDefault = bootableNow.some((e) => e.id === desired.menu.defaultId);
    const transitional: BootMenu = {
      ...desired.menu,
      entries: bootableNow,
      defaultId: keepsDefault ? desired.menu.defaultId : bootableNow[0]!.id,
      defaultGeneration: keepsDefault ? desired.menu.defaultGeneration : bootableNow[0]!.generation,
    };
    const transitionalFiles = desired.renderConfig(transitional);
    const transitionalPaths = new Set(transitionalFiles.map((f) => f.path));
    for (const leftover of observed.leftovers) short.remove(leftover.path, 'leftover');
    for (const file of transitionalFiles.filter((f) => f.role === 'entry')) short.write(file, 'transitional');
    for (const file of transitionalFiles.filter((f) => f.role === 'config')) short.write(file, 'transitional');
    // A new loader (switching loaders) must be in place before the old loader's configuration goes.
    for (const file of desired.loaderFiles) short.write(file, 'final');
    // Entries not in the transitional menu may still name files about to go: out first, back in later.
    const outdated = entries.filter((f) => !transitionalPaths.has(f.path) && observed.files.has(f.path)).map((f) => observed.files.get(f.path)!.actual);
    const staleSet = new Set(stale);
    for (const path of [...staleOthers, ...outdated.sort()]) short.remove(path, staleSet.has(path) ? 'stale' : 'outdated');
    for (const path of staleBootFiles) short.remove(path, 'stale');
    for (const file of [...desired.bootFiles, ...entries, ...configuration]) short.write(file, 'final');
    if (short.fits()) return finish(short, true);
  }

  const best = bootableNow.length > 0 ? short : normal;
  const needed = best.neededBytes();
  if (needed <= observed.freeBytes + reclaimableBytes && bootableNow.length === 0) {
    throw new DomainError(
      'esp-no-bootable-default-while-freeing',
      `ESP ${desired.esp} has room for the new boot files only after removing the files the current entries boot from, which would leave it without a bootable entry while the new ones are copied (${formatSize(observed.freeBytes)} free, ${formatSize(reclaimableBytes)} in stale files, ${formatSize(needed)} needed)`,
      { hint: 'make room on the ESP, or keep a generation whose kernel is already on the ESP in the menu (a larger --limit)', expected: needed, actual: observed.freeBytes },
    );
  }
  throw new DomainError(
    'esp-full',
    `ESP ${desired.esp} is too small for the update: it needs ${formatSize(needed)}, ${formatSize(observed.freeBytes)} is free and removing stale files would free ${formatSize(reclaimableBytes)} more`,
    { hint: 'make room on the ESP (or a larger ESP), or boot fewer generations with --limit', expected: needed, actual: observed.freeBytes + reclaimableBytes },
  );

  function finish(builder: StepBuilder, freedFirst: boolean): EspPlan {
    return {
      esp: desired.esp,
      loader: desired.loader,
      menus: desired.menus,
      firmware: desired.firmware,
      menu: desired.menu,
      target,
      steps: builder.steps,
      unchanged,
      stale,
      space: { freeBytes: observed.freeBytes, blockSize: observed.blockSize, neededBytes: builder.neededBytes(), reclaimableBytes, freedFirst },
    };
  }
}

/** Cairn removes its own files only: a configuration no menu uses only when Cairn wrote it. */
function isStale(path: string, text: string | undefined, menus: readonly EspLoader[]): boolean {
  if (path === REMOVABLE_LOADER_PATH || path === SYSTEMD_BOOT_LOADER_PATH) return false;
  if (path === LOADER_CONF_PATH) return !menus.includes('systemd-boot') && writtenByCairn(text);
  if (path === GRUB_CONFIG_PATH) return !menus.includes('grub') && writtenByCairn(text);
  return true;
}



function roundUp(size: number, block: number): number {
  return Math.ceil(size / block) * block;
}

export function contentSize(content: TargetContent): number {
  switch (content.kind) {
    case 'text':
      return Buffer.byteLength(content.text);
    case 'bytes':
      return content.bytes.byteLength;
    case 'copy':
      return content.size;
  }
}

function sameContent(file: TargetFile, found: { size: number; text?: string; sha256?: string } | undefined): boolean {
  if (found === undefined) return false;
  if (file.content.kind === 'text') return found.text === file.content.text;
  // Boot files are named by their content hash: the right name and size is the right file. Loader binaries
  // have fixed names, so their hash is compared.
  if (found.size !== contentSize(file.content)) return false;
  return file.role === 'boot-file' || found.sha256 === file.content.sha256;
}

/** A FAT directory entry with its long-name slots: 32 bytes per 13 characters, plus the short entry. */
function directoryEntryBytes(name: string): number {
  return 32 * (1 + Math.ceil(name.length / 13));
}

/** Builds steps while simulating the ESP's files and free space. */
class StepBuilder {
  readonly steps: EspStep[] = [];
  private readonly files = new Map<string, { size: number; text?: string; sha256?: string }>();
  private free: number;
  private lowest: number;
  private writtenBytes = 0;
  private readonly directoryBytes = new Map<string, number>();
  private readonly directories: Set<string>;
  private readonly pathByActual = new Map<string, string>();

  constructor(private readonly observed: ObservedEsp) {
    for (const file of observed.files.values()) {
      this.files.set(file.path, file);
      this.pathByActual.set(file.actual, file.path);
    }
    for (const leftover of observed.leftovers) this.files.set(leftover.path, { size: leftover.size });
    this.free = observed.freeBytes;
    this.lowest = this.free;
    this.directories = new Set(observed.directories);
  }

  write(file: TargetFile, phase: 'transitional' | 'final'): void {
    const current = this.files.get(file.path);
    if (sameContent(file, current)) return;
    const size = contentSize(file.content);
    const cost = roundUp(size, this.observed.blockSize);
    this.free -= cost;
    this.lowest = Math.min(this.lowest, this.free);
    this.writtenBytes += cost;
    if (current !== undefined) this.free += roundUp(current.size, this.observed.blockSize);
    this.noteNames(file.path, current === undefined);
    this.files.set(file.path, file.content.kind === 'text' ? { size, text: file.content.text } : { size, sha256: file.content.sha256 });
    this.steps.push({ kind: 'write', path: file.path, role: file.role, content: file.content, phase });
  }

  /** Removes a file by the path it is stored at. */
  remove(actual: string, reason: 'leftover' | 'stale' | 'outdated'): void {
    const key = this.pathByActual.get(actual) ?? actual;
    const current = this.files.get(key);
    if (current === undefined) return;
    this.free += roundUp(current.size, this.observed.blockSize);
    this.files.delete(key);
    this.steps.push({ kind: 'remove', path: actual, reason });
  }

  /**
   * Room for directory entries of new names and temporary names, and new directories: on FAT, directories
   * are clusters and grow by 32 bytes per 13 characters of a name. Other filesystems (an ESP tree built in
   * a plain directory, a tmpfs) are not charged for directories.
   */
  private reserve(): number {
    if (!this.observed.filesystem.isFat) return 0;
    let bytes = 0;
    for (const size of this.directoryBytes.values()) bytes += roundUp(size, this.observed.blockSize);
    return bytes;
  }

  neededBytes(): number {
    return this.writtenBytes + this.reserve();
  }

  fits(): boolean {
    return this.lowest - this.reserve() >= 0;
  }

  private noteNames(path: string, isNew: boolean): void {
    const directory = posix.dirname(path);
    let bytes = directoryEntryBytes(posix.basename(temporaryPathFor(path)));
    if (isNew) bytes += directoryEntryBytes(posix.basename(path));
    this.directoryBytes.set(directory, (this.directoryBytes.get(directory) ?? 0) + bytes);
    for (let dir = directory; dir !== '.' && !this.directories.has(dir); dir = posix.dirname(dir)) {
      this.directories.add(dir);
      const parent = posix.dirname(dir);
      this.directoryBytes.set(dir, (this.directoryBytes.get(dir) ?? 0) + this.observed.blockSize);
      this.directoryBytes.set(parent, (this.directoryBytes.get(parent) ?? 0) + directoryEntryBytes(posix.basename(dir)));
    }
  }

}
