import { describe, expect, test } from 'vitest';
import { MinMaxBuckets } from '../../src/protocol/run-file/min-max-buckets.js';

describe('MinMaxBuckets', () => {
  test('a long series fed in chunks keeps at most two points a bucket, its extremes (spikes too) in index order', () => {
    const n = 100_000;
    const values = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000));
    values[54_321] = 50;
    values[77_777] = -50;
    const kept = new MinMaxBuckets(n, 100);
    for (let i = 0; i < n; i += 4096) kept.push(values.subarray(i, i + 4096), i);
    const { xs, ys } = kept.finish();
    expect(xs.length).toBeLessThanOrEqual(200);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(xs).toContain(54_321);
    expect(xs).toContain(77_777);
    expect(ys).toEqual(xs.map((x) => values[x]));
  });

  test('a short series is kept whole (NaN too); a bucket with no finite value is a gap', () => {
    const short = new MinMaxBuckets(3, 10);
    short.push([1, Number.NaN, 3], 0);
    expect(short.finish()).toEqual({ xs: [0, 1, 2], ys: [1, Number.NaN, 3] });
    const gaps = new MinMaxBuckets(8, 2);
    gaps.push([Number.NaN, Number.POSITIVE_INFINITY, Number.NaN, Number.NaN, 1, 2, 3, 0], 0);
    expect(gaps.finish()).toEqual({ xs: [0, 6, 7], ys: [Number.NaN, 3, 0] });
  });
});
