/**
 * One chart of the Live tab, of the kind its key (./hash.ts) asks for, with the choice above it:
 * a scalar against time (./chart.tsx) or against another scalar of its device (./xy-chart.tsx);
 * a trace as its latest row with the last n overlaid (./trace-overlay.tsx) or as a waterfall
 * (./waterfall.tsx). The frame and the choice are shared with a past run's charts (./past-charts.tsx).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Chart } from './chart';
import { type ChartKey, MAX_OVERLAY } from './hash';
import { type DeviceInfo, type Series, unitToShow } from './model';
import { NumberField } from './number-field';
import { DEFAULT_OVERLAY, TraceOverlay } from './trace-overlay';
import { type TraceRow, traceRings } from './trace-rings';
import { useTraceZoom } from './trace-zoom';
import type { XRange } from './use-uplot';
import { Waterfall } from './waterfall';
import { XYChart } from './xy-chart';

export interface ChartViewProps {
  chart: ChartKey;
  device: DeviceInfo | undefined;
  /** The channel's data: the datastream's window, or a trace's full row. */
  seriesOf(channel: string): Series | undefined;
  onChange(chart: ChartKey): void;
  onRemove(): void;
}

/** A channel as the chart's choice needs it. */
export interface ChoiceChannel {
  name: string;
  trace: boolean;
  count: number | null;
}

export function ChartView({ chart, device, seriesOf, onChange, onRemove }: ChartViewProps) {
  const channel = device?.channels.find((c) => c.name === chart.channel);
  const trace = channel?.shape === 'multi';
  const title = `${chart.device} / ${chart.channel}`;
  const unit = channel?.unit ?? '';
  let body: ComponentChildren;
  if (trace) {
    const rows = traceRings.rows(chart.device, chart.channel);
    const waterfall = chart.view === 'waterfall';
    body = (
      <ChartFrame title={title} unit={unit} view={waterfall ? 'waterfall' : 'overlay'} onRemove={onRemove}>
        {waterfall ? (
          <Waterfall unit={unit} rows={rows} />
        ) : (
          <LiveOverlay device={chart.device} channel={chart.channel} name={title} unit={unit} rows={rows} n={chart.n ?? DEFAULT_OVERLAY} />
        )}
      </ChartFrame>
    );
  } else if (chart.x !== undefined) {
    const x = device?.channels.find((c) => c.name === chart.x);
    body = (
      <ChartFrame title={`${title} vs ${chart.x}`} unit={unit} view="xy" onRemove={onRemove}>
        <XYChart
          x={{ name: chart.x, unit: x?.unit ?? '', series: seriesOf(chart.x) }}
          y={{ name: chart.channel, unit, series: seriesOf(chart.channel) }}
        />
      </ChartFrame>
    );
  } else {
    body = <Chart title={title} unit={unit} trace={false} series={seriesOf(chart.channel)} onRemove={onRemove} />;
  }
  const channels = (device?.channels ?? []).map((c) => ({ name: c.name, trace: c.shape === 'multi', count: c.count }));
  return (
    <div class="chart-cell">
      <ChartOptions chart={chart} channels={channels} trace={trace} onChange={onChange} />
      {body}
    </div>
  );
}

/**
 * The last n rows of the page's ring. Zoomed: the newest row's range at full resolution
 * (./trace-zoom.ts), with the rows before it.
 */
function LiveOverlay(props: { device: string; channel: string; name: string; unit: string; rows: readonly TraceRow[]; n: number }) {
  const { rows, n } = props;
  const [zoom, setZoom] = useState<XRange | null>(null);
  const detail = useTraceZoom(props.device, props.channel, zoom, rows.at(-1)?.time);
  const older = detail ? rows.filter((r) => !(r.time >= detail.row.time)) : [];
  const shown = detail ? [...older.slice(Math.max(0, older.length - (n - 1))), detail.row] : rows.slice(-n);
  return (
    <TraceOverlay
      name={props.name}
      unit={props.unit}
      rows={shown}
      zoom={{ range: zoom, onZoom: setZoom }}
      note={
        detail
          ? `points ${detail.from}–${detail.to - 1} of the latest row: ${detail.row.values.length}, ${detail.full ? 'full resolution' : 'reduced'}`
          : undefined
      }
      plotAttributes={detail ? { 'data-from': detail.from, 'data-to': detail.to, 'data-points': detail.row.values.length } : undefined}
    />
  );
}

export function ChartFrame(props: { title: string; unit: string; view: string; onRemove(): void; children: ComponentChildren }) {
  return (
    <figure class="chart" data-chart={props.title} data-view={props.view}>
      <figcaption>
        <span>
          {props.title} {unitToShow(props.title, props.unit) && <span class="unit">({props.unit})</span>}
        </span>
        <button type="button" class="small" onClick={props.onRemove} aria-label={`remove chart ${props.title}`}>
          ×
        </button>
      </figcaption>
      {props.children}
    </figure>
  );
}

/**
 * A scalar: its X axis (time, or a scalar of the device with as many values). A trace: its view
 * and n. `extra`: more fields after them (a past run's newest row).
 */
export function ChartOptions({
  chart,
  channels,
  trace,
  onChange,
  extra,
}: {
  chart: ChartKey;
  channels: ChoiceChannel[];
  trace: boolean;
  onChange(chart: ChartKey): void;
  extra?: ComponentChildren;
}) {
  const { x: _x, view: _view, n: _n, ...base } = chart;
  if (trace) {
    return (
      <div class="chart-options">
        <label>
          view{' '}
          <select
            name="view"
            value={chart.view ?? 'overlay'}
            onChange={(e) =>
              onChange(e.currentTarget.value === 'waterfall' ? { ...base, view: 'waterfall' } : { ...base, ...(chart.n && { n: chart.n }) })
            }
          >
            <option value="overlay">latest + the ones before</option>
            <option value="waterfall">waterfall</option>
          </select>
        </label>
        {chart.view !== 'waterfall' && (
          <NumberField
            label="traces shown"
            name="n"
            value={chart.n ?? DEFAULT_OVERLAY}
            min={1}
            max={MAX_OVERLAY}
            accept={(n) => Number.isInteger(n) && n >= 1 && n <= MAX_OVERLAY}
            onCommit={(n) => onChange(n === DEFAULT_OVERLAY ? base : { ...base, n })}
          />
        )}
        {extra}
      </div>
    );
  }
  const self = channels.find((c) => c.name === chart.channel);
  // The TUI pairs two streams value by value: only channels with the same count pair up fully.
  const choices = channels.filter((c) => c.name !== chart.channel && !c.trace && (c.name === chart.x || c.count === self?.count));
  return (
    <div class="chart-options">
      <label>
        x axis{' '}
        <select
          name="x"
          value={chart.x ?? ''}
          onChange={(e) => onChange(e.currentTarget.value === '' ? base : { ...base, x: e.currentTarget.value })}
        >
          <option value="">time</option>
          {choices.map((c) => (
            <option value={c.name} key={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {extra}
    </div>
  );
}
