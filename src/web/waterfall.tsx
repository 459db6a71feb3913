/**
 * A waterfall of a trace channel: one line of pixels per row the page kept (./trace-rings.ts, up
 * to 200), the newest at the top, coloured by value from the lowest (dark blue) to the highest
 * (yellow) value shown. A plain 2D canvas, stretched by CSS. `data-rows` on the canvas says how
 * many rows are drawn; the colour scale's ends are in the caption.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { TraceRow } from './trace-rings';

/** Columns at most: a 10,000-point row is shown at 1,000 pixels (a column keeps its last point). */
const MAX_COLUMNS = 1000;

/** Viridis, roughly: five stops, linear between them. */
const STOPS: Array<[number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function colour(t: number): [number, number, number] {
  const at = (Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t))) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(at));
  const f = at - i;
  const [a, b] = [STOPS[i]!, STOPS[i + 1]!];
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as [number, number, number];
}

const xsOf = (row: TraceRow): number[] => row.index ?? row.values.map((_, i) => i);

function range(rows: readonly TraceRow[]): { low: number; high: number; span: number } {
  let low = Infinity;
  let high = -Infinity;
  let span = 1;
  for (const row of rows) {
    for (const v of row.values) {
      if (!Number.isFinite(v)) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    span = Math.max(span, (xsOf(row).at(-1) ?? 0) + 1);
  }
  return { low, high, span };
}

/** Draws rows (oldest first) into the canvas, newest on the top line; NaN stays transparent. */
function draw(canvas: HTMLCanvasElement, rows: readonly TraceRow[]): void {
  const { low, high, span } = range(rows);
  const width = Math.max(1, Math.min(MAX_COLUMNS, Math.ceil(span)));
  canvas.width = width;
  canvas.height = Math.max(1, rows.length);
  const context = canvas.getContext('2d');
  if (context === null || rows.length === 0) return;
  const image = context.createImageData(width, rows.length);
  // Halved: the span of ±1.7e308 overflows to Infinity (and 0 × Infinity is NaN).
  const scale = high > low ? 1 / (high / 2 - low / 2) : 0;
  rows.forEach((row, r) => {
    const line = (rows.length - 1 - r) * width * 4;
    const xs = xsOf(row);
    // Each column takes the last point that falls in it, then carries it over the empty ones.
    const columns = new Float64Array(width).fill(NaN);
    const filled = new Uint8Array(width);
    row.values.forEach((v, i) => {
      const c = Math.min(width - 1, Math.floor((xs[i]! * width) / span));
      columns[c] = v;
      filled[c] = 1;
    });
    for (let c = 1; c < width; c++) if (!filled[c]) columns[c] = columns[c - 1]!;
    for (let c = 0; c < width; c++) {
      const v = columns[c]!;
      if (!Number.isFinite(v)) continue;
      const [red, green, blue] = colour((v / 2 - low / 2) * scale);
      image.data.set([red, green, blue, 255], line + c * 4);
    }
  });
  context.putImageData(image, 0, 0);
}

export function Waterfall({ unit, rows }: { unit: string; rows: readonly TraceRow[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (canvas.current) draw(canvas.current, rows);
  });
  const { low, high } = range(rows);
  return (
    <>
      <canvas ref={canvas} class="waterfall" data-rows={rows.length} />
      {rows.length === 0 ? (
        <p class="muted">no data yet</p>
      ) : (
        <p class="muted scale">
          newest at the top · {rows.length} rows · <span class="low">{low}</span> → <span class="high">{high}</span> {unit}
        </p>
      )}
    </>
  );
}
