/** Which generations to copy onto the disk: all by default; the current one always (it stays current). */
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { GenerationChoice } from '../../engine/contract.js';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface GenerationsScreenProps {
  readonly generations: readonly GenerationChoice[];
  readonly chosen: readonly number[];
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (chosen: number[]) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function GenerationsScreen({ generations, chosen, step, onNext, onBack, isActive = true }: GenerationsScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  const [error, setError] = useState<string | undefined>();
  const current = generations.find((g) => g.current);
  return (
    <Frame title="Generations" {...(step ? { step } : {})} hints={['Up/Down: move', 'Space: check/uncheck', 'Enter: continue', 'Esc: back']}>
      <Text bold>Generations to install (each gets a boot menu entry):</Text>
      <SelectList
        items={generations.map((g) => ({ value: String(g.number), label: `${g.title}${g.current ? '  [current]' : ''}`, ...(g.current ? { locked: true } : {}) }))}
        multiple={{
          checked: chosen.map(String),
          onConfirm: (values) => {
            const numbers = values.map(Number);
            if (current !== undefined && !numbers.includes(current.number)) numbers.push(current.number);
            if (numbers.length === 0) {
              setError('choose at least one generation');
              return;
            }
            onNext(numbers.sort((a, b) => b - a));
          },
        }}
        visibleCount={12}
        isActive={isActive}
      />
      {error ? (
        <Box marginTop={1}>
          <Text color="red">{error}</Text>
        </Box>
      ) : null}
    </Frame>
  );
}
