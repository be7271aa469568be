/** What detection found: the user checks it before choosing a disk. */
import React from 'react';
import { Box, Text } from 'ink';
import type { HardwareSummary } from '../../engine/contract.js';
import { canGoBack } from '../choose-one/index.js';
import { Frame, type StepPosition } from '../frame/index.js';

export interface HardwareScreenProps {
  readonly summary: HardwareSummary;
  readonly step?: StepPosition;
}

/** Rows shown at most, so the screen fits 24 lines; the rest are counted. */
const ROW_LIMIT = 14;

/**
 * The rows shown when not all fit: every labelled row (CPU, memory, each disk...) comes first, then the detail rows
 * under them (a disk's partitions and verdict, empty label) in order while room is left; one line counts the rest.
 */
function rowsThatFit(rows: readonly (readonly [string, string])[], limit: number): readonly (readonly [string, string])[] {
  if (rows.length <= limit) return rows;
  const room = limit - 1;
  let details = Math.max(0, room - rows.filter(([label]) => label !== '').length);
  const kept: (readonly [string, string])[] = [];
  for (const row of rows) {
    if (kept.length === room) break;
    if (row[0] !== '') kept.push(row);
    else if (details > 0) {
      kept.push(row);
      details -= 1;
    }
  }
  return kept;
}

export function HardwareScreen({ summary, step }: HardwareScreenProps): React.JSX.Element {
  const width = Math.max(...summary.rows.map(([label]) => label.length), 0) + 2;
  const rows = rowsThatFit(summary.rows, ROW_LIMIT);
  return (
    <Frame title="Hardware" {...(step ? { step } : {})} hints={['Enter: continue', ...(canGoBack(step) ? ['Esc: back'] : [])]}>
      {rows.map(([label, value], index) => (
        // Rows repeat labels (several disks) and leave them empty (a disk's partitions): keyed by position.
        <Text key={`row-${index}`}>
          {label.padEnd(width)}
          {value}
        </Text>
      ))}
      {rows.length < summary.rows.length ? <Text dimColor>... {summary.rows.length - rows.length} more rows (cairn detect shows them all)</Text> : null}
      {summary.warnings.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          {summary.warnings.slice(0, 4).map((warning, index) => (
            <Text key={`warning-${index}`} color="yellow">
              note: {warning}
            </Text>
          ))}
          {summary.warnings.length > 4 ? <Text color="yellow">note: {summary.warnings.length - 4} more in the log</Text> : null}
        </Box>
      ) : null}
    </Frame>
  );
}
