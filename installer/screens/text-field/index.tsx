/**
 * A one-line text field: type, Backspace, Ctrl-U clears, Enter submits. `mask` shows `*` for passwords;
 * the value never appears on screen then.
 */
import React, { useEffect, useEffectEvent, useReducer } from 'react';
import { Text, useInput } from 'ink';
import { fieldReducer } from './state.js';

export interface TextFieldProps {
  readonly defaultValue?: string;
  readonly placeholder?: string;
  readonly mask?: boolean;
  readonly onSubmit: (value: string) => void;
  readonly isActive?: boolean;
}

export function TextField({ defaultValue = '', placeholder, mask = false, onSubmit, isActive = true }: TextFieldProps): React.JSX.Element {
  const [state, dispatch] = useReducer(fieldReducer, { value: defaultValue, submitted: undefined });
  // Each Enter makes a new `submitted` and is reported once, to the onSubmit of the render that shows it.
  const submitted = useEffectEvent((value: string) => onSubmit(value));
  useEffect(() => {
    if (state.submitted !== undefined) submitted(state.submitted.value);
  }, [state.submitted]);

  useInput(
    (input, key) => {
      if (key.return) dispatch({ type: 'submit' });
      else if (key.backspace || key.delete) dispatch({ type: 'erase' });
      else if (key.ctrl && input === 'u') dispatch({ type: 'clear' });
      else if (!key.ctrl && !key.meta && !key.escape && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && input !== '') {
        // eslint-disable-next-line no-control-regex -- control characters typed or pasted are dropped, never put in a field
        dispatch({ type: 'insert', text: input.replace(/[\u0000-\u001f\u007f]/g, '') });
      }
    },
    { isActive },
  );

  const shown = mask ? '*'.repeat(state.value.length) : state.value;
  if (shown === '' && placeholder !== undefined) {
    return (
      <Text>
        {isActive ? <Text inverse> </Text> : null}
        <Text dimColor>{placeholder}</Text>
      </Text>
    );
  }
  return (
    <Text>
      {shown}
      {isActive ? <Text inverse> </Text> : null}
    </Text>
  );
}
