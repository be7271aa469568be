/**
 * The partition layout: the guided layout (ESP + optional swap + root filling the rest) with a choice of
 * root filesystem and swap size, a layout file, or the guided partitions with sizes and filesystems edited.
 * The planned partitions for the chosen disk are shown before the user moves on.
 */
import React, { useEffect, useEffectEvent, useReducer, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { CustomPartition, LayoutChoice, LayoutPreview } from '../../engine/contract.js';
import { Frame } from '../frame/index.js';
import { TextField } from '../text-field/index.js';
import { SelectList } from '../select-list/index.js';
import { describeChoice, formatsFor, initialLayoutState, layoutReducer } from './state.js';

export interface LayoutScreenProps {
  readonly layout: LayoutChoice;
  /** Plans a layout on the chosen disk (may read a layout file). */
  readonly preview: (choice: LayoutChoice) => Promise<LayoutPreview>;
  /** The guided layout's partitions, as the starting point for editing. */
  readonly guidedPartitions: (choice: LayoutChoice) => readonly CustomPartition[];
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (layout: LayoutChoice) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

const SWAP_SIZES = ['none', '1G', '2G', '4G', '8G', '16G'];

export function LayoutScreen({ layout, preview, guidedPartitions, step, onNext, onBack, isActive = true }: LayoutScreenProps): React.JSX.Element {
  const [state, dispatch] = useReducer(layoutReducer, layout, initialLayoutState);
  // The plan shown is the current choice's; until it arrives, none ("planning...").
  const [plannedFor, setPlannedFor] = useState<{ readonly choice: LayoutChoice; readonly result: LayoutPreview } | undefined>();
  const planned = plannedFor?.choice === state.choice ? plannedFor.result : undefined;
  // Planned again when the choice changes, not when a render hands over a new `preview` function.
  const plan = useEffectEvent((choice: LayoutChoice) => preview(choice));
  useEffect(() => {
    let current = true;
    const choice = state.choice;
    void plan(choice).then(
      (result) => current && setPlannedFor({ choice, result }),
      (error: unknown) => current && setPlannedFor({ choice, result: { rows: [], error: error instanceof Error ? error.message : String(error) } }),
    );
    return () => {
      current = false;
    };
  }, [state.choice]);

  useInput(
    (_input, key) => {
      if (!key.escape) return;
      if (state.view.kind === 'menu') onBack?.();
      else dispatch({ type: 'close' });
    },
    { isActive },
  );

  const view = state.view;
  const hints = view.kind === 'menu' ? ['Up/Down: move', 'Enter: choose', 'Esc: back'] : ['Enter: choose', 'Esc: cancel'];
  let body: React.ReactNode;
  switch (view.kind) {
    case 'menu':
      body = (
        <SelectList
          key="menu"
          items={[
            { value: 'continue', label: planned?.error !== undefined ? 'Use this layout (fix the problem first)' : planned === undefined ? 'Use this layout (planning...)' : 'Use this layout' },
            { value: 'filesystem', label: `Guided: root filesystem (${state.guided.filesystem})` },
            { value: 'swap', label: `Guided: swap (${state.guided.swap})` },
            { value: 'file', label: 'Use a layout file...' },
            { value: 'custom', label: 'Edit partition sizes and filesystems...' },
          ]}
          onChoose={(value) => {
            if (value === 'continue') {
              // Only a layout that planned without error on the chosen disk can be used.
              if (planned !== undefined && planned.error === undefined) onNext(state.choice);
            }
            else if (value === 'custom') dispatch({ type: 'start-custom', partitions: state.choice.kind === 'custom' ? state.choice.partitions : guidedPartitions({ kind: 'guided', ...state.guided }) });
            else dispatch({ type: 'open', view: { kind: value as 'filesystem' | 'swap' | 'file' } });
          }}
          isActive={isActive}
        />
      );
      break;
    case 'filesystem':
      body = (
        <SelectList
          key="filesystem"
          items={[
            { value: 'ext4', label: 'ext4 (the safe default)' },
            { value: 'btrfs', label: 'btrfs (snapshots, compression)' },
          ]}
          focus={state.guided.filesystem}
          onChoose={(value) => dispatch({ type: 'set-filesystem', filesystem: value as 'ext4' | 'btrfs' })}
          isActive={isActive}
        />
      );
      break;
    case 'swap':
      body = <SelectList key="swap" items={SWAP_SIZES.map((s) => ({ value: s, label: s === 'none' ? 'no swap partition' : s }))} focus={state.guided.swap} onChoose={(swap) => dispatch({ type: 'set-swap', swap })} isActive={isActive} />;
      break;
    case 'file':
      body = (
        <Box flexDirection="column">
          <Text>Path of the layout file (YAML, see `cairn config schema layout`):</Text>
          <TextField
            isActive={isActive}
            {...(state.choice.kind === 'file' ? { defaultValue: state.choice.path } : {})}
            placeholder="/path/to/layout.yaml"
            onSubmit={(path) => (path.trim() === '' ? dispatch({ type: 'file-error', error: 'give a path' }) : dispatch({ type: 'set-file', path: path.trim() }))}
          />
          {view.error ? <Text color="red">{view.error}</Text> : null}
        </Box>
      );
      break;
    case 'custom': {
      const partitions = state.choice.kind === 'custom' ? state.choice.partitions : [];
      body = (
        <SelectList
          key="custom"
          items={[
            ...partitions.map((p, i) => ({ value: String(i), label: `${p.name.padEnd(8)} ${p.type.padEnd(6)} ${p.size.padEnd(6)} ${p.format}` })),
            { value: 'done', label: 'Done editing' },
          ]}
          onChoose={(value) => (value === 'done' ? dispatch({ type: 'close' }) : dispatch({ type: 'open', view: { kind: 'custom-size', index: Number(value) } }))}
          isActive={isActive}
        />
      );
      break;
    }
    case 'custom-size': {
      const partition = state.choice.kind === 'custom' ? state.choice.partitions[view.index] : undefined;
      body = (
        <Box flexDirection="column">
          <Text>Size of {partition?.name} (e.g. 512M, 20G, or 100% of what is left):</Text>
          <TextField isActive={isActive} defaultValue={partition?.size ?? ''} onSubmit={(size) => dispatch({ type: 'set-size', index: view.index, size })} />
          {view.error ? <Text color="red">{view.error}</Text> : null}
        </Box>
      );
      break;
    }
    case 'custom-format': {
      const partition = state.choice.kind === 'custom' ? state.choice.partitions[view.index] : undefined;
      body = (
        <Box flexDirection="column">
          <Text>Filesystem of {partition?.name}:</Text>
          <SelectList
            key="format"
            items={formatsFor(partition?.type ?? '').map((f) => ({ value: f, label: f }))}
            {...(partition ? { focus: partition.format } : {})}
            onChoose={(format) => dispatch({ type: 'set-format', index: view.index, format: format as CustomPartition['format'] })}
            isActive={isActive}
          />
        </Box>
      );
      break;
    }
  }

  return (
    <Frame title="Partitions" {...(step ? { step } : {})} hints={hints}>
      <Text>Layout: {describeChoice(state.choice)}</Text>
      <Box flexDirection="column" marginY={1}>
        {planned === undefined ? <Text dimColor>planning...</Text> : null}
        {planned?.rows.slice(0, 6).map((row) => (
          <Text key={row}>  {row}</Text>
        ))}
        {planned?.error ? <Text color="red">{planned.error}</Text> : null}
      </Box>
      {body}
    </Frame>
  );
}
