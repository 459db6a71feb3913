/**
 * `rex show`'s plot: one channel drawn with the TUI's chart (Braille, src/view/model/chart.ts).
 * A single channel is plotted against its index; a trace's last row against its point index.
 * Values are streamed from the file and decimated as they come (min and max per bucket), so a
 * long channel is never held in memory.
 */
import { plural } from '../protocol/human-units.js';
import { MinMaxBuckets } from '../protocol/run-file/min-max-buckets.js';
import type { ChannelEntry } from '../protocol/run-file/model.js';
import type { RunFile } from '../runtime/run-file/run-file.js';
import { CHART_FOOTER_ROWS, renderChart } from '../view/model/chart.js';

/** Rows of Braille cells (4 dots high each) in the plot, besides the axis and its labels. */
export const PLOT_ROWS = 16;

/** A title line, then the chart (`PLOT_ROWS` + 2 lines of `width` characters). */
export async function channelPlotLines(run: RunFile, channel: ChannelEntry, width: number): Promise<string[]> {
  const name = `${channel.device}/${channel.name}${channel.unit ? ` [${channel.unit}]` : ''}`;
  // One bucket per dot column at most: the chart cannot show more.
  const buckets = Math.max(1, width * 2);
  let title: string;
  let series: { xs: number[]; ys: number[] };
  if (channel.shape === 'single') {
    const kept = new MinMaxBuckets(channel.count, buckets);
    let offset = 0;
    for await (const chunk of run.values(channel)) {
      kept.push(chunk, offset);
      offset += chunk.length;
    }
    series = kept.finish();
    title = `${name}: ${plural(offset, 'value')} against the index`;
  } else {
    let last: Float64Array | undefined;
    let rows = 0;
    for await (const chunk of run.rows(channel)) {
      rows += chunk.length;
      last = chunk.at(-1) ?? last;
    }
    const row = last ?? new Float64Array(0);
    const kept = new MinMaxBuckets(row.length, buckets);
    kept.push(row, 0);
    series = kept.finish();
    title = `${name}: the last of ${plural(rows, 'row')} (${plural(row.length, 'point')}) against the point index`;
  }
  if (series.xs.length === 0) return [`${name}: no values to plot`];
  const frame = renderChart(series.xs, series.ys, width, PLOT_ROWS + CHART_FOOTER_ROWS);
  if (!frame) return [title, `(the terminal is too narrow to plot: ${width} columns)`];
  if (frame.plotted === 0) title += ' (no finite values)';
  return [title, ...frame.rows.map((r) => r.gutter + r.cells), frame.axis, frame.labels];
}
