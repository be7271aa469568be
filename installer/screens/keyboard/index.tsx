/** The console keyboard layout (keymap) of the installed system. */
import React from 'react';
import { ChooseOneScreen } from '../choose-one/index.js';
import type { StepPosition } from '../frame/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface KeyboardScreenProps {
  readonly items: readonly ListItem[];
  readonly list: ListState;
  readonly step?: StepPosition;
}

export function KeyboardScreen(props: KeyboardScreenProps): React.JSX.Element {
  return <ChooseOneScreen title="Keyboard layout" question="Keyboard layout:" {...props} />;
}
