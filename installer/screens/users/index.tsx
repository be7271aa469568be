/**
 * Host name and the first user. The password is typed twice, masked, and only its hash leaves the
 * installer's state. Coming back to the screen keeps the names and, if the password is left empty, the
 * hash already made.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { Frame, type StepPosition } from '../frame/index.js';
import { TextField } from '../text-field/index.js';
import { keepsHash, type Field, type UsersState } from './state.js';

export interface UsersScreenProps {
  readonly users: UsersState;
  /** Set while the password is being hashed (keys typed meanwhile wait). */
  readonly hashing: boolean;
  readonly step?: StepPosition;
}

export function UsersScreen({ users, hashing, step }: UsersScreenProps): React.JSX.Element {
  const field = users.field;
  const line = (name: Field, label: string, done: string) => {
    const active = field === name && !hashing;
    return (
      <Box>
        <Text {...(field === name ? { bold: true } : {})}>{label.padEnd(18)}</Text>
        {active ? (
          <TextField field={users.input} mask={name === 'password' || name === 'confirm'} {...(name === 'password' && keepsHash(users) ? { placeholder: '(empty keeps the password given before)' } : {})} />
        ) : (
          <Text>{done}</Text>
        )}
      </Box>
    );
  };
  const reached = (name: Field) => ['hostName', 'userName', 'password', 'confirm'].indexOf(field) > ['hostName', 'userName', 'password', 'confirm'].indexOf(name);
  return (
    <Frame title="Host name and user" {...(step ? { step } : {})} hints={['Enter: next field', 'Esc: previous field / back']}>
      {line('hostName', 'Host name:', users.hostName)}
      {line('userName', 'User name:', reached('userName') ? users.userName : '')}
      {line('password', 'Password:', reached('password') ? '********' : '')}
      {line('confirm', 'Repeat password:', hashing ? '********' : '')}
      {users.error ? (
        <Box marginTop={1}>
          <Text color="red">{users.error}</Text>
        </Box>
      ) : null}
      {hashing ? <Text dimColor>Hashing the password...</Text> : null}
      <Box marginTop={1}>
        <Text dimColor>The password is stored only as a SHA-512 crypt hash. More users can be added in configuration.yaml later.</Text>
      </Box>
    </Frame>
  );
}
