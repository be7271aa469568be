/** The console keyboard layout (keymap) of the installed system. */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface KeyboardScreenProps {
  readonly keyMaps: readonly string[];
  readonly keyMap: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (keyMap: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function KeyboardScreen({ keyMaps, keyMap, step, onNext, onBack, isActive = true }: KeyboardScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  return (
    <Frame title="Keyboard layout" {...(step ? { step } : {})} hints={['Up/Down: move', 'type: filter', 'Enter: choose', 'Esc: back']}>
      <Box flexDirection="column">
        <Text bold>Keyboard layout:</Text>
        <SelectList items={keyMaps.map((k) => ({ value: k, label: k }))} focus={keyMap} onChoose={onNext} filterable visibleCount={10} isActive={isActive} />
      </Box>
    </Frame>
  );
}
