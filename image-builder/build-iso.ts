/**
 * Cairn's own ISO engine, end to end: check the tree (symbolic link loops), find identical contents, plan
 * every sector (pure), then apply the plan: stream the image out, the small files that share their size with
 * another compared as they are copied. `planIsoImage` stops at the plan (what `iso build --dry-run` prints, every
 * content compared first); `buildIsoImage` is what later parts call with a tree they have filled and the
 * extensions they need (El Torito, hybrid partition tables, a FAT ESP).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError, errnoCode } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { identifyContents, type DedupCandidate } from './content-identity.js';
import type { ImageDirectory, ImageNode, ImageTree } from './image-tree.js';
import type { IsoExtensions } from './layout/iso-layout.js';
import type { IsoPlan } from './layout/iso-plan.js';
import { planProvisionalLayout } from './layout/plan-layout.js';
import { checkSymlinkLoops } from './symlink-loops.js';
import { writeIsoImage, type PreparedIso } from './write-image.js';

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
  return (await prepareIsoImage(request, { compareWhileWriting: false })).layout.plan;
}

/**
 * The output's folder checked, identical contents found, the layout planned. With `compareWhileWriting`, the small
 * files of the tree that share their size with another are not read here: the writer compares them as it copies
 * them, so that each is read once (a tree of 47,000 small files reads about 40,000 of them here otherwise). Without
 * it (a dry run), every content is compared here and the layout is final.
 */
export async function prepareIsoImage(request: IsoBuildRequest, { compareWhileWriting }: { compareWhileWriting: boolean }): Promise<PreparedIso> {
  const onProgress = request.onProgress ?? (() => {});
  checkOutputFolder(request.output);
  checkSymlinkLoops(request.tree);
  const candidates = dedupCandidates(request.tree, request.extensions);
  const identity = await identifyContents(candidates, {
    onProgress,
    ...(request.signal ? { signal: request.signal } : {}),
    ...(compareWhileWriting ? { deferrable: deferrableFiles(request.tree, request.extensions) } : {}),
  });
  onProgress({ kind: 'phase', phase: 'plan', title: 'Planning the image layout' });
  const layout = planProvisionalLayout({
    volumeId: request.volumeId,
    date: request.date,
    tree: request.tree,
    contentKeys: identity.keys,
    ...(request.extensions ? { extensions: request.extensions } : {}),
  });
  return { layout, deferredSizes: identity.deferredSizes };
}

export async function buildIsoImage(request: IsoBuildRequest): Promise<IsoBuildResult> {
  const prepared = await prepareIsoImage(request, { compareWhileWriting: true });
  const plan = await writeIsoImage(prepared, request.output, { ...(request.onProgress ? { onProgress: request.onProgress } : {}), ...(request.signal ? { signal: request.signal } : {}) });
  return { output: request.output, plan, ...plan.counts };
}

/**
 * Which candidates the writer may compare as it copies them: files of the tree (not hidden extents, which are
 * placed before the files, nor members of contiguous groups, which own their extents).
 */
function deferrableFiles(tree: ImageTree, extensions: IsoExtensions | undefined): (candidate: DedupCandidate) => boolean {
  const members = new Set<ImageNode | undefined>();
  for (const group of extensions?.groups ?? []) for (const member of group.members) if (member.kind === 'file') members.add(tree.get(member.path));
  return (candidate) => (candidate as ImageNode).kind === 'file' && !members.has(candidate as ImageNode);
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
