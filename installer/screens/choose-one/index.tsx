/**
 * A screen that asks for one value from a long list (a keymap, a time zone): the list filters as the user
 * types, starts on the current value, Enter takes it and Esc goes back.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface ChooseOneScreenProps {
  readonly title: string;
  /** The question above the list, e.g. "Keyboard layout:". */
  readonly question: string;
  /** An example of what to type, for the key hints (e.g. "berlin"). */
  readonly filterExample?: string;
  readonly items: readonly ListItem[];
  readonly list: ListState;
  readonly step?: StepPosition;
}

export function ChooseOneScreen({ title, question, filterExample, items, list, step }: ChooseOneScreenProps): React.JSX.Element {
  const filterHint = filterExample === undefined ? 'type: filter' : `type: filter (e.g. ${filterExample})`;
  return (
    <Frame title={title} {...(step ? { step } : {})} hints={['Up/Down: move', filterHint, 'Enter: choose', ...(canGoBack(step) ? ['Esc: back'] : [])]}>
      <Box flexDirection="column">
        <Text bold>{question}</Text>
        <SelectList items={items} list={list} filterable />
      </Box>
    </Frame>
  );
}

/** Esc goes back on every step but the first. */
export function canGoBack(step: StepPosition | undefined): boolean {
  return step !== undefined && step.index > 1;
}
