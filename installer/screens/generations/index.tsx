/** Which generations to copy onto the disk: all by default; the current one always (it stays current). */
import React from 'react';
import { Box, Text } from 'ink';
import { canGoBack } from '../choose-one/index.js';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface GenerationsScreenProps {
  readonly items: readonly ListItem[];
  readonly list: ListState;
  readonly error: string | undefined;
  readonly step?: StepPosition;
}

export function GenerationsScreen({ items, list, error, step }: GenerationsScreenProps): React.JSX.Element {
  return (
    <Frame title="Generations" {...(step ? { step } : {})} hints={['Up/Down: move', 'Space: check/uncheck', 'Enter: continue', ...(canGoBack(step) ? ['Esc: back'] : [])]}>
      <Text bold>Generations to install (each gets a boot menu entry):</Text>
      <SelectList items={items} list={list} multiple />
      {error ? (
        <Box marginTop={1}>
          <Text color="red">{error}</Text>
        </Box>
      ) : null}
    </Frame>
  );
}
