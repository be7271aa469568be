/**
 * The partition layout: the guided layout (ESP + optional swap + root filling the rest) with a choice of
 * root filesystem and swap size, a layout file, or the guided partitions with sizes and filesystems edited.
 * The planned partitions for the chosen disk are shown before the user moves on. The root filesystem can be
 * encrypted (LUKS2): the passphrase is typed twice, masked.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame, type StepPosition } from '../frame/index.js';
import { SelectList } from '../select-list/index.js';
import { TextField } from '../text-field/index.js';
import { describeChoice, layoutItems, type LayoutState } from './state.js';
import { LUKS_FORMAT_LABEL } from '../../../system/answers.js';

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
    case 'passphrase':
    case 'passphrase-confirm':
      body = (
        <Box flexDirection="column">
          <Text>{view.kind === 'passphrase' ? 'Passphrase of the encrypted root (asked at every boot):' : 'Type the passphrase again:'}</Text>
          <TextField field={layout.field} mask />
          {view.kind === 'passphrase' && view.error ? <Text color="red">{view.error}</Text> : null}
        </Box>
      );
      break;
    case 'encrypt':
      body = (
        <Box flexDirection="column">
          <Text>Encrypt the root filesystem? (the ESP stays plain: the kernels are read from it)</Text>
          <SelectList items={layoutItems(layout)} list={layout.list} />
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
      {layout.encryption === undefined ? null : <Text>Root encrypted: {LUKS_FORMAT_LABEL}</Text>}
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
