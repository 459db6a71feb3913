/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013), as the original's live view
 * uses it (the `lttb` crate): keeps the first and last points and, from each of the
 * `threshold - 2` buckets between them, the point that makes the largest triangle with the
 * point kept before it and the average of the next bucket.
 */

/**
 * The indices (ascending) of the ≤ `threshold` points LTTB keeps from the series `ys`, with x
 * taken from `xs` (same length) or, without `xs`, the index. Series no longer than `threshold`
 * are kept whole. `threshold` 1 keeps the first point, 2 the first and last. Points whose
 * triangle area is NaN (a NaN coordinate) are never preferred over finite ones.
 */
export function lttbIndices(ys: ArrayLike<number>, threshold: number, xs?: ArrayLike<number>): number[] {
  const n = ys.length;
  if (xs !== undefined && xs.length !== n) throw new RangeError('lttb: xs and ys differ in length');
  const limit = Math.max(0, Math.floor(threshold));
  if (n <= limit) return Array.from({ length: n }, (_, i) => i);
  if (limit === 0) return [];
  if (limit === 1) return [0];
  if (limit === 2) return [0, n - 1];

  const x = (i: number): number => (xs === undefined ? i : (xs[i] as number));
  const y = (i: number): number => ys[i] as number;
  const kept: number[] = [0];
  const bucketSize = (n - 2) / (limit - 2);
  let a = 0;
  for (let bucket = 0; bucket < limit - 2; bucket++) {
    // The average point of the next bucket (the last point for the last bucket).
    const nextStart = Math.floor((bucket + 1) * bucketSize) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * bucketSize) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += x(i);
      avgY += y(i);
    }
    const nextCount = nextEnd - nextStart;
    avgX /= nextCount;
    avgY /= nextCount;

    const start = Math.floor(bucket * bucketSize) + 1;
    const end = Math.floor((bucket + 1) * bucketSize) + 1;
    const ax = x(a);
    const ay = y(a);
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const area = Math.abs((ax - avgX) * (y(i) - ay) - (ax - x(i)) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    a = best;
  }
  kept.push(n - 1);
  return kept;
}

/** LTTB on (x, y) pairs: the kept points' coordinates. */
export function lttb(ys: ArrayLike<number>, threshold: number, xs?: ArrayLike<number>): { xs: number[]; ys: number[] } {
  const indices = lttbIndices(ys, threshold, xs);
  return {
    xs: indices.map((i) => (xs === undefined ? i : (xs[i] as number))),
    ys: indices.map((i) => ys[i] as number),
  };
}
