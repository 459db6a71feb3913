// Timestamp text as the original writes it (time crate `Rfc3339`) and its parsing.
import { describe, expect, it } from 'vitest';
import {
  epochNsFromDate,
  formatRexTimestamp,
  formatSessionTime,
  isRfc3339,
  parseRfc3339Ns,
  secondsBetween,
} from '../../src/protocol/timestamps.js';

const ns = (iso: string, extraNs = 0n): bigint => BigInt(Date.parse(iso)) * 1_000_000n + extraNs;

describe('formatRexTimestamp', () => {
  it('matches the original: UTC, Z, nanoseconds with trailing zeros trimmed', () => {
    expect(formatRexTimestamp(ns('2026-01-16T06:35:32.423Z', 257_000n))).toBe('2026-01-16T06:35:32.423257Z');
    expect(formatRexTimestamp(ns('2026-01-16T06:35:37.500Z'))).toBe('2026-01-16T06:35:37.5Z');
    expect(formatRexTimestamp(ns('2026-01-16T06:35:37.000Z', 1n))).toBe('2026-01-16T06:35:37.000000001Z');
  });

  it('a whole second has no fraction at all', () => {
    expect(formatRexTimestamp(ns('2026-01-16T06:35:37.000Z'))).toBe('2026-01-16T06:35:37Z');
  });

  it('handles the epoch, times before it, leap days and year 9999', () => {
    expect(formatRexTimestamp(0n)).toBe('1970-01-01T00:00:00Z');
    expect(formatRexTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatRexTimestamp(ns('2024-02-29T23:59:59.999Z'))).toBe('2024-02-29T23:59:59.999Z');
    expect(formatRexTimestamp(ns('9999-12-31T23:59:59.000Z'))).toBe('9999-12-31T23:59:59Z');
  });

  it('agrees with Date for many random instants (millisecond precision)', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(Math.random() * 2 ** 45) - 2 ** 44;
      const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
      const expected = iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
      expect(formatRexTimestamp(BigInt(ms) * 1_000_000n)).toBe(expected);
    }
  });

  it("instants to the nanosecond, many in one second, then the next, then back (the second's text is reused)", () => {
    const second = 1_768_545_332n; // 2026-01-16T06:35:32Z
    const expected = (s: bigint, nanos: bigint) => {
      const fraction = nanos === 0n ? '' : `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
      return `${new Date(Number(s) * 1000).toISOString().slice(0, 19)}${fraction}Z`;
    };
    for (const s of [second, second, second + 1n, second, second - 86_400n]) {
      for (const nanos of [0n, 1n, 10n, 120n, 999_999_999n, 500_000_000n, 423_257_000n, BigInt(Math.floor(Math.random() * 1e9))]) {
        expect(formatRexTimestamp(s * 1_000_000_000n + nanos)).toBe(expected(s, nanos));
      }
    }
  });

  it('refuses years outside RFC 3339', () => {
    expect(() => formatRexTimestamp(ns('+010000-01-01T00:00:00Z'))).toThrow(RangeError);
  });

  it('session times use the same format', () => {
    const t = epochNsFromDate(new Date('2026-01-16T19:35:32.421Z'));
    expect(formatSessionTime(t)).toBe('2026-01-16T19:35:32.421Z');
  });
});

describe('parseRfc3339Ns', () => {
  it('round-trips every formatted timestamp exactly', () => {
    for (let i = 0; i < 2000; i++) {
      const t = BigInt(Math.floor(Math.random() * 2 ** 40)) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6));
      expect(parseRfc3339Ns(formatRexTimestamp(t))).toBe(t);
    }
  });

  it('applies offsets and accepts the RFC 3339 variants', () => {
    const utc = parseRfc3339Ns('2026-01-16T06:35:32Z');
    expect(parseRfc3339Ns('2026-01-16T08:35:32+02:00')).toBe(utc);
    expect(parseRfc3339Ns('2026-01-15T23:35:32-07:00')).toBe(utc);
    expect(parseRfc3339Ns('2026-01-16t06:35:32z')).toBe(utc);
    expect(parseRfc3339Ns('2026-01-16 06:35:32Z')).toBe(utc);
    expect(parseRfc3339Ns('2026-01-16T06:35:32.1234567891Z')).toBe((utc as bigint) + 123_456_789n);
  });

  it('rejects what is not an RFC 3339 date-time', () => {
    for (const bad of [
      '',
      'yesterday',
      '2026-01-16',
      '2026-01-16T06:35:32',
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-16T24:00:00Z',
      '2026-01-16T06:35:32+2:00',
      '16-01-2026 19:35:32.421',
      '2026-01-16T06:35:32.Z',
    ]) {
      expect(isRfc3339(bad), bad).toBe(false);
    }
  });

  it('years 0–99 are not taken as 1900–1999', () => {
    expect(formatRexTimestamp(parseRfc3339Ns('0042-03-01T00:00:00Z') as bigint)).toBe('0042-03-01T00:00:00Z');
  });

  it('secondsBetween gives float seconds', () => {
    const a = parseRfc3339Ns('2026-01-16T06:35:32.423257Z') as bigint;
    const b = parseRfc3339Ns('2026-01-16T06:35:37.433699Z') as bigint;
    expect(secondsBetween(a, b)).toBeCloseTo(5.010442, 9);
  });
});
