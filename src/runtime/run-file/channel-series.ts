/**
 * One channel of an output file as a series to plot (`rex show`'s plot, `rex serve`'s
 * `GET /runs/:id/channel`): a single channel against its index, or one row of a trace (the last
 * by default) against its point index. Values are streamed from the file and decimated as they
 * come (min and max per bucket, ../../protocol/run-file/min-max-buckets.ts), so a long channel
 * is never held in memory; a trace holds one row.
 */
import { MinMaxBuckets } from '../../protocol/run-file/min-max-buckets.js';
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import type { RunFile } from './run-file.js';

export interface ChannelSeries {
  /** Indexes (single) or point indexes in the row (trace), increasing. */
  xs: number[];
  ys: number[];
  /** Points in the series before decimation: the values of a single channel, the row's length. */
  length: number;
  /** The row shown (trace); null for a single channel. */
  row: number | null;
  /** Values (single) or rows (trace) read: the channel's count, unless the reading stopped early. */
  read: number;
}

export interface SeriesOptions {
  /** At most 2 × buckets points are kept. */
  buckets: number;
  /** The trace's row to show (0-based); default the last. */
  row?: number;
  /** The reading stops (rejects with the signal's reason) once it fires. */
  signal?: AbortSignal;
}

export async function channelSeries(run: RunFile, channel: ChannelEntry, options: SeriesOptions): Promise<ChannelSeries> {
  const { buckets, signal } = options;
  if (channel.shape === 'single') {
    const kept = new MinMaxBuckets(channel.count, buckets);
    let offset = 0;
    for await (const chunk of run.values(channel)) {
      signal?.throwIfAborted();
      kept.push(chunk, offset);
      offset += chunk.length;
    }
    return { ...kept.finish(), length: offset, row: null, read: offset };
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
  const kept = new MinMaxBuckets(row.length, buckets);
  kept.push(row, 0);
  return { ...kept.finish(), length: row.length, row: found === undefined ? null : (options.row ?? rows - 1), read: rows };
}
