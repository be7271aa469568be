/**
 * `cairn iso build`: an image spec turned into an ISO by either engine. The image's date is `--date`, else
 * SOURCE_DATE_EPOCH, else the newest modification time among the sources: never the clock.
 */
import { UserError } from '../lib/errors.js';
import type { OnProgress } from '../lib/progress.js';
import { addBootableParts, type BootableParts } from './bootable/bootable-iso.js';
import type { LoadedImageSpec } from '../system/image-spec.js';
import { buildIsoImage, checkOutputFolder } from './build-iso.js';
import { ImageTree } from './image-tree.js';
import { scanSources, type HostSource } from './scan-sources.js';
import { checkSymlinkLoops } from './symlink-loops.js';
import { buildWithXorriso } from './xorriso-engine.js';

export type IsoEngine = 'builtin' | 'xorriso';

export interface SpecBuildOptions {
  readonly output: string;
  readonly engine?: IsoEngine;
  /** The image's date; without it, the newest source modification time. */
  readonly date?: Date;
  readonly onProgress?: OnProgress;
  readonly signal?: AbortSignal;
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
}

export async function buildIsoFromSpec(loaded: LoadedImageSpec, options: SpecBuildOptions): Promise<SpecBuildResult> {
  const onProgress = options.onProgress ?? (() => {});
  const engine = options.engine ?? 'builtin';
  const sources: HostSource[] = loaded.files.map((f) => ({ from: f.from, to: f.to, key: f.key }));
  onProgress({ kind: 'phase', phase: 'scan', title: `Reading the sources of ${loaded.file}` });
  const tree = new ImageTree();
  const summary = scanSources(tree, sources, onProgress);
  if (loaded.spec.profile !== undefined) {
    if (engine === 'xorriso') {
      throw new UserError(`${loaded.file}: the xorriso engine makes data ISOs only; a spec with a profile (a bootable ISO) is built by Cairn's own engine`, {
        hint: 'leave out --engine xorriso',
      });
    }
    const boot = await addBootableParts(tree, loaded, { given: options.date, newestSource: summary.newest }, onProgress);
    const result = await buildIsoImage({
      volumeId: loaded.spec.volumeId,
      date: boot.date,
      tree,
      extensions: boot.extensions,
      output: options.output,
      onProgress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { output: options.output, engine, date: boot.date, files: result.files, directories: result.directories, symlinks: result.symlinks, sharedExtents: result.sharedExtents, boot };
  }
  const date = options.date ?? new Date((summary.newest ?? 0) * 1000);
  if (engine === 'xorriso') {
    checkOutputFolder(options.output);
    checkSymlinkLoops(tree);
    await buildWithXorriso({ volumeId: loaded.spec.volumeId, date, sources, output: options.output, onProgress });
    return { output: options.output, engine, date, files: summary.files, directories: summary.directories, symlinks: summary.symlinks, sharedExtents: undefined };
  }
  const result = await buildIsoImage({
    volumeId: loaded.spec.volumeId,
    date,
    tree,
    output: options.output,
    onProgress,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { output: options.output, engine, date, files: result.files, directories: result.directories, symlinks: result.symlinks, sharedExtents: result.sharedExtents };
}
