/**
 * A keyboard list as drawn: arrows (and PgUp/PgDn/Home/End) move, Enter chooses; with `multiple`, Space
 * checks and Enter confirms the checked set; optional type-to-filter for long lists. ASCII markers, so it
 * reads on a serial console. Keys reach it only through the installer's reducer (select-list/state.ts).
 */
import React from 'react';
import { Box, Text } from 'ink';
import { shownItems, type ListItem, type ListState } from './state.js';

export type { ListItem } from './state.js';

export interface SelectListProps {
  readonly items: readonly ListItem[];
  readonly list: ListState;
  /** Show [x]/[ ] boxes (multi-choice lists). */
  readonly multiple?: boolean;
  /** Show the filter line. */
  readonly filterable?: boolean;
}

export function SelectList({ items, list, multiple = false, filterable = false }: SelectListProps): React.JSX.Element {
  const shown = shownItems(items, list.filter);
  const window = shown.slice(list.top, list.top + list.visible);
  return (
    <Box flexDirection="column">
      {filterable ? (
        <Text>
          Filter: {list.filter === '' ? <Text dimColor>(type to narrow the list)</Text> : list.filter}
        </Text>
      ) : null}
      {shown.length === 0 ? <Text color="yellow">Nothing matches "{list.filter}"; Backspace widens the list.</Text> : null}
      {list.top > 0 ? <Text dimColor>  ^ {list.top} more</Text> : null}
      {window.map((item) => {
        const cursor = item.value === list.cursor;
        const box = multiple ? (list.checked.includes(item.value) ? '[x] ' : '[ ] ') : '';
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
      {list.top + list.visible < shown.length ? <Text dimColor>  v {shown.length - list.top - list.visible} more</Text> : null}
    </Box>
  );
}
