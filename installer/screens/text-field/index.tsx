/**
 * A one-line text field as drawn: the value (or `*` for each character when masked: a password never
 * appears on screen), a cursor block when it is the active field, a placeholder when empty, and the notice
 * when keys did not fit. Keys reach it only through the installer's reducer (text-field/state.ts).
 */
import React from 'react';
import { Box, Text } from 'ink';
import type { FieldState } from './state.js';

export interface TextFieldProps {
  readonly field: FieldState;
  readonly placeholder?: string;
  readonly mask?: boolean;
  readonly isActive?: boolean;
}

export function TextField({ field, placeholder, mask = false, isActive = true }: TextFieldProps): React.JSX.Element {
  const shown = mask ? '*'.repeat([...field.value].length) : field.value;
  const cursor = isActive ? <Text inverse> </Text> : null;
  const line =
    shown === '' && placeholder !== undefined ? (
      <Text>
        {cursor}
        <Text dimColor>{placeholder}</Text>
      </Text>
    ) : (
      <Text>
        {lastColumns(shown, 60)}
        {cursor}
      </Text>
    );
  if (field.notice === undefined) return line;
  return (
    <Box flexDirection="column">
      {line}
      <Text color="yellow">{field.notice}</Text>
    </Box>
  );
}

/** The end of a long value, so the cursor stays on the 80-column line. */
function lastColumns(text: string, columns: number): string {
  const characters = [...text];
  return characters.length <= columns ? text : `...${characters.slice(-(columns - 3)).join('')}`;
}
