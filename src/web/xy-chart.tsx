/**
 * A scalar channel against another scalar channel of the same device (the TUI's X/Y): the two
 * recent windows paired value by value from their newest ends, drawn as points. The pairs, in
 * the order they were sent, are on the element as `data-points` (JSON, NaN as null) for tests.
 */
import { useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { type Series, unitToShow } from './model';
import { plotFrame, useUplot } from './use-uplot';

export interface XYChartProps {
  x: { name: string; unit: string; series: Series | undefined };
  y: { name: string; unit: string; series: Series | undefined };
}

/** Pairs from the newest ends, oldest first; NaN kept (a point not drawn). */
export function pairs(x: number[], y: number[]): Array<[number, number]> {
  const n = Math.min(x.length, y.length);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) out.push([x[x.length - n + i]!, y[y.length - n + i]!]);
  return out;
}

/** uPlot's data: finite pairs sorted by x (uPlot needs x ascending; only points are drawn). */
function plotData(points: Array<[number, number]>): uPlot.AlignedData {
  const finite = points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).sort((p, q) => p[0] - q[0]);
  return [finite.map((p) => p[0]), finite.map((p) => p[1])];
}

const label = (name: string, unit: string): string => (unitToShow(name, unit) ? `${name} (${unit})` : name);

export function XYChart({ x, y }: XYChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const points = pairs(x.series?.values ?? [], y.series?.values ?? []);
  const data = plotData(points);
  useUplot(
    box,
    (width) => ({
      ...plotFrame(width),
      axes: [{ label: label(x.name, x.unit) }, { label: label(y.name, y.unit) }],
      series: [{}, { label: y.name, stroke: '#2563eb', paths: () => null, points: { show: true, size: 6, fill: '#2563eb' } }],
    }),
    `${x.name}\u0000${x.unit}\u0000${y.name}\u0000${y.unit}`,
    data,
  );
  const json = JSON.stringify(points.map(([a, b]) => [finiteOrNull(a), finiteOrNull(b)]));
  return (
    <>
      <div ref={box} class="plot" data-points={json} />
      {data[0].length === 0 && <p class="muted">no data yet</p>}
    </>
  );
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
