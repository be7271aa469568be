/**
 * The users screen's state and keys (pure): which field is being filled, the values so far, the text being
 * typed into the current field, and validation. Hashing the password is not done here: the confirmed
 * password is handed to the installer's reducer, which has it hashed after the keys are folded.
 */
import type { UserAnswer } from '../../engine/contract.js';
import type { Key } from '../keys/split-keys.js';
import { fieldKey, initialField, type FieldState } from '../text-field/state.js';

export const FIELDS = ['hostName', 'userName', 'password', 'confirm'] as const;
export type Field = (typeof FIELDS)[number];

/** The most each field holds (host names: RFC 1123; user names: useradd). */
const FIELD_LIMITS: Readonly<Record<Field, number>> = { hostName: 253, userName: 32, password: 256, confirm: 256 };

export interface UsersState {
  readonly field: Field;
  readonly hostName: string;
  readonly userName: string;
  readonly password: string;
  readonly error?: string;
  /** What is being typed into the current field. */
  readonly input: FieldState;
  /** The user given before (coming back to the screen): an empty password keeps their hash. */
  readonly existing: UserAnswer | undefined;
}

export type UsersAction = { readonly type: 'submit'; readonly value: string } | { readonly type: 'previous' };

export function initialUsersState(hostName: string, users: readonly UserAnswer[]): UsersState {
  const existing = users[0];
  return { field: 'hostName', hostName, userName: existing?.name ?? '', password: '', input: initialField(hostName), existing };
}

/** An empty password keeps the hash made before, as long as the user name is the same. */
export function keepsHash(state: Pick<UsersState, 'existing' | 'userName'>): boolean {
  return state.existing !== undefined && state.existing.name === state.userName;
}

/** A host name as RFC 1123 allows: labels of letters, digits and hyphens, at most 63 characters each. */
export function hostNameProblem(name: string): string | undefined {
  if (name === '') return 'give a host name';
  if (name.length > 253) return 'a host name is at most 253 characters';
  if (!name.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))) {
    return 'use letters, digits and hyphens (not at the start or end of a part), parts separated by dots';
  }
  return undefined;
}

/** A user name useradd accepts: lower case letter or _, then lower case letters, digits, _ and -. */
export function userNameProblem(name: string): string | undefined {
  if (name === '') return 'give a user name';
  if (name === 'root') return 'root exists already; choose the name of a person';
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) return 'start with a lower case letter or _, then lower case letters, digits, _ or - (at most 32)';
  return undefined;
}

function usersReducer(state: UsersState, action: UsersAction): UsersState {
  if (action.type === 'previous') {
    const index = FIELDS.indexOf(state.field);
    const field = FIELDS[Math.max(0, index - 1)]!;
    const password = index <= 2 ? '' : state.password;
    return { ...state, field, password, error: undefined, input: initialField(field === 'hostName' ? state.hostName : field === 'userName' ? state.userName : '') };
  }
  const value = action.value;
  switch (state.field) {
    case 'hostName': {
      const problem = hostNameProblem(value.trim());
      return problem ? { ...state, error: problem } : { ...state, hostName: value.trim(), field: 'userName', error: undefined, input: initialField(state.userName) };
    }
    case 'userName': {
      const problem = userNameProblem(value.trim());
      return problem ? { ...state, error: problem } : { ...state, userName: value.trim(), field: 'password', error: undefined, input: initialField() };
    }
    case 'password':
      // Spaces are part of a password: never trimmed.
      if (value === '' && keepsHash(state)) return { ...state, password: '', field: 'confirm', error: undefined, input: initialField() };
      if (value.length < 1) return { ...state, error: 'give a password', input: initialField() };
      return { ...state, password: value, field: 'confirm', error: undefined, input: initialField() };
    case 'confirm':
      if (value !== state.password) return { ...state, field: 'password', password: '', error: 'the two passwords differ; type it again', input: initialField() };
      return { ...state, error: undefined, input: initialField() };
  }
}

export interface UsersOutcome {
  readonly state: UsersState;
  /** Esc on the first field: back a step. */
  readonly back?: true;
  /** Both passwords typed and equal: hash this one, then the screen is done. */
  readonly hash?: string;
  /** Done without a new hash (an empty password kept the one made before). */
  readonly done?: { readonly hostName: string; readonly users: UserAnswer[] };
}

/** Folds one key into the users screen. */
export function usersKey(state: UsersState, key: Key, others: readonly UserAnswer[]): UsersOutcome {
  if (key.kind === 'escape') return state.field === 'hostName' ? { state, back: true } : { state: usersReducer(state, { type: 'previous' }) };
  const outcome = fieldKey(state.input, key, FIELD_LIMITS[state.field]);
  const typed = { ...state, input: outcome.state };
  if (outcome.submitted === undefined) return { state: typed };
  const next = usersReducer(typed, { type: 'submit', value: outcome.submitted });
  if (state.field !== 'confirm' || next.error !== undefined) return { state: next };
  if (state.password === '' && keepsHash(state)) return { state: next, done: { hostName: state.hostName, users: [state.existing!, ...others] } };
  return { state: next, hash: state.password };
}
