/**
 * Cairn's own ISO engine, end to end: check the tree (symbolic link loops), find identical contents, plan
 * every sector (pure), then apply the plan: stream the image out. `planIsoImage` stops at the plan (what
 * `iso build --dry-run` prints); `buildIsoImage` is what later parts call with a tree they have filled and
 * the extensions they need (El Torito, hybrid partition tables, a FAT ESP).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { identifyContents, type DedupCandidate } from './content-identity.js';
import type { ImageDirectory, ImageNode, ImageTree } from './image-tree.js';
import type { IsoExtensions } from './layout/iso-layout.js';
import type { IsoPlan } from './layout/iso-plan.js';
import { planIsoLayout } from './layout/plan-layout.js';
import { checkSymlinkLoops } from './symlink-loops.js';
import { writeIsoImage } from './write-image.js';

export interface IsoBuildRequest {
  readonly volumeId: string;
  /** Volume time stamps, and the ceiling file times are clamped to. */
  readonly date: Date;
  readonly tree: ImageTree;
  readonly extensions?: IsoExtensions;
  readonly output: string;
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
}

export interface IsoBuildResult {
  readonly output: string;
  readonly plan: IsoPlan;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  /** Records that point at an extent already written for identical content. */
  readonly sharedExtents: number;
}

/** Everything before the first byte is written: the output's folder checked, identical contents found (files are read), the plan. */
export async function planIsoImage(request: IsoBuildRequest): Promise<IsoPlan> {
  const onProgress = request.onProgress ?? (() => {});
  checkOutputFolder(request.output);
  checkSymlinkLoops(request.tree);
  const candidates = dedupCandidates(request.tree, request.extensions);
  const contentKeys = await identifyContents(candidates, { onProgress, ...(request.signal ? { signal: request.signal } : {}) });
  onProgress({ kind: 'phase', phase: 'plan', title: 'Planning the image layout' });
  return planIsoLayout({
    volumeId: request.volumeId,
    date: request.date,
    tree: request.tree,
    contentKeys,
    ...(request.extensions ? { extensions: request.extensions } : {}),
  });
}

export async function buildIsoImage(request: IsoBuildRequest): Promise<IsoBuildResult> {
  const plan = await planIsoImage(request);
  await writeIsoImage(plan, request.output, { ...(request.onProgress ? { onProgress: request.onProgress } : {}), ...(request.signal ? { signal: request.signal } : {}) });
  return { output: request.output, plan, ...plan.counts };
}

/**
 * Every content that may be shared: files of the tree (but the BIOS boot image, which gets a boot info table
 * of its own) and hidden or group extents from files or bytes.
 */
function dedupCandidates(tree: ImageTree, extensions: IsoExtensions | undefined): DedupCandidate[] {
  const bios = extensions?.elTorito?.bios;
  const patched: ImageNode | undefined = bios?.bootInfoTable ? tree.get(bios.file) : undefined;
  const candidates: DedupCandidate[] = [];
  const visit = (directory: ImageDirectory) => {
    for (const node of directory.entries.values()) {
      if (node.kind === 'directory') visit(node);
      else if (node.kind === 'file' && node !== patched) candidates.push(node);
    }
  };
  visit(tree.root);
  const extents = [...(extensions?.hiddenExtents ?? []), ...(extensions?.groups ?? []).flatMap((g) => g.members.filter((m) => m.kind === 'extent'))];
  for (const extent of extents) {
    // The extent object itself is the candidate: the planner looks its key up by identity.
    if (extent.content.kind !== 'fat') candidates.push(extent as DedupCandidate);
  }
  return candidates;
}

/** Fails before any work when the image could not be written where asked. */
export function checkOutputFolder(output: string): void {
  const folder = dirname(resolve(output));
  try {
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`cannot write ${output}: the folder ${folder} does not exist`, { hint: 'create it first, or choose another output path' });
    throw new UserError(`cannot write ${output}: the folder ${folder} is not writable`, { hint: 'choose an output path you can write to' });
  }
  try {
    if (statSync(output).isDirectory()) throw new UserError(`cannot write ${output}: it is a directory`, { hint: 'name the image file, e.g. -o out/cairn.iso' });
  } catch (error) {
    if (error instanceof UserError) throw error;
  }
}
