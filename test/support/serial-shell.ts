/**
 * Logging in and running commands on a booted system's serial console, the way a person at a serial
 * terminal would: wait for getty's prompt, type the name and the password, then type commands and read what
 * they print up to an end mark the command itself prints. The terminal's echo is turned off after logging in,
 * so what a command prints is all there is between typing it and its mark.
 */
import type { QemuMachine } from '../../lib/qemu.js';

/** Per step; TCG on a loaded 2-core machine can be slow. */
const STEP_TIMEOUT_MS = 120_000;

/** Waits for `<host> login: `, logs in, and waits for the shell's prompt; returns the host name getty showed. */
export async function loginOnSerial(machine: QemuMachine, user: string, password: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const prompt = await machine.waitFor(/(\S+) login: $/, { timeoutMs: options.timeoutMs ?? 600_000 });
  machine.send(`${user}\r`);
  const asked = machine.plainOutput.length;
  await machine.waitFor(/Password: $/, { timeoutMs: STEP_TIMEOUT_MS, from: asked - 20 });
  machine.send(`${password}\r`);
  await machine.waitFor(/[$#] $/, { timeoutMs: STEP_TIMEOUT_MS, from: machine.plainOutput.length });
  return prompt[1]!;
}

let sequence = 0;
/** Shells whose echo is off already. */
const quiet = new WeakSet<QemuMachine>();

/**
 * Types a command into the shell on the serial console and returns what it printed (and its exit code). The
 * first command on a machine turns the terminal's echo off (a long echoed line wraps where the shell likes).
 */
export async function runOnSerial(machine: QemuMachine, command: string): Promise<{ output: string; code: number }> {
  if (!quiet.has(machine)) {
    quiet.add(machine);
    await runOnSerial(machine, 'stty -echo');
  }
  const mark = `CAIRN-DONE-${++sequence}`;
  const start = machine.plainOutput.length;
  // The mark is printed from two halves, so the echoed command line does not contain it.
  machine.send(`${command}; echo "${mark.slice(0, 5)}""${mark.slice(5)}:$?"\r`);
  const match = await machine.waitFor(new RegExp(`\\n${mark}:(\\d+)\\n[^]*[#$] $`), { timeoutMs: STEP_TIMEOUT_MS, from: start });
  // Waiting for the prompt after the mark too, so that the next command's output starts after it.
  const text = machine.plainOutput.slice(start);
  // Before `stty -echo` takes effect the command is echoed: then its line is dropped.
  let output = text.slice(0, text.indexOf(`\n${mark}:`) + 1);
  const echoed = output.indexOf(`${mark.slice(5)}:$?"`);
  if (echoed >= 0) output = output.slice(output.indexOf('\n', echoed) + 1);
  return { output: output.replace(/^\n/, ''), code: Number(match[1]) };
}
