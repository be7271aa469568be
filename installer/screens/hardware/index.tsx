/** What detection found: the user checks it before choosing a disk. */
import React from 'react';
import { Box, Text, useInput } from 'ink';
import type { HardwareSummary } from '../../engine/contract.js';
import { Frame } from '../frame/index.js';
import { useBack } from '../use-back.js';

export interface HardwareScreenProps {
  readonly summary: HardwareSummary;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: () => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function HardwareScreen({ summary, step, onNext, onBack, isActive = true }: HardwareScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  useInput((_input, key) => key.return && onNext(), { isActive });
  const width = Math.max(...summary.rows.map(([label]) => label.length), 0) + 2;
  return (
    <Frame title="Hardware" {...(step ? { step } : {})} hints={['Enter: continue', 'Esc: back']}>
      {summary.rows.map(([label, value]) => (
        <Text key={label}>
          {label.padEnd(width)}
          {value}
        </Text>
      ))}
      {summary.warnings.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {summary.warnings.slice(0, 4).map((w) => (
            <Text key={w} color="yellow">
              note: {w}
            </Text>
          ))}
          {summary.warnings.length > 4 ? <Text color="yellow">note: {summary.warnings.length - 4} more in the log</Text> : null}
        </Box>
      ) : null}
    </Frame>
  );
}
