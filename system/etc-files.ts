/**
 * The text of a system's /etc files (pure): accounts (passwd, group, shadow), host name and hosts, fstab,
 * locale.conf and vconsole.conf. `cairn system build` writes them into the generation's default /etc (what a
 * live system starts with), and the installer writes them onto the target's root, from the same renderers.
 *
 * Accounts follow Debian's conventions: root is uid 0 and locked (`!`) unless given a hash; users get uids
 * from 1000 in the order given, each with a group of its own name and number (user private groups); the
 * groups a user names are the base groups below or new ones numbered from 500.
 */
import { UserError } from '../lib/errors.js';

export interface EtcUser {
  readonly name: string;
  /** A crypt(3) hash; without it the account is locked. */
  readonly passwordHash?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly description?: string | undefined;
  readonly shell?: string | undefined;
}

export interface AccountFiles {
  readonly passwd: string;
  readonly group: string;
  readonly shadow: string;
}

/** Every account's login shell unless it names another: busybox sh, through the root's /bin link. */
export const DEFAULT_SHELL = '/bin/sh';
export const FIRST_USER_ID = 1000;
const FIRST_EXTRA_GROUP_ID = 500;
const LOCKED = '!';

/** Groups every system has, with Debian's numbers. */
const BASE_GROUPS: readonly (readonly [string, number])[] = [
  ['root', 0],
  ['tty', 5],
  ['disk', 6],
  ['wheel', 10],
  ['cdrom', 24],
  ['audio', 29],
  ['video', 44],
  ['users', 100],
  ['nogroup', 65534],
];

/**
 * passwd, group and shadow for root, nobody and `users`. A user named root gives root its password hash
 * (and nothing else). `lastChange` is the date written as the last password change (days since 1970); without
 * it the field is empty, which disables password ageing.
 */
export function renderAccounts(users: readonly EtcUser[], lastChange: Date | undefined): AccountFiles {
  const days = lastChange === undefined ? '' : String(Math.floor(lastChange.getTime() / 86_400_000));
  const names = new Set<string>();
  for (const user of users) {
    if (names.has(user.name)) throw new UserError(`the user ${user.name} is declared twice`, { hint: 'give each user once' });
    names.add(user.name);
    if (user.name === 'nobody' || (user.name !== 'root' && BASE_GROUPS.some(([group]) => group === user.name))) {
      throw new UserError(`the user name ${user.name} is taken by a system account or group`, { hint: 'choose another name' });
    }
  }
  const root = users.find((u) => u.name === 'root');
  const people = users.filter((u) => u.name !== 'root');
  const passwd = [`root:x:0:0:root:/root:${root?.shell ?? DEFAULT_SHELL}`];
  const shadow = [`root:${root?.passwordHash ?? LOCKED}:${days}:0:99999:7:::`];
  const groups = new Map<string, { id: number; members: string[] }>(BASE_GROUPS.map(([name, id]) => [name, { id, members: [] }]));
  people.forEach((user, index) => {
    const id = FIRST_USER_ID + index;
    passwd.push(`${user.name}:x:${id}:${id}:${user.description ?? ''}:/home/${user.name}:${user.shell ?? DEFAULT_SHELL}`);
    shadow.push(`${user.name}:${user.passwordHash ?? LOCKED}:${days}:0:99999:7:::`);
    groups.set(user.name, { id, members: [] });
  });
  let nextExtra = FIRST_EXTRA_GROUP_ID;
  for (const user of [...(root === undefined ? [] : [root]), ...people]) {
    for (const name of user.groups ?? []) {
      let group = groups.get(name);
      if (group === undefined) {
        group = { id: nextExtra++, members: [] };
        groups.set(name, group);
      }
      if (!group.members.includes(user.name)) group.members.push(user.name);
    }
  }
  passwd.push('nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin');
  shadow.push(`nobody:*:${days}:0:99999:7:::`);
  const groupLines = [...groups].sort(([, a], [, b]) => a.id - b.id).map(([name, g]) => `${name}:x:${g.id}:${g.members.join(',')}`);
  return { passwd: lines(passwd), group: lines(groupLines), shadow: lines(shadow) };
}

export function renderHostname(hostName: string): string {
  return `${hostName}\n`;
}

/** /etc/hosts as Debian writes it: the host's own name on 127.0.1.1. */
export function renderHosts(hostName: string): string {
  return lines([
    '127.0.0.1\tlocalhost',
    `127.0.1.1\t${hostName}`,
    '',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ]);
}

export interface FstabEntry {
  /** `UUID=...`, `LABEL=...` or a device path. */
  readonly device: string;
  /** A mount point, or `none` for swap. */
  readonly mountPoint: string;
  readonly fsType: string;
  readonly options: readonly string[];
  /** fsck order: 1 for the root, 2 for the others, 0 for none. */
  readonly pass: 0 | 1 | 2;
}

export function renderFstab(entries: readonly FstabEntry[]): string {
  const rows = entries.map((e) => [e.device, e.mountPoint, e.fsType, e.options.length === 0 ? 'defaults' : e.options.join(','), '0', String(e.pass)]);
  return lines(['# <device> <mount point> <type> <options> <dump> <pass>', ...rows.map((r) => r.join('\t'))]);
}

export function renderLocaleConf(locale: string): string {
  return `LANG=${locale}\n`;
}

export function renderVconsoleConf(keyMap: string): string {
  return `KEYMAP=${keyMap}\n`;
}

/** What the machine's own /etc holds, the same for a generation's default /etc and for an installed root. */
export interface MachineSettings {
  readonly hostName: string;
  readonly users: readonly EtcUser[];
  readonly locale: string;
  readonly keyMap: string;
  readonly fstab: readonly FstabEntry[];
  readonly lastPasswordChange: Date | undefined;
}

/** A file of /etc: its name under /etc and its text, or a symbolic link. */
export type EtcFile =
  | { readonly name: string; readonly kind: 'text'; readonly text: string; readonly mode: number }
  | { readonly name: string; readonly kind: 'symlink'; readonly target: string };

/**
 * The machine's own /etc files (the installer writes these; a generation's default /etc has them too):
 * hostname, hosts, passwd, group, shadow (0600), fstab, locale.conf, vconsole.conf and an empty machine-id
 * (systemd's "not yet initialised"). localtime is not among them: where it points depends on what carries
 * the zone (see zoneLink).
 */
export function renderMachineEtc(settings: MachineSettings): EtcFile[] {
  const accounts = renderAccounts(settings.users, settings.lastPasswordChange);
  const text = (name: string, body: string, mode = 0o644): EtcFile => ({ name, kind: 'text', text: body, mode });
  return [
    text('fstab', renderFstab(settings.fstab)),
    text('group', accounts.group),
    text('hostname', renderHostname(settings.hostName)),
    text('hosts', renderHosts(settings.hostName)),
    text('locale.conf', renderLocaleConf(settings.locale)),
    text('machine-id', '', 0o444),
    text('passwd', accounts.passwd),
    text('shadow', accounts.shadow, 0o600),
    text('vconsole.conf', renderVconsoleConf(settings.keyMap)),
  ];
}

/** Where zone files are on a merged-/usr system; a Cairn generation carries them in its /usr too. */
export const ZONEINFO = '/usr/share/zoneinfo';

/** /etc/localtime as Debian and systemd make it: a link to the zone file. */
export function zoneLink(timeZone: string): EtcFile {
  return { name: 'localtime', kind: 'symlink', target: `${ZONEINFO}/${timeZone}` };
}

function lines(list: readonly string[]): string {
  return `${list.join('\n')}\n`;
}
