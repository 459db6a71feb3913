/**
 * `rex show`'s plot: one channel drawn with the TUI's chart (Braille, src/view/model/chart.ts).
 * A single channel is plotted against its index; a trace's last row against its point index
 * (../runtime/run-file/channel-series.ts streams and decimates them).
 */
import { plural } from '../protocol/human-units.js';
import type { ChannelEntry } from '../protocol/run-file/model.js';
import { channelSeries } from '../runtime/run-file/channel-series.js';
import type { RunFile } from '../runtime/run-file/run-file.js';
import { CHART_FOOTER_ROWS, renderChart } from '../view/model/chart.js';

/** Rows of Braille cells (4 dots high each) in the plot, besides the axis and its labels. */
export const PLOT_ROWS = 16;

/** A title line, then the chart (`PLOT_ROWS` + 2 lines of `width` characters). */
export async function channelPlotLines(run: RunFile, channel: ChannelEntry, width: number): Promise<string[]> {
  const name = `${channel.device}/${channel.name}${channel.unit ? ` [${channel.unit}]` : ''}`;
  // One bucket per dot column at most: the chart cannot show more.
  const buckets = Math.max(1, width * 2);
  const series = await channelSeries(run, channel, { buckets });
  let title =
    channel.shape === 'single'
      ? `${name}: ${plural(series.length, 'value')} against the index`
      : `${name}: the last of ${plural(series.read, 'row')} (${plural(series.length, 'point')}) against the point index`;
  if (series.xs.length === 0) return [`${name}: no values to plot`];
  const frame = renderChart(series.xs, series.ys, width, PLOT_ROWS + CHART_FOOTER_ROWS);
  if (!frame) return [title, `(the terminal is too narrow to plot: ${width} columns)`];
  if (frame.plotted === 0) title += ' (no finite values)';
  return [title, ...frame.rows.map((r) => r.gutter + r.cells), frame.axis, frame.labels];
}
