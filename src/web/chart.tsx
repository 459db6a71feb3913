/**
 * One uPlot chart: a scalar channel against time (the datastream's recent window), or a trace
 * against its sample index. NaN (JSON null) is a gap. The plot is made once and fed with setData;
 * it may be zoomed (./use-uplot.ts).
 */
import { useRef } from 'preact/hooks';
import { type Series, unitToShow } from './model';
import { plotFrame, type Zoom, useUplot } from './use-uplot';

export interface ChartProps {
  title: string;
  unit: string;
  trace: boolean;
  series: Series | undefined;
  onRemove(): void;
  /** What the chart shows, instead of "latest trace" or "recent values" (a past run's row). */
  caption?: string | undefined;
  /** The x axis' label, instead of "sample index" or "time since first value (s)". */
  xLabel?: string;
  /** Drag to zoom, double-click to go back (./use-uplot.ts). */
  zoom?: Zoom;
  /** `data-*` attributes of the plot's element (what it shows, for tests and tools). */
  plotAttributes?: Record<`data-${string}`, string | number>;
}

/** x and y for uPlot: x finite and ascending, y with `null` where the value is not a number. */
export function plotData(series: Series | undefined, trace: boolean): [number[], (number | null)[]] {
  if (series === undefined) return [[], []];
  const { values } = series;
  let xs: number[];
  let ys: number[];
  if (trace) {
    xs = series.index ?? values.map((_, i) => i);
    ys = values;
  } else if (series.times && series.times.length > 0) {
    // The window keeps as many times as values; if not, the newest of each go together.
    const n = Math.min(series.times.length, values.length);
    xs = series.times.slice(series.times.length - n);
    ys = values.slice(values.length - n);
  } else {
    xs = values.map((_, i) => i);
    ys = values;
  }
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (let i = 0; i < xs.length; i++) {
    const xi = xs[i]!;
    if (!Number.isFinite(xi) || (x.length > 0 && xi < x[x.length - 1]!)) continue;
    x.push(xi);
    const yi = ys[i]!;
    y.push(Number.isFinite(yi) ? yi : null);
  }
  return [x, y];
}

export function Chart({ title, unit, trace, series, onRemove, caption, xLabel, zoom, plotAttributes }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const data = plotData(series, trace);
  useUplot(
    box,
    (width) => ({
      ...plotFrame(width),
      axes: [{ label: xLabel ?? (trace ? 'sample index' : 'time since first value (s)') }, { label: unit }],
      // pxAlign 0: points snapped to whole pixels make a straight line look stepped. A line of
      // points: dots where they are few enough to tell apart (uPlot's default).
      series: [{}, { label: title, stroke: '#2563eb', width: 1.5, spanGaps: false, pxAlign: 0, ...(trace && { points: { show: false } }) }],
    }),
    `${trace}\u0000${unit}\u0000${title}\u0000${xLabel}`,
    data,
    zoom,
  );
  return (
    <figure class="chart" data-chart={title}>
      <figcaption>
        <span>
          {title} {unitToShow(title, unit) && <span class="unit">({unit})</span>}{' '}
          <span class="muted">{caption ?? (trace ? 'latest trace' : 'recent values')}</span>
        </span>
        <button type="button" class="small" onClick={onRemove} aria-label={`remove chart ${title}`}>
          ×
        </button>
      </figcaption>
      <div ref={box} class="plot" {...plotAttributes} />
      {data[0].length === 0 && <p class="muted">no data yet</p>}
    </figure>
  );
}
