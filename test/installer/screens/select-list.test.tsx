import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SelectList } from '../../../installer/screens/select-list/index.js';
import { initialListState, reduceList, type ListItem } from '../../../installer/screens/select-list/state.js';
import { renderScreen } from '../../support/ink.js';

const items: ListItem[] = [
  { value: 'a', label: 'Alpha' },
  { value: 'b', label: 'Beta', disabled: 'mounted' },
  { value: 'c', label: 'Gamma' },
  { value: 'd', label: 'Delta' },
];

test('the cursor starts on the focused item, skips disabled ones, scrolls, and follows its item through filtering', () => {
  const reduce = (state: ReturnType<typeof initialListState>, type: 'up' | 'down' | 'home' | 'end') => reduceList(items, state, { type }, false);
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
  state = reduceList(items, state, { type: 'choose' }, false);
  assert.equal(state.chosen, { seq: 1, values: ['d'] });
});

test('Enter chooses the item under the cursor, including the one focused at the start', async () => {
  const chosen: string[] = [];
  const screen = await renderScreen(<SelectList items={items} focus="c" onChoose={(v) => chosen.push(v)} />);
  await screen.waitFor(/> Gamma/);
  await screen.press('enter');
  await screen.press('down', 'enter');
  assert.equal(chosen, ['c', 'd']);
  assert.match(screen.frame(), /Beta  \(mounted\)/);
  screen.unmount();
});

test('typing filters; Backspace widens again', async () => {
  const chosen: string[] = [];
  const screen = await renderScreen(<SelectList items={items} onChoose={(v) => chosen.push(v)} filterable />);
  await screen.type('del');
  const frame = await screen.waitFor(/Filter: del/);
  assert.not.match(frame, /Alpha/);
  await screen.press('enter');
  assert.equal(chosen, ['d']);
  await screen.type('zz');
  await screen.waitFor(/Nothing matches "delzz"/);
  await screen.press('backspace', 'backspace', 'backspace', 'backspace', 'backspace');
  await screen.waitFor(/Alpha/);
  screen.unmount();
});

test('multiple choice: Space toggles, locked items stay checked, Enter confirms in list order', async () => {
  const confirmed: string[][] = [];
  const screen = await renderScreen(
    <SelectList items={[{ value: '3', label: 'Gen 3', locked: true }, { value: '2', label: 'Gen 2' }, { value: '1', label: 'Gen 1' }]} multiple={{ checked: ['3', '2', '1'], onConfirm: (v) => confirmed.push(v) }} />,
  );
  await screen.press('space'); // locked: no change
  await screen.press('down', 'down', 'space', 'enter');
  assert.equal(confirmed, [['3', '2']]);
  assert.match(screen.frame(), /\[x\] Gen 3  \(always\)/);
  assert.match(screen.frame(), /> \[ \] Gen 1/);
  screen.unmount();
});

test.run();
