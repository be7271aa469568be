/** The first screen: what is about to happen, and the language (the installed system's locale). */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface WelcomeScreenProps {
  /** Locales offered, e.g. en_US.UTF-8. */
  readonly locales: readonly string[];
  readonly locale: string;
  /** Where the generations come from, shown so the user knows what will be installed. */
  readonly source: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (locale: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function WelcomeScreen({ locales, locale, source, step, onNext, onBack, isActive = true }: WelcomeScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  return (
    <Frame title="Welcome" {...(step ? { step } : {})} hints={['Up/Down: move', 'type: filter', 'Enter: choose']}>
      <Text>This installs a generation-based system from {source} onto a disk.</Text>
      <Text>Nothing is written until you confirm on the summary screen.</Text>
      <Box marginTop={1} flexDirection="column">
        <Text bold>Language (locale of the installed system):</Text>
        <SelectList items={locales.map((l) => ({ value: l, label: l }))} focus={locale} onChoose={onNext} filterable visibleCount={8} isActive={isActive} />
      </Box>
    </Frame>
  );
}
