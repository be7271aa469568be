/** The end: installed (reboot, shell, or exit for image targets), or failed with the log's path and a retry. */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';

export type DoneAction = 'reboot' | 'shell' | 'exit' | 'retry';

export interface DoneScreenProps {
  readonly outcome: { readonly kind: 'installed'; readonly lines: readonly string[] } | { readonly kind: 'failed'; readonly message: string; readonly logPath: string };
  /** Offer reboot (a real disk on a live system) or only exit (an image file). */
  readonly canReboot: boolean;
  readonly onChoose: (action: DoneAction) => void;
  readonly isActive?: boolean;
}

export function DoneScreen({ outcome, canReboot, onChoose, isActive = true }: DoneScreenProps): React.JSX.Element {
  const installed = outcome.kind === 'installed';
  const items = installed
    ? [...(canReboot ? [{ value: 'reboot', label: 'Reboot into the installed system' }, { value: 'shell', label: 'Open a shell' }] : []), { value: 'exit', label: 'Exit the installer' }]
    : [{ value: 'retry', label: 'Start the installer again (what it started is cleaned up)' }, { value: 'exit', label: 'Exit the installer' }];
  return (
    <Frame title={installed ? 'Done' : 'Install failed'} hints={['Up/Down: move', 'Enter: choose']}>
      {installed ? (
        outcome.lines.map((line) => <Text key={line}>{line}</Text>)
      ) : (
        <Box flexDirection="column">
          <Text color="red">{outcome.message}</Text>
          <Text>The full log is at {outcome.logPath}.</Text>
          <Text>Nothing was written after the failing step; fix the cause, then start again.</Text>
        </Box>
      )}
      <Box marginTop={1}>
        <SelectList items={items} onChoose={(value) => onChoose(value as DoneAction)} isActive={isActive} />
      </Box>
    </Frame>
  );
}
