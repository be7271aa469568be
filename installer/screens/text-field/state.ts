/**
 * A one-line text field's state (pure). Like the list, every key is an action applied in order, and Enter
 * records the submitted value with a sequence number, so fast typing is never lost or submitted stale.
 */

export interface FieldState {
  readonly value: string;
  readonly submitted: { readonly seq: number; readonly value: string } | undefined;
}

export type FieldAction = { readonly type: 'insert'; readonly text: string } | { readonly type: 'erase' } | { readonly type: 'clear' } | { readonly type: 'submit' };

export function fieldReducer(state: FieldState, action: FieldAction): FieldState {
  switch (action.type) {
    case 'insert':
      return { ...state, value: state.value + action.text };
    case 'erase':
      return { ...state, value: state.value.slice(0, -1) };
    case 'clear':
      return { ...state, value: '' };
    case 'submit':
      return { ...state, submitted: { seq: (state.submitted?.seq ?? 0) + 1, value: state.value } };
  }
}
