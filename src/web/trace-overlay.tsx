/**
 * A trace channel: its latest row (at full resolution while charted, see ./app.tsx) drawn bold,
 * with the rows before it, up to `n` in all, fainter the older they are. The rows come from the
 * page's ring (./trace-rings.ts). `data-rows` on the plot says how many rows are drawn.
 * Drag across it to zoom: the newest row is then drawn from the range asked for at full
 * resolution (./trace-zoom.ts; `data-from`, `data-to`, `data-points` say what came); a
 * double-click goes back.
 */
import { useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { TraceRow } from './trace-rings';
import { useTraceZoom } from './trace-zoom';
import { PLOT_HEIGHT, type XRange, useUplot } from './use-uplot';

export const DEFAULT_OVERLAY = 5;

export interface TraceOverlayProps {
  device: string;
  channel: string;
  name: string;
  unit: string;
  rows: readonly TraceRow[];
  n: number;
}

const xsOf = (row: TraceRow): number[] => row.index ?? row.values.map((_, i) => i);
const yOf = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** One x for all rows (uPlot.join), y per row oldest first; NaN a gap. */
function plotData(rows: readonly TraceRow[]): uPlot.AlignedData {
  if (rows.length === 0) return [[], []];
  const tables = rows.map((row): uPlot.AlignedData => [xsOf(row), row.values.map(yOf)]);
  // Null retained (a NaN is a gap); the holes join makes between rows of other indexes are spanned.
  return uPlot.join(
    tables,
    tables.map(() => [1]),
  );
}

export function TraceOverlay({ device, channel, name, unit, rows, n }: TraceOverlayProps) {
  const box = useRef<HTMLDivElement>(null);
  const [zoom, setZoom] = useState<XRange | null>(null);
  const detail = useTraceZoom(device, channel, zoom, rows.at(-1)?.time);
  // Zoomed: the range at full resolution is the newest row, with the rows before it.
  const older = detail ? rows.filter((r) => !(r.time >= detail.row.time)) : [];
  const shown = detail ? [...older.slice(Math.max(0, older.length - (n - 1))), detail.row] : rows.slice(-n);
  const data = plotData(shown);
  const count = Math.max(1, shown.length);
  useUplot(
    box,
    (width) => ({
      width,
      height: PLOT_HEIGHT,
      legend: { show: false },
      scales: { x: { time: false } },
      axes: [{ label: 'sample index' }, { label: unit }],
      series: [
        {},
        ...Array.from({ length: count }, (_, i) => {
          const newest = i === count - 1;
          // Older rows fade: the newest is opaque, the oldest of n at about a fifth.
          const alpha = newest ? 1 : 0.15 + (0.5 * (i + 1)) / count;
          return {
            label: newest ? name : `${name} −${count - 1 - i}`,
            stroke: `rgba(37, 99, 235, ${alpha.toFixed(2)})`,
            width: newest ? 1.5 : 1,
            pxAlign: 0,
            points: { show: false },
          };
        }),
      ],
    }),
    `${name}\u0000${unit}\u0000${count}`,
    data,
    { range: zoom, onZoom: setZoom },
  );
  const zoomed = detail && { 'data-from': detail.from, 'data-to': detail.to, 'data-points': detail.row.values.length };
  return (
    <>
      <div ref={box} class="plot" data-rows={shown.length} {...zoomed} />
      {shown.length === 0 && <p class="muted">no data yet</p>}
      {zoom && (
        <p class="muted zoom-note">
          {detail
            ? `points ${detail.from}–${detail.to - 1} of the latest row: ${detail.row.values.length}, ${detail.full ? 'full resolution' : 'reduced'}`
            : 'asking for the range at full resolution…'}{' '}
          · double-click: all
        </p>
      )}
    </>
  );
}
