/**
 * A one-line text field's state and keys (pure). Every key is folded in order, so typing ahead and pastes
 * lose nothing; what does not fit the field's limit is dropped with a notice saying so, never silently.
 */
import type { Key } from '../keys/split-keys.js';

export interface FieldState {
  readonly value: string;
  /** Why the last keys did not all go in (the limit), shown under the field until the next edit. */
  readonly notice: string | undefined;
}

export function initialField(value = ''): FieldState {
  return { value, notice: undefined };
}

export interface FieldOutcome {
  readonly state: FieldState;
  /** Set when Enter was pressed: the value submitted. */
  readonly submitted?: string;
}

/** Folds one key into a field that holds at most `limit` characters. */
export function fieldKey(state: FieldState, key: Key, limit: number): FieldOutcome {
  switch (key.kind) {
    case 'enter':
      return { state: { ...state, notice: undefined }, submitted: state.value };
    case 'char':
      return { state: insert(state, key.text, limit) };
    case 'paste':
      // A paste is text, never a command: line breaks and other control characters are left out.
      return { state: insert(state, key.text.replace(/\p{Cc}/gu, ''), limit) };
    case 'backspace':
    case 'delete':
      return { state: { value: [...state.value].slice(0, -1).join(''), notice: undefined } };
    case 'ctrl':
      if (key.letter === 'u') return { state: initialField() };
      // Ctrl-W: the last word and the spaces after it.
      if (key.letter === 'w') return { state: { value: state.value.replace(/\S*\s*$/, ''), notice: undefined } };
      return { state };
    default:
      return { state };
  }
}

function insert(state: FieldState, text: string, limit: number): FieldState {
  const have = [...state.value];
  const adding = [...text];
  const room = Math.max(0, limit - have.length);
  if (adding.length <= room) return { value: state.value + text, notice: undefined };
  return { value: [...have, ...adding.slice(0, room)].join(''), notice: `this field holds at most ${limit} characters: the rest was left out` };
}
