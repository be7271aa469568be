/**
 * Choosing the disk to install on. Every disk is named by model, size and by-id name, with what is on it
 * now; disks Cairn refuses (mounted, the live medium, too small, read-only) are listed with the reason and
 * cannot be chosen.
 */
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import type { DiskChoice } from '../../engine/contract.js';
import { Frame } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { useBack } from '../use-back.js';

export interface DiskScreenProps {
  readonly disks: readonly DiskChoice[];
  readonly disk: string | undefined;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (path: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function DiskScreen({ disks, disk, step, onNext, onBack, isActive = true }: DiskScreenProps): React.JSX.Element {
  useBack(onBack, isActive);
  const [focused, setFocused] = useState(disk ?? disks.find((d) => d.refusal === undefined)?.path);
  const shown = disks.find((d) => d.path === focused);
  const usable = disks.some((d) => d.refusal === undefined);
  return (
    <Frame title="Disk" {...(step ? { step } : {})} hints={['Up/Down: move', 'Enter: choose', 'Esc: back']}>
      <Text bold>Install on which disk? Everything on it will be erased.</Text>
      {usable ? null : <Text color="red">No disk can be used: see the reasons below.</Text>}
      <SelectList
        items={disks.map((d) => ({ value: d.path, label: d.label, ...(d.refusal === undefined ? {} : { disabled: d.refusal }) }))}
        {...(disk === undefined ? {} : { focus: disk })}
        onChoose={onNext}
        onFocus={setFocused}
        visibleCount={6}
        isActive={isActive}
      />
      {shown ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>{shown.identity}</Text>
          <Text>Now on it:</Text>
          {shown.contents.slice(0, 6).map((line) => (
            <Text key={line}>  {line}</Text>
          ))}
          {shown.contents.length > 6 ? <Text>  ... {shown.contents.length - 6} more</Text> : null}
        </Box>
      ) : null}
    </Frame>
  );
}
