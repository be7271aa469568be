/** The end: installed (reboot, power off, shell, or exit: installer-state.ts doneItems), or failed with the log's path and a retry. */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export type DoneAction = 'reboot' | 'poweroff' | 'shell' | 'exit' | 'retry';

export interface DoneScreenProps {
  readonly outcome: { readonly kind: 'installed'; readonly lines: readonly string[] } | { readonly kind: 'failed'; readonly message: string; readonly logPath: string };
  readonly items: readonly ListItem[];
  readonly list: ListState;
}

export function DoneScreen({ outcome, items, list }: DoneScreenProps): React.JSX.Element {
  return (
    <Frame title={outcome.kind === 'installed' ? 'Done' : 'Install failed'} hints={['Up/Down: move', 'Enter: choose']}>
      {outcome.kind === 'installed' ? (
        outcome.lines.map((line, index) => <Text key={`line-${index}`}>{line}</Text>)
      ) : (
        <Box flexDirection="column">
          <Text color="red">{outcome.message}</Text>
          <Text>The full log is at {outcome.logPath}.</Text>
          <Text>Nothing was written after the failing step; fix the cause, then start again.</Text>
        </Box>
      )}
      <Box marginTop={1}>
        <SelectList items={items} list={list} />
      </Box>
    </Frame>
  );
}
