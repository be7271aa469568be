/**
 * A screen that asks for one value from a long list (a keymap, a time zone): the list filters as the user
 * types, starts on the current value, Enter takes it and Esc goes back.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface ChooseOneScreenProps {
  readonly title: string;
  /** The question above the list, e.g. "Keyboard layout:". */
  readonly question: string;
  /** An example of what to type, for the key hints (e.g. "berlin"). */
  readonly filterExample?: string;
  readonly options: readonly string[];
  readonly value: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (value: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function ChooseOneScreen({ title, question, filterExample, options, value, step, onNext, onBack, isActive = true }: ChooseOneScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  const filterHint = filterExample === undefined ? 'type: filter' : `type: filter (e.g. ${filterExample})`;
  return (
    <Frame title={title} {...(step ? { step } : {})} hints={['Up/Down: move', filterHint, 'Enter: choose', ...(onBack ? ['Esc: back'] : [])]}>
      <Box flexDirection="column">
        <Text bold>{question}</Text>
        <SelectList items={options.map((o) => ({ value: o, label: o }))} focus={value} onChoose={onNext} filterable visibleCount={10} isActive={isActive} />
      </Box>
    </Frame>
  );
}
