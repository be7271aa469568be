/**
 * Where external programs and the data files of distribution packages live, and which package provides
 * each, so that a missing one is reported as "X not found: install package Y" before anything is touched.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from './errors.js';

/** Package names per distribution family for a tool or data file. */
export interface PackageNames {
  readonly debian: string;
  readonly fedora?: string;
  readonly arch?: string;
}

const TOOL_PACKAGES: Readonly<Record<string, PackageNames>> = {
  xorriso: { debian: 'xorriso', fedora: 'xorriso', arch: 'libisoburn' },
  isoinfo: { debian: 'genisoimage', fedora: 'genisoimage', arch: 'cdrtools' },
  'qemu-system-x86_64': { debian: 'qemu-system-x86', fedora: 'qemu-system-x86', arch: 'qemu-system-x86' },
  'mkfs.fat': { debian: 'dosfstools', fedora: 'dosfstools', arch: 'dosfstools' },
  'fsck.fat': { debian: 'dosfstools', fedora: 'dosfstools', arch: 'dosfstools' },
  mke2fs: { debian: 'e2fsprogs', fedora: 'e2fsprogs', arch: 'e2fsprogs' },
  e2fsck: { debian: 'e2fsprogs', fedora: 'e2fsprogs', arch: 'e2fsprogs' },
  debugfs: { debian: 'e2fsprogs', fedora: 'e2fsprogs', arch: 'e2fsprogs' },
  filefrag: { debian: 'e2fsprogs', fedora: 'e2fsprogs', arch: 'e2fsprogs' },
  'mkfs.btrfs': { debian: 'btrfs-progs', fedora: 'btrfs-progs', arch: 'btrfs-progs' },
  'btrfs': { debian: 'btrfs-progs', fedora: 'btrfs-progs', arch: 'btrfs-progs' },
  'mkfs.xfs': { debian: 'xfsprogs', fedora: 'xfsprogs', arch: 'xfsprogs' },
  'xfs_repair': { debian: 'xfsprogs', fedora: 'xfsprogs', arch: 'xfsprogs' },
  mkswap: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  lsblk: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  lscpu: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  mount: { debian: 'mount', fedora: 'util-linux', arch: 'util-linux' },
  umount: { debian: 'mount', fedora: 'util-linux', arch: 'util-linux' },
  free: { debian: 'procps', fedora: 'procps-ng', arch: 'procps-ng' },
  blkid: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  cryptsetup: { debian: 'cryptsetup-bin', fedora: 'cryptsetup', arch: 'cryptsetup' },
  modprobe: { debian: 'kmod', fedora: 'kmod', arch: 'kmod' },
  blockdev: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  setpriv: { debian: 'util-linux', fedora: 'util-linux', arch: 'util-linux' },
  sfdisk: { debian: 'fdisk', fedora: 'util-linux', arch: 'util-linux' },
  sgdisk: { debian: 'gdisk', fedora: 'gdisk', arch: 'gptfdisk' },
  mcopy: { debian: 'mtools', fedora: 'mtools', arch: 'mtools' },
  mdir: { debian: 'mtools', fedora: 'mtools', arch: 'mtools' },
  mtype: { debian: 'mtools', fedora: 'mtools', arch: 'mtools' },
  cpio: { debian: 'cpio', fedora: 'cpio', arch: 'cpio' },
  busybox: { debian: 'busybox-static', fedora: 'busybox', arch: 'busybox' },
  xz: { debian: 'xz-utils', fedora: 'xz', arch: 'xz' },
  zstd: { debian: 'zstd', fedora: 'zstd', arch: 'zstd' },
  'grub-mkimage': { debian: 'grub-common', fedora: 'grub2-tools', arch: 'grub' },
  'grub-script-check': { debian: 'grub-common', fedora: 'grub2-tools', arch: 'grub' },
  'apt-get': { debian: 'apt' },
  'dpkg-deb': { debian: 'dpkg' },
  tmux: { debian: 'tmux', fedora: 'tmux', arch: 'tmux' },
  // GNU time, for peak memory in the benchmarks (run by path: `time` alone is a shell keyword).
  '/usr/bin/time': { debian: 'time', fedora: 'time', arch: 'time' },
  openssl: { debian: 'openssl', fedora: 'openssl', arch: 'openssl' },
  osslsigncode: { debian: 'osslsigncode', fedora: 'osslsigncode', arch: 'osslsigncode' },
  objdump: { debian: 'binutils', fedora: 'binutils', arch: 'binutils' },
  xmllint: { debian: 'libxml2-utils', fedora: 'libxml2', arch: 'libxml2' },
  'systemd-detect-virt': { debian: 'systemd', fedora: 'systemd', arch: 'systemd' },
};

/** The package line of a "not found" message, e.g. `install the package xorriso (Fedora: xorriso, Arch: libisoburn)`. */
export function describePackage(names: PackageNames): string {
  const others = [names.fedora && `Fedora: ${names.fedora}`, names.arch && `Arch: ${names.arch}`].filter(Boolean);
  return `install the package ${names.debian}${others.length > 0 ? ` (${others.join(', ')})` : ''}`;
}

function packageForTool(tool: string): PackageNames | undefined {
  return TOOL_PACKAGES[tool];
}

/** Directories searched after $PATH: administration tools live in sbin, which a user's PATH may lack. */
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable, or undefined. An argument containing `/` is taken as a path. */
export function findExecutable(tool: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (tool.includes('/')) return isExecutable(tool) ? tool : undefined;
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, tool);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class ToolNotFoundError extends UserError {
  override readonly name: string = 'ToolNotFoundError';
  readonly tool: string;
  constructor(tool: string) {
    const pkg = packageForTool(tool);
    super(`${tool} not found${pkg === undefined ? '' : `: ${describePackage(pkg)}`}`, {
      hint: pkg === undefined ? `install ${tool} or put it on PATH` : 'or run scripts/setup, which installs every package Cairn uses',
    });
    this.tool = tool;
  }
}

/** Checks that every tool exists before any work starts; reports all missing ones at once. */
export function requireTools(tools: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const missing: string[] = [];
  for (const tool of tools) {
    const path = findExecutable(tool);
    if (path === undefined) missing.push(tool);
    else found.set(tool, path);
  }
  if (missing.length === 1) throw new ToolNotFoundError(missing[0]!);
  if (missing.length > 1) {
    const lines = missing.map((t) => {
      const pkg = packageForTool(t);
      return `  ${t}${pkg === undefined ? '' : `: ${describePackage(pkg)}`}`;
    });
    throw new UserError(`${missing.length} required tools not found:\n${lines.join('\n')}`, {
      hint: 'run scripts/setup, which installs every package Cairn uses',
    });
  }
  return found;
}

/** A data file shipped by a distribution package (a boot loader binary, firmware), with where to look for it. */
export interface DistroFile {
  /** What it is, for messages: "isolinux.bin (BIOS boot loader for CDs)". */
  readonly description: string;
  readonly candidates: readonly string[];
  readonly packages: PackageNames;
}

/**
 * Finds a distribution data file. An explicit path (from a spec or a flag) wins and must exist; otherwise the
 * usual locations of Debian, Fedora and Arch are searched.
 */
export function findDistroFile(file: DistroFile, explicit?: string): string {
  if (explicit !== undefined) {
    if (isFile(explicit)) return explicit;
    throw new UserError(`${file.description} not found at ${explicit}`, {
      hint: `fix the path, or leave it out to search the usual locations (${describePackage(file.packages)})`,
    });
  }
  for (const candidate of file.candidates) if (isFile(candidate)) return candidate;
  throw new UserError(`${file.description} not found: ${describePackage(file.packages)}`, {
    hint: `looked in ${file.candidates.join(', ')}`,
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
