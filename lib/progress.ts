/**
 * Progress events (STYLE.md 6). Core code never prints: it calls an OnProgress callback, and the CLI or the
 * installer screens render the same events as a bar, a line per phase, or a progress screen.
 */

/** What a count is counted in, so renderers can format it (bytes as MiB, files as a number). */
export type ProgressUnit = 'bytes' | 'files' | 'items';

export type ProgressEvent =
  /** A phase starts. `total` is known when the phase will report counts. */
  | { readonly kind: 'phase'; readonly phase: string; readonly title: string; readonly total?: number; readonly unit?: ProgressUnit }
  /** Work done so far in the current phase. */
  | { readonly kind: 'progress'; readonly phase: string; readonly done: number; readonly total: number; readonly unit: ProgressUnit }
  /** Something the user should know that does not stop the work (a skipped generation, a fallback). */
  | { readonly kind: 'warning'; readonly message: string }
  /** A detail for logs and the installer's log view; renderers may hide it. */
  | { readonly kind: 'log'; readonly message: string };

export type OnProgress = (event: ProgressEvent) => void;

/** The callback for callers that do not care. */
export const ignoreProgress: OnProgress = () => {};

/**
 * Reports byte or file counts for one phase without flooding the callback: an event at most every `step`
 * units, and always the last one.
 */
export function progressCounter(
  onProgress: OnProgress,
  phase: string,
  total: number,
  unit: ProgressUnit,
  step = unit === 'bytes' ? 8 * 1024 * 1024 : 1,
): { readonly advance: (amount: number) => void; readonly finish: () => void } {
  let done = 0;
  let reported = -1;
  return {
    advance: (amount) => {
      done += amount;
      if (done - reported >= step || done === total) {
        reported = done;
        onProgress({ kind: 'progress', phase, done, total, unit });
      }
    },
    finish: () => {
      if (reported !== done) onProgress({ kind: 'progress', phase, done, total, unit });
      reported = done;
    },
  };
}
