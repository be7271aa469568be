/**
 * The last look before anything is written: every choice, what the chosen generations need of the disk,
 * and every disk and partition that will be erased. Installing needs the disk's name typed in full;
 * anything else is refused and nothing is written. A disk too small for the choices is refused here, with
 * what is needed and what the disk has, and Enter goes back to the disk screen.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { formatSize } from '../../../lib/size.js';
import type { SpaceCheck } from '../../engine/contract.js';
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
  /** What the install needs of the disk; undefined while it is measured. */
  readonly space: SpaceCheck | undefined;
  /** Whether the disk screen is asked (Enter goes back to it from a refusal). */
  readonly canChooseDisk: boolean;
  readonly step?: StepPosition;
}

export function SummaryScreen({ choices, erased, confirmName, field, refused, space, canChooseDisk, step }: SummaryScreenProps): React.JSX.Element {
  const rows = space === undefined || space.refusal !== undefined ? choices : [...choices, ['Space', `${formatSize(space.neededBytes)} needed, the disk has ${formatSize(space.diskBytes)}`] as const];
  const width = Math.max(...rows.map(([label]) => label.length), 0) + 2;
  const list = rows.map(([label, value], index) => (
    <Text key={`choice-${index}`}>
      {label.padEnd(width)}
      {value}
    </Text>
  ));
  if (space?.refusal !== undefined) {
    return (
      <Frame title="Summary" {...(step ? { step } : {})} hints={[...(canChooseDisk ? ['Enter: choose another disk'] : []), 'Esc: back and change something']}>
        {list}
        <Box flexDirection="column" marginTop={1}>
          <Text color="red" bold>
            {space.diskBytes === 0 ? 'Cannot install:' : `Cannot install: needed ${formatSize(space.neededBytes)}, the disk has ${formatSize(space.diskBytes)}.`}
          </Text>
          <Text color="red">{space.refusal}</Text>
        </Box>
      </Frame>
    );
  }
  return (
    <Frame title="Summary" {...(step ? { step } : {})} hints={['Enter: install', 'Esc: back and change something']}>
      {list}
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
        {space === undefined ? (
          <Text>Measuring what the generations need on the disk...</Text>
        ) : (
          <>
            <Text>Type the disk's name ({confirmName}) to install: </Text>
            <TextField field={field} />
          </>
        )}
      </Box>
      {refused ? <Text color="yellow">{refused}</Text> : null}
    </Frame>
  );
}
