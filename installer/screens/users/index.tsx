/**
 * Host name and the first user. The password is typed twice, masked, and only its hash leaves this screen.
 * Coming back to the screen keeps the names and, if the password is left empty, the hash already made.
 */
import React, { useReducer } from 'react';
import { Box, Text, useInput } from 'ink';
import type { UserAnswer } from '../../engine/contract.js';
import { Frame } from '../frame/index.js';
import { TextField } from '../text-field/index.js';
import { usersReducer, type UsersState } from './state.js';

export interface UsersScreenProps {
  readonly hostName: string;
  readonly users: readonly UserAnswer[];
  /** Makes the crypt(3) hash of a password (SHA-512 crypt by default in the app). */
  readonly hashPassword: (password: string) => string;
  readonly step?: { readonly index: number; readonly total: number };
  readonly onNext: (patch: { hostName: string; users: UserAnswer[] }) => void;
  readonly onBack?: () => void;
  readonly isActive?: boolean;
}

export function UsersScreen({ hostName, users, hashPassword, step, onNext, onBack, isActive = true }: UsersScreenProps): React.JSX.Element {
  const existing = users[0];
  const [state, dispatch] = useReducer(usersReducer, { field: 'hostName', hostName, userName: existing?.name ?? '', password: '' } satisfies UsersState);
  const keepHash = existing !== undefined && existing.name === state.userName;

  useInput(
    (_input, key) => {
      if (!key.escape) return;
      if (state.field === 'hostName') onBack?.();
      else dispatch({ type: 'previous' });
    },
    { isActive },
  );

  const submit = (value: string) => {
    const next = usersReducer(state, { type: 'submit', value, keepHash });
    if (state.field === 'confirm' && next.error === undefined) {
      const passwordHash = state.password === '' && keepHash ? existing.passwordHash : hashPassword(state.password);
      onNext({ hostName: state.hostName, users: [{ name: state.userName, passwordHash }, ...users.slice(1)] });
      return;
    }
    dispatch({ type: 'submit', value, keepHash });
  };

  const line = (label: string, active: boolean, done: string | undefined, input: React.ReactNode) => (
    <Box>
      <Text {...(active ? { bold: true } : {})}>{label.padEnd(18)}</Text>
      {active ? input : <Text>{done ?? ''}</Text>}
    </Box>
  );
  const field = state.field;
  return (
    <Frame title="Host name and user" {...(step ? { step } : {})} hints={['Enter: next field', 'Esc: previous field / back']}>
      {line('Host name:', field === 'hostName', state.hostName, <TextField key="host" isActive={isActive} defaultValue={state.hostName} onSubmit={submit} />)}
      {line('User name:', field === 'userName', field === 'hostName' ? '' : state.userName, <TextField key="user" isActive={isActive} defaultValue={state.userName} onSubmit={submit} />)}
      {line('Password:', field === 'password', field === 'confirm' ? '********' : '', <TextField mask key={`pw-${state.error ?? ''}`} isActive={isActive} {...(keepHash ? { placeholder: '(empty keeps the password given before)' } : {})} onSubmit={submit} />)}
      {line('Repeat password:', field === 'confirm', '', <TextField mask key="confirm" isActive={isActive} onSubmit={submit} />)}
      {state.error ? (
        <Box marginTop={1}>
          <Text color="red">{state.error}</Text>
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text dimColor>The password is stored only as a SHA-512 crypt hash. More users can be added in configuration.yaml later.</Text>
      </Box>
    </Frame>
  );
}
