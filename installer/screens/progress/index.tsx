/**
 * The install running: each phase with its own count (bytes or files), so progress never sits at one
 * percentage; `l` switches to the log and back. Ctrl-C stops at the next safe point.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { formatSize } from '../../../lib/size.js';
import { Frame } from '../frame/index.js';
import type { PhaseProgress, ProgressState } from './state.js';

export interface ProgressScreenProps {
  readonly progress: ProgressState;
  readonly showLog: boolean;
  /** Set while stopping after Ctrl-C. */
  readonly stopping: boolean;
}

export function ProgressScreen({ progress, showLog, stopping }: ProgressScreenProps): React.JSX.Element {
  return (
    <Frame title={showLog ? 'Installing - log' : 'Installing'} hints={[showLog ? 'l: back to progress' : 'l: show the log', 'Ctrl-C: stop at the next safe point']}>
      {showLog ? (
        progress.log.slice(-16).map((line, index) => <Text key={`log-${index}`}>{line.slice(0, 78)}</Text>)
      ) : (
        <Box flexDirection="column">
          {progress.phases.map((phase, index) => (
            <PhaseLine key={`phase-${index}`} phase={phase} />
          ))}
          {progress.warnings > 0 ? <Text color="yellow">{progress.warnings} warning(s): press l to read them</Text> : null}
        </Box>
      )}
      {stopping ? <Text color="yellow">Stopping at the next safe point...</Text> : null}
    </Frame>
  );
}

function PhaseLine({ phase }: { readonly phase: PhaseProgress }): React.JSX.Element {
  const mark = phase.status === 'done' ? '[done]' : '[ .. ]';
  if (phase.total === 0 || phase.unit === undefined) {
    return (
      <Text {...(phase.status === 'running' ? { bold: true } : {})}>
        {mark} {phase.title}
      </Text>
    );
  }
  const fraction = Math.min(1, phase.done / phase.total);
  const width = 20;
  const filled = Math.round(fraction * width);
  const count = phase.unit === 'bytes' ? `${formatSize(phase.done)}/${formatSize(phase.total)}` : `${phase.done}/${phase.total} ${phase.unit}`;
  return (
    <Text {...(phase.status === 'running' ? { bold: true } : {})}>
      {mark} {phase.title.slice(0, 28).padEnd(28)} [{'#'.repeat(filled)}{'-'.repeat(width - filled)}] {String(Math.floor(fraction * 100)).padStart(3)}% {count}
    </Text>
  );
}
