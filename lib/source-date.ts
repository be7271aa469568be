/** Time for reproducible output (STYLE.md 10): SOURCE_DATE_EPOCH when set, never the clock in an image. */
import { UserError } from './errors.js';

/** SOURCE_DATE_EPOCH as a Date, if set; an invalid value is an error rather than silently ignored. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): Date | undefined {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    throw new UserError(`SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got "${value}"`, {
      hint: 'for example SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
    });
  }
  return new Date(Number(value) * 1000);
}
