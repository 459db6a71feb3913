import { describe, expect, test } from 'vitest';
import { sessionTimeNanos } from '../../src/protocol/run-file/session-time.js';

describe('sessionTimeNanos', () => {
  test("rex-daq's RFC 3339 keeps its nine digits; the original's DD-MM-YYYY form is local time", () => {
    expect(sessionTimeNanos('2026-12-06T13:51:07.49113038Z')).toBe(BigInt(Date.UTC(2026, 11, 6, 13, 51, 7)) * 1_000_000n + 491_130_380n);
    expect(sessionTimeNanos('16-01-2026 19:35:32.421')).toBe(BigInt(new Date(2026, 0, 16, 19, 35, 32, 421).getTime()) * 1_000_000n);
    expect(sessionTimeNanos('01-02-2000 10:00:00')).toBe(BigInt(new Date(2000, 1, 1, 10).getTime()) * 1_000_000n);
  });

  test('what is neither is null: a live file\'s "", an impossible date, another form', () => {
    for (const text of ['', '31-02-2026 10:00:00.000', '16-01-2026 24:00:00.000', '2026-01-16 19:35:32.421', 'yesterday']) {
      expect(sessionTimeNanos(text), text).toBeNull();
    }
  });
});
