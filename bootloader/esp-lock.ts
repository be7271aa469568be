/**
 * One update of an ESP at a time. An update reads the ESP, plans against what it read and then writes; two
 * at once on the same ESP would plan against each other's half-written state and remove each other's
 * files. So an update (and an install) holds a lock file on the ESP itself for its whole read-plan-write:
 * created with O_EXCL (atomic on FAT as anywhere), holding the owner's pid and host name, removed at the
 * end. A second update waits for it, up to a bound, then stops with a message naming the owner; nothing is
 * changed then. A lock whose owner is gone (same host, no such process) is taken over.
 *
 * Creating and removing the lock touches the ESP's root directory; when the update itself added or removed
 * nothing there, the root's times are put back, so a refused or empty update leaves the ESP exactly as it was.
 */
import { open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, errnoCode } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { run } from '../lib/run.js';

/** The lock file, at the root of the ESP (outside every directory Cairn manages). */
export const ESP_LOCK_NAME = '.cairn-update.lock';
/** How long an update waits for another one by default. */
export const DEFAULT_LOCK_WAIT_MS = 60_000;
const POLL_MS = 100;
/** A lock file that stays empty or unreadable this long was left by a crash while it was being written. */
const UNREADABLE_GRACE_MS = 10_000;

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export interface EspLockOptions {
  /** How long to wait for another update (ms); 0 stops at once. */
  readonly waitMs?: number;
  readonly onProgress?: OnProgress;
}

/** Runs `work` holding the ESP's update lock. */
export async function withEspLock<T>(esp: string, work: () => Promise<T>, options: EspLockOptions = {}): Promise<T> {
  const path = join(esp, ESP_LOCK_NAME);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const before = await rootState(esp);
  await acquire(path, esp, owner, options);
  try {
    return await work();
  } finally {
    await release(path, owner);
    const after = await rootState(esp);
    if (after.names === before.names) await restoreTimes(esp, before);
  }
}

interface RootState {
  /** The names at the ESP's root, the lock left out. */
  readonly names: string;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
}

async function rootState(esp: string): Promise<RootState> {
  const info = await stat(esp, { bigint: true });
  const names = (await readdir(esp)).filter((name) => name !== ESP_LOCK_NAME).sort();
  return { names: names.join('\0'), atimeNs: info.atimeNs, mtimeNs: info.mtimeNs };
}

/**
 * Puts the root's times back to the nanosecond (Node's utimes takes seconds as a double, which cannot hold
 * them). Whole seconds are written without a fraction, which busybox's touch (an installed system's) refuses:
 * a FAT ESP's root directory has no times of its own, so they are 0.
 */
async function restoreTimes(esp: string, state: RootState): Promise<void> {
  const stamp = (ns: bigint) => `@${ns / 1_000_000_000n}${ns % 1_000_000_000n === 0n ? '' : `.${String(ns % 1_000_000_000n).padStart(9, '0')}`}`;
  await run('touch', ['-a', '-d', stamp(state.atimeNs), '--', esp]);
  await run('touch', ['-m', '-d', stamp(state.mtimeNs), '--', esp]);
}

async function acquire(path: string, esp: string, owner: LockOwner, options: EspLockOptions): Promise<void> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    if (await tryCreate(path, owner)) return;
    const holder = await readOwner(path);
    if (holder === 'gone') continue;
    if (await isStale(path, holder)) {
      await rm(path, { force: true });
      options.onProgress?.({ kind: 'warning', message: `removed the lock of an update that is no longer running (${describeOwner(holder)})` });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new UserError(`ESP ${esp} is being updated by another cairn (${describeOwner(holder)}); nothing was changed`, {
        hint: `wait for it to finish and run this again (--lock-wait SECONDS waits longer); if no cairn is running, remove ${path}`,
      });
    }
    if (!told) {
      told = true;
      options.onProgress?.({ kind: 'warning', message: `ESP ${esp} is being updated by another cairn (${describeOwner(holder)}): waiting up to ${Math.round(waitMs / 1000)} s` });
    }
    await sleep(Math.min(POLL_MS, Math.max(1, deadline - Date.now())));
  }
}

async function tryCreate(path: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw new UserError(`cannot create the lock file ${path}: ${(error as Error).message}`, { hint: 'check that the ESP is mounted read-write' });
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** The owner written in the lock, 'unreadable' while it is being written (or after a crash then), 'gone' if it was removed meanwhile. */
async function readOwner(path: string): Promise<LockOwner | 'unreadable' | 'gone'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.since === 'string') return parsed as LockOwner;
  } catch {
    // half-written
  }
  return 'unreadable';
}

async function isStale(path: string, holder: LockOwner | 'unreadable'): Promise<boolean> {
  if (holder === 'unreadable') {
    const info = await stat(path).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > UNREADABLE_GRACE_MS;
  }
  return holder.host === hostname() && !processExists(holder.pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

async function release(path: string, owner: LockOwner): Promise<void> {
  const holder = await readOwner(path);
  if (typeof holder === 'object' && holder.pid === owner.pid && holder.host === owner.host && holder.since === owner.since) await rm(path, { force: true });
}

function describeOwner(holder: LockOwner | 'unreadable'): string {
  return holder === 'unreadable' ? 'a lock file being written' : `pid ${holder.pid} on ${holder.host}, since ${holder.since}`;
}
