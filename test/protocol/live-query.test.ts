// GET_DATASTREAM and STATE replies (SPEC §6) from the recent window kept up to date by merges.
import { describe, expect, it } from 'vitest';
import {
  LIVE_WINDOW,
  type LiveWindows,
  applyMergeToWindows,
  buildDatastream,
  buildStateReply,
  buildTraceRange,
  liveReplyJson,
  reduceRow,
  timeSinceFirstKey,
} from '../../src/protocol/live-query.js';
import { createDeviceRegistry, mergeAndCommit } from '../../src/protocol/merge.js';
import type { DeviceMessage, MeasurementChannel } from '../../src/protocol/messages.js';
import { formatRexTimestamp } from '../../src/protocol/timestamps.js';

const BASE_NS = BigInt(Date.parse('2026-01-16T06:35:32Z')) * 1_000_000n;
const at = (seconds: number): string => formatRexTimestamp(BASE_NS + BigInt(Math.round(seconds * 1e9)));

function flat(name: string, values: number[], timestamps?: string[]): MeasurementChannel {
  const c: MeasurementChannel = { name, unit: 'V', data: { shape: 'single', values: Float64Array.from(values) } };
  if (timestamps) c.timestamps = timestamps;
  return c;
}
function multi(name: string, rows: number[][]): MeasurementChannel {
  return { name, unit: 'V', data: { shape: 'multi', rows: rows.map((r) => Float64Array.from(r)) } };
}

/** Feeds messages (message i arrives at i seconds) through merge and into the windows. */
function feed(messages: DeviceMessage[], windows: LiveWindows = new Map()): LiveWindows {
  const registry = createDeviceRegistry();
  messages.forEach((m, i) => {
    const outcome = mergeAndCommit(registry, m, at(i));
    if (!outcome.ok) throw new Error(outcome.reason);
    applyMergeToWindows(windows, outcome);
  });
  return windows;
}
const dev = (channels: MeasurementChannel[], name = 'scope'): DeviceMessage => ({
  device_name: name,
  device_config: { gate_time: 1000 },
  channels,
});

describe('GET_DATASTREAM', () => {
  it('is {} without devices', () => {
    expect(liveReplyJson(buildDatastream([], { subsampling: true }))).toBe('{}');
  });

  it('single: the last 100 values, and their times since the first measurement', () => {
    const windows = feed(Array.from({ length: 150 }, (_, i) => dev([flat('counts', [i])])));
    const reply = buildDatastream(windows.values(), { subsampling: true });
    const m = reply.scope?.measurements ?? {};
    expect(reply.scope?.device_name).toBe('scope');
    expect(m.counts).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
    expect(m[timeSinceFirstKey('counts')]).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
    expect(timeSinceFirstKey('counts')).toBe('Time since first counts measurement (s)');
  });

  it('a long stream of small lines: the reply is always the last 100, and the window stays bounded', () => {
    const registry = createDeviceRegistry();
    const windows: LiveWindows = new Map();
    const sent: number[] = [];
    const times: number[] = [];
    for (let line = 0; line < 1_000; line++) {
      // Most lines carry one value and take the arrival time; every 7th brings three of its own.
      const own = line % 7 === 0;
      const values = own ? [sent.length, sent.length + 1, sent.length + 2] : [sent.length];
      const stamps = own ? values.map((_, i) => at(line + i / 10)) : undefined;
      times.push(...values.map((_, i) => (own ? line + i / 10 : line)));
      sent.push(...values);
      const outcome = mergeAndCommit(registry, dev([flat('counts', values, stamps)]), at(line));
      if (!outcome.ok) throw new Error(outcome.reason);
      applyMergeToWindows(windows, outcome);
      const window = windows.get('scope')?.channels.get('counts');
      expect(window?.values.length).toBeLessThanOrEqual(2 * LIVE_WINDOW);
      expect(window?.timestamps.length).toBeLessThanOrEqual(2 * LIVE_WINDOW);
      const m = buildDatastream(windows.values(), { subsampling: true }).scope?.measurements ?? {};
      expect(m.counts).toEqual(sent.slice(-LIVE_WINDOW));
      const seconds = m[timeSinceFirstKey('counts')] ?? [];
      expect(seconds.map((s) => Math.round((s ?? Number.NaN) * 10) / 10)).toEqual(times.slice(-LIVE_WINDOW));
    }
  });

  it('a big single message keeps only its tail in the window', () => {
    const windows = feed([
      dev([
        flat(
          'c',
          Array.from({ length: 10_000 }, (_, i) => i),
        ),
      ]),
    ]);
    const window = windows.get('scope')?.channels.get('c');
    expect(window?.values).toEqual(Array.from({ length: LIVE_WINDOW }, (_, i) => 9900 + i));
    expect(window?.timestamps).toHaveLength(LIVE_WINDOW);
  });

  it('multi: the newest row only; ≤ 100 points via LTTB (subsampling) or block means', () => {
    const row = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50));
    const windows = feed([dev([multi('trace', [[1, 2, 3]])]), dev([multi('trace', [row])])]);
    const lttbReply = buildDatastream(windows.values(), { subsampling: true }).scope?.measurements ?? {};
    expect(lttbReply.trace).toHaveLength(100);
    expect(lttbReply.trace?.[0]).toBe(row[0]);
    expect(lttbReply.trace?.[99]).toBe(row[999]);
    const meansReply = buildDatastream(windows.values(), { subsampling: false }).scope?.measurements ?? {};
    expect(meansReply.trace).toHaveLength(100);
    expect(meansReply.trace?.[0]).toBeCloseTo(row.slice(0, 10).reduce((a, b) => a + b) / 10, 12);
    // One timestamp per row: rows arrived at 0 s and 1 s.
    expect(lttbReply[timeSinceFirstKey('trace')]).toEqual([0, 1]);
  });

  it('a reduced trace carries the sample index of each value shown (sample_index), a short one none', () => {
    const row = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50));
    const windows = feed([dev([multi('trace', [row]), multi('short', [[1, 2, 3]]), flat('c', [1])])]);
    const lttbReply = buildDatastream(windows.values(), { subsampling: true }).scope;
    const index = lttbReply?.sample_index?.trace ?? [];
    expect(index).toHaveLength(100);
    expect([index[0], index[99]]).toEqual([0, 999]);
    expect(index.every((i, k) => k === 0 || i > index[k - 1]!)).toBe(true);
    expect(lttbReply?.measurements.trace).toEqual(index.map((i) => row[i]));
    expect(Object.keys(lttbReply?.sample_index ?? {})).toEqual(['trace']);
    const meansIndex = buildDatastream(windows.values(), { subsampling: false }).scope?.sample_index?.trace;
    expect(meansIndex?.slice(0, 2)).toEqual([4.5, 14.5]);
    const plain = buildDatastream(feed([dev([flat('c', [1])])]).values(), { subsampling: true }).scope;
    expect(plain && 'sample_index' in plain).toBe(false);
  });

  it('a ranged GET_DATASTREAM_FULL: one channel, the newest row cut to [from, to), each point at its place in the row', () => {
    const row = Array.from({ length: 30_000 }, (_, j) => (j * 7919) % 1000);
    const windows = feed([dev([multi('trace', [row.map((v) => -v)]), flat('x', [1])]), dev([multi('trace', [row])])]);
    const range = (from?: number, to?: number, subsampling = true) =>
      buildTraceRange(windows, { device: 'scope', channel: 'trace', from, to }, { subsampling });
    const cut = range(100, 5100).scope!;
    expect(Object.keys(cut.measurements)).toEqual(['trace', timeSinceFirstKey('trace')]);
    expect(cut.measurements.trace).toEqual(row.slice(100, 5100));
    expect(cut.sample_index?.trace).toEqual(Array.from({ length: 5000 }, (_, k) => 100 + k));
    expect(cut.measurements[timeSinceFirstKey('trace')]).toEqual([0, 1]);
    // Past the end: to the end; from past it: nothing.
    expect(range(29_998, 40_000).scope!.measurements.trace).toEqual(row.slice(29_998));
    expect(range(40_000).scope!.measurements.trace).toEqual([]);
    // Still longer than 10,000 points: reduced within the range, LTTB or block means (at each block's middle).
    const lttb = range(5000).scope!;
    expect(lttb.measurements.trace).toHaveLength(10_000);
    expect(lttb.sample_index!.trace!.map((j) => row[j])).toEqual(lttb.measurements.trace);
    const means = range(5000, 30_000, false).scope!;
    // 25,000 points in blocks of ceil(2.5) = 3.
    expect(means.sample_index!.trace!.slice(0, 2)).toEqual([5001, 5004]);
    expect(means.measurements.trace![0]).toBe((row[5000]! + row[5001]! + row[5002]!) / 3);
    // A single channel: its window. No such channel or device: {}.
    expect(buildTraceRange(windows, { device: 'scope', channel: 'x', from: 5 }, { subsampling: true }).scope!.measurements.x).toEqual([1]);
    expect(buildTraceRange(windows, { device: 'scope', channel: 'nope' }, { subsampling: true })).toEqual({});
    expect(buildTraceRange(windows, { device: 'nope', channel: 'trace' }, { subsampling: true })).toEqual({});
  });

  it('short rows are shown whole; block means follow the original (ceil(n/100)-sized blocks)', () => {
    expect(reduceRow([1, 2, 3], { subsampling: false })).toEqual({ values: [1, 2, 3], index: [0, 1, 2] });
    const means = reduceRow(
      Array.from({ length: 250 }, (_, i) => i),
      { subsampling: false },
    );
    expect(means.values).toEqual(Array.from({ length: 84 }, (_, b) => (b < 83 ? 3 * b + 1 : 249)));
    expect(means.index).toEqual(means.values);
  });

  it('after promotion a flat trace channel shows its newest row', () => {
    const windows = feed([dev([flat('t', [1, 2, 3])]), dev([flat('t', [4, 5, 6])]), dev([flat('t', [7, 8, 9])])]);
    const m = buildDatastream(windows.values(), { subsampling: true }).scope?.measurements ?? {};
    expect(m.t).toEqual([7, 8, 9]);
    expect(m[timeSinceFirstKey('t')]).toEqual([0, 1, 2]);
  });

  it('NaN and ±Inf are null; the reply is one line of valid JSON', () => {
    const windows = feed([dev([flat('c', [NaN, Infinity, -Infinity, 1.5]), multi('m', [[NaN, 2]])])]);
    const json = liveReplyJson(buildDatastream(windows.values(), { subsampling: true }));
    expect(json).not.toContain('\n');
    const parsed = JSON.parse(json) as Record<string, { measurements: Record<string, unknown[]> }>;
    expect(parsed.scope?.measurements.c).toEqual([null, null, null, 1.5]);
    expect(parsed.scope?.measurements.m).toEqual([null, 2]);
  });

  it('client timestamps drive the time axis; an unparseable first timestamp drops the time key', () => {
    const windows = feed([
      dev([flat('a', [1, 2], ['2026-01-16T06:35:32Z', '2026-01-16T06:35:32.25Z'])]),
      dev([flat('a', [3], ['2026-01-16T08:35:33.5+02:00'])]),
    ]);
    const m = buildDatastream(windows.values(), { subsampling: true }).scope?.measurements ?? {};
    expect(m[timeSinceFirstKey('a')]).toEqual([0, 0.25, 1.5]);
    const broken = feed([dev([flat('b', [1])])]);
    const channel = broken.get('scope')?.channels.get('b');
    if (channel) channel.firstTimestamp = 'garbage';
    expect(Object.keys(buildDatastream(broken.values(), { subsampling: true }).scope?.measurements ?? {})).toEqual(['b']);
  });

  it('an empty (undecided) channel shows [] and no time key', () => {
    const windows = feed([dev([flat('e', [])])]);
    expect(buildDatastream(windows.values(), { subsampling: true }).scope?.measurements).toEqual({ e: [] });
  });

  it('one entry per device, keyed by device name', () => {
    const windows = feed([dev([flat('x', [1])], 'one'), dev([flat('y', [2])], 'two')]);
    const reply = buildDatastream(windows.values(), { subsampling: true });
    expect(Object.keys(reply)).toEqual(['one', 'two']);
    expect(reply.two?.measurements.y).toEqual([2]);
  });
});

describe('STATE', () => {
  const info = { name: 'Jane', email: 'j@lab.org', session_name: 'Run 7', session_description: 'cool-down' };

  it('before the session: {"entities": null}', () => {
    expect(liveReplyJson(buildStateReply({ session: undefined, devices: [], runFile: 'x.py' }))).toBe('{"entities":null}');
  });

  it("the newest original's shape: entities (session), devices (name → config), run_file", () => {
    const reply = buildStateReply({
      session: { uuid: 'u-1', start_time: '2026-01-16T06:35:32.421Z', info: { ...info, meta: { sample: 'S1', none: null } } },
      devices: [{ name: 'scope', config: { gate_time: 1000, off: null } }],
      runFile: '/lab/run.py',
    });
    expect(JSON.parse(liveReplyJson(reply))).toEqual({
      entities: {
        start_time: '2026-01-16T06:35:32.421Z',
        end_time: null,
        uuid: 'u-1',
        info: { ...info, meta: { sample: 'S1', none: null } },
      },
      devices: { scope: { gate_time: 1000, off: null } },
      run_file: '/lab/run.py',
    });
  });

  it('EXTENSION: "run" with loop, pause flag and exact counts, beside entities, only with a session', () => {
    const progress = { loop: 2, loops: 3, paused: true, counts: { scope: { trace: 40 } } };
    const reply = buildStateReply({ session: { uuid: 'u', start_time: 's', info }, devices: [], runFile: '', progress });
    expect(JSON.parse(liveReplyJson(reply)).run).toEqual(progress);
    expect(liveReplyJson(buildStateReply({ session: undefined, devices: [], runFile: '', progress }))).toBe('{"entities":null}');
  });

  it('meta is null when the session has none; end_time once set', () => {
    const reply = buildStateReply({ session: { uuid: 'u', start_time: 's', end_time: 'e', info }, devices: [], runFile: '' });
    expect(reply).toMatchObject({ entities: { end_time: 'e', info: { meta: null } }, devices: {} });
  });
});
