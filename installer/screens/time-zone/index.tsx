/** The time zone of the installed system; a long list, so it filters as the user types. */
import React from 'react';
import { ChooseOneScreen } from '../choose-one/index.js';
import type { StepPosition } from '../frame/index.js';
import type { ListItem, ListState } from '../select-list/state.js';

export interface TimeZoneScreenProps {
  readonly items: readonly ListItem[];
  readonly list: ListState;
  readonly step?: StepPosition;
}

export function TimeZoneScreen(props: TimeZoneScreenProps): React.JSX.Element {
  return <ChooseOneScreen title="Time zone" question="Time zone:" filterExample="berlin" {...props} />;
}
