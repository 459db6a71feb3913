// The chart as text: Braille cells, auto-scaled round-number axes, readable labels, NaN gaps.
import { describe, expect, it } from 'vitest';
import { type ChannelWindow, buildDatastream, liveReplyJson } from '../../src/protocol/live-query.js';
import { pairSeries, renderChart } from '../../src/view/model/chart.js';
import { parseDatastream } from '../../src/view/model/datastream.js';
import { formatTick, niceScale, niceStep } from '../../src/view/model/ticks.js';

const BRAILLE = /[\u2801-\u28ff]/;

/** Every dot of a frame as [column, row] in dot coordinates (2 × 4 per cell). */
function dots(cells: string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const bits: Array<[number, number, number]> = [
    [0x01, 0, 0],
    [0x02, 0, 1],
    [0x04, 0, 2],
    [0x08, 1, 0],
    [0x10, 1, 1],
    [0x20, 1, 2],
    [0x40, 0, 3],
    [0x80, 1, 3],
  ];
  cells.forEach((row, r) => {
    [...row].forEach((ch, c) => {
      const code = ch === ' ' ? 0 : ch.charCodeAt(0) - 0x2800;
      for (const [bit, dx, dy] of bits) if (code & bit) out.push([c * 2 + dx, r * 4 + dy]);
    });
  });
  return out;
}

describe('ticks', () => {
  it('picks 1-2-2.5-5 steps and round bounds that cover the data', () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(1.3)).toBe(2);
    expect(niceStep(2.2)).toBe(2.5);
    expect(niceStep(0.031)).toBeCloseTo(0.05);
    const scale = niceScale(0.13, 9.7, 5);
    expect(scale.min).toBeLessThanOrEqual(0.13);
    expect(scale.max).toBeGreaterThanOrEqual(9.7);
    expect(scale.ticks[0]).toBe(scale.min);
    expect(scale.ticks.at(-1)).toBeCloseTo(scale.max);
  });

  it('gives an axis of whole numbers (a sample index) whole-number ticks only', () => {
    for (const [hi, target] of [
      [4, 7],
      [1, 6],
      [9, 4],
      [0, 5],
    ] as const) {
      const scale = niceScale(0, hi, target, true);
      expect(scale.ticks.every(Number.isInteger), `0..${hi}: ${scale.ticks.join(' ')}`).toBe(true);
      expect(scale.min).toBeLessThanOrEqual(0);
      expect(scale.max).toBeGreaterThanOrEqual(hi);
    }
    // Without the flag a short range gets fractional ticks (what the index axis used to show).
    expect(niceScale(0, 1, 6).ticks.every(Number.isInteger)).toBe(false);
  });

  it('widens a flat range around its value', () => {
    const scale = niceScale(5, 5, 4);
    expect(scale.min).toBeLessThan(5);
    expect(scale.max).toBeGreaterThan(5);
    expect(niceScale(0, 0, 4).ticks).toContain(0);
  });

  it('labels with the decimals the step needs, scientific for extreme magnitudes, never -0', () => {
    expect(formatTick(0.5, 0.5)).toBe('0.5');
    expect(formatTick(2, 0.25)).toBe('2.00');
    expect(formatTick(1500, 500)).toBe('1500');
    expect(formatTick(-1e-17, 0.1)).toBe('0.0');
    expect(formatTick(3e-6, 1e-6)).toBe('3e-6');
    expect(formatTick(3.5e-6, 5e-7)).toBe('3.5e-6');
    expect(formatTick(2.5e9, 5e8)).toBe('2.5e+9');
    expect(formatTick(2.25e7, 2.5e6)).toBe('2.25e+7');
    const labels = niceScale(0.001, 0.004, 4).ticks.map((t) => formatTick(t, 0.001));
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe('pairSeries', () => {
  it('aligns two windows at their newest ends and uses the index without an x stream', () => {
    expect(pairSeries([1, 2, 3, 4], [10, 20])).toEqual({ xs: [3, 4], ys: [10, 20] });
    expect(pairSeries(undefined, [5, 6, 7])).toEqual({ xs: [0, 1, 2], ys: [5, 6, 7] });
    expect(pairSeries(undefined, [5, 6, 7], [0, 40, 99])).toEqual({ xs: [0, 40, 99], ys: [5, 6, 7] });
  });

  it('a 1,000-point trace reduced to 100 points is plotted against its real sample index, 0..999', () => {
    const row = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i / 30));
    const trace: ChannelWindow = {
      name: 'trace',
      unit: 'V',
      shape: 'multi',
      count: 1,
      values: [],
      lastRow: row,
      firstTimestamp: '2026-01-16T06:35:32Z',
      timestamps: ['2026-01-16T06:35:32Z'],
    };
    const reply = liveReplyJson(
      buildDatastream([{ name: 'scope', config: {}, channels: new Map([['trace', trace]]) }], { subsampling: true }),
    );
    const stream = parseDatastream(reply)[0]!.streams.find((s) => s.name === 'trace')!;
    expect(stream.values).toHaveLength(100);
    const { xs, ys } = pairSeries(undefined, stream.values, stream.index);
    expect([xs[0], xs[xs.length - 1]]).toEqual([0, 999]);
    expect(ys).toEqual(xs.map((i) => row[i]));
    const frame = renderChart(xs, ys, 60, 12)!;
    expect(frame.x.min).toBe(0);
    expect(frame.x.max).toBeGreaterThanOrEqual(999);
    expect(frame.labels).toMatch(/1000/);
  });
});

describe('renderChart', () => {
  it('fills exactly the given cells: plot rows, then the axis, then the labels', () => {
    const frame = renderChart([0, 1, 2, 3], [0, 1, 4, 9], 40, 12)!;
    expect(frame.rows).toHaveLength(10);
    for (const row of frame.rows) expect(row.gutter.length + row.cells.length).toBe(40);
    expect(frame.axis).toHaveLength(40);
    expect(frame.labels).toHaveLength(40);
    expect(frame.axis).toMatch(/└─*┬/);
  });

  it('draws an increasing line from bottom left to top right', () => {
    const frame = renderChart([0, 10], [0, 10], 30, 10)!;
    const all = dots(frame.rows.map((r) => r.cells));
    const first = all.reduce((a, b) => (b[0] < a[0] ? b : a));
    const last = all.reduce((a, b) => (b[0] > a[0] ? b : a));
    expect(first[1]).toBeGreaterThan(last[1]); // screen y grows downwards
    // A connected line: every dot column between the ends has a dot.
    const columns = new Set(all.map(([x]) => x));
    for (let x = first[0]; x <= last[0]; x++) expect(columns.has(x)).toBe(true);
  });

  it('puts y labels on the rows of their ticks and x labels under the axis', () => {
    const frame = renderChart([0, 1, 2, 3, 4], [0, 25, 50, 75, 100], 50, 14)!;
    const gutters = frame.rows.map((r) => r.gutter);
    expect(gutters[0]).toMatch(/100┤$/);
    expect(gutters.at(-1)).toMatch(/0┤$/);
    expect(frame.labels.trim().startsWith('0')).toBe(true);
    expect(frame.labels.trim().endsWith('4')).toBe(true);
  });

  it('labels an index axis of a short series with whole numbers (rex show of 2 values)', () => {
    const frame = renderChart([0, 1], [3, 1], 80, 10)!;
    expect(frame.labels.trim().split(/\s+/)).toEqual(frame.x.ticks.map(String));
    expect(frame.labels).not.toMatch(/\d\.\d/);
  });

  it('leaves a gap where a value is NaN, and counts only finite points', () => {
    const ys = [0, 1, 2, 3, NaN, 5, 6, 7, 8];
    const xs = ys.map((_, i) => i);
    const frame = renderChart(xs, ys, 60, 10)!;
    expect(frame.plotted).toBe(8);
    const columns = new Set(dots(frame.rows.map((r) => r.cells)).map(([x]) => x));
    // The NaN sits at x = 4; the dot columns strictly between x = 3 and x = 5 stay empty.
    const perUnit = (frame.rows[0]!.cells.length * 2 - 1) / (frame.x.max - frame.x.min);
    const from = Math.round((3 - frame.x.min) * perUnit);
    const to = Math.round((5 - frame.x.min) * perUnit);
    const empty = [];
    for (let x = from + 1; x < to; x++) if (!columns.has(x)) empty.push(x);
    expect(empty.length).toBe(to - from - 1);
  });

  it('draws a single point and constant data without failing, and gives up on tiny areas', () => {
    expect(renderChart([1], [1], 30, 8)!.rows.some((r) => BRAILLE.test(r.cells))).toBe(true);
    expect(renderChart([0, 1, 2], [3, 3, 3], 30, 8)!.rows.some((r) => BRAILLE.test(r.cells))).toBe(true);
    expect(renderChart([0, 1], [0, 1], 8, 8)).toBeUndefined();
    expect(renderChart([0, 1], [0, 1], 40, 3)).toBeUndefined();
  });

  it('shows nothing (but axes) when no point is finite', () => {
    const frame = renderChart([NaN, 1], [2, Infinity], 30, 8)!;
    expect(frame.plotted).toBe(0);
    expect(frame.rows.every((r) => !BRAILLE.test(r.cells))).toBe(true);
  });
});
