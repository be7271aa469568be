/**
 * What makes an image spec's ISO bootable: the generations of the profile (their store closures at their
 * store paths, their profile links), one boot menu model rendered for isolinux (BIOS) and systemd-boot
 * (UEFI) or, with Secure Boot, for GRUB behind the distribution's signed shim, El Torito, and the hybrid
 * partition tables for USB sticks. Everything is decided before the first byte is written: a missing
 * kernel, a missing loader binary, a label a loader cannot hold, a generation that does not exist, a
 * kernel shim would not start all stop the build with nothing written.
 */
import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { DomainError, UserError } from '../../lib/errors.js';
import type { OnProgress } from '../../lib/progress.js';
import { formatSize } from '../../lib/size.js';
import { bootFilesOf, bootFilesOfProfile, buildBootMenu, type BootMenu } from '../../bootloader/entries.js';
import { describeBootFiles, findMissingBootFiles } from '../../bootloader/boot-files.js';
import { renderGrubConfig } from '../../bootloader/grub.js';
import { findIsolinuxFiles, findSystemdBoot } from '../../bootloader/loader-binaries.js';
import { checkKernelSignatures, loadSignedChain, type KernelSignature } from '../../bootloader/secure-boot.js';
import { renderSyslinuxConfig } from '../../bootloader/syslinux.js';
import type { ImageSpec, LoadedImageSpec } from '../../system/image-spec.js';
import { selectGenerations } from '../../system/generation-selection.js';
import { generationLink, readProfile, type Profile } from '../../system/profile.js';
import { hostPath, resolveSystemPath } from '../../system/root-path.js';
import { encodeEntryRecord, entryRecordPath, STORE_MTIME, storeClosureRecords } from '../../system/store.js';
import { sha256Hex } from '../../system/store-hash.js';
import type { ImageTree } from '../image-tree.js';
import type { IsoExtensions } from '../layout/iso-layout.js';
import { ISOLINUX_LOAD_SECTORS } from '../layout/plan-el-torito.js';
import { HYBRID_IMAGE_ALIGNMENT } from '../layout/plan-hybrid-tables.js';
import { scanSources } from '../scan-sources.js';
import { LIVE_PARAM } from '../system/stage-1.js';
import { ESP_GROUP_ID, planIsoEsp, planSecureBootIsoEsp } from './esp-in-iso.js';

const ISOLINUX_DIRECTORY = '/isolinux';
const ISOLINUX_BIN = `${ISOLINUX_DIRECTORY}/isolinux.bin`;
const ISOLINUX_MODULES = ['ldlinux.c32', 'menu.c32', 'libutil.c32', 'libcom32.c32'] as const;
/** A FAT file holds at most 4 GiB - 1 bytes: a larger kernel or initrd cannot be on the ESP. */
const FAT_FILE_LIMIT = 2 ** 32 - 1;
/**
 * Secure Boot ISOs: where GRUB finds its menu on ISO 9660 (the signed GRUB's own script searches for
 * /.disk/info and reads /boot/grub/grub.cfg there), and the marker the menu itself searches for to make the
 * ISO its root, named after the image so that another medium's /.disk/info is never taken for this one.
 */
export const DISK_INFO_PATH = '/.disk/info';
export const ISO_GRUB_CONFIG_PATH = '/boot/grub/grub.cfg';
const ISO_MARKER_PREFIX = '/.disk/cairn-';

const DEFAULT_BOOT: NonNullable<ImageSpec['boot']> = { bios: true, uefi: true, timeout: 10, serial: true, kernelParams: [], secureBoot: false };

/**
 * What every entry of a bootable ISO gets after the generation's own parameters: the volume id stage 1
 * finds the medium by (live boot), and with a serial menu, the kernel's console on the first VT and on the
 * first serial port (the last is /dev/console, where stage 1 opens its rescue shell first).
 */
export function liveParams(volumeId: string, serial: boolean): string[] {
  return [`${LIVE_PARAM}=${volumeId}`, ...(serial ? ['console=tty0', 'console=ttyS0,115200'] : [])];
}

export interface BootableParts {
  /** The image's date: the one given, else the newest of the sources and the generations' dates. */
  readonly date: Date;
  readonly extensions: IsoExtensions;
  readonly menu: BootMenu;
  readonly profile: Profile;
  /** The generations on the ISO, newest first. */
  readonly generations: readonly number[];
  /** The ESP's size, when the ISO boots UEFI. */
  readonly espSize: number | undefined;
  /** With Secure Boot: the signed files used and each kernel's signer. */
  readonly secureBoot?: { readonly shim: string; readonly grub: string; readonly mokManager: string; readonly kernels: readonly KernelSignature[] };
}

export async function addBootableParts(
  tree: ImageTree,
  loaded: LoadedImageSpec,
  dates: { readonly given: Date | undefined; readonly newestSource: number | undefined },
  onProgress: OnProgress,
): Promise<BootableParts> {
  const { spec, root, file } = loaded;
  const boot = spec.boot ?? DEFAULT_BOOT;
  const profilePath = spec.profile!;
  onProgress({ kind: 'phase', phase: 'generations', title: `Reading the generations of ${profilePath}` });

  // Binaries first: a loader that is not installed is reported before anything is read or written.
  const isolinux = boot.bios ? findIsolinuxFiles(boot.isolinux) : undefined;
  const chain = boot.uefi && loaded.secureBoot !== undefined ? await loadSignedChain(loaded.secureBoot, 'iso', `${file}: boot.secureBoot`) : undefined;
  const systemdBoot = boot.uefi && chain === undefined ? await readFile(findSystemdBoot(boot.systemdBoot)) : undefined;

  const profile = await readProfile(root, profilePath);
  const { generations } = selectGenerations(profile, spec.generations, {
    where: `${file}: `,
    purpose: 'to put on the ISO',
    hint: 'make one with cairn generation add (or check root: and profile: in the spec)',
    currentWithLists: false,
  });
  const broken = profile.problems;
  if (broken.length > 0 && generations.length === 0) throw new UserError(`${file}: no readable generation in ${profilePath}: ${broken.map((p) => p.message).join('; ')}`);
  const missing = await findMissingBootFiles(root, bootFilesOfProfile({ ...profile, generations: profile.generations.filter((g) => generations.includes(g.number)) }));
  // Every generation on the ISO must boot: a missing kernel or initrd is an error here, not a skipped entry.
  const unbootable = profile.generations
    .filter((g) => generations.includes(g.number))
    .flatMap((g) => bootFilesOfProfile({ ...profile, generations: [g] }).filter((path) => missing.has(path)).map((path) => `generation ${g.number}: ${hostPath(root, path)} is missing`));
  if (unbootable.length > 0) {
    throw new DomainError('missing-boot-files', `${file}: ${unbootable.join('; ')}`, {
      hint: 'restore the missing files, or leave those generations out with generations: in the spec',
    });
  }
  const menu = buildBootMenu(profile, { generations, extraParams: [...liveParams(spec.volumeId, boot.serial), ...boot.kernelParams], missing });

  if (systemdBoot !== undefined) await checkEspFileSizes(root, bootFilesOf(menu), file);
  const kernelSignatures = chain === undefined ? undefined : await checkKernelSignatures(await kernelsOf(root, menu), chain.vendor, file);

  // The store closures of the generations, at their store paths, and the profile links with their dates.
  const selected = profile.generations.filter((g) => generations.includes(g.number));
  const newestGeneration = Math.max(...selected.map((g) => Math.floor(g.date.getTime() / 1000)));
  const date = dates.given ?? new Date(Math.max(dates.newestSource ?? 0, newestGeneration) * 1000);
  const location = { root, store: spec.store };
  const closure = await storeClosureRecords(location, selected.map((g) => g.toplevel));
  scanSources(tree, [...closure.keys()].map((entry) => ({ from: hostPath(root, entry), to: entry, key: `${file}: profile ${profilePath}` })), onProgress);
  // Each entry's record goes with it (found by a scan where the source store has none), so that the
  // installer reads the closure instead of scanning the medium.
  for (const [entry, record] of closure) {
    tree.add(entryRecordPath(location, entry), { kind: 'file', mode: 0o444, mtime: STORE_MTIME, content: { kind: 'bytes', bytes: new TextEncoder().encode(encodeEntryRecord(record)) }, origin: `${file}: profile ${profilePath} (the record of ${entry})` });
  }
  for (const generation of selected) {
    tree.add(generationLink(profilePath, generation.number), { kind: 'symlink', target: generation.toplevel, mtime: Math.floor(generation.date.getTime() / 1000), origin: `${file}: generation ${generation.number}` });
  }
  const current = selected.find((g) => g.number === menu.defaultGeneration) ?? selected[selected.length - 1]!;
  tree.add(profilePath, { kind: 'symlink', target: posix.basename(generationLink(profilePath, current.number)), mtime: Math.floor(current.date.getTime() / 1000), origin: `${file}: profile` });

  // Each kernel and initrd once: where it is on the ISO (the regular file its path leads to).
  const described = await describeBootFiles(root, bootFilesOf(menu));
  const bootFiles = new Map([...described].map(([systemPath, bootFile]) => [systemPath, { ...bootFile, isoPath: isoPathOf(root, bootFile.hostPath) }]));
  const isoPath = (systemPath: string) => bootFiles.get(systemPath)!.isoPath;
  const seed = sha256Hex(JSON.stringify({ volumeId: spec.volumeId, date: date.getTime(), entries: menu.entries, files: [...described.values()].map((f) => f.sha256) }));
  const mtime = Math.floor(date.getTime() / 1000);

  if (isolinux !== undefined) {
    const config = renderSyslinuxConfig(menu, { loaderPath: isoPath, timeout: boot.timeout, serial: boot.serial, menuTitle: `Cairn - ${spec.volumeId}` });
    tree.add(ISOLINUX_BIN, {
      kind: 'file',
      mode: 0o444,
      mtime,
      content: { kind: 'bytes', bytes: await readFile(isolinux['isolinux.bin']) },
      origin: `${file}: boot.bios (isolinux.bin)`,
    });
    for (const module of ISOLINUX_MODULES) {
      tree.add(`${ISOLINUX_DIRECTORY}/${module}`, { kind: 'file', mode: 0o444, mtime, content: { kind: 'bytes', bytes: await readFile(isolinux[module]) }, origin: `${file}: boot.bios (${module})` });
    }
    tree.add(`${ISOLINUX_DIRECTORY}/isolinux.cfg`, { kind: 'file', mode: 0o444, mtime, content: { kind: 'bytes', bytes: new TextEncoder().encode(config) }, origin: `${file}: boot (the BIOS menu)` });
  }

  // Secure Boot: GRUB's menu, with the ISO (found by its marker) as the root and the kernels at their ISO paths.
  // Only UEFI firmware starts this GRUB (BIOS boots isolinux), and its console reads the serial port already.
  const grubConfig =
    chain === undefined ? undefined : renderGrubConfig(menu, { loaderPath: isoPath, timeout: boot.timeout, serial: boot.serial, firmwareReadsSerial: true, searchFile: isoMarkerPath(seed) });
  if (grubConfig !== undefined) {
    const info = `Cairn ${spec.volumeId} (generations ${selected.map((g) => g.number).sort((a, b) => b - a).join(', ')}) ${date.toISOString().slice(0, 10)}`;
    addSecureBootFiles(tree, { grubConfig, marker: isoMarkerPath(seed), info, mtime, origin: `${file}: boot.secureBoot` });
  }
  const esp =
    chain !== undefined ? planSecureBootIsoEsp({ chain, grubConfig: grubConfig!, date, seed }) : systemdBoot === undefined ? undefined : planIsoEsp({ menu, bootFiles, systemdBoot, timeout: boot.timeout, date, seed });
  // El Torito and the partition tables name what they point at; the planner puts in the sectors.
  const espImage = esp === undefined ? undefined : { group: ESP_GROUP_ID, size: esp.size };
  const extensions: IsoExtensions = {
    elTorito: {
      ...(isolinux === undefined ? {} : { bios: { file: ISOLINUX_BIN, loadSectors: ISOLINUX_LOAD_SECTORS, bootInfoTable: true } }),
      ...(espImage === undefined ? {} : { uefi: espImage }),
    },
    hybridTables: {
      seed,
      ...(isolinux === undefined ? {} : { bootCode: { code: await readFile(isolinux['isohdpfx.bin']), file: ISOLINUX_BIN } }),
      ...(espImage === undefined ? {} : { esp: espImage }),
    },
    ...(esp === undefined ? {} : { groups: [{ id: ESP_GROUP_ID, members: esp.members }] }),
    padding: { imageAlignment: HYBRID_IMAGE_ALIGNMENT },
  };
  return {
    date,
    extensions,
    menu,
    profile,
    generations: selected.map((g) => g.number).sort((a, b) => b - a),
    espSize: esp?.size,
    ...(chain === undefined ? {} : { secureBoot: { shim: chain.shim.path, grub: chain.grub.path, mokManager: chain.mokManager.path, kernels: kernelSignatures! } }),
  };
}

/** Each entry's kernel as a file on this machine, named by the generation that boots it. */
async function kernelsOf(root: string, menu: BootMenu): Promise<{ path: string; usedBy: string }[]> {
  const kernels: { path: string; usedBy: string }[] = [];
  for (const entry of menu.entries) {
    kernels.push({ path: hostPath(root, await resolveSystemPath(root, entry.kernel)), usedBy: `generation ${entry.generation}${entry.specialisation === undefined ? '' : ` (specialisation ${entry.specialisation})`}` });
  }
  return kernels;
}

/** The marker a Secure Boot ISO's menu searches for: named after the image, so no other medium has it. */
export function isoMarkerPath(seed: string): string {
  return `${ISO_MARKER_PREFIX}${seed.slice(0, 16)}`;
}

/** On ISO 9660: /.disk/info (what the signed GRUB searches for), the image's marker, and the menu at /boot/grub. */
function addSecureBootFiles(tree: ImageTree, input: { grubConfig: string; marker: string; info: string; mtime: number; origin: string }): void {
  const text = (value: string) => ({ kind: 'bytes' as const, bytes: new TextEncoder().encode(value) });
  tree.add(DISK_INFO_PATH, { kind: 'file', mode: 0o444, mtime: input.mtime, content: text(input.info), origin: `${input.origin} (/.disk/info, found by the signed GRUB)` });
  tree.add(input.marker, { kind: 'file', mode: 0o444, mtime: input.mtime, content: text(`${input.info}\n`), origin: `${input.origin} (the marker GRUB's menu finds this ISO by)` });
  tree.add(ISO_GRUB_CONFIG_PATH, { kind: 'file', mode: 0o444, mtime: input.mtime, content: text(input.grubConfig), origin: `${input.origin} (GRUB's menu)` });
}

/**
 * Before anything is read whole: the UEFI firmware reads kernels and initrds through the ESP's FAT, which
 * cannot hold a file of 4 GiB or more (and El Torito and the MBR cannot address an ESP beyond the FAT's own
 * limits): such a generation is refused with its file named.
 */
async function checkEspFileSizes(root: string, paths: readonly string[], file: string): Promise<void> {
  for (const path of paths) {
    const size = (await stat(hostPath(root, await resolveSystemPath(root, path)))).size;
    if (size > FAT_FILE_LIMIT) {
      throw new DomainError('esp-file-too-large', `${file}: ${hostPath(root, path)} is ${formatSize(size)}; the UEFI boot image (a FAT ESP) holds files up to 4 GiB - 1 byte, so UEFI firmware could not load it`, {
        expected: FAT_FILE_LIMIT,
        actual: size,
        hint: 'use a smaller (compressed) kernel or initrd, or set boot.uefi: false for a BIOS-only ISO',
      });
    }
  }
}

function isoPathOf(root: string, host: string): string {
  const prefix = root === '/' ? '' : root.replace(/\/$/, '');
  if (!host.startsWith(`${prefix}/`)) throw new Error(`${host} is not under ${root}`);
  return host.slice(prefix.length);
}
