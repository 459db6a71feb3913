import { describe, expect, test } from 'vitest';
import { timestampNanos } from '../../src/protocol/run-file/timestamps.js';

describe('timestampNanos', () => {
  test('keeps all nine fraction digits, which Date.parse would round away', () => {
    expect(timestampNanos('2026-12-06T13:51:07.49113038Z')).toBe(BigInt(Date.UTC(2026, 11, 6, 13, 51, 7)) * 1_000_000n + 491_130_380n);
    expect(timestampNanos('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(timestampNanos('2026-01-16T06:35:37Z')).toBe(BigInt(Date.parse('2026-01-16T06:35:37Z')) * 1_000_000n);
  });

  test('an offset is taken back to UTC', () => {
    expect(timestampNanos('2026-01-16T07:35:37.5+01:00')).toBe(timestampNanos('2026-01-16T06:35:37.5Z'));
    expect(timestampNanos('2026-01-16T01:35:37-05:00')).toBe(timestampNanos('2026-01-16T06:35:37Z'));
  });

  test('what is not an RFC 3339 time is null, not a guess', () => {
    for (const text of ['16-01-2026 19:35:32.421', '2026-02-30T00:00:00Z', '2026-01-16T06:35:37', '', 'now']) {
      expect(timestampNanos(text), text).toBeNull();
    }
  });
});
