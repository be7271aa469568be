/**
 * `cairn iso build`: an image spec turned into an ISO by either engine, or (`dryRun`, Cairn's engine) into
 * the plan of one, with nothing written. The image's date is `--date`, else SOURCE_DATE_EPOCH, else the
 * newest modification time among the sources: never the clock.
 */
import { UserError } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { addBootableParts, type BootableParts } from './bootable/bootable-iso.js';
import type { LoadedImageSpec } from '../system/image-spec.js';
import { checkOutputFolder, prepareIsoImage } from './build-iso.js';
import { ImageTree } from './image-tree.js';
import type { IsoExtensions } from './layout/iso-layout.js';
import type { IsoPlan } from './layout/iso-plan.js';
import { scanSources, type HostSource } from './scan-sources.js';
import { checkSymlinkLoops } from './symlink-loops.js';
import { writeIsoImage, type PreparedIso } from './write-image.js';
import { buildWithXorriso } from './xorriso-engine.js';

export type IsoEngine = 'builtin' | 'xorriso';

export interface SpecBuildOptions {
  readonly output: string;
  readonly engine?: IsoEngine;
  /** The image's date; without it, the newest source modification time. */
  readonly date?: Date;
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
  /** Plan the image (reading the sources, checking the output's folder) but write nothing. */
  readonly dryRun?: boolean;
}

export interface SpecBuildResult {
  readonly output: string;
  readonly engine: IsoEngine;
  readonly date: Date;
  readonly files: number;
  readonly directories: number;
  readonly symlinks: number;
  /** Cairn's engine only: files whose content was already on the image. */
  readonly sharedExtents: number | undefined;
  /** A bootable ISO: its menu, generations and ESP. */
  readonly boot?: BootableParts;
  /** Cairn's engine: the plan that was written (or, for a dry run, would be). */
  readonly plan?: IsoPlan;
}

export async function buildIsoFromSpec(loaded: LoadedImageSpec, options: SpecBuildOptions): Promise<SpecBuildResult> {
  const engine = options.engine ?? 'builtin';
  if (engine === 'xorriso') return buildWithXorrisoFromSpec(loaded, options);
  const onProgress = options.onProgress ?? (() => {});
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  // The image tree lives in planFromSpec's frame only: an async function keeps every local of its own
  // until it returns, and the tree (a third of what planning holds) is not needed to write the plan.
  const planned = await planFromSpec(loaded, options);
  const { prepared, boot, date } = planned;
  const plan = options.dryRun === true ? prepared.layout.plan : await writeIsoImage(prepared, options.output, { onProgress, ...signal });
  return { output: options.output, engine, date, ...plan.counts, ...(boot === undefined ? {} : { boot }), plan };
}

async function planFromSpec(loaded: LoadedImageSpec, options: SpecBuildOptions): Promise<{ prepared: PreparedIso; boot: BootableParts | undefined; date: Date }> {
  const onProgress = options.onProgress ?? (() => {});
  const { tree, summary } = scanSpec(loaded, onProgress);
  let boot: BootableParts | undefined;
  let date: Date;
  let extensions: IsoExtensions | undefined;
  if (loaded.spec.profile !== undefined) {
    boot = await addBootableParts(tree, loaded, { given: options.date, newestSource: summary.newest }, onProgress);
    date = boot.date;
    extensions = boot.extensions;
  } else {
    date = options.date ?? new Date((summary.newest ?? 0) * 1000);
  }
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const request = { volumeId: loaded.spec.volumeId, date, tree, ...(extensions === undefined ? {} : { extensions }), output: options.output, onProgress, ...signal };
  // A dry run compares every content before planning, so that the plan it prints is the one a build writes.
  const prepared = await prepareIsoImage(request, { compareWhileWriting: options.dryRun !== true });
  return { prepared, boot, date };
}

async function buildWithXorrisoFromSpec(loaded: LoadedImageSpec, options: SpecBuildOptions): Promise<SpecBuildResult> {
  const onProgress = options.onProgress ?? (() => {});
  if (loaded.spec.profile !== undefined) {
    throw new UserError(`${loaded.file}: the xorriso engine makes data ISOs only; a spec with a profile (a bootable ISO) is built by Cairn's own engine`, {
      hint: 'leave out --engine xorriso',
    });
  }
  if (options.dryRun) throw new UserError("--dry-run prints the plan of Cairn's own writer; xorriso plans its images itself", { hint: 'leave out --engine xorriso' });
  const { tree, summary, sources } = scanSpec(loaded, onProgress);
  const date = options.date ?? new Date((summary.newest ?? 0) * 1000);
  checkOutputFolder(options.output);
  checkSymlinkLoops(tree);
  await buildWithXorriso({ volumeId: loaded.spec.volumeId, date, sources, output: options.output, onProgress });
  return { output: options.output, engine: 'xorriso', date, files: summary.files, directories: summary.directories, symlinks: summary.symlinks, sharedExtents: undefined };
}

function scanSpec(loaded: LoadedImageSpec, onProgress: OnProgress) {
  const sources: HostSource[] = loaded.files.map((f) => ({ from: f.from, to: f.to, key: f.key }));
  onProgress({ kind: 'phase', phase: 'scan', title: `Reading the sources of ${loaded.file}` });
  const tree = new ImageTree();
  const summary = scanSources(tree, sources, onProgress);
  return { tree, summary, sources };
}
