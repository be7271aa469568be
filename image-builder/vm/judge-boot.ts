/**
 * Whether a boot came up, judged from its serial console (pure): the kernel printed its command line, that
 * command line names the entry's init, the kernel started an init process, and it did not panic.
 */

export interface BootVerdict {
  readonly up: boolean;
  /** Why not, in a sentence; for a boot that came up, undefined. */
  readonly reason?: string;
  /** The kernel's command line as it printed it. */
  readonly commandLine?: string;
  /** The init process the kernel ran (`/init` from an initramfs, else the init= program). */
  readonly initProcess?: string;
}

export interface BootExpectation {
  /** The entry's init= path; undefined when the entry names none. */
  readonly init?: string;
}

/** How the console recording ended. */
export type ConsoleEnd = 'exited' | 'timed-out' | 'stopped';

const COMMAND_LINE = /(?:Kernel command line|Command line): ([^\n]*)/;
const INIT_PROCESS = /Run (\S+) as init process/;
const PANIC = /Kernel panic - not syncing: ?([^\n]*)/;

/** `console` is the plain text of the serial console (terminal codes removed). */
export function judgeBoot(console: string, expected: BootExpectation, end: ConsoleEnd): BootVerdict {
  const commandLine = COMMAND_LINE.exec(console)?.[1]?.trim();
  const initProcess = INIT_PROCESS.exec(console)?.[1];
  const panic = PANIC.exec(console);
  const seen = { ...(commandLine === undefined ? {} : { commandLine }), ...(initProcess === undefined ? {} : { initProcess }) };
  if (commandLine === undefined) {
    const how = end === 'exited' ? 'before QEMU exited' : end === 'timed-out' ? 'before the time ran out' : '';
    return { up: false, reason: `the kernel printed no command line on the serial console ${how}`.trimEnd(), ...seen };
  }
  if (expected.init !== undefined) {
    const inits = commandLine.split(/\s+/).filter((p) => p.startsWith('init='));
    if (!inits.includes(`init=${expected.init}`)) {
      return { up: false, reason: `the wrong entry booted: the command line has ${inits.length === 0 ? 'no init=' : inits.join(' ')}, expected init=${expected.init}`, ...seen };
    }
  }
  if (panic !== null) return { up: false, reason: `kernel panic: ${panic[1]!.trim() || '(no message)'}`, ...seen };
  if (initProcess === undefined) {
    const how = end === 'exited' ? 'QEMU exited' : end === 'timed-out' ? 'the time ran out' : 'the boot was stopped';
    return { up: false, reason: `the kernel started but ran no init process before ${how}`, ...seen };
  }
  return { up: true, ...seen };
}
