import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeKeys, flushKeys, initialSplitter, splitKeys, type Key, type SplitterState } from '../../../installer/screens/keys/split-keys.js';

/** Splits chunks in order, as they would arrive; `flush` gives up the tail at the end (the timer firing). */
function split(chunks: readonly string[], flush = true): { keys: string; pending: string } {
  let state: SplitterState = initialSplitter;
  const keys: Key[] = [];
  for (const chunk of chunks) {
    const result = splitKeys(state, chunk);
    state = result.state;
    keys.push(...result.keys);
  }
  if (flush) keys.push(...flushKeys(state).keys);
  return { keys: describeKeys(keys), pending: flush ? '' : state.pending };
}

test('a typed-ahead screen arrives as one chunk and comes out as single keys', () => {
  assert.is(split(['box\ralice\rsecret1\rsecret1\r']).keys, 'b o x enter a l i c e enter s e c r e t 1 enter s e c r e t 1 enter');
});

test('Enter as \\r, \\n or \\r\\n (one Enter, even when cut between chunks); Tab, Backspace as DEL or BS, Ctrl keys', () => {
  assert.is(split(['a\rb\nc\r\nd']).keys, 'a enter b enter c enter d');
  assert.is(split(['a\r', '\nb']).keys, 'a enter b');
  assert.is(split(['\r\r\n\n']).keys, 'enter enter enter');
  assert.is(split(['\t\u007f\b\u0003\u0004\u0015\u0017']).keys, 'tab backspace backspace Ctrl-C Ctrl-D Ctrl-U Ctrl-W');
});

test('escape sequences: arrows (CSI and SS3), Home/End, Delete, PageUp/PageDown, with modifiers', () => {
  assert.is(split(['\u001b[A\u001b[B\u001b[C\u001b[D\u001bOA\u001bOB']).keys, 'up down right left up down');
  assert.is(split(['\u001b[H\u001b[F\u001b[1~\u001b[4~\u001bOH\u001bOF\u001b[7~\u001b[8~']).keys, 'home end home end home end home end');
  assert.is(split(['\u001b[3~\u001b[5~\u001b[6~']).keys, 'delete page-up page-down');
  assert.is(split(['\u001b[1;5A\u001b[3;2~']).keys, 'up delete');
  assert.is(split(['\u001b[15~x']).keys, 'Unknown("\\u001b[15~") x', 'an F-key names nothing the installer uses');
});

test('a chunk that ends half-way through an escape sequence is held until the next chunk', () => {
  for (const cut of ['\u001b', '\u001b[', '\u001b[1', '\u001b[1;5', '\u001bO']) {
    const whole = cut.startsWith('\u001bO') ? '\u001bOB' : cut.includes(';') || cut.endsWith('1') ? '\u001b[1;5B' : '\u001b[B';
    const held = split([`ab${cut}`], false);
    assert.is(held.keys, 'a b', `nothing of ${JSON.stringify(cut)} comes out yet`);
    assert.is(held.pending, cut);
    assert.is(split([`ab${cut}`, `${whole.slice(cut.length)}cd`]).keys, 'a b down c d', JSON.stringify(cut));
  }
});

test('a lone Esc becomes Escape when nothing follows (the timer flushes it), or at once when a key follows', () => {
  assert.is(split(['\u001b']).keys, 'escape');
  assert.is(split(['\u001bx']).keys, 'escape x');
  assert.is(split(['\u001b\u001b[A']).keys, 'escape up');
  assert.is(split(['\u001b\u001b']).keys, 'escape escape');
  assert.is(split(['\u001b[']).keys, 'escape [', 'a cut-off sequence that never finished: Esc, then what was typed');
});

test('bracketed paste is one key, also across chunks; a paste whose end never came is flushed as what arrived', () => {
  assert.is(split(['a\u001b[200~pasted\rtext\u001b[201~b']).keys, 'a Paste(11) b');
  let state: SplitterState = initialSplitter;
  const first = splitKeys(state, '\u001b[200~' + 'x'.repeat(5000));
  state = first.state;
  assert.equal(first.keys, []);
  const second = splitKeys(state, `${'y'.repeat(5000)}\u001b[201~\r`);
  assert.equal(second.keys, [{ kind: 'paste', text: 'x'.repeat(5000) + 'y'.repeat(5000) }, { kind: 'enter' }]);
  assert.is(split(['\u001b[200~half']).keys, 'Paste(4)');
});

test('any chunking of the same bytes gives the same keys', () => {
  const bytes = 'de\r\u001b[B\u001b[Bbox\u001b[3~\u007f\r\u001bOA\u001b[200~p\u00e9\u001b[201~\u00fc\u{1F600}\r\n\u0003';
  const whole = split([bytes]).keys;
  // Cut between code points, as stdin decoded as UTF-8 delivers them.
  const characters = [...bytes];
  for (let size = 1; size <= 7; size++) {
    const chunks: string[] = [];
    for (let i = 0; i < characters.length; i += size) chunks.push(characters.slice(i, i + size).join(''));
    assert.is(split(chunks).keys, whole, `chunks of ${size}`);
  }
  assert.is(whole, 'd e enter down down b o x delete backspace enter up Paste(2) \u00fc \u{1F600} enter Ctrl-C');
});

test.run();
