/**
 * The charts' keys in the URL hash (src/web/hash.ts), the page's rings of trace rows
 * (src/web/trace-rings.ts), its log (src/web/run-log.ts) and chart titles: pure parts of the browser view,
 * tested without a browser.
 */
import { describe, expect, it } from 'vitest';
import { type ChartKey, readPlace, writePlace } from '../../src/web/hash.js';
import { type Datastream, unitToShow } from '../../src/web/model.js';
import { SHOWN_LOG_LINES, addLogEvent, emptyLog, skippedNote } from '../../src/web/run-log.js';
import { RING_ROWS, TraceRings } from '../../src/web/trace-rings.js';
import { seededRandom } from '../helpers/random.js';

/** Characters a lab names things with, the URL's own separators among them. */
const NAME_CHARS = [...'abcXYZ019 _-.:,;#%&=+?/\\\'"()!*~@$[]{}<>|^`'] as string[];
const EXOTIC = ['ü', 'ß', 'µ', '°', '€', '中', '😀', '\u00a0', '\t', '%2C', '%zz', '%'];

function randomName(random: () => number): string {
  const length = Math.floor(random() * 8);
  let name = '';
  for (let i = 0; i < length; i++) {
    const pool = random() < 0.2 ? EXOTIC : NAME_CHARS;
    name += pool[Math.floor(random() * pool.length)];
  }
  return name;
}

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

  it('round-trips names with the URL’s separators, spaces and non-ASCII (`a:b,c;d` was cut at its `,`)', () => {
    const charts: ChartKey[] = [
      { device: 'odd = 100% ü', channel: 'a:b,c;d', x: 'x&y #2' },
      { device: 'a:b', channel: ',;', n: 3 },
      { device: '', channel: '%2C', view: 'waterfall' },
    ];
    const hash = writePlace({ tab: 'live', charts });
    expect(hash).toBe('#/live?charts=odd%20%3D%20100%25%20%C3%BC:a%3Ab%2Cc%3Bd;x=x%26y%20%232,a%3Ab:%2C%3B;n=3,:%252C;view=waterfall');
    expect(readPlace(hash).charts).toEqual(charts);
    expect(readPlace(writePlace({ tab: 'runs', run: 'r1', charts })).charts).toEqual(charts);
  });

  it('round-trips any name (property: 2000 random charts of 1 to 4, seeded)', () => {
    const random = seededRandom(16);
    for (let round = 0; round < 500; round++) {
      const charts: ChartKey[] = Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({
        device: randomName(random),
        channel: randomName(random),
        ...(random() < 0.3 && { x: randomName(random) || 'x' }),
      }));
      const place = { tab: 'live' as const, charts, run: undefined };
      expect(readPlace(writePlace(place)), JSON.stringify(charts)).toEqual(place);
    }
  });

  it('a link typed by hand: a second `:` is the channel’s, a malformed escape leaves that chart out', () => {
    expect(readPlace('#/live?charts=probe:a:b,bad:%zz,plain').charts).toEqual([{ device: 'probe', channel: 'a:b' }]);
  });

  it('a lone surrogate (not URI-encodable) does not break the hash', () => {
    expect(readPlace(writePlace({ tab: 'live', charts: [{ device: 'd\ud800', channel: 'c' }] })).charts).toEqual([
      { device: 'd\ufffd', channel: 'c' },
    ]);
  });
});

describe('chart titles', () => {
  it('show the unit after the name, unless the name already ends with it (`trace (V)` was `trace (V) (V)`)', () => {
    expect(unitToShow('trace', 'V')).toBe('V');
    expect(unitToShow('trace (V)', 'V')).toBe('');
    expect(unitToShow('trace (mV)', 'V')).toBe('V');
    expect(unitToShow('counts', '')).toBe('');
  });
});

describe('the page’s log', () => {
  const event = (id: string, first: number, count: number) => ({
    id,
    first,
    lines: Array.from({ length: count }, (_, i) => `line ${first + i}`),
  });

  it('adds each line once, notes the lines the server no longer had, keeps the last SHOWN_LOG_LINES, ignores other runs', () => {
    let log = addLogEvent(emptyLog('r1'), event('r1', 0, 3));
    // A reconnect: the server's tail again, with one more line.
    log = addLogEvent(log, event('r1', 0, 4));
    expect(log.lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
    expect(addLogEvent(log, event('r0', 4, 1))).toBe(log);
    expect(addLogEvent(log, { id: 'r1', first: 'x', lines: [] })).toBe(log);
    log = addLogEvent(log, event('r1', 10, 2));
    expect(log.lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', skippedNote(6), 'line 10', 'line 11']);
    log = addLogEvent(log, event('r1', 12, 500));
    expect(log.lines).toHaveLength(SHOWN_LOG_LINES);
    expect(log.lines.at(-1)).toBe('line 511');
    expect(log.next).toBe(512);
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
