/**
 * Booting a disk Cairn made (an installed image, or a disk holding an updated ESP and a root filled from a
 * built system) in QEMU, under SeaBIOS with the disk on IDE, AHCI or virtio, or under OVMF, optionally
 * choosing a menu entry with the arrow keys on the serial console, and returning what the booted system
 * showed: the line the generation's own stage 2 printed once the root was mounted (its label and the host
 * name), and, when a user is given, what that user reads after logging in at the serial console's prompt:
 * the host name, the kernel command line and the generation /run/current-system points at.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { STAGE_2_MARKER } from '../../image-builder/system/stage-2.js';
import { QemuMachine, type DiskBus, type Firmware, type KeyName } from '../../lib/qemu.js';
import { loginOnSerial, runOnSerial } from './serial-shell.js';

/** Long enough for a boot under TCG on a machine twice as loaded as the one these were measured on. */
const MENU_TIMEOUT_MS = 240_000;
const BOOT_TIMEOUT_MS = 400_000;

/** Stage 2's line on the serial console: `cairn stage 2: started <label> on <host>`. */
const STAGE_2_LINE = new RegExp(`${STAGE_2_MARKER} (.+) on (\\S+)\\r?\\n`);

export interface LoggedIn {
  /** `hostname` */
  readonly hostName: string;
  /** /proc/cmdline, parameter by parameter. */
  readonly cmdline: readonly string[];
  /** Where /run/current-system points: the toplevel stage 2 ran. */
  readonly currentSystem: string;
  /** What the commands asked for in `run` printed, by command. */
  readonly outputs: ReadonlyMap<string, string>;
}

export interface BootedSystem {
  /** The label and host name in stage 2's line. */
  readonly stage2: { readonly label: string; readonly hostName: string };
  /** What the user saw after logging in (when `login` was given). */
  readonly loggedIn?: LoggedIn;
  /** The whole serial console, escape sequences removed: the boot menu as the loader drew it, and the system's output. */
  readonly console: string;
}

export interface BootOptions {
  readonly firmware: Firmware;
  /** The disk's bus (default virtio). */
  readonly bus?: DiskBus;
  /** Once `menuText` is on the serial console, these keys are pressed (to choose an entry). */
  readonly choose?: { readonly menuText: RegExp; readonly keys: readonly KeyName[] };
  /** Wait for the login prompt and log in as this user; `run`: commands to run once logged in (each must succeed). */
  readonly login?: { readonly user: string; readonly password: string; readonly run?: readonly string[] };
}

export async function bootDisk(image: string, options: BootOptions): Promise<BootedSystem> {
  const machine = await QemuMachine.start({ firmware: options.firmware, media: { kind: 'disk', path: image, ...(options.bus === undefined ? {} : { bus: options.bus }) } });
  try {
    if (options.choose !== undefined) {
      await machine.waitFor(options.choose.menuText, { timeoutMs: MENU_TIMEOUT_MS });
      // The menu is drawn in pieces over the serial line; let it finish before keys move the highlight.
      await sleep(500);
      await machine.press(options.choose.keys);
    }
    const marker = await machine.waitFor(STAGE_2_LINE, { timeoutMs: BOOT_TIMEOUT_MS });
    const stage2 = { label: marker[1]!, hostName: marker[2]! };
    if (options.login === undefined) return { stage2, console: machine.plainOutput };
    const { user, password, run = [] } = options.login;
    await loginOnSerial(machine, user, password, { timeoutMs: BOOT_TIMEOUT_MS });
    const [hostName = '', currentSystem = '', cmdline = ''] = (await runOnSerial(machine, 'hostname; readlink /run/current-system; cat /proc/cmdline')).output.split('\n');
    const outputs = new Map<string, string>();
    for (const command of run) {
      const { output, code } = await runOnSerial(machine, command);
      assert.is(code, 0, `${user} runs ${command}: ${output}`);
      outputs.set(command, output);
    }
    const loggedIn = { hostName, currentSystem, cmdline: cmdline.split(' ').filter((p) => p !== ''), outputs };
    return { stage2, loggedIn, console: machine.plainOutput };
  } finally {
    await machine.stop();
  }
}

/** What a boot of generation `n` shows: its own stage 2 ran (its label), on the expected host and root. */
export interface ExpectedGeneration {
  readonly toplevel: string;
  readonly label: string;
  readonly hostName: string;
  /** The UUID of the root filesystem the disk really has. */
  readonly rootUuid: string;
}

/**
 * Checks that the system booted is the expected generation: its stage 2 printed its label and the host name
 * and, once logged in, /run/current-system is its toplevel, the kernel ran its init with the disk's root,
 * and `hostname` is the host's.
 */
export function assertBootedGeneration(booted: BootedSystem, expected: ExpectedGeneration, why: string): void {
  assert.equal(booted.stage2, { label: expected.label, hostName: expected.hostName }, `${why}: stage 2's line`);
  const session = booted.loggedIn;
  if (session === undefined) return;
  assert.is(session.currentSystem, expected.toplevel, `${why}: /run/current-system`);
  assert.is(session.hostName, expected.hostName, `${why}: hostname`);
  for (const param of [`init=${expected.toplevel}/init`, `root=UUID=${expected.rootUuid}`]) {
    assert.ok(session.cmdline.includes(param), `${why}: ${param} in /proc/cmdline (${session.cmdline.join(' ')})`);
  }
}

/** The loader drew these titles on the console, in this order (the menu as the loader shows it). */
export function assertMenuShown(console: string, titles: readonly string[], why: string): void {
  const at = titles.map((title) => console.indexOf(title));
  assert.ok(at.every((i) => i >= 0), `${why}: the menu shows ${titles.join(', ')}`);
  assert.equal([...at].sort((a, b) => a - b), at, `${why}: in this order`);
}
