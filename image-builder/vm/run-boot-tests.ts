/**
 * `cairn iso test`, the running: each planned boot in its own QEMU (TCG unless told otherwise, a fresh OVMF
 * variable store each time), the steps typed on the serial console, the console judged (judge-boot.ts).
 * One boot at a time: under TCG a boot keeps a core busy, and the menus are driven by waiting for text and
 * typing into it, which stays reliable when no other machine competes for the cores. Progress goes through
 * `onProgress`; the serial console of each boot can be kept in a directory.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../lib/atomic-file.js';
import { UserError } from '../../lib/errors.js';
import type { OnProgress } from '../../lib/progress.js';
import { QemuMachine, checkAccelerator } from '../../lib/qemu.js';
import { describeBootMode, qemuMediaKind } from './boot-modes.js';
import { BOOT_SETTLED, judgeBoot, type BootVerdict, type ConsoleEnd } from './judge-boot.js';
import type { BootTestCase, BootTestPlan } from './plan-boot-tests.js';

/** After the menu shows, before the first key: isolinux and systemd-boot draw first and read keys after. */
const MENU_SETTLE_MS = 500;
/** Between typed characters, so firmware keyboard buffers over the serial line keep up. */
const TYPE_PAUSE_MS = 20;
/** After a panic begins: how long its message has to show before the boot is judged. */
const PANIC_SETTLE_MS = 5_000;

export interface BootTestOptions {
  readonly accel: 'tcg' | 'kvm';
  readonly memoryMiB: number;
  /** Per boot, from QEMU's start to stage 2's prompt. */
  readonly timeoutMs: number;
  /** Keep each boot's serial console (raw, as QEMU printed it) in this directory. */
  readonly logDirectory?: string;
  readonly onProgress?: OnProgress;
}

export interface BootTestResult extends BootVerdict {
  readonly case: BootTestCase;
  readonly seconds: number;
  /** The last lines of the console, for a boot that did not come up. */
  readonly consoleTail?: string;
  readonly log?: string;
}

export async function runBootTests(image: string, plan: BootTestPlan, options: BootTestOptions): Promise<BootTestResult[]> {
  checkAccelerator(options.accel);
  if (options.logDirectory !== undefined) await mkdir(options.logDirectory, { recursive: true });
  const results: BootTestResult[] = [];
  for (const [index, testCase] of plan.cases.entries()) {
    options.onProgress?.({ kind: 'phase', phase: `boot-${index + 1}`, title: `Booting ${describeEntry(testCase)} under ${describeBootMode(testCase.mode)} (${index + 1} of ${plan.cases.length})` });
    const result = await runBootTest(image, testCase, options);
    options.onProgress?.({ kind: 'log', message: `${describeEntry(testCase)}, ${describeBootMode(testCase.mode)}: ${result.up ? 'up' : `failed: ${result.reason}`}` });
    results.push(result);
  }
  return results;
}

export function describeEntry(testCase: BootTestCase): string {
  return testCase.entry.generation === undefined ? `"${testCase.entry.title}"` : `generation ${testCase.entry.generation}`;
}

async function runBootTest(image: string, testCase: BootTestCase, options: BootTestOptions): Promise<BootTestResult> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const machine = await QemuMachine.start({ firmware: testCase.mode.firmware, media: { kind: qemuMediaKind(testCase.mode.media), path: image }, accel: options.accel, memoryMiB: options.memoryMiB });
  let exited = false;
  void machine.exited.then(() => (exited = true));
  const ended = (): ConsoleEnd => (exited ? 'exited' : Date.now() >= deadline ? 'timed-out' : 'stopped');
  let verdict: BootVerdict;
  try {
    verdict = await drive(machine, testCase, remaining, ended);
  } finally {
    await machine.stop();
  }
  const log = options.logDirectory === undefined ? undefined : join(options.logDirectory, logName(testCase));
  if (log !== undefined) await writeFileAtomic(log, machine.output);
  return {
    ...verdict,
    case: testCase,
    seconds: Math.round((Date.now() - started) / 1000),
    ...(verdict.up ? {} : { consoleTail: machine.plainOutput.split('\n').slice(-25).join('\n') }),
    ...(log === undefined ? {} : { log }),
  };
}

async function drive(machine: QemuMachine, testCase: BootTestCase, remaining: () => number, ended: () => ConsoleEnd): Promise<BootVerdict> {
  for (const step of testCase.steps) {
    switch (step.kind) {
      case 'wait':
        try {
          await machine.waitFor(new RegExp(step.pattern), { timeoutMs: remaining() });
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          return { up: false, reason: `${step.what} did not appear on the serial console (${ended() === 'exited' ? 'QEMU exited' : 'timed out'})` };
        }
        await sleep(MENU_SETTLE_MS);
        break;
      case 'keys':
        await machine.press(step.keys);
        break;
      case 'type':
        for (const character of step.text) {
          machine.send(character);
          await sleep(TYPE_PAUSE_MS);
        }
        break;
    }
  }
  try {
    const settled = await machine.waitFor(BOOT_SETTLED, { timeoutMs: remaining() });
    // A panic's message is still arriving (with panic=-1 and -no-reboot, a panic ends QEMU at once).
    if (settled[0].startsWith('Kernel panic')) await Promise.race([machine.exited, sleep(Math.min(PANIC_SETTLE_MS, remaining()))]);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
  }
  return judgeBoot(machine.plainOutput, testCase.entry, ended());
}

function logName(testCase: BootTestCase): string {
  const who = testCase.entry.generation === undefined ? `entry-${testCase.entry.position + 1}` : `generation-${testCase.entry.generation}`;
  return `${who}-${testCase.mode.firmware}-${testCase.mode.media}.log`;
}
