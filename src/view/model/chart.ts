/**
 * The X/Y line chart as text: Braille cells (2 × 4 dots per character), y labels in a gutter,
 * an x axis with tick marks and labels under it. Sized to the cells it is given; axes auto-scale
 * to the data on round numbers; a NaN or infinite value on either axis breaks the line (a gap).
 * Pure: the component only colours the parts.
 */
import { type AxisScale, formatTick, niceScale } from './ticks.js';

export interface ChartFrame {
  /** One per plot row, top first: the gutter (y label + axis glyph) and the Braille cells. */
  readonly rows: ReadonlyArray<{ gutter: string; cells: string }>;
  /** The x axis line: `└───┬───┬──`, aligned under the cells. */
  readonly axis: string;
  /** The x tick labels, aligned under their ticks. */
  readonly labels: string;
  readonly x: AxisScale;
  readonly y: AxisScale;
  /** How many points had both coordinates finite. */
  readonly plotted: number;
}

/** Lines a frame needs besides its plot rows (the axis and the labels). */
export const CHART_FOOTER_ROWS = 2;

/**
 * Pairs two streams point by point. Both are "the last N" windows, so they are aligned at their
 * newest ends. Without an x stream, x is the sample index: `yIndex` for a reduced trace (where in
 * the whole row each value sits), else the position.
 */
export function pairSeries(
  x: readonly number[] | undefined,
  y: readonly number[],
  yIndex?: readonly number[],
): { xs: number[]; ys: number[] } {
  if (x === undefined) return { xs: yIndex?.length === y.length ? [...yIndex] : y.map((_, i) => i), ys: [...y] };
  const n = Math.min(x.length, y.length);
  return { xs: x.slice(x.length - n), ys: y.slice(y.length - n) };
}

/**
 * Renders `xs`/`ys` into exactly `height` lines of exactly `width` characters (plot rows, then the
 * axis, then the labels). Returns undefined when the area is too small to draw anything useful.
 */
export function renderChart(xs: readonly number[], ys: readonly number[], width: number, height: number): ChartFrame | undefined {
  const plotRows = height - CHART_FOOTER_ROWS;
  if (plotRows < 2 || width < 12) return undefined;
  const finite: number[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) finite.push(i);
  const range = (values: readonly number[]): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const i of finite) {
      lo = Math.min(lo, values[i]!);
      hi = Math.max(hi, values[i]!);
    }
    return finite.length > 0 ? [lo, hi] : [0, 1];
  };
  const y = niceScale(...range(ys), Math.max(2, Math.floor(plotRows / 2) + 1));
  const yLabels = y.ticks.map((t) => formatTick(t, y.step));
  const labelWidth = Math.max(...yLabels.map((l) => l.length));
  const plotWidth = width - labelWidth - 1;
  if (plotWidth < 4) return undefined;
  const wholeXs = finite.every((i) => Number.isInteger(xs[i]));
  const x = niceScale(...range(xs), Math.max(2, Math.floor(plotWidth / 12) + 1), wholeXs);

  const dotsX = plotWidth * 2;
  const dotsY = plotRows * 4;
  const toDotX = (v: number): number => Math.round(((v - x.min) / (x.max - x.min)) * (dotsX - 1));
  const toDotY = (v: number): number => Math.round(((y.max - v) / (y.max - y.min)) * (dotsY - 1));
  const grid = new Uint8Array(plotWidth * plotRows);
  const plot = (dx: number, dy: number): void => {
    if (dx < 0 || dy < 0 || dx >= dotsX || dy >= dotsY) return;
    grid[Math.floor(dy / 4) * plotWidth + Math.floor(dx / 2)]! |= dotBit(dx % 2, dy % 4);
  };
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) continue;
    const from = [toDotX(xs[i]!), toDotY(ys[i]!)] as const;
    const next = i + 1 < n && Number.isFinite(xs[i + 1]) && Number.isFinite(ys[i + 1]);
    if (next) line(from[0], from[1], toDotX(xs[i + 1]!), toDotY(ys[i + 1]!), plot);
    else plot(from[0], from[1]);
  }

  // y labels sit on the row of their tick; when two ticks share a row the first one wins.
  const labelAtRow = new Map<number, string>();
  y.ticks.forEach((tick, i) => {
    const row = Math.floor(toDotY(tick) / 4);
    if (!labelAtRow.has(row)) labelAtRow.set(row, yLabels[i]!);
  });
  const rows = [];
  for (let r = 0; r < plotRows; r++) {
    const label = labelAtRow.get(r);
    let cells = '';
    for (let c = 0; c < plotWidth; c++) {
      const bits = grid[r * plotWidth + c]!;
      cells += bits === 0 ? ' ' : String.fromCharCode(0x2800 + bits);
    }
    rows.push({ gutter: label === undefined ? `${' '.repeat(labelWidth)}│` : `${label.padStart(labelWidth)}┤`, cells });
  }

  const axis = [...`${' '.repeat(labelWidth)}└${'─'.repeat(plotWidth)}`];
  const labels = Array<string>(width).fill(' ');
  let lastEnd = -2;
  for (const tick of x.ticks) {
    const column = labelWidth + 1 + Math.floor(toDotX(tick) / 2);
    if (column > labelWidth && column < width) axis[column] = '┬';
    const text = formatTick(tick, x.step);
    const start = Math.max(0, Math.min(width - text.length, column - Math.floor(text.length / 2)));
    if (start <= lastEnd + 1) continue;
    for (let k = 0; k < text.length; k++) labels[start + k] = text[k]!;
    lastEnd = start + text.length - 1;
  }
  return { rows, axis: axis.join(''), labels: labels.join(''), x, y, plotted: finite.length };
}

/** Braille dot bit for column `cx` (0–1) and row `cy` (0–3) of a cell (Unicode's dot numbering). */
function dotBit(cx: number, cy: number): number {
  if (cy === 3) return cx === 0 ? 0x40 : 0x80;
  return (cx === 0 ? 0x01 : 0x08) << cy;
}

/** Bresenham's line from (x0, y0) to (x1, y1), both ends included. */
function line(x0: number, y0: number, x1: number, y1: number, plot: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  for (;;) {
    plot(x0, y0);
    if (x0 === x1 && y0 === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}
