/**
 * The two date formats of ECMA-119: the 17-byte digits form of volume descriptors (8.4.26.1) and the 7-byte
 * binary form of directory records (9.1.5), also used by Rock Ridge TF entries. Both carry an offset from
 * GMT in 15-minute steps; Cairn always writes GMT (offset 0) so that an image does not depend on the host's
 * time zone, and keeps the decoded fields as they are so that re-encoding a read image gives its bytes back.
 */

/** The 7-byte form: years since 1900 (so 1900..2155), to the second. */
export interface RecordingDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Offset from GMT in 15-minute intervals, -48..52. */
  readonly gmtOffset: number;
}

/** The 17-byte form, to the hundredth of a second; `undefined` stands for "not specified" (all zero digits). */
export interface VolumeDateTime extends RecordingDateTime {
  readonly hundredths: number;
}

export const RECORDING_DATE_TIME_LENGTH = 7;
export const VOLUME_DATE_TIME_LENGTH = 17;

/** The earliest and latest instants the 7-byte form can hold; the planner clamps to these. */
export const EARLIEST_RECORDING_DATE = new Date(Date.UTC(1900, 0, 1, 0, 0, 0));
export const LATEST_RECORDING_DATE = new Date(Date.UTC(2155, 11, 31, 23, 59, 59));

export function recordingDateTimeOf(date: Date): RecordingDateTime {
  if (date < EARLIEST_RECORDING_DATE || date > LATEST_RECORDING_DATE) {
    throw new RangeError(`${date.toISOString()} is outside what a directory record can hold (1900 to 2155)`);
  }
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    gmtOffset: 0,
  };
}

export function volumeDateTimeOf(date: Date): VolumeDateTime {
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`${date.toISOString()} is outside what a volume descriptor can hold`);
  return {
    year,
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    hundredths: Math.floor(date.getUTCMilliseconds() / 10),
    gmtOffset: 0,
  };
}

/** The instant a decoded date stands for (its GMT offset applied); Invalid Date for a zeroed field. */
export function dateOf(value: RecordingDateTime | VolumeDateTime): Date {
  const hundredths = 'hundredths' in value ? value.hundredths : 0;
  const utc = Date.UTC(value.year, value.month - 1, value.day, value.hour, value.minute, value.second, hundredths * 10);
  if (value.month === 0 || value.day === 0) return new Date(Number.NaN);
  return new Date(utc - value.gmtOffset * 15 * 60_000);
}

export function encodeRecordingDateTime(value: RecordingDateTime): Uint8Array {
  const bytes = new Uint8Array(RECORDING_DATE_TIME_LENGTH);
  writeRecordingDateTime(bytes, 0, value);
  return bytes;
}

export function writeRecordingDateTime(bytes: Uint8Array, offset: number, value: RecordingDateTime): void {
  if (value.year < 1900 || value.year > 2155) throw new RangeError(`year ${value.year} does not fit a directory record (1900..2155)`);
  bytes[offset] = value.year - 1900;
  bytes[offset + 1] = value.month;
  bytes[offset + 2] = value.day;
  bytes[offset + 3] = value.hour;
  bytes[offset + 4] = value.minute;
  bytes[offset + 5] = value.second;
  bytes[offset + 6] = value.gmtOffset & 0xff;
}

export function decodeRecordingDateTime(bytes: Uint8Array, offset: number): RecordingDateTime {
  return {
    year: bytes[offset]! + 1900,
    month: bytes[offset + 1]!,
    day: bytes[offset + 2]!,
    hour: bytes[offset + 3]!,
    minute: bytes[offset + 4]!,
    second: bytes[offset + 5]!,
    gmtOffset: (bytes[offset + 6]! << 24) >> 24,
  };
}

export function writeVolumeDateTime(bytes: Uint8Array, offset: number, value: VolumeDateTime | undefined): void {
  if (value === undefined) {
    bytes.fill(0x30, offset, offset + 16);
    bytes[offset + 16] = 0;
    return;
  }
  const digits =
    pad(value.year, 4) + pad(value.month, 2) + pad(value.day, 2) + pad(value.hour, 2) + pad(value.minute, 2) + pad(value.second, 2) + pad(value.hundredths, 2);
  for (let i = 0; i < 16; i++) bytes[offset + i] = digits.charCodeAt(i);
  bytes[offset + 16] = value.gmtOffset & 0xff;
}

export function encodeVolumeDateTime(value: VolumeDateTime | undefined): Uint8Array {
  const bytes = new Uint8Array(VOLUME_DATE_TIME_LENGTH);
  writeVolumeDateTime(bytes, 0, value);
  return bytes;
}

/** Decodes the 17-byte form; all-zero digits (or all-zero bytes, which some writers leave) mean "not specified". */
export function decodeVolumeDateTime(bytes: Uint8Array, offset: number): VolumeDateTime | undefined {
  const text = String.fromCharCode(...bytes.subarray(offset, offset + 16));
  if (!/^\d{16}$/.test(text) || /^0+$/.test(text)) return undefined;
  const number = (start: number, length: number) => Number(text.slice(start, start + length));
  return {
    year: number(0, 4),
    month: number(4, 2),
    day: number(6, 2),
    hour: number(8, 2),
    minute: number(10, 2),
    second: number(12, 2),
    hundredths: number(14, 2),
    gmtOffset: (bytes[offset + 16]! << 24) >> 24,
  };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
