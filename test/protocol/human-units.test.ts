import { describe, expect, it } from 'vitest';
import { formatCount, plural } from '../../src/protocol/human-units.js';

describe('formatCount', () => {
  it('groups integers exactly as en-US does', () => {
    const samples = [0, 7, 999, 1000, 12345, 100000, 999999, 1000000, 1234567890, Number.MAX_SAFE_INTEGER];
    for (const n of [...samples, ...samples.slice(1).map((s) => -s)]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves fractions and non-finite numbers to ICU', () => {
    for (const n of [1234.5678, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) expect(formatCount(n)).toBe(n.toLocaleString('en-US'));
  });

  it('makes plurals with grouped counts', () => {
    expect(plural(1, 'value')).toBe('1 value');
    expect(plural(12345, 'value')).toBe('12,345 values');
  });
});
