import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareCodePoints } from '../../lib/code-point-order.js';

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

test('code point order, not UTF-16 order: U+FFFD comes before U+1F600 (whose surrogates are 0xD83D 0xDE00)', () => {
  assert.equal(['\u{1F600}', '\uFFFD', 'z', 'a\u{1F600}', 'a\uE000', 'a'].sort(compareCodePoints), ['a', 'a\uE000', 'a\u{1F600}', 'z', '\uFFFD', '\u{1F600}']);
  assert.ok(compareCodePoints('ab', 'ab') === 0 && compareCodePoints('ab', 'abc') < 0 && compareCodePoints('b', 'abc') > 0);
});

test('the same order as the UTF-8 bytes, for strings from every plane', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
  const pool = [0x41, 0x7a, 0xe9, 0x3b1, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff];
  const word = () => String.fromCodePoint(...Array.from({ length: 1 + Math.floor(random() * 4) }, () => pool[Math.floor(random() * pool.length)]!));
  const words = Array.from({ length: 400 }, word);
  assert.equal([...words].sort(compareCodePoints), [...words].sort(byUtf8));
});

test.run();
