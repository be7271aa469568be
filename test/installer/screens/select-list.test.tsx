import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SelectList } from '../../../installer/screens/select-list/index.js';
import { initialListState, listKey, reduceList, type ListItem, type ListState } from '../../../installer/screens/select-list/state.js';
import { fieldKey, initialField } from '../../../installer/screens/text-field/state.js';
import { renderScreen } from '../../support/ink.js';

const items: ListItem[] = [
  { value: 'a', label: 'Alpha' },
  { value: 'b', label: 'Beta', disabled: 'mounted' },
  { value: 'c', label: 'Gamma' },
  { value: 'd', label: 'Delta' },
];

test('the cursor starts on the focused item, skips disabled ones, scrolls, and follows its item through filtering', () => {
  const reduce = (state: ListState, type: 'up' | 'down' | 'home' | 'end') => reduceList(items, state, { type }, false);
  let state = initialListState(items, 2, 'c');
  assert.is(state.cursor, 'c');
  state = reduce(state, 'up');
  assert.is(state.cursor, 'a', 'Beta is disabled and skipped');
  state = reduce(state, 'end');
  assert.equal([state.cursor, state.top], ['d', 2]);
  state = reduce(state, 'home');
  assert.equal([state.cursor, state.top], ['a', 0]);
  assert.is(initialListState(items, 2, 'b').cursor, 'a', 'a disabled focus falls back to the first usable item');
  state = reduceList(items, state, { type: 'type', text: 'ta' }, false);
  assert.equal([state.filter, state.cursor], ['ta', 'd'], 'Alpha is filtered out; Delta is the first usable match (Beta is disabled)');
  assert.equal(listKey(items, state, { kind: 'enter' }).chosen, ['d']);
});

test('keys: Enter chooses the item under the cursor; typing filters only filterable lists; Backspace widens; Space checks in multi-choice lists', () => {
  let state = initialListState(items, 4, 'c');
  assert.equal(listKey(items, state, { kind: 'enter' }).chosen, ['c']);
  state = listKey(items, state, { kind: 'down' }).state;
  assert.equal(listKey(items, state, { kind: 'enter' }).chosen, ['d']);
  assert.is(listKey(items, state, { kind: 'char', text: 'x' }).state, state, 'not filterable: typing does nothing');
  state = listKey(items, state, { kind: 'paste', text: 'del\r' }, { filterable: true }).state;
  assert.equal([state.filter, state.cursor], ['del', 'd']);
  state = listKey(items, state, { kind: 'char', text: 'z' }, { filterable: true }).state;
  assert.equal([state.filter, state.cursor], ['delz', undefined]);
  assert.is(listKey(items, state, { kind: 'enter' }).chosen, undefined, 'nothing to choose when nothing matches');
  state = listKey(items, state, { kind: 'backspace' }, { filterable: true }).state;
  assert.equal([state.filter, state.cursor], ['del', 'd']);

  const gens: ListItem[] = [{ value: '3', label: 'Gen 3', locked: true }, { value: '2', label: 'Gen 2' }, { value: '1', label: 'Gen 1' }];
  let multi = initialListState(gens, 3, undefined, ['3', '2', '1']);
  multi = listKey(gens, multi, { kind: 'char', text: ' ' }, { multiple: true }).state;
  assert.equal(multi.checked, ['3', '2', '1'], 'locked: no change');
  for (const key of [{ kind: 'down' }, { kind: 'down' }, { kind: 'char', text: ' ' }] as const) multi = listKey(gens, multi, key, { multiple: true }).state;
  assert.equal(listKey(gens, multi, { kind: 'enter' }, { multiple: true }).chosen, ['3', '2']);
});

test('the list as drawn: cursor, disabled reason, checked boxes, the filter line and what is scrolled away', async () => {
  const state = reduceList(items, initialListState(items, 2, 'd'), { type: 'end' }, false);
  const screen = await renderScreen(<SelectList items={items} list={state} filterable />);
  const frame = await screen.waitFor(/> Delta/);
  assert.match(frame, /Filter: \(type to narrow the list\)/);
  assert.match(frame, /\^ 2 more/);
  assert.match(frame, /Beta  \(mounted\)|Gamma/);
  screen.unmount();
  const multi = await renderScreen(<SelectList items={[{ value: '3', label: 'Gen 3', locked: true }, { value: '2', label: 'Gen 2' }]} list={initialListState(items, 2, undefined, ['3'])} multiple />);
  assert.match(await multi.waitFor(/\[x\] Gen 3  \(always\)/), /\[ \] Gen 2/);
  multi.unmount();
});

test('text field: typing, Backspace, Ctrl-U, Ctrl-W; what does not fit the limit is left out with a notice', () => {
  let field = initialField('box');
  for (const key of [{ kind: 'backspace' }, { kind: 'char', text: 'y' }, { kind: 'char', text: ' ' }, { kind: 'char', text: 'two' }] as const) field = fieldKey(field, key, 10).state;
  assert.is(field.value, 'boy two');
  field = fieldKey(field, { kind: 'ctrl', letter: 'w' }, 10).state;
  assert.is(field.value, 'boy ');
  assert.is(fieldKey(field, { kind: 'enter' }, 10).submitted, 'boy ', 'spaces are kept');
  field = fieldKey(field, { kind: 'paste', text: 'a\r\nb\tc'.repeat(3) }, 10).state;
  assert.equal(field, { value: 'boy abcabc', notice: 'this field holds at most 10 characters: the rest was left out' });
  field = fieldKey(field, { kind: 'char', text: 'x' }, 10).state;
  assert.is(field.value, 'boy abcabc');
  assert.ok(field.notice !== undefined);
  field = fieldKey(field, { kind: 'ctrl', letter: 'u' }, 10).state;
  assert.equal(field, { value: '', notice: undefined });
  assert.is(fieldKey(initialField('\u{1F600}a'), { kind: 'backspace' }, 10).state.value, '\u{1F600}', 'a character, not a UTF-16 unit');
});

test.run();
