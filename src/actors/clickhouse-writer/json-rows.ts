/**
 * The small tables' rows as JSONEachRow (pure). Text lets the server convert to whatever types the
 * user's table has (e.g. `start_time` as String in v1.0's schema, DateTime64 in the newest one).
 * JSON has no NaN or infinity: in Float64 columns they are sent as the strings ClickHouse reads
 * as such ("nan", "inf", "-inf"); inside JSON columns they become null.
 */
import type { DeviceRow, ResultRow, SessionRow } from './rows.js';

export function deviceRowsJson(sessionId: string, rows: readonly DeviceRow[]): Buffer {
  return lines(rows.map((row) => ({ session_id: sessionId, device_name: row.device_name, device_config: row.device_config })));
}

export function sessionRowJson(row: SessionRow): Buffer {
  // A loop that never ended has no end time: leave the key out, so the column takes its default
  // ('' in v1.0's String column; a DateTime64 column, as the newest original has, cannot read '').
  const { end_time, start_time, ...rest } = row;
  return lines([{ ...rest, ...(start_time ? { start_time } : {}), ...(end_time ? { end_time } : {}) }]);
}

export function resultRowsJson(rows: readonly ResultRow[]): Buffer {
  return lines(
    rows.map((row) => ({
      ...row,
      measured_value: float(row.measured_value),
      upper_bound: float(row.upper_bound),
      lower_bound: float(row.lower_bound),
    })),
  );
}

function float(value: number): number | string {
  if (Number.isFinite(value)) return value;
  if (Number.isNaN(value)) return 'nan';
  return value > 0 ? 'inf' : '-inf';
}

function lines(rows: readonly object[]): Buffer {
  return Buffer.from(rows.map((row) => `${JSON.stringify(row)}\n`).join(''), 'utf8');
}
