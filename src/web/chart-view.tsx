/**
 * One chart of the Live tab, of the kind its key (./hash.ts) asks for, with the choice above it:
 * a scalar against time (./chart.tsx) or against another scalar of its device (./xy-chart.tsx);
 * a trace as its latest row with the last n overlaid (./trace-overlay.tsx) or as a waterfall
 * (./waterfall.tsx).
 */
import type { ComponentChildren } from 'preact';
import { Chart } from './chart';
import { type ChartKey, MAX_OVERLAY } from './hash';
import type { DeviceInfo, Series } from './model';
import { NumberField } from './number-field';
import { DEFAULT_OVERLAY, TraceOverlay } from './trace-overlay';
import { traceRings } from './trace-rings';
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
      <Frame title={title} unit={unit} view={waterfall ? 'waterfall' : 'overlay'} onRemove={onRemove}>
        {waterfall ? (
          <Waterfall unit={unit} rows={rows} />
        ) : (
          <TraceOverlay device={chart.device} channel={chart.channel} name={title} unit={unit} rows={rows} n={chart.n ?? DEFAULT_OVERLAY} />
        )}
      </Frame>
    );
  } else if (chart.x !== undefined) {
    const x = device?.channels.find((c) => c.name === chart.x);
    body = (
      <Frame title={`${title} vs ${chart.x}`} unit={unit} view="xy" onRemove={onRemove}>
        <XYChart
          x={{ name: chart.x, unit: x?.unit ?? '', series: seriesOf(chart.x) }}
          y={{ name: chart.channel, unit, series: seriesOf(chart.channel) }}
        />
      </Frame>
    );
  } else {
    body = <Chart title={title} unit={unit} trace={false} series={seriesOf(chart.channel)} onRemove={onRemove} />;
  }
  return (
    <div class="chart-cell">
      <ChartOptions chart={chart} device={device} trace={trace} onChange={onChange} />
      {body}
    </div>
  );
}

function Frame(props: { title: string; unit: string; view: string; onRemove(): void; children: ComponentChildren }) {
  return (
    <figure class="chart" data-chart={props.title} data-view={props.view}>
      <figcaption>
        <span>
          {props.title} {props.unit && <span class="unit">({props.unit})</span>}
        </span>
        <button type="button" class="small" onClick={props.onRemove} aria-label={`remove chart ${props.title}`}>
          ×
        </button>
      </figcaption>
      {props.children}
    </figure>
  );
}

/** A scalar: its X axis (time, or a scalar of the device with as many values). A trace: its view and n. */
function ChartOptions({
  chart,
  device,
  trace,
  onChange,
}: {
  chart: ChartKey;
  device: DeviceInfo | undefined;
  trace: boolean;
  onChange(chart: ChartKey): void;
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
      </div>
    );
  }
  const self = device?.channels.find((c) => c.name === chart.channel);
  // The TUI pairs two streams value by value: only channels with the same count pair up fully.
  const choices = (device?.channels ?? []).filter(
    (c) => c.name !== chart.channel && c.shape !== 'multi' && (c.name === chart.x || c.count === self?.count),
  );
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
    </div>
  );
}
