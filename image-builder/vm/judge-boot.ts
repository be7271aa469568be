/**
 * Whether a boot came up, judged from its serial console (pure): the kernel printed its command line, that
 * command line names the entry's init, the kernel started an init process without panicking, and the
 * generation's stage 2 started and put a prompt on the console (a login prompt, or live a shell's). A stage 1
 * that could not find its root says why, and that is the reason given.
 */
import { hungTask } from '../../lib/qemu.js';
import { STAGE_1_PREFIX } from '../system/stage-1.js';
import { STAGE_2_MARKER } from '../system/stage-2.js';

export interface BootVerdict {
  readonly up: boolean;
  /** Why not, in a sentence; for a boot that came up, undefined. */
  readonly reason?: string;
  /** The kernel's command line as it printed it. */
  readonly commandLine?: string;
  /** The init process the kernel ran (`/init` from an initramfs, else the init= program). */
  readonly initProcess?: string;
  /** The prompt stage 2 gave: `login` (getty) or `shell` (a live system's root shell). */
  readonly prompt?: 'login' | 'shell';
}

export interface BootExpectation {
  /** The entry's init= path; undefined when the entry names none. */
  readonly init?: string;
}

/** How the console recording ended. */
export type ConsoleEnd = 'exited' | 'timed-out' | 'stopped';

/** The kernel prints its command line twice ("Command line:" early, "Kernel command line:" later). */
const COMMAND_LINE = /(?:Kernel command line|Command line): ([^\n]*)/g;
const INIT_PROCESS = /Run (\S+) as init process/;
const PANIC = /Kernel panic - not syncing: ?([^\n]*)/;
/** getty's prompt (`<host> login: `), or a shell's (`...# `, `...$ `) at the end of a line stage 2 left waiting. */
const LOGIN_PROMPT = /(^|\n)\S+ login: /;
const SHELL_PROMPT = /(^|\n)[^\n]*[#$] $|(^|\n)[^\n]*[#$] \n/;
/** What a stage 1 printed when it gave up (it then opens a rescue shell). */
const STAGE_1_FAILURE = new RegExp(`${escapeRegExp(STAGE_1_PREFIX)} (?!waiting )([^\\n]*)`);

/**
 * What the console shows once a boot is over one way or the other: a panic, stage 1 giving up (its rescue
 * shell), or stage 2's marker followed by a prompt. Boot tests wait for it before judging.
 */
export const BOOT_SETTLED = new RegExp(
  `Kernel panic - not syncing|${escapeRegExp(STAGE_1_PREFIX)} starting a shell|${escapeRegExp(STAGE_2_MARKER)}[^]*?(\\S+ login: |[#$] $)`,
);

/** `console` is the plain text of the serial console (terminal codes removed). */
export function judgeBoot(console: string, expected: BootExpectation, end: ConsoleEnd): BootVerdict {
  const copies = commandLineCopies(console);
  const commandLine = longestCopy(copies);
  const initProcess = INIT_PROCESS.exec(console)?.[1];
  const panic = PANIC.exec(console);
  const seen = { ...(commandLine === undefined ? {} : { commandLine }), ...(initProcess === undefined ? {} : { initProcess }) };
  const how = end === 'exited' ? 'QEMU exited' : end === 'timed-out' ? 'the time ran out' : 'the boot was stopped';
  if (commandLine === undefined) {
    const before = end === 'exited' ? 'before QEMU exited' : end === 'timed-out' ? 'before the time ran out' : '';
    return { up: false, reason: `the kernel printed no command line on the serial console ${before}`.trimEnd(), ...seen };
  }
  if (expected.init !== undefined && !namesInit(copies, `init=${expected.init}`)) {
    const inits = commandLine.split(/\s+/).filter((p) => p.startsWith('init='));
    return { up: false, reason: `the wrong entry booted: the command line has ${inits.length === 0 ? 'no init=' : inits.join(' ')}, expected init=${expected.init}`, ...seen };
  }
  if (panic !== null) return { up: false, reason: `kernel panic: ${panic[1]!.trim() || '(no message)'}`, ...seen };
  const marker = console.indexOf(STAGE_2_MARKER);
  // Stage 2's marker is the generation's own init speaking; the kernel's "Run ... as init process" is an
  // informational message that `quiet` keeps off the console.
  if (initProcess === undefined && marker < 0) return { up: false, reason: `the kernel started but ran no init process before ${how}`, ...seen };
  const hung = hungTask(console);
  if (marker < 0) {
    if (hung !== undefined) return hungVerdict(hung, seen);
    const stage1 = STAGE_1_FAILURE.exec(console);
    if (stage1 !== null) return { up: false, reason: `stage 1 failed: ${stage1[1]!.trim()}`, ...seen };
    return { up: false, reason: `the kernel ran ${initProcess}, but stage 2 did not start (no "${STAGE_2_MARKER}") before ${how}`, ...seen };
  }
  const after = console.slice(marker);
  if (LOGIN_PROMPT.test(after)) return { up: true, prompt: 'login', ...seen };
  if (SHELL_PROMPT.test(after)) return { up: true, prompt: 'shell', ...seen };
  if (hung !== undefined) return hungVerdict(hung, seen);
  return { up: false, reason: `stage 2 started, but no login or shell prompt appeared before ${how}`, ...seen };
}

function hungVerdict(hung: { task: string; seconds: number }, seen: Partial<BootVerdict>): BootVerdict {
  return { up: false, reason: `the guest hung: its kernel reports ${hung.task} blocked for more than ${hung.seconds} seconds`, ...seen };
}

/** Characters of an init= parameter that may be lost on the serial line before it no longer names the entry. */
const LOST_CHARACTERS_TOLERATED = 4;

/**
 * Whether a copy of the command line the kernel printed names `parameter` (`init=PATH`): whole, or with up to
 * LOST_CHARACTERS_TOLERATED characters lost. A guest's serial console under TCG on a loaded host loses bytes, inside
 * a line too (CI saw `init=/cairn/store/...5bg4i-cairn-system/init` in both copies for `...5bg44hi-...`); it drops
 * them, it does not change them, so what arrived is the parameter with characters missing, in order. Another
 * entry's init= differs in a 32-character store hash, and no few lost characters make it this one.
 */
function namesInit(copies: readonly string[], parameter: string): boolean {
  for (const copy of copies) {
    for (const word of copy.split(/\s+/)) {
      if (word === parameter) return true;
      if (word.startsWith('init=') && word.length < parameter.length && word.length >= parameter.length - LOST_CHARACTERS_TOLERATED && isSubsequence(word, parameter)) return true;
    }
  }
  return false;
}

/** Whether `part` is `whole` with some characters left out, the rest in order. */
function isSubsequence(part: string, whole: string): boolean {
  let at = 0;
  for (let i = 0; i < whole.length && at < part.length; i++) if (whole[i] === part[at]) at++;
  return at === part.length;
}

/** Each copy of the command line the kernel printed on the console, in order. */
function commandLineCopies(console: string): string[] {
  return [...console.matchAll(COMMAND_LINE)].map((match) => match[1]!.trim());
}

/**
 * The longest copy of the command line: a guest's serial console under TCG on a loaded host has been seen to
 * lose the end of a line (`... console=ttyS0,1`), and one intact copy is enough.
 */
function longestCopy(copies: readonly string[]): string | undefined {
  let longest: string | undefined;
  for (const copy of copies) if (longest === undefined || copy.length > longest.length) longest = copy;
  return longest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
