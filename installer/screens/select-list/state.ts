/**
 * The state of a list the user moves through with the keyboard, and its keys (pure). Every key is folded in
 * order against the latest state, so keys typed faster than the screen redraws all count; Enter reports the
 * choice to the caller (the installer's reducer). The cursor is kept by value, so it stays on its item when
 * the list is filtered or replaced.
 */
import type { Key } from '../keys/split-keys.js';

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
}

export type ListAction =
  | { readonly type: 'up' | 'down' | 'page-up' | 'page-down' | 'home' | 'end' | 'toggle' | 'erase' }
  | { readonly type: 'type'; readonly text: string };

export function initialListState(items: readonly ListItem[], visible: number, focus?: string, checked: readonly string[] = []): ListState {
  const start = items.find((i) => i.value === focus && i.disabled === undefined) ?? items.find((i) => i.disabled === undefined);
  return scrolled({ filter: '', cursor: start?.value, top: 0, visible: Math.max(1, visible), checked }, items);
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
    case 'type':
      return refocus({ ...state, filter: state.filter + action.text }, items);
    case 'erase':
      return refocus({ ...state, filter: state.filter.slice(0, -1) }, items);
  }
}

export interface ListOptions {
  /** Space checks and unchecks; Enter confirms the checked set. */
  readonly multiple?: boolean;
  /** Typing narrows the list; Backspace widens it again. */
  readonly filterable?: boolean;
}

/** Folds one key into a list: `chosen` is set on Enter (the item under the cursor, or the checked items in list order). */
export function listKey(items: readonly ListItem[], state: ListState, key: Key, options: ListOptions = {}): { readonly state: ListState; readonly chosen?: readonly string[] } {
  const multiple = options.multiple === true;
  const act = (type: Exclude<ListAction['type'], 'type'>) => ({ state: reduceList(items, state, { type }, multiple) });
  switch (key.kind) {
    case 'up':
    case 'down':
    case 'page-up':
    case 'page-down':
    case 'home':
    case 'end':
      return act(key.kind);
    case 'enter': {
      if (multiple) return { state, chosen: items.filter((i) => state.checked.includes(i.value)).map((i) => i.value) };
      const item = shownItems(items, state.filter).find((i) => i.value === state.cursor);
      return item === undefined || item.disabled !== undefined ? { state } : { state, chosen: [item.value] };
    }
    case 'backspace':
    case 'delete':
      return options.filterable ? act('erase') : { state };
    case 'char':
      if (multiple && key.text === ' ') return act('toggle');
      if (options.filterable && FILTER_CHARACTER.test(key.text)) return { state: reduceList(items, state, { type: 'type', text: key.text }, multiple) };
      return { state };
    case 'paste': {
      const text = [...key.text].filter((c) => FILTER_CHARACTER.test(c)).join('');
      return options.filterable && text !== '' ? { state: reduceList(items, state, { type: 'type', text }, multiple) } : { state };
    }
    case 'ctrl':
      return options.filterable && key.letter === 'u' ? { state: refocus({ ...state, filter: '' }, items) } : { state };
    default:
      return { state };
  }
}

/** What typing adds to a filter: the characters of locale, keymap and time zone names. */
const FILTER_CHARACTER = /^[\w./+-]$/;

/** After the list or the filter changed: keep the cursor's item if shown, else the first usable one. */
function refocus(state: ListState, items: readonly ListItem[]): ListState {
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
