/**
 * The state of a list the user moves through with the keyboard (pure). Every key is an action, so keys
 * typed faster than the screen redraws are applied in order against the latest state; choosing is recorded
 * in the state (with a sequence number) and reported by the component afterwards. The cursor is kept by
 * value, so it stays on its item when the list is filtered or replaced.
 */

export interface ListItem {
  readonly value: string;
  readonly label: string;
  /** Shown but not choosable; the reason is displayed beside it. */
  readonly disabled?: string;
  /** Multi-choice lists: cannot be unchecked (e.g. the current generation). */
  readonly locked?: boolean;
}

export interface ListState {
  readonly filter: string;
  /** Value of the item under the cursor (undefined when nothing can be chosen). */
  readonly cursor: string | undefined;
  /** Index of the first visible item among the shown ones. */
  readonly top: number;
  readonly visible: number;
  readonly checked: readonly string[];
  /** The last choice (Enter): a value, or the checked values for multi-choice lists; `seq` counts choices. */
  readonly chosen: { readonly seq: number; readonly values: readonly string[] } | undefined;
}

export type ListAction =
  | { readonly type: 'up' | 'down' | 'page-up' | 'page-down' | 'home' | 'end' | 'toggle' | 'erase' | 'choose' }
  | { readonly type: 'type'; readonly text: string };

export function initialListState(items: readonly ListItem[], visible: number, focus?: string, checked: readonly string[] = []): ListState {
  const start = items.find((i) => i.value === focus && i.disabled === undefined) ?? items.find((i) => i.disabled === undefined);
  return scrolled({ filter: '', cursor: start?.value, top: 0, visible: Math.max(1, visible), checked, chosen: undefined }, items);
}

/** The items a filter leaves, in order. */
export function shownItems(items: readonly ListItem[], filter: string): readonly ListItem[] {
  if (filter === '') return items;
  const needle = filter.toLowerCase();
  return items.filter((i) => i.label.toLowerCase().includes(needle));
}

/** The reducer for a given item list (the component passes its current items). */
export function reduceList(items: readonly ListItem[], state: ListState, action: ListAction, multiple: boolean): ListState {
  const shown = shownItems(items, state.filter);
  const index = shown.findIndex((i) => i.value === state.cursor);
  switch (action.type) {
    case 'up':
      return moveTo(state, shown, index - 1, -1);
    case 'down':
      return moveTo(state, shown, index + 1, 1);
    case 'page-up':
      return moveTo(state, shown, index - state.visible, -1);
    case 'page-down':
      return moveTo(state, shown, index + state.visible, 1);
    case 'home':
      return moveTo(state, shown, 0, 1);
    case 'end':
      return moveTo(state, shown, shown.length - 1, -1);
    case 'toggle': {
      const item = shown[index];
      if (!multiple || item === undefined || item.disabled !== undefined || item.locked) return state;
      const checked = state.checked.includes(item.value) ? state.checked.filter((v) => v !== item.value) : [...state.checked, item.value];
      return { ...state, checked };
    }
    case 'choose': {
      const seq = (state.chosen?.seq ?? 0) + 1;
      if (multiple) return { ...state, chosen: { seq, values: items.filter((i) => state.checked.includes(i.value)).map((i) => i.value) } };
      const item = shown[index];
      if (item === undefined || item.disabled !== undefined) return state;
      return { ...state, chosen: { seq, values: [item.value] } };
    }
    case 'type':
      return refocus({ ...state, filter: state.filter + action.text }, items);
    case 'erase':
      return refocus({ ...state, filter: state.filter.slice(0, -1) }, items);
  }
}

/** After the list or the filter changed: keep the cursor's item if shown, else the first usable one. */
export function refocus(state: ListState, items: readonly ListItem[]): ListState {
  const shown = shownItems(items, state.filter);
  const keep = shown.find((i) => i.value === state.cursor && i.disabled === undefined) ?? shown.find((i) => i.disabled === undefined);
  return scrolled({ ...state, cursor: keep?.value }, items);
}

function moveTo(state: ListState, shown: readonly ListItem[], target: number, direction: 1 | -1): ListState {
  if (shown.length === 0) return state;
  const clamped = Math.max(0, Math.min(shown.length - 1, target));
  let found = firstEnabled(shown, clamped, direction);
  if (found < 0) found = firstEnabled(shown, clamped, direction === 1 ? -1 : 1);
  if (found < 0) return state;
  return scrolledIn({ ...state, cursor: shown[found]!.value }, shown);
}

function firstEnabled(items: readonly ListItem[], from: number, direction: 1 | -1): number {
  for (let i = from; i >= 0 && i < items.length; i += direction) if (items[i]!.disabled === undefined) return i;
  return -1;
}

function scrolled(state: ListState, items: readonly ListItem[]): ListState {
  return scrolledIn(state, shownItems(items, state.filter));
}

function scrolledIn(state: ListState, shown: readonly ListItem[]): ListState {
  const index = Math.max(0, shown.findIndex((i) => i.value === state.cursor));
  let top = state.top;
  if (index < top) top = index;
  if (index >= top + state.visible) top = index - state.visible + 1;
  top = Math.max(0, Math.min(top, Math.max(0, shown.length - state.visible)));
  return { ...state, top };
}
