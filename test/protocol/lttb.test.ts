// Largest-Triangle-Three-Buckets: the properties the live view relies on.
import { describe, expect, it } from 'vitest';
import { lttb, lttbIndices } from '../../src/protocol/lttb.js';

const randomWalk = (n: number): number[] => {
  let y = 0;
  return Array.from({ length: n }, () => (y += Math.random() - 0.5));
};

describe('lttbIndices', () => {
  it('keeps the first and last points, returns ≤ N strictly increasing indices', () => {
    for (const n of [3, 10, 101, 257, 1000, 12_345]) {
      for (const threshold of [3, 4, 10, 100]) {
        const indices = lttbIndices(randomWalk(n), threshold);
        expect(indices.length).toBe(Math.min(n, threshold));
        expect(indices[0]).toBe(0);
        expect(indices[indices.length - 1]).toBe(n - 1);
        for (let i = 1; i < indices.length; i++) expect(indices[i] as number).toBeGreaterThan(indices[i - 1] as number);
      }
    }
  });

  it('series no longer than N are kept whole', () => {
    expect(lttbIndices([5, 6, 7], 3)).toEqual([0, 1, 2]);
    expect(lttbIndices([5, 6], 100)).toEqual([0, 1]);
    expect(lttbIndices([], 100)).toEqual([]);
  });

  it('tiny thresholds: 0 → nothing, 1 → first, 2 → first and last', () => {
    const ys = randomWalk(50);
    expect(lttbIndices(ys, 0)).toEqual([]);
    expect(lttbIndices(ys, 1)).toEqual([0]);
    expect(lttbIndices(ys, 2)).toEqual([0, 49]);
  });

  it('keeps a spike that plain decimation would miss', () => {
    const ys = new Array<number>(1000).fill(0);
    ys[503] = 100;
    expect(lttbIndices(ys, 20)).toContain(503);
  });

  it('one point per bucket: a point from each of the N-2 middle buckets', () => {
    const n = 1002;
    const indices = lttbIndices(randomWalk(n), 102);
    const bucket = (n - 2) / 100;
    indices.slice(1, -1).forEach((index, b) => {
      expect(index).toBeGreaterThanOrEqual(Math.floor(b * bucket) + 1);
      expect(index).toBeLessThan(Math.floor((b + 1) * bucket) + 1);
    });
  });

  it('uses the given x values; x stays monotone when it was', () => {
    const xs = Array.from({ length: 500 }, (_, i) => i * i * 0.01);
    const ys = xs.map((x) => Math.sin(x));
    const kept = lttb(ys, 50, xs);
    expect(kept.xs.length).toBe(50);
    for (let i = 1; i < kept.xs.length; i++) expect(kept.xs[i] as number).toBeGreaterThan(kept.xs[i - 1] as number);
    for (const [i, x] of kept.xs.entries()) expect(kept.ys[i]).toBe(Math.sin(x));
  });

  it('a NaN value is not preferred over finite points and does not break the result', () => {
    const ys = randomWalk(300);
    ys[150] = NaN;
    const indices = lttbIndices(ys, 30);
    expect(indices.length).toBe(30);
    expect(indices).not.toContain(150);
  });

  it('refuses x and y of different lengths', () => {
    expect(() => lttbIndices([1, 2, 3], 2, [1, 2])).toThrow(RangeError);
  });
});
