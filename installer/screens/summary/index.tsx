/**
 * The last look before anything is written: every choice, and every disk and partition that will be
 * erased. Installing needs the disk's name typed in full; anything else is refused and nothing is written.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame, type StepPosition } from '../frame/index.js';
import { TextField } from '../text-field/index.js';
import type { FieldState } from '../text-field/state.js';

export interface SummaryScreenProps {
  /** Label/value rows of the choices (language, keyboard, ... generations, boot loader). */
  readonly choices: readonly (readonly [string, string])[];
  /** What will be destroyed: the disk by model/by-id/size and each existing partition on it. */
  readonly erased: readonly string[];
  /** The name to type to confirm: the disk's device name (sda, nvme0n1) or the image file's name. */
  readonly confirmName: string;
  readonly field: FieldState;
  /** Why the last name typed was refused. */
  readonly refused: string | undefined;
  readonly step?: StepPosition;
}

export function SummaryScreen({ choices, erased, confirmName, field, refused, step }: SummaryScreenProps): React.JSX.Element {
  const width = Math.max(...choices.map(([label]) => label.length), 0) + 2;
  return (
    <Frame title="Summary" {...(step ? { step } : {})} hints={['Enter: install', 'Esc: back and change something']}>
      {choices.map(([label, value], index) => (
        <Text key={`choice-${index}`}>
          {label.padEnd(width)}
          {value}
        </Text>
      ))}
      <Box flexDirection="column" marginTop={1}>
        <Text color="red" bold>
          These will be ERASED:
        </Text>
        {erased.slice(0, 6).map((line, index) => (
          <Text key={`erased-${index}`} color="red">
            {'  '}
            {line}
          </Text>
        ))}
        {erased.length > 6 ? <Text color="red">  ... and {erased.length - 6} more</Text> : null}
      </Box>
      <Box marginTop={1}>
        <Text>Type the disk's name ({confirmName}) to install: </Text>
        <TextField field={field} />
      </Box>
      {refused ? <Text color="yellow">{refused}</Text> : null}
    </Frame>
  );
}
