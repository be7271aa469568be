/**
 * A keyboard list: arrows (and PgUp/PgDn/Home/End) move, Enter chooses; with `multiple`, Space checks and
 * Enter confirms the checked set. Optional type-to-filter for long lists. ASCII markers, so it reads on a
 * serial console; active only when focused.
 */
import React, { useEffect, useEffectEvent, useReducer } from 'react';
import { Box, Text, useInput } from 'ink';
import { initialListState, reduceList, refocus, shownItems, type ListAction, type ListItem, type ListState } from './state.js';

export type { ListItem } from './state.js';

export interface SelectListProps {
  readonly items: readonly ListItem[];
  /** The item the cursor starts on. */
  readonly focus?: string;
  /** Called with the item under the cursor when Enter is pressed (single choice). */
  readonly onChoose?: (value: string) => void;
  /** Multi-choice: initially checked values, and the call on Enter with the checked values in list order. */
  readonly multiple?: { readonly checked: readonly string[]; readonly onConfirm: (values: string[]) => void };
  /** Called as the cursor moves, e.g. to show details of the focused item. */
  readonly onFocus?: (value: string) => void;
  readonly filterable?: boolean;
  readonly visibleCount?: number;
  readonly isActive?: boolean;
}

type Action = ListAction | { readonly type: 'items'; readonly items: readonly ListItem[] };

export function SelectList({ items, focus, onChoose, multiple, onFocus, filterable = false, visibleCount = 10, isActive = true }: SelectListProps): React.JSX.Element {
  // The reducer keeps the items it was last given, so queued keys apply to the list the user saw.
  const [{ list, state }, dispatch] = useReducer(
    (current: { list: readonly ListItem[]; state: ListState }, action: Action) =>
      action.type === 'items' ? { list: action.items, state: refocus(current.state, action.items) } : { list: current.list, state: reduceList(current.list, current.state, action, multiple !== undefined) },
    undefined,
    () => ({ list: items, state: initialListState(items, visibleCount, focus, multiple?.checked) }),
  );
  // New items replace the list when their content changes, not whenever a render makes a new array.
  const contentKey = JSON.stringify(items);
  const takeItems = useEffectEvent(() => dispatch({ type: 'items', items }));
  useEffect(() => {
    if (JSON.stringify(list) !== contentKey) takeItems();
  }, [contentKey, list]);

  // Each Enter makes a new `chosen` and is reported once, to the handlers of the render that shows it.
  const chosen = useEffectEvent((values: readonly string[]) => {
    if (multiple) multiple.onConfirm([...values]);
    else onChoose?.(values[0]!);
  });
  useEffect(() => {
    if (state.chosen !== undefined) chosen(state.chosen.values);
  }, [state.chosen]);
  const focused = useEffectEvent((value: string) => onFocus?.(value));
  useEffect(() => {
    if (state.cursor !== undefined) focused(state.cursor);
  }, [state.cursor]);

  useInput(
    (input, key) => {
      if (key.upArrow) dispatch({ type: 'up' });
      else if (key.downArrow) dispatch({ type: 'down' });
      else if (key.pageUp) dispatch({ type: 'page-up' });
      else if (key.pageDown) dispatch({ type: 'page-down' });
      else if (key.home) dispatch({ type: 'home' });
      else if (key.end) dispatch({ type: 'end' });
      else if (key.return) dispatch({ type: 'choose' });
      else if (multiple && input === ' ') dispatch({ type: 'toggle' });
      else if (filterable && (key.backspace || key.delete)) dispatch({ type: 'erase' });
      else if (filterable && !key.ctrl && !key.meta && !key.escape && !key.tab && /^[\w./+-]+$/.test(input)) dispatch({ type: 'type', text: input });
    },
    { isActive },
  );

  const shown = shownItems(list, state.filter);
  const window = shown.slice(state.top, state.top + state.visible);
  return (
    <Box flexDirection="column">
      {filterable ? (
        <Text>
          Filter: {state.filter === '' ? <Text dimColor>(type to narrow the list)</Text> : state.filter}
        </Text>
      ) : null}
      {shown.length === 0 ? <Text color="yellow">Nothing matches "{state.filter}"; Backspace widens the list.</Text> : null}
      {state.top > 0 ? <Text dimColor>  ^ {state.top} more</Text> : null}
      {window.map((item) => {
        const cursor = item.value === state.cursor;
        const box = multiple ? (state.checked.includes(item.value) ? '[x] ' : '[ ] ') : '';
        return (
          <Text key={item.value} {...(item.disabled !== undefined ? { dimColor: true } : {})} {...(cursor ? { color: 'cyan', bold: true } : {})}>
            {cursor ? '> ' : '  '}
            {box}
            {item.label}
            {item.disabled !== undefined ? `  (${item.disabled})` : ''}
            {item.locked ? '  (always)' : ''}
          </Text>
        );
      })}
      {state.top + state.visible < shown.length ? <Text dimColor>  v {shown.length - state.top - state.visible} more</Text> : null}
    </Box>
  );
}
