/**
 * Carrying out an ESP plan, step by step: a file is written to its temporary name and fsynced, renamed into
 * place and its directory fsynced; removals are followed by an fsync of their directory. The plan's order is
 * what keeps the ESP bootable at every point; this code makes each group of steps durable before the next.
 *
 * Runs of entry files (a thousand generations make a thousand entries) are written as a batch: every
 * temporary is written and fsynced concurrently, then they are renamed in order, then the directory is
 * fsynced once, so the configuration that names them is written only after all of them are durable.
 * Runs of removals share one directory fsync the same way.
 */
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { syncDirectory } from '../lib/atomic-file.js';
import { DomainError, UserError, errnoCode } from '../lib/errors.js';
import { mapConcurrent } from '../lib/map-concurrent.js';
import type { OnProgress } from '../lib/progress.js';
import { temporaryPathFor } from './esp-layout.js';
import type { EspPlan, EspStep } from './esp-plan.js';

/** One change to the ESP, as the fault-injection hook sees it. */
export interface AppliedStep {
  /** 1-based count of changes made so far in this run. */
  readonly index: number;
  readonly kind: 'write-temporary' | 'rename' | 'remove';
  /** ESP-relative path of the target file (for `write-temporary`, the file the temporary will become). */
  readonly path: string;
}

export interface ApplyOptions {
  readonly onProgress?: OnProgress;
  /**
   * Test hook called after every change (a temporary written, a rename, a removal). Throwing from it stops
   * the run right there, leaving the ESP as a crash at that point would.
   */
  readonly afterStep?: (step: AppliedStep) => void;
}

type WriteStep = Extract<EspStep, { kind: 'write' }>;
type RemoveStep = Extract<EspStep, { kind: 'remove' }>;
type Changed = (kind: AppliedStep['kind'], path: string) => void;

/** How many temporaries are written (and fsynced) at once. */
const WRITE_CONCURRENCY = 16;

export async function applyEspPlan(esp: string, plan: EspPlan, options: ApplyOptions = {}): Promise<void> {
  const onProgress = options.onProgress;
  let index = 0;
  const changed: Changed = (kind, path) => {
    index += 1;
    options.afterStep?.({ index, kind, path });
  };
  onProgress?.({ kind: 'phase', phase: 'esp-update', title: `Updating ESP ${esp}`, total: plan.steps.length, unit: 'items' });
  let done = 0;
  for (const batch of batchesOf(plan.steps)) {
    if (batch[0]!.kind === 'remove') await removeBatch(esp, batch as RemoveStep[], changed);
    else await writeBatch(esp, batch as WriteStep[], changed);
    done += batch.length;
    for (const step of batch) onProgress?.({ kind: 'log', message: describeStep(step) });
    onProgress?.({ kind: 'progress', phase: 'esp-update', done, total: plan.steps.length, unit: 'items' });
  }
}

function describeStep(step: EspStep): string {
  if (step.kind === 'remove') return `removed ${step.path} (${step.reason})`;
  return `wrote ${step.path}${step.phase === 'transitional' ? ' (transitional, to free space)' : ''}`;
}

/** Consecutive entry writes of one phase form a batch, and so do consecutive removals; anything else stands alone. */
function batchesOf(steps: readonly EspStep[]): EspStep[][] {
  const batches: EspStep[][] = [];
  const key = (step: EspStep) => (step.kind === 'remove' ? 'remove' : step.role === 'entry' ? `entry-${step.phase}` : undefined);
  for (const step of steps) {
    const last = batches.at(-1);
    if (last !== undefined && key(step) !== undefined && key(last[0]!) === key(step)) last.push(step);
    else batches.push([step]);
  }
  return batches;
}

async function writeBatch(esp: string, steps: readonly WriteStep[], changed: Changed): Promise<void> {
  const directories = [...new Set(steps.map((s) => posix.dirname(s.path)))].sort();
  for (const directory of directories) await makeDirectories(esp, directory);
  try {
    await mapConcurrent(steps, WRITE_CONCURRENCY, (step) => writeTemporary(esp, step));
  } catch (error) {
    await Promise.all(steps.map((step) => rm(posix.join(esp, temporaryPathFor(step.path)), { force: true })));
    throw error;
  }
  for (const step of steps) changed('write-temporary', step.path);
  for (const step of steps) {
    try {
      await rename(posix.join(esp, temporaryPathFor(step.path)), posix.join(esp, step.path));
    } catch (error) {
      throw writeError(esp, step.path, error);
    }
    changed('rename', step.path);
  }
  for (const directory of directories) await syncDirectory(posix.join(esp, directory));
}

async function writeTemporary(esp: string, step: WriteStep): Promise<void> {
  const temporary = posix.join(esp, temporaryPathFor(step.path));
  try {
    if (step.content.kind === 'copy') await copyFile(step.content.source, temporary);
    const handle = await open(temporary, step.content.kind === 'copy' ? 'r+' : 'w', 0o644);
    try {
      if (step.content.kind === 'text') await handle.writeFile(step.content.text);
      else if (step.content.kind === 'bytes') await handle.writeFile(step.content.bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeError(esp, step.path, error);
  }
}

async function removeBatch(esp: string, steps: readonly RemoveStep[], changed: Changed): Promise<void> {
  for (const step of steps) {
    try {
      await rm(posix.join(esp, step.path), { force: true });
    } catch (error) {
      throw new UserError(`cannot remove ${posix.join(esp, step.path)}: ${(error as Error).message}`, { cause: error });
    }
    changed('remove', step.path);
  }
  for (const directory of [...new Set(steps.map((s) => posix.dirname(s.path)))].sort()) await syncDirectory(posix.join(esp, directory));
}

async function makeDirectories(esp: string, directory: string): Promise<void> {
  if (directory === '.' || directory === '') return;
  const parts = directory.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const path = posix.join(esp, ...parts.slice(0, i));
    try {
      await mkdir(path);
      await syncDirectory(posix.dirname(path));
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw writeError(esp, parts.slice(0, i).join('/'), error);
    }
  }
}

function writeError(esp: string, path: string, error: unknown): Error {
  if (error instanceof UserError) return error;
  const host = posix.join(esp, path);
  if (errnoCode(error) === 'ENOSPC') {
    return new DomainError('esp-full-while-writing', `ESP ${esp} ran out of space while writing ${path}; it still boots its previous default entry`, {
      hint: 'make room on the ESP and run the update again',
      cause: error,
    });
  }
  if (errnoCode(error) === 'EROFS' || errnoCode(error) === 'EACCES' || errnoCode(error) === 'EPERM') {
    return new UserError(`cannot write ${host}: ${errnoCode(error) === 'EROFS' ? 'read-only filesystem' : 'permission denied'}`, { cause: error });
  }
  return new UserError(`cannot write ${host}: ${(error as Error).message}`, { cause: error });
}
