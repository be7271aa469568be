/** The first screen: what is about to happen, and the language (the installed system's locale). */
import React from 'react';
import { Box, Text } from 'ink';
import { canGoBack } from '../choose-one/index.js';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface WelcomeScreenProps {
  /** Locales offered, e.g. en_US.UTF-8. */
  readonly items: readonly ListItem[];
  readonly list: ListState;
  /** Where the generations come from, shown so the user knows what will be installed. */
  readonly source: string;
  readonly step?: StepPosition;
}

export function WelcomeScreen({ items, list, source, step }: WelcomeScreenProps): React.JSX.Element {
  return (
    <Frame title="Welcome" {...(step ? { step } : {})} hints={['Up/Down: move', 'type: filter', 'Enter: choose', ...(canGoBack(step) ? ['Esc: back'] : [])]}>
      <Text>This installs a generation-based system from {source} onto a disk.</Text>
      <Text>Nothing is written until you confirm on the summary screen.</Text>
      <Box marginTop={1} flexDirection="column">
        <Text bold>Language (locale of the installed system):</Text>
        <SelectList items={items} list={list} filterable />
      </Box>
    </Frame>
  );
}
