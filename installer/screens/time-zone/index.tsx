/** The time zone of the installed system; a long list, so it filters as the user types. */
import React from 'react';
import { ChooseOneScreen } from '../choose-one/index.js';

export interface TimeZoneScreenProps {
  readonly timeZones: readonly string[];
  readonly timeZone: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (timeZone: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function TimeZoneScreen({ timeZones, timeZone, ...rest }: TimeZoneScreenProps): React.JSX.Element {
  return <ChooseOneScreen title="Time zone" question="Time zone:" filterExample="berlin" options={timeZones} value={timeZone} {...rest} />;
}
