/**
 * The charts' keys in the URL hash (src/web/hash.ts) and the page's rings of trace rows
 * (src/web/trace-rings.ts): pure parts of the browser view, tested without a browser.
 */
import { describe, expect, it } from 'vitest';
import { readPlace, writePlace } from '../../src/web/hash.js';
import type { Datastream } from '../../src/web/model.js';
import { RING_ROWS, TraceRings } from '../../src/web/trace-rings.js';

describe('chart keys in the hash', () => {
  it('reads links made before the options existed as they were', () => {
    expect(readPlace('#/live?charts=probe:temperature,scope:trace').charts).toEqual([
      { device: 'probe', channel: 'temperature' },
      { device: 'scope', channel: 'trace' },
    ]);
  });

  it('writes and reads back the X axis, the waterfall and n; drops options it does not know', () => {
    const charts = [
      { device: 'stage', channel: 'signal', x: 'position' },
      { device: 'scope', channel: 'trace', n: 3 },
      { device: 'scope', channel: 'trace', view: 'waterfall' as const },
    ];
    const hash = writePlace({ tab: 'live', charts });
    expect(hash).toBe('#/live?charts=stage:signal;x=position,scope:trace;n=3,scope:trace;view=waterfall');
    expect(readPlace(hash).charts).toEqual(charts);
    expect(readPlace('#/live?charts=scope:trace;n=0;view=pie;zoom=2,scope:trace;n=51').charts).toEqual([
      { device: 'scope', channel: 'trace' },
      { device: 'scope', channel: 'trace' },
    ]);
  });
});

const stream = (time: number, values: number[]): Datastream => new Map([['scope', new Map([['trace', { values, times: [time] }]])]]);

describe('the rings of trace rows', () => {
  it('keeps each row once, its full form over its reduced one, at most RING_ROWS, and only traces', () => {
    const rings = new TraceRings();
    const isTrace = (_: string, channel: string) => channel === 'trace';
    rings.record(stream(0, [1, 2]), isTrace);
    rings.record(stream(0, [1, 2]), isTrace);
    rings.record(stream(1, [3]), isTrace);
    // The full answer of row 1 (more points), then a late full answer of row 0: ignored.
    rings.record(stream(1, [3, 4, 5]), isTrace);
    rings.record(stream(0, [1]), isTrace);
    expect(rings.rows('scope', 'trace').map((r) => r.values)).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    for (let t = 2; t < RING_ROWS + 10; t++) rings.record(stream(t, [t]), isTrace);
    expect(rings.rows('scope', 'trace')).toHaveLength(RING_ROWS);
    expect(rings.rows('scope', 'trace').at(-1)?.values).toEqual([RING_ROWS + 9]);
    // Known to be no trace after all (its shape came later): its rows go.
    rings.record(stream(0, [9]), () => false);
    expect(rings.rows('scope', 'trace')).toEqual([]);
    rings.record(stream(0, [9]), isTrace);
    rings.clear();
    expect(rings.rows('scope', 'trace')).toEqual([]);
  });
});
