import { describe, expect, test } from 'vitest';
import { timestampNanos, timestampsToNanos } from '../../src/protocol/run-file/timestamps.js';

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

describe('timestampsToNanos', () => {
  test('agrees with the general way on every form, dates across centuries and leap days included', () => {
    const texts = [
      '2026-12-06T13:51:07.49113038Z',
      '1970-01-01T00:00:00Z',
      '2000-02-29T23:59:59.999999999Z',
      '2262-04-11T23:47:16.854775807Z',
      '1999-12-31T23:59:59.5Z',
      '2026-01-16T07:35:37.5+01:00',
      '1969-12-31T23:59:59.9Z',
      '1900-03-01T00:00:00Z',
    ];
    const { nanos, bad } = timestampsToNanos(texts);
    expect(bad).toBe(-1);
    const general = texts.map((t) => {
      const m = /^(.{19})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(t)!;
      return BigInt(Date.parse(`${m[1]}${m[3]}`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
    });
    expect([...nanos]).toEqual(general);
    expect(nanos[3]).toBe(9223372036854775807n);
  });

  test('the first text that is not a timestamp is named by its index', () => {
    expect(timestampsToNanos(['2026-01-16T06:35:37Z', '2026-02-29T00:00:00Z', 'x']).bad).toBe(1);
    expect(timestampsToNanos(['2026-01-16T06:35:37.Z']).bad).toBe(0);
    expect(timestampsToNanos(['2026-01-16T06:35:37.1234567890Z']).bad).toBe(0);
  });
});
