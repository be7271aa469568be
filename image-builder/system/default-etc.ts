/**
 * A generation's default /etc (pure): what a live system's /etc starts as, and what stage 2 adds to an
 * installed root's /etc where a file is missing. It holds the machine's files from the spec (host name,
 * accounts, an fstab without entries, locale, keymap, time zone) and the files that belong to the
 * generation rather than to the machine: the inittab link, profile, shells, issue, os-release,
 * nsswitch.conf and the mtab link.
 */
import { renderMachineEtc, zoneLink, type EtcFile, type EtcUser } from '../../system/etc-files.js';
import { RUNTIME_INITTAB } from './stage-2.js';

export interface DefaultEtcOptions {
  readonly label: string;
  readonly hostName: string;
  readonly users: readonly EtcUser[];
  readonly locale: string;
  readonly keyMap: string;
  /** The time zone, when the generation carries its zone file. */
  readonly timeZone: string | undefined;
}

export function planDefaultEtc(options: DefaultEtcOptions): EtcFile[] {
  const text = (name: string, body: string): EtcFile => ({ name, kind: 'text', text: body, mode: 0o644 });
  const files: EtcFile[] = [
    // No date of the last password change: the same spec gives the same /etc whenever it is built.
    ...renderMachineEtc({ ...options, fstab: [], lastPasswordChange: undefined }),
    { name: 'inittab', kind: 'symlink', target: RUNTIME_INITTAB },
    { name: 'mtab', kind: 'symlink', target: '/proc/self/mounts' },
    text('profile', PROFILE),
    text('shells', '/bin/sh\n/bin/ash\n'),
    text('issue', `${options.label} \\n \\l\n\n`),
    text('os-release', renderOsRelease(options.label)),
    text('nsswitch.conf', 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n'),
  ];
  if (options.timeZone !== undefined) files.push(zoneLink(options.timeZone));
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const PROFILE = `# Read by login shells. Written by cairn system build; edit freely.
export PATH=/run/current-system/sw/bin
if [ "$(id -u)" = 0 ]; then PS1='\\h:\\w# '; else PS1='\\u@\\h:\\w$ '; fi
export PS1
`;

function renderOsRelease(label: string): string {
  const quoted = `"${label.replace(/["\\$`]/g, '\\$&')}"`;
  return `NAME=Cairn\nID=cairn\nPRETTY_NAME=${quoted}\n`;
}
