/** The console keyboard layout (keymap) of the installed system. */
import React from 'react';
import { ChooseOneScreen } from '../choose-one/index.js';

export interface KeyboardScreenProps {
  readonly keyMaps: readonly string[];
  readonly keyMap: string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (keyMap: string) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function KeyboardScreen({ keyMaps, keyMap, ...rest }: KeyboardScreenProps): React.JSX.Element {
  return <ChooseOneScreen title="Keyboard layout" question="Keyboard layout:" options={keyMaps} value={keyMap} {...rest} />;
}
