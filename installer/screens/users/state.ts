/** The users screen's state (pure): which field is being filled, the values so far, and validation. */

export const FIELDS = ['hostName', 'userName', 'password', 'confirm'] as const;
export type Field = (typeof FIELDS)[number];

export interface UsersState {
  readonly field: Field;
  readonly hostName: string;
  readonly userName: string;
  readonly password: string;
  readonly error?: string;
}

export type UsersAction =
  | { readonly type: 'submit'; readonly value: string; readonly keepHash: boolean }
  | { readonly type: 'previous' };

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

export function usersReducer(state: UsersState, action: UsersAction): UsersState {
  if (action.type === 'previous') {
    const index = FIELDS.indexOf(state.field);
    return { ...state, field: FIELDS[Math.max(0, index - 1)]!, password: index <= 2 ? '' : state.password, error: undefined };
  }
  const value = action.value;
  switch (state.field) {
    case 'hostName': {
      const problem = hostNameProblem(value.trim());
      return problem ? { ...state, error: problem } : { ...state, hostName: value.trim(), field: 'userName', error: undefined };
    }
    case 'userName': {
      const problem = userNameProblem(value.trim());
      return problem ? { ...state, error: problem } : { ...state, userName: value.trim(), field: 'password', error: undefined };
    }
    case 'password':
      if (value === '' && action.keepHash) return { ...state, password: '', field: 'confirm', error: undefined };
      if (value.length < 1) return { ...state, error: 'give a password' };
      return { ...state, password: value, field: 'confirm', error: undefined };
    case 'confirm':
      if (value !== state.password) return { ...state, field: 'password', password: '', error: 'the two passwords differ; type it again' };
      return { ...state, error: undefined };
  }
}
