/**
 * The target's /etc, written once by the installer the way Calamares' job modules write it: hostname, hosts,
 * passwd, group and shadow (the answers' users with their hashes and groups; root locked unless the answers
 * give it a password), fstab by UUID from the partition plan, localtime, vconsole.conf, locale.conf, an
 * empty machine-id and, for an encrypted root, crypttab, beside /etc/cairn. Everything else a generation
 * needs in /etc (inittab, profile, ...) its stage 2 adds at boot from the generation's default /etc, where the file is missing; so the machine's
 * own files stay the machine's across generations. Also the root's top directories (dev, proc, sys, ...),
 * so stage 1 can move its mounts there even on a root it must not write to.
 */
import { chmod, copyFile, mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { errnoCode } from '../../lib/errors.js';
import type { OnProgress } from '../../lib/progress.js';
import { renderMachineEtc, zoneLink, ZONEINFO, type EtcFile, type FstabEntry } from '../../system/etc-files.js';
import { readProfile } from '../../system/profile.js';
import { hostPath, resolveSystemPath } from '../../system/root-path.js';
import type { InstallPlan } from './install-plan.js';

/** The root's top directories and their modes. */
const ROOT_DIRECTORIES: readonly (readonly [string, number])[] = [
  ['dev', 0o755],
  ['home', 0o755],
  ['mnt', 0o755],
  ['proc', 0o555],
  ['root', 0o700],
  ['run', 0o755],
  ['sys', 0o555],
  ['tmp', 0o1777],
  ['var', 0o755],
  ['var/log', 0o755],
  ['var/tmp', 0o1777],
];

/** fstab for the plan's filesystems and swap, by UUID; the root first. */
export function planFstab(plan: InstallPlan): FstabEntry[] {
  const entries: FstabEntry[] = [];
  for (const partition of plan.partitions.partitions) {
    const filesystem = partition.filesystem;
    if (filesystem === undefined) continue;
    const device = `UUID=${filesystem.uuid}`;
    if (filesystem.format === 'swap') {
      entries.push({ device, mountPoint: 'none', fsType: 'swap', options: ['sw'], pass: 0 });
      continue;
    }
    const mountPoint = partition.mountPoint;
    if (mountPoint === undefined || mountPoint === 'none') continue;
    const root = mountPoint === '/';
    const options =
      filesystem.format === 'vfat' ? ['fmask=0077', 'dmask=0077'] : filesystem.format === 'ext4' && root ? ['errors=remount-ro'] : filesystem.format === 'btrfs' && root ? ['subvol=/'] : [];
    // fsck at boot: ext4 only (btrfs and xfs check themselves when mounted; a FAT ESP is checked as pass 2).
    const pass = filesystem.format === 'ext4' ? (root ? 1 : 2) : filesystem.format === 'vfat' ? 2 : 0;
    entries.push({ device, mountPoint, fsType: filesystem.format, options, pass });
  }
  return entries.sort((a, b) => (a.mountPoint === '/' ? -1 : b.mountPoint === '/' ? 1 : 0));
}

/**
 * /etc/crypttab for an encrypted root: `<mapper name> UUID=<LUKS UUID> none luks` (the passphrase is asked
 * at boot, by stage 1, which reads the same device from the boot entry's cairn.luks=); undefined without one.
 */
export function planCrypttab(plan: Pick<InstallPlan, 'encryption'>): EtcFile | undefined {
  const encryption = plan.encryption;
  if (encryption === undefined) return undefined;
  const text = ['# <name> <device> <key file> <options>: the encrypted root, opened by stage 1 (cairn.luks= on the boot entries)', `${encryption.mapperName} UUID=${encryption.uuid} none luks`, ''].join('\n');
  return { name: 'crypttab', kind: 'text', text, mode: 0o644 };
}

/** The machine's /etc files from the plan (pure); localtime is decided when writing, by what carries the zone. */
export function planTargetEtc(plan: InstallPlan, lastPasswordChange: Date | undefined): EtcFile[] {
  const crypttab = planCrypttab(plan);
  return [...machineEtc(plan, lastPasswordChange), ...(crypttab === undefined ? [] : [crypttab])];
}

function machineEtc(plan: InstallPlan, lastPasswordChange: Date | undefined): EtcFile[] {
  const choices = plan.choices;
  return renderMachineEtc({
    hostName: choices.hostName ?? 'cairn',
    users: (choices.users ?? []).map((u) => ({ name: u.name, passwordHash: u.passwordHash, groups: u.groups, description: u.description, shell: u.shell })),
    locale: choices.locale ?? 'en_US.UTF-8',
    keyMap: choices.keyMap ?? 'us',
    fstab: planFstab(plan),
    lastPasswordChange,
  });
}

/** Writes the target's /etc files and top directories into the staged root. */
export async function writeTargetEtc(plan: InstallPlan, stagedRoot: string, options: { lastPasswordChange: Date | undefined; onProgress: OnProgress }): Promise<void> {
  options.onProgress({ kind: 'phase', phase: 'etc', title: 'Writing /etc (host name, users, fstab, time zone, locale, keymap)' });
  for (const [directory, mode] of ROOT_DIRECTORIES) {
    await mkdir(join(stagedRoot, directory), { recursive: true });
    await chmod(join(stagedRoot, directory), mode);
  }
  const etc = join(stagedRoot, 'etc');
  await mkdir(etc, { recursive: true });
  for (const file of planTargetEtc(plan, options.lastPasswordChange)) await writeEtcFile(etc, file);
  const zone = await localtimeFor(plan);
  if (zone === undefined) {
    options.onProgress({ kind: 'warning', message: `no zone file for the time zone ${plan.choices.timeZone}: /etc/localtime is not written, so the system keeps UTC` });
  } else if (zone.kind === 'copy') {
    await copyFile(zone.source, join(etc, 'localtime'));
    await chmod(join(etc, 'localtime'), 0o644);
  } else await writeEtcFile(etc, zone);
}

export async function writeEtcFile(etc: string, file: EtcFile): Promise<void> {
  const path = join(etc, file.name);
  if (file.kind === 'symlink') {
    await symlink(file.target, path);
    return;
  }
  await writeFile(path, file.text, { mode: file.mode });
  await chmod(path, file.mode);
}

/**
 * /etc/localtime: a link to the zone file when the current generation carries it (in its /usr, which the
 * root's /usr points at), else a copy of this machine's zone file, else nothing.
 */
async function localtimeFor(plan: InstallPlan): Promise<EtcFile | { readonly kind: 'copy'; readonly source: string } | undefined> {
  const timeZone = plan.choices.timeZone ?? 'UTC';
  if (timeZone.split('/').includes('..')) return undefined;
  const profile = await readProfile(plan.source.root, plan.source.profile);
  const current = profile.generations.find((g) => g.number === plan.current);
  if (current !== undefined) {
    // The generation's links are absolute system paths: follow them under the source root.
    const carried = await resolveSystemPath(plan.source.root, posix.join(current.toplevel, 'sw/share/zoneinfo', timeZone));
    if (await isFile(hostPath(plan.source.root, carried))) return zoneLink(timeZone);
  }
  const hostZone = posix.join(ZONEINFO, timeZone);
  if (await isFile(hostZone)) return { kind: 'copy', source: hostZone };
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return false;
    throw error;
  }
}
