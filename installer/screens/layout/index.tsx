/**
 * The partition layout: the guided layout (ESP + optional swap + root filling the rest) with a choice of
 * root filesystem and swap size, a layout file, or the guided partitions with sizes and filesystems edited.
 * The planned partitions for the chosen disk are shown before the user moves on.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { TextField } from '../text-field/index.js';
import { describeChoice, layoutItems, type LayoutState } from './state.js';

export interface LayoutScreenProps {
  readonly layout: LayoutState;
  readonly step?: StepPosition;
}

export function LayoutScreen({ layout, step }: LayoutScreenProps): React.JSX.Element {
  const { view, choice, preview } = layout;
  const hints = view.kind === 'menu' ? ['Up/Down: move', 'Enter: choose', 'Esc: back'] : ['Enter: choose', 'Esc: cancel'];
  const partition = (index: number) => (choice.kind === 'custom' ? choice.partitions[index] : undefined);
  let body: React.ReactNode;
  switch (view.kind) {
    case 'file':
      body = (
        <Box flexDirection="column">
          <Text>Path of the layout file (YAML, see `cairn config schema layout`):</Text>
          <TextField field={layout.field} placeholder="/path/to/layout.yaml" />
          {view.error ? <Text color="red">{view.error}</Text> : null}
        </Box>
      );
      break;
    case 'custom-size':
      body = (
        <Box flexDirection="column">
          <Text>Size of {partition(view.index)?.name} (e.g. 512M, 20G, or 100% of what is left):</Text>
          <TextField field={layout.field} />
          {view.error ? <Text color="red">{view.error}</Text> : null}
        </Box>
      );
      break;
    case 'custom-format':
      body = (
        <Box flexDirection="column">
          <Text>Filesystem of {partition(view.index)?.name}:</Text>
          <SelectList items={layoutItems(layout)} list={layout.list} />
        </Box>
      );
      break;
    default:
      body = <SelectList items={layoutItems(layout)} list={layout.list} />;
  }
  return (
    <Frame title="Partitions" {...(step ? { step } : {})} hints={hints}>
      <Text>Layout: {describeChoice(choice)}</Text>
      <Box flexDirection="column" marginY={1}>
        {preview === undefined ? <Text dimColor>planning...</Text> : null}
        {preview?.rows.slice(0, 6).map((row, index) => (
          <Text key={`row-${index}`}>  {row}</Text>
        ))}
        {preview?.error ? <Text color="red">{preview.error}</Text> : null}
      </Box>
      {body}
      {layout.notice ? <Text color="yellow">{layout.notice}</Text> : null}
    </Frame>
  );
}
