/**
 * Choosing the disk to install on. Every disk is named by model, size and by-id name, with what is on it
 * now; disks Cairn refuses (mounted, the live medium, too small, read-only) are listed with the reason and
 * cannot be chosen.
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { DiskChoice } from '../../engine/contract.js';
import { canGoBack } from '../choose-one/index.js';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface DiskScreenProps {
  readonly disks: readonly DiskChoice[];
  readonly items: readonly ListItem[];
  readonly list: ListState;
  readonly step?: StepPosition;
}

export function DiskScreen({ disks, items, list, step }: DiskScreenProps): React.JSX.Element {
  const shown = disks.find((d) => d.path === list.cursor);
  const usable = disks.some((d) => d.refusal === undefined);
  return (
    <Frame title="Disk" {...(step ? { step } : {})} hints={['Up/Down: move', 'Enter: choose', ...(canGoBack(step) ? ['Esc: back'] : [])]}>
      <Text bold>Install on which disk? Everything on it will be erased.</Text>
      {usable ? null : <Text color="red">No disk can be used: see the reasons below.</Text>}
      <SelectList items={items} list={list} />
      {shown ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>{shown.identity}</Text>
          <Text>Now on it:</Text>
          {shown.contents.slice(0, 6).map((line, index) => (
            <Text key={`content-${index}`}>  {line}</Text>
          ))}
          {shown.contents.length > 6 ? <Text>  ... {shown.contents.length - 6} more</Text> : null}
        </Box>
      ) : null}
    </Frame>
  );
}
