import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSize, parseByteSize, parseSize } from '../../lib/size.js';

test('binary units, fractions and plain bytes', () => {
  assert.equal(parseSize('512M'), { kind: 'bytes', bytes: 512 * 1024 ** 2 });
  assert.equal(parseSize('1.5G'), { kind: 'bytes', bytes: 1.5 * 1024 ** 3 });
  assert.equal(parseSize('4096'), { kind: 'bytes', bytes: 4096 });
  assert.equal(parseSize('2TiB'), { kind: 'bytes', bytes: 2 * 1024 ** 4 });
  assert.equal(parseSize('8g'), { kind: 'bytes', bytes: 8 * 1024 ** 3 });
  assert.equal(parseSize(' 1K '), { kind: 'bytes', bytes: 1024 });
});

test('percentages of what is left', () => {
  assert.equal(parseSize('100%'), { kind: 'percent', percent: 100 });
  assert.equal(parseSize('12.5%'), { kind: 'percent', percent: 12.5 });
  assert.ok('error' in parseSize('0%'));
  assert.ok('error' in parseSize('101%'));
});

test('bad sizes explain themselves', () => {
  const mb = parseSize('512MB');
  assert.ok('error' in mb && mb.error.includes('ambiguous') && mb.error.includes('512MiB'));
  const junk = parseSize('lots');
  assert.ok('error' in junk && junk.error.includes('512M'));
  const fraction = parseSize('1.3');
  assert.ok('error' in fraction && fraction.error.includes('whole number'));
  const pct = parseByteSize('50%');
  assert.ok(typeof pct === 'object' && pct.error.includes('not a percentage'));
  assert.is(parseByteSize('1M'), 1048576);
});

test('sizes print short', () => {
  assert.is(formatSize(512), '512B');
  assert.is(formatSize(1536), '1.5K');
  assert.is(formatSize(8 * 1024 ** 3), '8G');
  assert.is(formatSize(1000 * 1024 ** 2), '1000M');
  assert.is(formatSize(123.4 * 1024 ** 2), '123M');
});

test.run();
