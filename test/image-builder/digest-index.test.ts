/**
 * DigestIndex finds a content by its size and SHA-256 digest: the first place given for it, through any number of
 * growths past the capacity it started with; a digest of another size, or one byte different, is another content.
 */
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DigestIndex } from '../../image-builder/digest-index.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

test('each content keeps the first place given for it, past many growths', () => {
  const index = new DigestIndex(4);
  for (let i = 0; i < 5000; i++) index.add(100 + (i % 7), digest(`content ${i}`), i * 3);
  for (let i = 0; i < 5000; i++) index.add(100 + (i % 7), digest(`content ${i}`), 999_999);
  assert.is(index.size, 5000);
  for (let i = 0; i < 5000; i++) assert.is(index.get(100 + (i % 7), digest(`content ${i}`)), i * 3, `content ${i}`);
  assert.is(index.get(100, digest('content 5000')), undefined, 'never added');
});

test('the same digest with another size, or a digest one byte different, is another content', () => {
  const index = new DigestIndex();
  const d = digest('x');
  index.add(10, d, 1);
  assert.is(index.get(11, d), undefined);
  const other = Buffer.from(d);
  other[31] = other[31]! ^ 1;
  assert.is(index.get(10, other), undefined);
  index.add(11, d, 2);
  assert.equal([index.get(10, d), index.get(11, d)], [1, 2]);
});

test('a digest that is not 32 bytes, or a place past 2^32, is refused', () => {
  const index = new DigestIndex();
  assert.throws(() => index.add(1, new Uint8Array(16), 0), /a SHA-256 digest is 32 bytes, got 16/);
  assert.throws(() => index.add(1, digest('y'), 2 ** 32), /must be whole numbers below 2\^32/);
});

test.run();
