/**
 * DroppedRegions says where a sector of a provisional data area ends up once regions are left out: unchanged
 * before the first, down by the sectors left out before it after them, and a dropped region's start at the place of
 * its identical content.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DroppedRegions } from '../../image-builder/layout/dropped-regions.js';

test('sectors move down by what was dropped before them; a dropped start goes to its identical content', () => {
  const dropped = new DroppedRegions();
  // Regions at 100 (2 sectors), 102 (3, dropped for 100), 105 (1), 106 (4, dropped for 105 moved to 102), 110.
  dropped.drop(102, 3, 100);
  dropped.drop(106, 4, 102);
  assert.equal([dropped.count, dropped.sectors], [2, 7]);
  assert.equal([99, 100, 101].map((lba) => dropped.moved(lba)), [99, 100, 101], 'before the first');
  assert.is(dropped.moved(102), 100);
  assert.is(dropped.moved(105), 102);
  assert.is(dropped.moved(106), 102);
  assert.is(dropped.moved(110), 103);
  assert.equal([100, 102, 105, 106, 110].map((lba) => dropped.isDropped(lba)), [false, true, false, true, false]);
});

test('a sector inside a dropped region, or regions dropped out of order, are errors', () => {
  const dropped = new DroppedRegions();
  dropped.drop(10, 3, 5);
  assert.throws(() => dropped.moved(11), /sector 11 is inside the region dropped at 10/);
  assert.throws(() => dropped.drop(10, 1, 5), /region at sector 10 dropped after the one at 10/);
  assert.throws(() => dropped.drop(4, 1, 2), /region at sector 4 dropped after the one at 10/);
});

test.run();
