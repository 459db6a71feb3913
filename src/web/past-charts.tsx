/**
 * A past run's charts, several at once in a grid, as the Live tab's (./chart-view.tsx shares the
 * frame and the choice; the plots are the Live tab's components, given the file's data): a single
 * channel against its time, zoomable (`GET /runs/:id/channel`, `from`/`to` at full resolution), or
 * against another single channel of its device (`x=`, ./xy-chart.tsx); a trace's last n rows
 * overlaid (./trace-overlay.tsx; its newest row zoomable) or the last WATERFALL_ROWS as a
 * waterfall (./waterfall.tsx), ending at a chosen row (the last by default); rows from
 * ./past-rows.ts.
 */
import { useEffect, useState } from 'preact/hooks';
import { Chart } from './chart';
import { ChartFrame, ChartOptions } from './chart-view';
import { type ChartKey, chartElementKey, MAX_OVERLAY } from './hash';
import { NumberField } from './number-field';
import { type PastDevice, type PastSeries, indexRange, parsePastSeries } from './past-runs-model';
import { runPath, usePastRows } from './past-rows';
import { DEFAULT_OVERLAY, TraceOverlay } from './trace-overlay';
import { pointRange } from './trace-zoom';
import { useJson } from './use-json';
import type { XRange, Zoom } from './use-uplot';
import { Waterfall } from './waterfall';
import { XYChart } from './xy-chart';

/** The rows a past waterfall shows (ending at the chosen row). */
export const WATERFALL_ROWS = MAX_OVERLAY;

type OnError = (error: unknown) => void;

export interface PastChartsProps {
  id: string;
  devices: PastDevice[];
  charts: ChartKey[];
  onCharts(charts: ChartKey[]): void;
  onError: OnError;
}

export function PastChartsPanel({ id, devices, charts, onCharts, onError }: PastChartsProps) {
  if (charts.length === 0) return null;
  return (
    <section class="panel charts" id="past-charts">
      <h2>Charts</h2>
      <div class="grid">
        {charts.map((chart, i) => (
          <PastChartView
            key={chartElementKey(charts, i)}
            id={id}
            chart={chart}
            device={devices.find((d) => d.name === chart.device)}
            onChange={(next) => onCharts(charts.map((c, j) => (j === i ? next : c)))}
            onRemove={() => onCharts(charts.filter((_, j) => j !== i))}
            onError={onError}
          />
        ))}
      </div>
    </section>
  );
}

interface PastChartProps {
  id: string;
  chart: ChartKey;
  device: PastDevice | undefined;
  onChange(chart: ChartKey): void;
  onRemove(): void;
  onError: OnError;
}

function PastChartView({ id, chart, device, onChange, onRemove, onError }: PastChartProps) {
  // A trace's newest row shown: null is the last.
  const [row, setRow] = useState<number | null>(null);
  const channel = device?.channels.find((c) => c.name === chart.channel);
  const title = `${chart.device} / ${chart.channel}`;
  if (device === undefined || channel === undefined) {
    return (
      <div class="chart-cell">
        <ChartFrame title={title} unit="" view="missing" onRemove={onRemove}>
          <p class="muted">this run has no such channel</p>
        </ChartFrame>
      </div>
    );
  }
  const trace = channel.shape === 'trace';
  const count = channel.count ?? 0;
  const last = Math.min(row ?? count - 1, count - 1);
  const channels = device.channels.map((c) => ({ name: c.name, trace: c.shape === 'trace', count: c.count }));
  const rowField = trace && count > 0 && (
    <NumberField
      label="newest row"
      name="row"
      value={last}
      min={0}
      max={count - 1}
      accept={(value) => Number.isInteger(value) && value >= 0 && value < count}
      onCommit={setRow}
    />
  );
  const common = { id, chart, title, unit: channel.unit, onRemove, onError };
  return (
    <div class="chart-cell">
      <ChartOptions chart={chart} channels={channels} trace={trace} onChange={onChange} extra={rowField} />
      {trace ? (
        <PastTrace {...common} count={count} last={last} />
      ) : chart.x !== undefined ? (
        <PastXY {...common} x={chart.x} />
      ) : (
        <PastScalar {...common} />
      )}
    </div>
  );
}

interface ChartPartProps {
  id: string;
  chart: ChartKey;
  title: string;
  unit: string;
  onRemove(): void;
  onError: OnError;
}

const channelPath = (id: string, params: Record<string, string>): string => `${runPath(id)}/channel?${new URLSearchParams(params)}`;

/** The last answer stays drawn while the next is read. */
function useShown(path: string, onError: OnError) {
  const { answer } = useJson(path, parsePastSeries, onError);
  const [shown, setShown] = useState<PastSeries | null>(null);
  useEffect(() => {
    if (answer && 'value' in answer) setShown(answer.value);
  }, [answer]);
  return { shown, error: answer && 'error' in answer ? answer.error : null };
}

/** A single channel against its time (or its index): downsampled, a zoom at full resolution. */
function PastScalar({ id, chart, title, unit, onRemove, onError }: ChartPartProps) {
  const [zoomed, setZoomed] = useState<{ range: XRange; from: number; to: number } | null>(null);
  const params: Record<string, string> = { device: chart.device, channel: chart.channel };
  if (zoomed) Object.assign(params, { from: String(zoomed.from), to: String(zoomed.to) });
  const { shown, error } = useShown(channelPath(id, params), onError);
  const timed = shown?.series.times !== undefined;
  const zoom: Zoom = {
    range: zoomed?.range ?? null,
    onZoom: (range) => setZoomed(range && shown ? { range, ...indexRange(shown, range) } : null),
  };
  return (
    <>
      {error && <p class="error">{error}</p>}
      <Chart
        title={title}
        unit={unit}
        trace={!timed}
        xLabel={timed ? "time since the channel's first value (s)" : 'value index'}
        series={shown?.series}
        onRemove={onRemove}
        caption={shown ? captionOf(shown, zoomed !== null) : undefined}
        zoom={zoom}
        plotAttributes={
          shown
            ? {
                'data-x': timed ? 'time' : 'index',
                'data-from': shown.from,
                'data-to': shown.to,
                'data-points': shown.series.values.length,
              }
            : {}
        }
      />
    </>
  );
}

/** What a single channel's chart shows: the values (of which range), and whether all of them. */
function captionOf(shown: PastSeries, zoomed: boolean): string {
  const range = zoomed ? `${shown.to - shown.from} values (${shown.from}–${shown.to - 1} of ${shown.length})` : `${shown.length} values`;
  const resolution = shown.downsampled ? 'downsampled' : zoomed ? 'full resolution' : '';
  return `${range}${resolution && `, ${resolution}`}${zoomed ? ' · double-click: all' : ''}`;
}

/** A single channel against another of its device, paired value by value by the server (`x=`). */
function PastXY({ id, chart, title, unit, onRemove, onError, x }: ChartPartProps & { x: string }) {
  const { shown, error } = useShown(channelPath(id, { device: chart.device, channel: chart.channel, x }), onError);
  const paired = shown?.paired;
  return (
    <ChartFrame title={`${title} vs ${x}`} unit={unit} view="xy" onRemove={onRemove}>
      {error && <p class="error">{error}</p>}
      <XYChart
        x={{ name: x, unit: paired?.unit ?? '', series: paired ? { values: paired.values } : undefined }}
        y={{ name: chart.channel, unit, series: paired ? shown.series : undefined }}
      />
      {shown && (
        <p class="muted">
          {shown.series.values.length} pairs{shown.downsampled ? ` of ${shown.to - shown.from}, downsampled` : ''}
        </p>
      )}
    </ChartFrame>
  );
}

/** A trace: the rows ending at `last`, overlaid (the last n) or as a waterfall (the last WATERFALL_ROWS). */
function PastTrace({ id, chart, title, unit, onRemove, onError, count, last }: ChartPartProps & { count: number; last: number }) {
  const waterfall = chart.view === 'waterfall';
  const first = Math.max(0, last - (waterfall ? WATERFALL_ROWS : (chart.n ?? DEFAULT_OVERLAY)) + 1);
  const { rows, error } = usePastRows(id, chart.device, chart.channel, first, last, onError);
  return (
    <ChartFrame title={title} unit={unit} view={waterfall ? 'waterfall' : 'overlay'} onRemove={onRemove}>
      {error && <p class="error">{error}</p>}
      {waterfall ? (
        <Waterfall unit={unit} rows={rows} />
      ) : (
        // Another newest row starts unzoomed.
        <PastOverlay key={last} id={id} chart={chart} title={title} unit={unit} rows={rows} last={last} onError={onError} />
      )}
      <p class="muted" data-field="rows">
        {count === 0 ? 'no rows' : `rows ${first}–${last} of 0–${count - 1}`}
      </p>
    </ChartFrame>
  );
}

/** The overlay; zoomed, the newest row's range at full resolution (`row`, `from`, `to`). */
function PastOverlay(props: Omit<ChartPartProps, 'onRemove'> & { rows: ReturnType<typeof usePastRows>['rows']; last: number }) {
  const { id, chart, rows, last } = props;
  const [zoom, setZoom] = useState<XRange | null>(null);
  const range = zoom && pointRange(zoom);
  const params = range && {
    device: chart.device,
    channel: chart.channel,
    row: String(last),
    from: String(range.from),
    to: String(range.to),
  };
  const { answer } = useJson(params && channelPath(id, params), parsePastSeries, props.onError);
  const detail = answer && 'value' in answer ? answer.value : null;
  const shown = detail
    ? [...rows.slice(0, -1), { time: Number.NaN, values: detail.series.values, index: detail.series.index ?? [] }]
    : rows;
  return (
    <TraceOverlay
      name={props.title}
      unit={props.unit}
      rows={shown}
      zoom={{ range: zoom, onZoom: setZoom }}
      note={
        detail
          ? `points ${detail.from}–${detail.to - 1} of row ${last}: ${detail.series.values.length}, ${detail.downsampled ? 'downsampled' : 'full resolution'}`
          : undefined
      }
      plotAttributes={detail ? { 'data-from': detail.from, 'data-to': detail.to, 'data-points': detail.series.values.length } : undefined}
    />
  );
}
