/**
 * `boot update` and `boot install`: read the profile, build the menu, describe the kernels and initrds,
 * read the ESP, plan (pure), then apply, holding the ESP's lock from the read to the last write. Everything that can be refused (a missing loader binary, a label a
 * loader cannot hold, an ESP too small) is refused during planning, before the first write.
 */
import type { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError, formatProblem } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { bootsOnBios, bootsOnUefi, type FirmwareChoice } from '../system/firmware.js';
import { readProfile } from '../system/profile.js';
import { sha256Hex } from '../system/store-hash.js';
import { describeBootFiles, findMissingBootFiles, type BootFile } from './boot-files.js';
import { bootFilesOf, bootFilesOfProfile, buildBootMenu, type BootMenu } from './entries.js';
import { applyEspPlan, type ApplyOptions } from './esp-apply.js';
import {
  ESP_BOOT_FILE_DIRECTORY,
  REMOVABLE_LOADER_PATH,
  SYSTEMD_BOOT_LOADER_PATH,
  espBootFileName,
  loaderPathOnEsp,
  type EspLoader,
} from './esp-layout.js';
import { planEspUpdate, type EspPlan, type TargetFile } from './esp-plan.js';
import { checkMenuKernels, shimTrustOnEsp, signedChainEspFiles } from './esp-secure-boot.js';
import { loadSignedChain } from './secure-boot.js';
import type { SignedChainPaths } from '../system/secure-boot/secure-boot-choice.js';
import { withEspLock } from './esp-lock.js';
import { checkEspDirectory, detectEspFirmware, detectEspLoader, readEspState, type EspFilesystem, type ObservedEsp } from './esp-state.js';
import { GRUB_CONFIG_PATH, GRUB_PREFIX, renderGrubConfig } from './grub.js';
import { buildGrubImage, findSystemdBoot } from './loader-binaries.js';
import type { RenderOptions } from './loader-menu.js';
import { BLS_ENTRIES_DIRECTORY, LOADER_CONF_PATH, renderSystemdBoot } from './systemd-boot.js';

export const DEFAULT_BOOT_TIMEOUT = 5;

export interface EspUpdateOptions {
  /** The directory the ESP is mounted at. */
  readonly esp: string;
  /** Where the profile's and the store's absolute paths resolve. */
  readonly root: string;
  readonly profile: string;
  /** The UEFI loader. Default: the loader the ESP already boots, else systemd-boot. */
  readonly loader?: EspLoader;
  /**
   * Which firmware reads the ESP: UEFI through the loader, BIOS through GRUB's core.img (which reads
   * grub/grub.cfg here), or both. Default for an update: what the ESP serves now (detectEspFirmware); for
   * an install: UEFI.
   */
  readonly firmware?: FirmwareChoice;
  readonly limit?: number;
  readonly generations?: readonly number[];
  /** Seconds (default 5). */
  readonly timeout?: number;
  readonly extraParams?: readonly string[];
  /** GRUB: also show the menu on the first serial port. */
  readonly serial?: boolean;
  /** Build an ESP tree in a directory that is not FAT (for an image). */
  readonly allowNonFat?: boolean;
  /** Plan only. */
  readonly dryRun?: boolean;
  readonly onProgress?: OnProgress;
  /** Fault-injection hook (tests): see ApplyOptions. */
  readonly afterStep?: ApplyOptions['afterStep'];
  /** How long to wait for another update of the same ESP (ms; default a minute). */
  readonly lockWaitMs?: number;
}

export interface EspInstallOptions extends EspUpdateOptions {
  /** Explicit systemd-bootx64.efi (default: searched where distributions put it). */
  readonly systemdBootEfi?: string;
  /** Explicit GRUB x86_64-efi module directory. */
  readonly grubModules?: string;
  /**
   * Install the distribution's signed chain (shim, its signed GRUB, the MOK manager) instead of Cairn's own
   * GRUB image: the files (those not named are searched), and how messages name the setting.
   */
  readonly secureBoot?: { readonly files: SignedChainPaths; readonly where: string };
}

export interface EspUpdateResult {
  readonly plan: EspPlan;
  readonly applied: boolean;
}

/** Writes the entries of every generation (and the loader's configuration) onto the ESP. */
export async function updateEsp(options: EspUpdateOptions): Promise<EspUpdateResult> {
  return runUpdate(options, undefined);
}

/**
 * Installs the UEFI boot loader's binaries on the ESP (none for BIOS alone: GRUB's core.img lives outside
 * the ESP, see grub-pc/), then updates it.
 */
export async function installBootLoader(options: EspInstallOptions): Promise<EspUpdateResult> {
  const firmware = options.firmware ?? 'uefi';
  const loader = options.loader ?? (bootsOnUefi(firmware) && options.secureBoot === undefined ? 'systemd-boot' : 'grub');
  await checkEspDirectory(options.esp, { allowNonFat: options.allowNonFat });
  const loaderFiles: TargetFile[] = [];
  if (options.secureBoot !== undefined) {
    if (!bootsOnUefi(firmware)) {
      throw new UserError(`${options.secureBoot.where}: Secure Boot is checked by UEFI firmware; a disk booted by BIOS alone has no signed chain to install`, {
        hint: 'boot with UEFI too (--firmware uefi or both), or leave out Secure Boot',
      });
    }
    if (loader !== 'grub') {
      throw new UserError(`${options.secureBoot.where}: Secure Boot starts shim and the distribution-signed GRUB; ${loader} is not signed by the distribution`, { hint: 'leave out --loader (or give --loader grub)' });
    }
    const chain = await loadSignedChain(options.secureBoot.files, 'disk', options.secureBoot.where);
    loaderFiles.push(...(await signedChainEspFiles(options.esp, chain)));
    return runUpdate({ ...options, loader, firmware }, loaderFiles, { vendor: chain.vendor, where: options.secureBoot.where });
  }
  if (bootsOnUefi(firmware) && loader === 'systemd-boot') {
    const bytes = await readFile(findSystemdBoot(options.systemdBootEfi));
    for (const path of [SYSTEMD_BOOT_LOADER_PATH, REMOVABLE_LOADER_PATH]) loaderFiles.push(loaderFile(path, bytes));
  } else if (bootsOnUefi(firmware)) {
    const bytes = await buildGrubImage('x86_64-efi', { prefix: GRUB_PREFIX, ...(options.grubModules === undefined ? {} : { modulesDirectory: options.grubModules }) });
    loaderFiles.push(loaderFile(REMOVABLE_LOADER_PATH, bytes));
  }
  return runUpdate({ ...options, loader, firmware }, loaderFiles);
}

function loaderFile(path: string, bytes: Uint8Array): TargetFile {
  return { path, role: 'loader', content: { kind: 'bytes', bytes, sha256: sha256Hex(bytes) } };
}

/** The Secure Boot chain being installed: the certificate every kernel must chain to, and how messages name it. */
interface InstallingChain {
  readonly vendor: X509Certificate | undefined;
  readonly where: string;
}

async function runUpdate(options: EspUpdateOptions, loaderFiles: readonly TargetFile[] | undefined, secureBoot?: InstallingChain): Promise<EspUpdateResult> {
  const filesystem = await checkEspDirectory(options.esp, { allowNonFat: options.allowNonFat });
  if (options.dryRun) return readPlanApply(options, loaderFiles, filesystem, secureBoot);
  // Read, plan and write under the ESP's lock: another update cannot change what this one planned against.
  return withEspLock(options.esp, () => readPlanApply(options, loaderFiles, filesystem, secureBoot), {
    ...(options.lockWaitMs === undefined ? {} : { waitMs: options.lockWaitMs }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

/** The menu of the profile's generations (those asked for) and the host files of its kernels and initrds. */
async function readMenu(options: MenuOptions) {
  const onProgress = options.onProgress;
  const profile = await readProfile(options.root, options.profile);
  for (const problem of profile.problems) onProgress?.({ kind: 'warning', message: `skipped: ${formatProblem(problem)}` });
  const missing = await findMissingBootFiles(options.root, bootFilesOfProfile(profile));
  const menu = buildBootMenu(profile, {
    ...(options.extraParams === undefined ? {} : { extraParams: options.extraParams }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.generations === undefined ? {} : { generations: options.generations }),
    missing,
    ...(onProgress === undefined ? {} : { onProgress }),
  });
  return { menu, bootFiles: await describeBootFiles(options.root, bootFilesOf(menu)) };
}

type MenuOptions = Pick<EspUpdateOptions, 'root' | 'profile' | 'extraParams' | 'limit' | 'generations' | 'onProgress'>;

/**
 * What `installBootLoader` with `secureBoot` refuses, checked without an ESP: the signed chain is found and every
 * kernel of the menu chains to shim's certificate (the installer asks this before it copies anything).
 */
export async function checkSecureBootInstall(options: MenuOptions & { readonly secureBoot: { readonly files: SignedChainPaths; readonly where: string } }): Promise<void> {
  const chain = await loadSignedChain(options.secureBoot.files, 'disk', options.secureBoot.where);
  const { menu, bootFiles } = await readMenu(options);
  await checkMenuKernels(menu, bootFiles, chain.vendor, options.secureBoot.where);
}

/**
 * `secureBoot`: the chain being installed, whose certificate every kernel must chain to. Without it an update
 * of an ESP that boots shim checks the kernels against the certificate of the shim found there.
 */
async function readPlanApply(options: EspUpdateOptions, loaderFiles: readonly TargetFile[] | undefined, filesystem: EspFilesystem, secureBoot?: InstallingChain): Promise<EspUpdateResult> {
  const onProgress = options.onProgress;
  onProgress?.({ kind: 'phase', phase: 'boot-plan', title: 'Reading the generations and the ESP' });
  const { menu, bootFiles } = await readMenu(options);
  const observed = await readEspState(options.esp, filesystem);
  const shim = secureBoot ?? (loaderFiles === undefined ? await shimTrustOnEsp(options.esp, observed) : undefined);
  if (shim !== undefined) await checkMenuKernels(menu, bootFiles, shim.vendor, secureBoot?.where ?? `ESP ${options.esp} boots shim (Secure Boot)`);
  const firmware = options.firmware ?? detectEspFirmware(observed);
  const uefiLoader = options.loader ?? detectEspLoader(observed) ?? 'systemd-boot';
  if (!bootsOnUefi(firmware) && uefiLoader === 'systemd-boot' && options.loader !== undefined) {
    throw new UserError('systemd-boot is a UEFI boot loader: an ESP for BIOS boot alone holds GRUB\'s menu', { hint: 'leave out --loader (or give --loader grub), or boot with UEFI too (--firmware both)' });
  }
  const loader = bootsOnUefi(firmware) ? uefiLoader : 'grub';
  if (shim !== undefined && loaderFiles === undefined && loader !== 'grub') {
    throw new UserError(`ESP ${options.esp} boots shim and the distribution-signed GRUB (Secure Boot), which read GRUB's menu, not ${loader}'s`, {
      hint: 'leave out --loader (or give --loader grub), or switch loaders with cairn boot install',
    });
  }
  const other = loader === 'grub' ? 'systemd-boot' : 'grub';
  if (bootsOnUefi(firmware) && loaderFiles === undefined && observed.removableLoader === other) {
    throw new UserError(`ESP ${options.esp} boots ${other} (${REMOVABLE_LOADER_PATH}), not ${loader}`, {
      hint: `update it for ${other} (--loader ${other}), or switch loaders with cairn boot install --loader ${loader}`,
    });
  }
  const menus = [...new Set<EspLoader>([...(bootsOnUefi(firmware) ? [loader] : []), ...(bootsOnBios(firmware) ? ['grub' as const] : [])])];

  const espPaths = chooseEspPaths(bootFiles, observed);
  const espPathOf = (systemPath: string) => espPaths.get(systemPath)!;
  const bootTargets = new Map<string, TargetFile>();
  for (const file of bootFiles.values()) {
    const path = espPathOf(file.systemPath);
    if (!bootTargets.has(path)) bootTargets.set(path, { path, role: 'boot-file', content: { kind: 'copy', source: file.hostPath, size: file.size, sha256: file.sha256 } });
  }
  const entryFiles = new Map(menu.entries.map((e) => [e.id, [e.kernel, ...(e.initrd === undefined ? [] : [e.initrd])].map(espPathOf)] as const));
  const render: RenderOptions = {
    loaderPath: (systemPath) => loaderPathOnEsp(espPathOf(systemPath)),
    timeout: options.timeout ?? DEFAULT_BOOT_TIMEOUT,
    serial: options.serial ?? false,
  };
  const plan = planEspUpdate(
    {
      esp: options.esp,
      loader,
      menus,
      firmware,
      menu,
      bootFiles: [...bootTargets.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
      entryFiles,
      loaderFiles: loaderFiles ?? [],
      renderConfig: (subset) => renderEspConfig(menus, subset, render),
    },
    observed,
  );
  if (options.dryRun) return { plan, applied: false };
  await applyEspPlan(options.esp, plan, {
    ...(onProgress === undefined ? {} : { onProgress }),
    ...(options.afterStep === undefined ? {} : { afterStep: options.afterStep }),
  });
  return { plan, applied: true };
}

/**
 * The configuration files of each loader's menu, as ESP targets: systemd-boot's entries and loader.conf,
 * GRUB's grub.cfg (read by GRUB for UEFI and by GRUB for BIOS alike). Every menu comes from the same model.
 */
function renderEspConfig(menus: readonly EspLoader[], menu: BootMenu, options: RenderOptions): TargetFile[] {
  const files: TargetFile[] = [];
  if (menus.includes('systemd-boot')) {
    const config = renderSystemdBoot(menu, options);
    files.push(...config.entries.map((entry): TargetFile => ({ path: posix.join(BLS_ENTRIES_DIRECTORY, entry.name), role: 'entry', content: { kind: 'text', text: entry.text } })));
    files.push({ path: LOADER_CONF_PATH, role: 'config', content: { kind: 'text', text: config.loaderConf } });
  }
  if (menus.includes('grub')) files.push({ path: GRUB_CONFIG_PATH, role: 'config', content: { kind: 'text', text: renderGrubConfig(menu, options) } });
  return files;
}

/**
 * The ESP path of each boot file: one per distinct content. A copy already on the ESP under the same
 * content hash keeps its name; otherwise the name comes from the first system path with that content.
 */
function chooseEspPaths(files: ReadonlyMap<string, BootFile>, observed: ObservedEsp): Map<string, string> {
  const existing = new Map<string, string>();
  for (const path of [...observed.files.keys()].sort()) {
    if (!path.startsWith(`${ESP_BOOT_FILE_DIRECTORY}/`)) continue;
    const hash = posix.basename(path).split('-')[0]!;
    if (!existing.has(hash)) existing.set(hash, path);
  }
  const byHash = new Map<string, string>();
  const paths = new Map<string, string>();
  for (const file of [...files.values()].sort((a, b) => (a.systemPath < b.systemPath ? -1 : 1))) {
    let path = byHash.get(file.contentHash);
    if (path === undefined) {
      const found = existing.get(file.contentHash);
      path = found !== undefined && observed.files.get(found)!.size === file.size ? found : posix.join(ESP_BOOT_FILE_DIRECTORY, espBootFileName(file));
      byHash.set(file.contentHash, path);
    }
    paths.set(file.systemPath, path);
  }
  return paths;
}
