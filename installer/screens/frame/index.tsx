/**
 * The frame every screen sits in: a title line with the step, the body, and a line of key hints. ASCII
 * only and at most 80 columns, so it reads the same on a laptop and on a serial console.
 */
import React from 'react';
import { Box, Text } from 'ink';

/** 1-based position in the flow and the number of steps. */
export interface StepPosition {
  readonly index: number;
  readonly total: number;
}

export interface FrameProps {
  /** The screen's name, e.g. "Keyboard layout". */
  readonly title: string;
  /** 1-based position in the flow and the number of steps, when the screen is part of it. */
  readonly step?: StepPosition;
  /** Key hints for the footer, e.g. ["Enter: choose", "Esc: back"]. */
  readonly hints: readonly string[];
  readonly children?: React.ReactNode;
}

export function Frame({ title, step, hints, children }: FrameProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={80}>
      <Text bold>
        Cairn installer - {title}
        {step === undefined ? '' : `  (step ${step.index} of ${step.total})`}
      </Text>
      <Text>{'-'.repeat(78)}</Text>
      <Box flexDirection="column" marginTop={1} marginBottom={1}>
        {children}
      </Box>
      <Text dimColor>{hints.join('   ')}</Text>
    </Box>
  );
}
