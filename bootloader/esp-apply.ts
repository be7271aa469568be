/**
 * Carrying out an ESP plan, step by step: a file is written to its temporary name, fsynced, renamed into
 * place and its directory fsynced; a removal is followed by an fsync of its directory. The plan's order is
 * what keeps the ESP bootable at every point; this code only makes each step durable before the next.
 */
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { syncDirectory } from '../lib/atomic-file.js';
import { DomainError, UserError, errnoCode } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { temporaryPathFor } from './esp-layout.js';
import type { EspPlan, EspStep } from './esp-plan.js';

/** One durable change to the ESP, as the fault-injection hook sees it. */
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
   * the run right there, leaving the ESP as a power cut at that point would.
   */
  readonly afterStep?: (step: AppliedStep) => void;
}

export async function applyEspPlan(esp: string, plan: EspPlan, options: ApplyOptions = {}): Promise<void> {
  const onProgress = options.onProgress;
  let index = 0;
  const changed = (kind: AppliedStep['kind'], path: string) => {
    index += 1;
    options.afterStep?.({ index, kind, path });
  };
  onProgress?.({ kind: 'phase', phase: 'esp-update', title: `Updating ESP ${esp}`, total: plan.steps.length, unit: 'items' });
  let done = 0;
  for (const step of plan.steps) {
    if (step.kind === 'write') await writeStep(esp, step, changed);
    else await removeStep(esp, step.path, changed);
    done += 1;
    onProgress?.({ kind: 'log', message: describeStep(step) });
    onProgress?.({ kind: 'progress', phase: 'esp-update', done, total: plan.steps.length, unit: 'items' });
  }
}

export function describeStep(step: EspStep): string {
  if (step.kind === 'remove') return `removed ${step.path} (${step.reason})`;
  return `wrote ${step.path}${step.phase === 'transitional' ? ' (transitional, to free space)' : ''}`;
}

async function writeStep(esp: string, step: Extract<EspStep, { kind: 'write' }>, changed: (kind: AppliedStep['kind'], path: string) => void): Promise<void> {
  const final = posix.join(esp, step.path);
  const temporary = posix.join(esp, temporaryPathFor(step.path));
  await makeDirectories(esp, posix.dirname(step.path));
  try {
    if (step.content.kind === 'text' || step.content.kind === 'bytes') {
      const handle = await open(temporary, 'w', 0o644);
      try {
        await handle.writeFile(step.content.kind === 'text' ? step.content.text : step.content.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      await copyFile(step.content.source, temporary);
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeError(esp, step.path, error);
  }
  changed('write-temporary', step.path);
  try {
    await rename(temporary, final);
    await syncDirectory(posix.dirname(final));
  } catch (error) {
    throw writeError(esp, step.path, error);
  }
  changed('rename', step.path);
}

async function removeStep(esp: string, path: string, changed: (kind: AppliedStep['kind'], path: string) => void): Promise<void> {
  const host = posix.join(esp, path);
  try {
    await rm(host, { force: true });
    await syncDirectory(posix.dirname(host));
  } catch (error) {
    throw new UserError(`cannot remove ${host}: ${(error as Error).message}`, { cause: error });
  }
  changed('remove', path);
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
