/**
 * The optional engine: the same spec written by `xorriso -as mkisofs` (Rock Ridge, Joliet, ISO level 3).
 * Sources are scanned first exactly as for Cairn's own engine, so bad input is refused the same way before
 * xorriso runs. Differences are xorriso's: file times are not clamped, identical files from different
 * sources are stored twice, and its own identifiers (xorriso, libisofs versions) end up in the image.
 */
import { rename, rm } from 'node:fs/promises';
import type { OnProgress } from '../lib/progress.js';
import { run } from '../lib/run.js';
import { requireTools } from '../lib/tools.js';
import type { HostSource } from './scan-sources.js';
import { temporaryImagePath } from './write-image.js';

export interface XorrisoBuildRequest {
  readonly volumeId: string;
  readonly date: Date;
  readonly sources: readonly HostSource[];
  readonly output: string;
  readonly onProgress?: OnProgress;
}

/** xorriso's pathspec syntax: `=` separates target from source, so `=` and `\` inside paths are escaped. */
function graftPoint(target: string, source: string): string {
  const escape = (path: string) => path.replaceAll('\\', '\\\\').replaceAll('=', '\\=');
  return `${escape(target)}=${escape(source)}`;
}

function xorrisoArguments(request: Pick<XorrisoBuildRequest, 'volumeId' | 'sources'>, output: string): string[] {
  return [
    '-as',
    'mkisofs',
    '-quiet',
    '-R',
    '-J',
    '-iso-level',
    '3',
    '-uid',
    '0',
    '-gid',
    '0',
    '-V',
    request.volumeId,
    '-o',
    output,
    '-graft-points',
    ...request.sources.map((s) => graftPoint(s.to, s.from)),
  ];
}

export async function buildWithXorriso(request: XorrisoBuildRequest): Promise<void> {
  requireTools(['xorriso']);
  const temporary = temporaryImagePath(request.output);
  request.onProgress?.({ kind: 'phase', phase: 'write', title: `Writing ${request.output} with xorriso` });
  try {
    await run('xorriso', xorrisoArguments(request, temporary), {
      // xorriso takes its volume and file time stamps from SOURCE_DATE_EPOCH.
      env: { SOURCE_DATE_EPOCH: String(Math.floor(request.date.getTime() / 1000)) },
    });
    await rename(temporary, request.output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
