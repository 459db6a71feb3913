/**
 * Streaming decimation for a plot (pure): a series of known length, fed in chunks, is cut into
 * `buckets` runs of consecutive points and each keeps its smallest and largest value (in index
 * order), so spikes stay visible and memory is O(buckets) however long the series. A series of
 * at most 2 × `buckets` points is kept whole. A bucket with no finite value keeps one NaN point,
 * which the chart draws as a gap.
 */
export class MinMaxBuckets {
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  private readonly whole: boolean;
  private bucket = -1;
  private first = 0;
  private minI = -1;
  private maxI = -1;
  private min = Infinity;
  private max = -Infinity;

  constructor(
    private readonly total: number,
    private readonly buckets: number,
  ) {
    this.whole = total <= 2 * buckets;
  }

  /** The next values, the first of which has index `offset` in the series. */
  push(values: ArrayLike<number>, offset: number): void {
    for (let k = 0; k < values.length; k++) {
      const i = offset + k;
      const v = values[k]!;
      if (this.whole) {
        this.xs.push(i);
        this.ys.push(v);
        continue;
      }
      const bucket = Math.floor((i * this.buckets) / this.total);
      if (bucket !== this.bucket) {
        this.flush();
        this.bucket = bucket;
        this.first = i;
      }
      if (!Number.isFinite(v)) continue;
      if (v < this.min) [this.min, this.minI] = [v, i];
      if (v > this.max) [this.max, this.maxI] = [v, i];
    }
  }

  /** The points kept, in index order (call once, after the last push). */
  finish(): { xs: number[]; ys: number[] } {
    this.flush();
    return { xs: this.xs, ys: this.ys };
  }

  private flush(): void {
    if (this.bucket < 0) return;
    if (this.minI < 0) {
      this.xs.push(this.first);
      this.ys.push(Number.NaN);
    } else {
      const [a, b] = this.minI <= this.maxI ? [this.minI, this.maxI] : [this.maxI, this.minI];
      const value = (i: number) => (i === this.minI ? this.min : this.max);
      this.xs.push(a);
      this.ys.push(value(a));
      if (b !== a) {
        this.xs.push(b);
        this.ys.push(value(b));
      }
    }
    this.bucket = -1;
    this.minI = this.maxI = -1;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
