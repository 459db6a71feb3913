/**
 * A session's `start_time` / `end_time` as epoch nanoseconds (pure). rex-daq writes RFC 3339 in
 * UTC; the original rex v1.0 wrote `DD-MM-YYYY HH:MM:SS.mmm` in the machine's local time (its
 * reference file: `16-01-2026 19:35:32.421`), read here in the reader's local time zone.
 */
import { timestampNanos } from './timestamps.js';

const ORIGINAL = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** Nanoseconds since the epoch of a session time in either form, or null (e.g. '' while a run goes on). */
export function sessionTimeNanos(text: string): bigint | null {
  const rfc = timestampNanos(text);
  if (rfc !== null) return rfc;
  const m = ORIGINAL.exec(text);
  if (!m) return null;
  const [, d, mo, y, h, mi, s, fraction = ''] = m as unknown as string[];
  const local = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date rolls 31-02 over into March: such a text is not a date.
  if (Number.isNaN(local.getTime()) || local.getDate() !== Number(d) || local.getMonth() !== Number(mo) - 1) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  return BigInt(local.getTime()) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}
