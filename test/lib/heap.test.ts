import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const heapModule = fileURLToPath(new URL('../../lib/heap.ts', import.meta.url));

/**
 * A fresh Node process (V8 sizes its heap per process) that allocates a few hundred MB of short-lived
 * objects, keeping a tenth, with or without keepHeapNearLiveSize() first: its young generation's size before
 * and after.
 */
function youngGenerationAroundChurn(keepSmall: boolean): { before: number; after: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { keepHeapNearLiveSize } = await import(${JSON.stringify(heapModule)});
    const young = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    const before = young();
    ${keepSmall ? 'keepHeapNearLiveSize();' : ''}
    const kept = [];
    for (let i = 0; i < 3_000_000; i++) { const o = { i, name: 'n' + i }; if (i % 10 === 0) kept.push(o); }
    process.stdout.write(JSON.stringify({ before, after: young(), kept: kept.length }));
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { before: number; after: number };
}

test('keepHeapNearLiveSize stops the young generation from growing, where V8 grows it by default', () => {
  const byDefault = youngGenerationAroundChurn(false);
  const kept = youngGenerationAroundChurn(true);
  assert.ok(byDefault.after >= 2 * byDefault.before, `V8's young generation grows under this churn by default (${byDefault.before} to ${byDefault.after} bytes): otherwise this test proves nothing`);
  assert.ok(kept.after <= kept.before, `with the flags set at run time it stays at its size, got ${kept.before} to ${kept.after} bytes`);
});

/**
 * A fresh Node process with keepHeapNearLiveSize() (and then `flag`, if given) that keeps 24 MB of objects, then
 * makes garbage that lives long enough to reach the old generation: the largest the old generation got, over what
 * stays.
 */
function oldGenerationPeakOverLive(flag?: string): number {
  const script = `
    import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
    const { keepHeapNearLiveSize } = await import(${JSON.stringify(heapModule)});
    keepHeapNearLiveSize();
    ${flag === undefined ? '' : `setFlagsFromString(${JSON.stringify(flag)});`}
    const old = () => getHeapSpaceStatistics().find((space) => space.space_name === 'old_space');
    const kept = [];
    for (let i = 0; i < 300_000; i++) kept.push({ i, name: 'kept ' + i });
    globalThis.gc();
    const live = old().space_used_size;
    let peak = 0;
    let passing = [];
    for (let i = 0; i < 2_000_000; i++) {
      passing.push({ i, name: 'passing ' + i });
      if (passing.length === 50_000) passing = [];
      if (i % 1000 === 0) peak = Math.max(peak, old().space_size);
    }
    process.stdout.write(JSON.stringify({ ratio: peak / live, kept: kept.length }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  return (JSON.parse(child.stdout) as { ratio: number }).ratio;
}

test('the old generation is collected sooner with the flags than with 50% growth: V8 honours the growth set at run time', () => {
  const kept = oldGenerationPeakOverLive();
  const looser = oldGenerationPeakOverLive('--heap-growing-percent=50');
  assert.ok(kept < looser, `old generation peak over live: ${kept.toFixed(2)} with the flags, ${looser.toFixed(2)} with 50% growth`);
});

test('collectGarbageNow() collects what is no longer reachable, in a process started without --expose-gc', () => {
  const script = `
    import { collectGarbageNow } from ${JSON.stringify(new URL('../../lib/heap.ts', import.meta.url).href)};
    let garbage = Array.from({ length: 1000 }, (_, i) => ({ i }));
    const ref = new WeakRef(garbage);
    garbage = undefined;
    // A WeakRef's target lives to the end of the job that made it: collect in a later one.
    setTimeout(() => {
      collectGarbageNow();
      process.stdout.write(JSON.stringify({ collected: ref.deref() === undefined, exposed: typeof globalThis.gc }));
    }, 0);
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(child.status, 0, child.stderr);
  assert.equal(JSON.parse(child.stdout), { collected: true, exposed: 'undefined' });
});

test.run();
