/**
 * A trace channel: its rows drawn over each other, the newest (the last) bold, the ones before it
 * fainter the older they are. It draws the rows it is given: the Live tab's from the page's ring
 * (./trace-rings.ts, the latest at full resolution, ./chart-view.tsx), a past run's from its file
 * (./past-charts.tsx). `data-rows` on the plot says how many rows are drawn. Drag across it to
 * zoom (`zoom`): the caller then gives the newest row's range at full resolution (`note` and
 * `plotAttributes` say what came); a double-click goes back.
 */
import { useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { TraceRow } from './trace-rings';
import { plotFrame, type Zoom, useUplot } from './use-uplot';

export const DEFAULT_OVERLAY = 5;

export interface TraceOverlayProps {
  name: string;
  unit: string;
  /** The rows to draw, oldest first. */
  rows: readonly TraceRow[];
  zoom: Zoom;
  /** Under the plot (what a zoom shows). */
  note?: string | undefined;
  /** `data-*` attributes of the plot's element (what it shows, for tests and tools). */
  plotAttributes?: Record<`data-${string}`, string | number> | undefined;
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

export function TraceOverlay({ name, unit, rows, zoom, note, plotAttributes }: TraceOverlayProps) {
  const box = useRef<HTMLDivElement>(null);
  const data = plotData(rows);
  const count = Math.max(1, rows.length);
  useUplot(
    box,
    (width) => ({
      ...plotFrame(width),
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
    zoom,
  );
  return (
    <>
      <div ref={box} class="plot" data-rows={rows.length} {...plotAttributes} />
      {rows.length === 0 && <p class="muted">no data yet</p>}
      {zoom.range && <p class="muted zoom-note">{note ?? 'asking for the range at full resolution…'} · double-click: all</p>}
    </>
  );
}
