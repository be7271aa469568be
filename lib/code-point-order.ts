/** Sorting that does not depend on the locale (localeCompare does), so reports and files are byte-stable. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
