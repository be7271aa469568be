/**
 * FAT timestamps. A FAT date and time is a wall-clock reading with no time zone: 16 bits of date
 * (year since 1980, month, day) and 16 bits of time with 2-second resolution, plus, for the creation time
 * only, a byte of hundredths (0-199) that carries the odd second.
 *
 * Cairn writes the UTC calendar fields of an instant (as Linux and mtools do with TZ=UTC, and as every
 * reproducible build tool does), so an image made from SOURCE_DATE_EPOCH shows the same date everywhere.
 */

/** The first instant a FAT date can hold: 1980-01-01 00:00:00. */
export const FAT_EPOCH = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
/** The last instant a FAT date can hold: 2107-12-31 23:59:58 (years are 7 bits from 1980). */
const FAT_LAST_INSTANT = new Date(Date.UTC(2107, 11, 31, 23, 59, 58));

/** The three raw fields of a FAT timestamp as they sit in a directory entry. */
export interface FatTimestamp {
  /** bits 15-9 year - 1980, 8-5 month (1-12), 4-0 day (1-31). */
  readonly date: number;
  /** bits 15-11 hours, 10-5 minutes, 4-0 seconds / 2. */
  readonly time: number;
  /** Hundredths of a second added to `time` (0-199); only creation times have this field. */
  readonly hundredths: number;
}

/**
 * An instant as a FAT timestamp. Instants before 1980 become 1980-01-01 00:00:00 and instants after 2107
 * become the last representable one: FAT cannot say otherwise, and a build dated 1970 (SOURCE_DATE_EPOCH=0)
 * must still produce an image.
 */
export function encodeFatTimestamp(instant: Date): FatTimestamp {
  const ms = Math.min(Math.max(instant.getTime(), FAT_EPOCH.getTime()), FAT_LAST_INSTANT.getTime() + 1999);
  const clamped = new Date(ms);
  const year = clamped.getUTCFullYear();
  const date = ((year - 1980) << 9) | ((clamped.getUTCMonth() + 1) << 5) | clamped.getUTCDate();
  const seconds = clamped.getUTCSeconds();
  const time = (clamped.getUTCHours() << 11) | (clamped.getUTCMinutes() << 5) | (seconds >> 1);
  const hundredths = (seconds & 1) * 100 + Math.floor(clamped.getUTCMilliseconds() / 10);
  return { date, time, hundredths };
}

/**
 * A FAT timestamp as a Date (read as UTC). Out-of-range fields (month 0, day 0, hour 25), which some
 * writers leave in entries they did not care about, are read as the nearest valid value rather than
 * failing, so a listing of a foreign image never breaks on a date.
 */
export function decodeFatTimestamp(timestamp: FatTimestamp): Date {
  const year = 1980 + (timestamp.date >> 9);
  const month = clamp((timestamp.date >> 5) & 0x0f, 1, 12);
  const day = clamp(timestamp.date & 0x1f, 1, 31);
  const hours = clamp(timestamp.time >> 11, 0, 23);
  const minutes = clamp((timestamp.time >> 5) & 0x3f, 0, 59);
  const seconds = clamp((timestamp.time & 0x1f) * 2, 0, 58);
  const extraMs = clamp(timestamp.hundredths, 0, 199) * 10;
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds) + extraMs);
}

/** The instant a FAT timestamp written for `instant` reads back as: clamped, cut to 2 s (10 ms with hundredths). */
export function fatRoundTrip(instant: Date, withHundredths: boolean): Date {
  const encoded = encodeFatTimestamp(instant);
  return decodeFatTimestamp(withHundredths ? encoded : { ...encoded, hundredths: 0 });
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
