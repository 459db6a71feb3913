/**
 * Timestamps of an output file as numbers (pure): the exports store them as int64 nanoseconds
 * since the Unix epoch, UTC (Parquet's timestamp[ns, UTC], HDF5 datasets), which keeps the nine
 * fraction digits rex-daq writes. Date.parse would round to milliseconds.
 */

// 2026-12-06T13:51:07.49113038Z, or with an offset (+01:00), or a space for the T (RFC 3339 allows it).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp, or null if `text` is not one. */
export function timestampNanos(text: string): bigint | null {
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
