/**
 * Booting a disk Cairn made (an installed image, or a disk holding an updated ESP) in QEMU, under SeaBIOS
 * with the disk on IDE, AHCI or virtio, or under OVMF, optionally choosing a menu entry with the arrow keys
 * on the serial console, and returning what the booted system showed.
 *
 * What counts as "booted" is in one place, `waitForBootedSystem`: today the test system's /init reports the
 * kernel command line it was started with (scripts/test-system.ts). When the installed generations are real
 * systems that reach a login prompt (issue 14), that function waits for the prompt instead and the tests
 * keep their shape.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as assert from 'uvu/assert';
import { QemuMachine, type DiskBus, type Firmware, type KeyName } from '../../lib/qemu.js';
import { TEST_INIT_LINE } from '../../scripts/test-system.js';

/** Long enough for a boot under TCG on a machine twice as loaded as the one these were measured on. */
const MENU_TIMEOUT_MS = 240_000;
const BOOT_TIMEOUT_MS = 300_000;

export interface BootedSystem {
  /** The kernel command line, parameter by parameter. */
  readonly cmdline: readonly string[];
  /** The whole serial console, escape sequences removed: the boot menu as the loader drew it, and the system's output. */
  readonly console: string;
}

export interface BootOptions {
  readonly firmware: Firmware;
  /** The disk's bus (default virtio). */
  readonly bus?: DiskBus;
  /** Once `menuText` is on the serial console, these keys are pressed (to choose an entry). */
  readonly choose?: { readonly menuText: RegExp; readonly keys: readonly KeyName[] };
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
    return await waitForBootedSystem(machine);
  } finally {
    await machine.stop();
  }
}

/** Waits until the booted system shows it is up, and returns what it showed. */
export async function waitForBootedSystem(machine: QemuMachine): Promise<BootedSystem> {
  const match = await machine.waitFor(TEST_INIT_LINE, { timeoutMs: BOOT_TIMEOUT_MS });
  return { cmdline: match[1]!.split(' ').filter((p) => p !== ''), console: machine.plainOutput };
}

/**
 * Checks that the system booted is generation `n` of an installed disk: its init is that generation's (the
 * toplevel the disk's own `system-N-link` points at), and its root is the installed root filesystem.
 */
export function assertBootedInstalled(booted: BootedSystem, expected: { readonly toplevel: string; readonly rootUuid?: string }, why: string): void {
  assert.ok(booted.cmdline.includes(`init=${expected.toplevel}/init`), `${why}: init of ${expected.toplevel} in ${booted.cmdline.join(' ')}`);
  if (expected.rootUuid !== undefined) assert.ok(booted.cmdline.includes(`root=UUID=${expected.rootUuid}`), `${why}: root=UUID=${expected.rootUuid} in ${booted.cmdline.join(' ')}`);
}

/** The loader drew these titles on the console, in this order (the menu as the loader shows it). */
export function assertMenuShown(console: string, titles: readonly string[], why: string): void {
  const at = titles.map((title) => console.indexOf(title));
  assert.ok(at.every((i) => i >= 0), `${why}: the menu shows ${titles.join(', ')}`);
  assert.equal([...at].sort((a, b) => a - b), at, `${why}: in this order`);
}
