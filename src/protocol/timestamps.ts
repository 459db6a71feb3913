/**
 * Timestamps as rex writes them (SPEC §4, §5).
 *
 * The original formats with the `time` crate's `well_known::Rfc3339`: UTC as `Z`, the fraction
 * written only when the nanoseconds are non-zero and with its trailing zeros trimmed:
 * `2026-01-16T06:35:32.423257Z`, `2026-01-16T06:35:37.5Z`, `2026-01-16T06:35:37Z`.
 * Its newest version uses the same format for the session `start_time`/`end_time` (our
 * deviation from v1.0's local `DD-MM-YYYY HH:MM:SS.mmm`).
 *
 * Times travel as epoch nanoseconds in a `bigint`: a float64 cannot hold them exactly.
 */

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
const SECONDS_PER_DAY = 86_400;

/** The second formatted last, and its text up to the fraction: lines come many to a second. */
let lastSecond: bigint | undefined;
let lastSecondText = '';

/** `epochNs` (nanoseconds since 1970-01-01T00:00:00Z) → the original's RFC 3339 text. */
export function formatRexTimestamp(epochNs: bigint): string {
  let seconds = epochNs / NS_PER_SECOND;
  let nanos = epochNs % NS_PER_SECOND;
  if (nanos < 0n) {
    nanos += NS_PER_SECOND;
    seconds -= 1n;
  }
  if (seconds !== lastSecond) {
    lastSecondText = secondText(Number(seconds), epochNs);
    lastSecond = seconds;
  }
  return nanos === 0n ? `${lastSecondText}Z` : `${lastSecondText}.${fractionDigits(Number(nanos))}Z`;
}

/** `2026-01-16T06:35:32` */
function secondText(wholeSeconds: number, epochNs: bigint): string {
  const days = Math.floor(wholeSeconds / SECONDS_PER_DAY);
  const secondOfDay = wholeSeconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  // RFC 3339 has four-digit years only; the original's formatter fails outside them too.
  if (year < 0 || year > 9999) throw new RangeError(`timestamp out of RFC 3339 range: ${epochNs} ns`);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay % 3600) / 60);
  const second = secondOfDay % 60;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
}

/** 1–999,999,999 ns → the fraction's digits, trailing zeros trimmed: 500,000,000 → `5`. */
function fractionDigits(nanos: number): string {
  let width = 9;
  while (nanos % 10 === 0) {
    nanos /= 10;
    width--;
  }
  return String(nanos).padStart(width, '0');
}

/** The session `start_time` / `end_time`: the same format as every other rex timestamp. */
export function formatSessionTime(epochNs: bigint): string {
  return formatRexTimestamp(epochNs);
}

/** A `Date` (millisecond precision) as epoch nanoseconds. */
export function epochNsFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * NS_PER_MS;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC 3339 text → epoch nanoseconds, or `undefined` when it is not a valid RFC 3339 date-time.
 * Accepts any offset (converted to UTC), `t`/`z` in either case, a space separator, and a
 * fraction of any length (digits past nanoseconds are truncated). A leap second `:60` counts as
 * the next second.
 */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fraction = m[7] ?? '';
  const nanos = fraction === '' ? 0n : BigInt(fraction.slice(0, 9).padEnd(9, '0'));
  const localSeconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return BigInt(localSeconds - offsetMinutes * 60) * NS_PER_SECOND + nanos;
}

/** True when `text` is a valid RFC 3339 date-time (see {@link parseRfc3339Ns}). */
export function isRfc3339(text: string): boolean {
  return parseRfc3339Ns(text) !== undefined;
}

/** Seconds from `fromNs` to `toNs`, as a float (exact to the nanosecond below ~104 days). */
export function secondsBetween(fromNs: bigint, toNs: bigint): number {
  return Number(toNs - fromNs) / 1e9;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Proleptic Gregorian calendar ↔ days since 1970-01-01 (H. Hinnant's algorithms). Plain
// arithmetic instead of `Date` because `Date.UTC` maps years 0–99 to 1900–1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
