/**
 * Keeps V8's heap close to what is live, for commands that hold a plan of tens of thousands of files
 * (`iso build`). By default V8 lets its young generation grow to 32 MiB (two 16 MiB halves) and lets the old
 * generation reach well past its live size before it collects again; for a build of /usr/share (47,000 files)
 * that slack was half of the peak memory. V8 reads the two flags below whenever it resizes the heap, so setting
 * them at run time works (test/lib/heap.test.ts checks both): the young generation stays at the size it has
 * when they are set, and the old generation is collected once it has grown 20% past what the last collection
 * kept. cli/program.ts sets them before the `iso` group's modules load, the schema library among them, which
 * grow the young generation to 8 MiB when loaded first (test/package.test.ts). Measured on that build: peak
 * memory 194-232 MiB to 143-152 MiB with the flags set in the build's action, 129-137 MiB with them set before
 * the group loads; the flags cost the build about 3% (more, shorter collections). 20% rather than 50%: 6.5 MiB
 * less at the peak (116 to 109 MiB, six runs each, taking turns) and no slower, for /usr/share as for 200,000 small
 * files (9.1 s against 9.3); 10% saved 1 MiB more and took more time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=20'] as const;

export function keepHeapNearLiveSize(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
}

let collect: (() => void) | undefined;

/**
 * A full garbage collection now: for the moment a command moves from a phase that leaves much garbage (planning)
 * to one that allocates its own buffers (writing), which otherwise come on top of that garbage until V8 collects it.
 */
export function collectGarbageNow(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
