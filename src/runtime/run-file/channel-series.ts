/**
 * One channel of an output file as a series to plot (`rex show`'s plot, `rex serve`'s
 * `GET /runs/:id/channel`): a single channel against its index (and, with a timestamp per value,
 * its time), or one row of a trace (the last by default) against its point index; the whole
 * series, or the points `from` to `to` of it (a zoomed chart). Values are streamed from the file
 * and decimated as they come (min and max per bucket, ../../protocol/run-file/min-max-buckets.ts),
 * so a long channel is never held in memory; a trace holds one row.
 */
import { MinMaxBuckets } from '../../protocol/run-file/min-max-buckets.js';
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import { timestampsToNanos } from '../../protocol/run-file/timestamps.js';
import type { RunFile } from './run-file.js';

export interface ChannelSeries {
  /** Indexes (single) or point indexes in the row (trace), increasing. */
  xs: number[];
  ys: number[];
  /**
   * A single channel with a timestamp per value: each point's seconds since the channel's first
   * timestamp; null otherwise (a trace, no or too few timestamps, one that is not RFC 3339).
   */
  times: number[] | null;
  /** Points in the series before decimation: the values of a single channel, the row's length. */
  length: number;
  /** The points shown: [from, to), within [0, length]. */
  from: number;
  to: number;
  /** The row shown (trace); null for a single channel. */
  row: number | null;
  /** With `pairWith`: its value paired with each point (same length as `xs`); null otherwise. */
  paired: number[] | null;
  /** Values (single) or rows (trace) read: up to `to` (single), the row (trace), or the channel's count. */
  read: number;
}

export interface SeriesOptions {
  /** At most 2 × buckets points are kept. */
  buckets: number;
  /** The trace's row to show (0-based); default the last. */
  row?: number;
  /** Only the points from `from` (default 0) to before `to` (default the end; past it, the end). */
  from?: number;
  to?: number;
  /** The reading stops (rejects with the signal's reason) once it fires. */
  signal?: AbortSignal;
  /**
   * A single channel: another single channel to pair with value by value (an X/Y plot), from
   * the newest ends as the TUI pairs two windows: with fewer values, the first ones are unpaired
   * and left out (the range starts after them).
   */
  pairWith?: ChannelEntry;
}

export async function channelSeries(run: RunFile, channel: ChannelEntry, options: SeriesOptions): Promise<ChannelSeries> {
  const { signal } = options;
  if (channel.shape === 'single') {
    const length = channel.count;
    // Pairing from the newest ends: value i goes with pairWith's value i + offset.
    const offset = options.pairWith ? options.pairWith.count - length : 0;
    const { from, to } = rangeOf(length, { ...options, from: Math.max(options.from ?? 0, -offset) });
    const kept = new MinMaxBuckets(to - from, options.buckets);
    let read = 0;
    for await (const chunk of run.values(channel)) {
      signal?.throwIfAborted();
      const start = Math.max(from, read);
      const end = Math.min(to, read + chunk.length);
      if (end > start) kept.push(chunk.subarray(start - read, end - read), start - from);
      read += chunk.length;
      if (read >= to) break;
    }
    const { xs, ys } = shifted(kept, from);
    const times = channel.timestampCount === length ? await secondsOf(run, channel, xs, signal) : null;
    const paired = options.pairWith ? await valuesAt(run, options.pairWith, xs, offset, signal) : null;
    return { xs, ys, times, length, from, to, row: null, paired, read };
  }
  let found: Float64Array | undefined;
  let rows = 0;
  reading: for await (const chunk of run.rows(channel)) {
    signal?.throwIfAborted();
    for (const row of chunk) {
      if (options.row === undefined || rows === options.row) found = row;
      rows++;
      if (options.row !== undefined && rows > options.row) break reading;
    }
  }
  const row = found ?? new Float64Array(0);
  const { from, to } = rangeOf(row.length, options);
  const kept = new MinMaxBuckets(to - from, options.buckets);
  kept.push(row.subarray(from, to), 0);
  const { xs, ys } = shifted(kept, from);
  const shown = found === undefined ? null : (options.row ?? rows - 1);
  return { xs, ys, times: null, length: row.length, from, to, row: shown, paired: null, read: rows };
}

function rangeOf(length: number, options: SeriesOptions): { from: number; to: number } {
  const to = Math.min(options.to ?? length, length);
  return { from: Math.min(options.from ?? 0, to), to };
}

/** The kept points, their indexes moved from the range's to the series'. */
function shifted(kept: MinMaxBuckets, from: number): { xs: number[]; ys: number[] } {
  const { xs, ys } = kept.finish();
  return { xs: from === 0 ? xs : xs.map((x) => x + from), ys };
}

/** The values of `channel` at `xs` (increasing) + `offset`, read up to the last of them. */
async function valuesAt(
  run: RunFile,
  channel: ChannelEntry,
  xs: readonly number[],
  offset: number,
  signal?: AbortSignal,
): Promise<number[]> {
  const out: number[] = [];
  if (xs.length === 0) return out;
  let read = 0;
  const last = xs[xs.length - 1]! + offset;
  for await (const chunk of run.values(channel)) {
    signal?.throwIfAborted();
    while (out.length < xs.length && xs[out.length]! + offset < read + chunk.length) out.push(chunk[xs[out.length]! + offset - read]!);
    read += chunk.length;
    if (read > last) break;
  }
  return out;
}

/** The seconds since the channel's first timestamp of the values at `xs` (increasing); null if one is not a timestamp. */
async function secondsOf(run: RunFile, channel: ChannelEntry, xs: readonly number[], signal?: AbortSignal): Promise<number[] | null> {
  if (xs.length === 0) return [];
  // The first timestamp (the zero), then the one at each x.
  const picked: string[] = [];
  let next = 0;
  let offset = 0;
  const last = xs[xs.length - 1]!;
  for await (const chunk of run.timestamps(channel)) {
    signal?.throwIfAborted();
    if (offset === 0 && chunk.length > 0) picked.push(chunk[0]!);
    while (next < xs.length && xs[next]! < offset + chunk.length) picked.push(chunk[xs[next++]! - offset]!);
    offset += chunk.length;
    if (offset > last) break;
  }
  if (next < xs.length) return null;
  const { nanos, bad } = timestampsToNanos(picked);
  if (bad >= 0) return null;
  const zero = nanos[0]!;
  return Array.from(nanos.subarray(1), (t) => Number(t - zero) / 1e9);
}
