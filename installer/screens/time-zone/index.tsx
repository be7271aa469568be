/** The time zone of the installed system; a long list, so it filters as the user types. */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface TimeZoneScreenProps {
  readonly timeZones: readonly string[];
  readonly timeZone: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (timeZone: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function TimeZoneScreen({ timeZones, timeZone, step, onNext, onBack, isActive = true }: TimeZoneScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  return (
    <Frame title="Time zone" {...(step ? { step } : {})} hints={['Up/Down: move', 'type: filter (e.g. berlin)', 'Enter: choose', 'Esc: back']}>
      <Box flexDirection="column">
        <Text bold>Time zone:</Text>
        <SelectList items={timeZones.map((z) => ({ value: z, label: z }))} focus={timeZone} onChoose={onNext} filterable visibleCount={10} isActive={isActive} />
      </Box>
    </Frame>
  );
}
