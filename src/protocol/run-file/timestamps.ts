/**
 * Timestamps of an output file as numbers (pure): the exports store them as int64 nanoseconds
 * since the Unix epoch, UTC (Parquet's timestamp[ns, UTC], HDF5 datasets), which keeps the nine
 * fraction digits rex-daq writes. Date.parse would round to milliseconds.
 *
 * A file holds a timestamp per value: millions of them. The form rex writes
 * (`2026-12-06T13:51:07.49113038Z`) is read by character position, with no regular expression,
 * Date or BigInt arithmetic per timestamp; any other RFC 3339 form takes the general way.
 */

// 2026-12-06T13:51:07.49113038Z, or with an offset (+01:00), or a space for the T (RFC 3339 allows it).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp, or null if `text` is not one. */
export function timestampNanos(text: string): bigint | null {
  if (readUtc(text)) return BigInt(utcSeconds) * 1_000_000_000n + BigInt(utcNanos);
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = m as unknown as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(d)) return null;
  let nanos = BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1n : 1n;
    const minutes = BigInt(Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
    nanos -= sign * minutes * 60_000_000_000n;
  }
  return nanos;
}

/** The nanoseconds of each timestamp; `bad` is the index of the first that is not one (-1: none). */
export function timestampsToNanos(texts: readonly string[]): { nanos: BigInt64Array; bad: number } {
  const nanos = new BigInt64Array(texts.length);
  // int64 written as two 32-bit halves: the BigInt of each would cost more than reading it.
  const view = new DataView(nanos.buffer);
  for (let i = 0; i < texts.length; i++) {
    if (readUtc(texts[i]!) && utcSeconds >= 0) {
      writeNanos(view, i * 8, utcSeconds, utcNanos);
      continue;
    }
    const value = timestampNanos(texts[i]!);
    if (value === null) return { nanos, bad: i };
    nanos[i] = value;
  }
  return { nanos, bad: -1 };
}

let utcSeconds = 0;
let utcNanos = 0;

/** `YYYY-MM-DDTHH:MM:SS[.fraction]Z` into utcSeconds/utcNanos; false for any other form. */
function readUtc(t: string): boolean {
  const n = t.length;
  if (n < 20 || n > 30 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84) return false;
  if (t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(n - 1) !== 90) return false;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return false;
  let nanos = 0;
  if (n > 20) {
    const count = n - 21;
    if (t.charCodeAt(19) !== 46 || count < 1 || count > 9) return false;
    nanos = digits(t, 20, count);
    if (nanos < 0) return false;
    for (let i = count; i < 9; i++) nanos *= 10;
  } else if (t.charCodeAt(19) !== 90) return false;
  utcSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  utcNanos = nanos;
  return true;
}

/** The decimal value of `count` digits at `at`, or -1 if one is not a digit. */
function digits(t: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** seconds × 10^9 + nanos (≥ 0, < 2^63) as a little-endian int64 at `offset`, exactly, in doubles. */
function writeNanos(view: DataView, offset: number, seconds: number, nanos: number): void {
  // seconds = high·2^16 + low; seconds·10^9 = high·10^9·2^16 + low·10^9, each part exact (< 2^53).
  const high = Math.floor(seconds / 65536);
  const upper = high * 1e9; // < 2^48: × 2^16 splits into upperHigh·2^32 + upperLow·2^16
  const upperHigh = Math.floor(upper / 65536);
  const lowPart = (upper - upperHigh * 65536) * 65536 + (seconds - high * 65536) * 1e9 + nanos; // < 2^49
  const carry = Math.floor(lowPart / 4294967296);
  view.setUint32(offset, lowPart - carry * 4294967296, true);
  view.setUint32(offset + 4, upperHigh + carry, true);
}
