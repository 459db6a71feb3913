// The TUI's pure model: parsing the live replies, counts and rates, selection and axes, keys.
import { describe, expect, it } from 'vitest';
import { channelActivity, observeActivity, totalMessageRate, type ActivityState } from '../../src/view/model/activity.js';
import { parseDatastream, timeKeyOf } from '../../src/view/model/datastream.js';
import { keyAction } from '../../src/view/model/keys.js';
import { parseState } from '../../src/view/model/session-state.js';
import { initialState, reduce, runStatus, selectedRef, type TuiEvent, type TuiState } from '../../src/view/model/tui-state.js';
import { paletteOf } from '../../src/view/theme.js';

const T = (channel: string): string => timeKeyOf(channel);

function datastream(devices: Record<string, Record<string, Array<number | null>>>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(devices).map(([name, measurements]) => [name, { device_name: name, measurements }])),
  );
}

const STATE = JSON.stringify({
  entities: {
    start_time: '2026-01-16T06:35:30Z',
    end_time: null,
    uuid: 'u-1',
    info: {
      name: 'Ada',
      email: 'a@x.org',
      session_name: 'Run 7',
      session_description: 'cool-down',
      meta: { sample: 'S1', stage: { temp: 4 } },
    },
  },
  devices: { scope: { gate_time: 1000, nested: { a: 1 }, list: [1, 2] } },
  run_file: '/exp/run.py',
});

describe('parsing the live replies', () => {
  it('sorts devices and streams by name and turns null into NaN', () => {
    const devices = parseDatastream(datastream({ zeta: { b: [1], a: [null, 2] }, alpha: { [T('x')]: [0, 0.5], x: [3, 4] } }));
    expect(devices.map((d) => d.name)).toEqual(['alpha', 'zeta']);
    expect(devices[1]!.streams.map((s) => s.name)).toEqual(['a', 'b']);
    expect(devices[1]!.streams[0]!.values[0]).toBeNaN();
    expect(devices[0]!.streams.find((s) => s.name === T('x'))!.isTime).toBe(true);
    expect(parseDatastream('{}')).toEqual([]);
    expect(parseDatastream('')).toEqual([]);
    expect(() => parseDatastream('[1]')).toThrow();
  });

  it('reads STATE: session, flattened meta and device configs, run file; null entities before the session', () => {
    const state = parseState(STATE);
    expect(state.session).toMatchObject({ uuid: 'u-1', sessionName: 'Run 7', endTime: null, name: 'Ada' });
    expect(state.session!.meta).toEqual([
      ['sample', 'S1'],
      ['stage.temp', '4'],
    ]);
    expect(state.deviceConfigs.get('scope')).toEqual([
      ['gate_time', '1000'],
      ['list', '[1,2]'],
      ['nested.a', '1'],
    ]);
    expect(state.runFile).toBe('/exp/run.py');
    expect(parseState('{"entities": null}').session).toBeNull();
    expect(parseState(STATE).progress).toBeUndefined();
  });

  it("reads rex-daq's STATE extension: exact counts, loop, pause flag, which replace the estimates", () => {
    const withRun = JSON.stringify({ ...JSON.parse(STATE), run: { loop: 2, loops: 3, paused: true, counts: { scope: { counts: 1234 } } } });
    const view = parseState(withRun);
    expect(view.progress).toMatchObject({ loop: 2, loops: 3, paused: true });
    expect(view.progress!.counts.get('scope\u0000counts')).toBe(1234);
    // The window shows only the last 100 timestamps; the server's count wins and is exact.
    const times = Array.from({ length: 100 }, (_, i) => i);
    const state = reduce(initialState({ mode: 'view', target: 'tcp 127.0.0.1:7676', now: 0 }), {
      type: 'polled',
      at: 100,
      devices: parseDatastream(datastream({ scope: { counts: times, [T('counts')]: times } })),
      state: view,
      paused: undefined,
    });
    expect(channelActivity(state.activity, 'scope', 'counts')).toMatchObject({ count: 1234, countIsLowerBound: false });
    expect(state.paused).toBe(true);
  });
});

describe('counts and rates', () => {
  const snapshot = (times: number[], values = times): ReturnType<typeof parseDatastream> =>
    parseDatastream(datastream({ dev: { ch: values, [T('ch')]: times } }));

  it('counts exactly from the start of an iteration and rates over the last seconds', () => {
    let state: ActivityState = new Map();
    state = observeActivity(state, snapshot([0, 0.1]), 1000);
    expect(channelActivity(state, 'dev', 'ch')).toMatchObject({ count: 2, countIsLowerBound: false, valueRate: undefined });
    state = observeActivity(state, snapshot([0, 0.1, 0.2, 0.3, 0.4]), 2000);
    expect(channelActivity(state, 'dev', 'ch')!.count).toBe(5);
    // Values of one message share its timestamp: 3 values, 1 message.
    state = observeActivity(state, snapshot([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5]), 3000);
    const activity = channelActivity(state, 'dev', 'ch')!;
    expect(activity.count).toBe(8);
    expect(activity.messages).toBe(6);
    expect(activity.valueRate).toBeCloseTo(6 / 2);
    expect(activity.messageRate).toBeCloseTo(4 / 2);
    expect(totalMessageRate(state)).toBeCloseTo(2);
  });

  it('says "at least" when attached mid-run or when a burst overflowed the window', () => {
    const full = Array.from({ length: 100 }, (_, i) => i);
    let state = observeActivity(new Map(), snapshot(full), 0);
    expect(channelActivity(state, 'dev', 'ch')).toMatchObject({ count: 100, countIsLowerBound: true });
    state = observeActivity(new Map(), snapshot([0, 1]), 0);
    state = observeActivity(state, snapshot(full.map((i) => i + 10)), 1000);
    expect(channelActivity(state, 'dev', 'ch')).toMatchObject({ count: 102, countIsLowerBound: true });
  });

  it('starts again when the channel restarts (time goes backwards), and decays to zero when idle', () => {
    let state = observeActivity(new Map(), snapshot([0, 1, 2]), 0);
    state = observeActivity(state, snapshot([0, 1, 2, 3]), 1000);
    state = observeActivity(state, snapshot([0, 0.5]), 2000);
    expect(channelActivity(state, 'dev', 'ch')!.count).toBe(2);
    state = observeActivity(state, snapshot([0, 0.5, 1]), 3000);
    state = observeActivity(state, snapshot([0, 0.5, 1]), 7000);
    expect(channelActivity(state, 'dev', 'ch')!.valueRate).toBe(0);
  });
});

describe('state, selection and keys', () => {
  const polled = (at: number, devices: string, state = STATE, paused: boolean | undefined = false): TuiEvent => ({
    type: 'polled',
    at,
    devices: parseDatastream(devices),
    state: parseState(state),
    paused,
  });
  const start = (): TuiState =>
    reduce(
      initialState({ mode: 'view', target: 'tcp 127.0.0.1:7676', now: 0 }),
      polled(100, datastream({ scope: { counts: [1, 2], [T('counts')]: [0, 1], trace: [5, 6, 7] }, stage: { pos: [1] } })),
    );

  it('navigates devices (↑↓) and streams (←→), wrapping, and sets the axes by name', () => {
    let state = start();
    expect(selectedRef(state)).toEqual({ device: 'scope', stream: 'Time since first counts measurement (s)' });
    state = reduce(state, { type: 'key', action: 'stream-next' });
    state = reduce(state, { type: 'key', action: 'set-y' });
    state = reduce(state, { type: 'key', action: 'stream-prev' });
    state = reduce(state, { type: 'key', action: 'set-x' });
    expect(state.y).toEqual({ device: 'scope', stream: 'counts' });
    expect(state.x).toEqual({ device: 'scope', stream: T('counts') });
    state = reduce(state, { type: 'key', action: 'device-prev' });
    expect(selectedRef(state)).toEqual({ device: 'stage', stream: 'pos' });
    state = reduce(state, { type: 'key', action: 'device-next' });
    expect(selectedRef(state)!.device).toBe('scope');
    state = reduce(state, { type: 'key', action: 'clear-axes' });
    expect([state.x, state.y]).toEqual([undefined, undefined]);
  });

  it('keeps the selection when a new device appears before it', () => {
    let state = reduce(start(), { type: 'key', action: 'device-next' });
    expect(selectedRef(state)!.device).toBe('stage');
    state = reduce(state, polled(200, datastream({ aaa: { z: [1] }, scope: { counts: [1] }, stage: { pos: [1] } })));
    expect(selectedRef(state)!.device).toBe('stage');
  });

  it('follows the connection and the iteration, logging the changes', () => {
    let state = start();
    expect(runStatus(state)).toBe('running');
    state = reduce(state, {
      type: 'poll-failed',
      at: 200,
      connection: { kind: 'no-listener', message: 'nothing is listening on 127.0.0.1:7676' },
    });
    expect(runStatus(state)).toBe('not attached');
    expect(state.logs.at(-1)!.message).toContain('nothing is listening');
    const next = STATE.replace('"u-1"', '"u-2"');
    state = reduce(state, polled(300, datastream({ scope: { counts: [9] } }), next, true));
    expect(runStatus(state)).toBe('paused');
    expect(state.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining(['attached to tcp 127.0.0.1:7676', 'a new run iteration started']),
    );
    const ended = next.replace('"end_time":null', '"end_time":"2026-01-16T06:40:00Z"');
    state = reduce(state, polled(400, '{}', ended));
    expect(runStatus(state)).toBe('ended');
  });

  it('maps the original keys, per tab', () => {
    expect(keyAction('', { downArrow: true }, 'data')).toBe('device-next');
    expect(keyAction('', { rightArrow: true }, 'data')).toBe('stream-next');
    expect(keyAction('', { downArrow: true }, 'session')).toBe('scroll-down');
    expect(keyAction('x', {}, 'data')).toBe('set-x');
    expect(keyAction('x', {}, 'session')).toBeUndefined();
    expect(['p', 'r', 'k', 'm', 'q', 'c', 'y'].map((k) => keyAction(k, {}, 'data'))).toEqual([
      'pause',
      'resume',
      'kill',
      'toggle-help',
      'quit',
      'clear-axes',
      'set-y',
    ]);
    expect(keyAction('c', { ctrl: true }, 'session')).toBe('quit');
    expect(keyAction('', { tab: true }, 'data')).toBe('switch-tab');
    expect(keyAction('f', {}, 'data')).toBe('toggle-full');
  });

  it('f toggles full traces, logged; a server without them turns it off with a warning', () => {
    let state = initialState({ mode: 'view', target: 'tcp 127.0.0.1:7676', now: 0 });
    expect(state.full).toBe(false);
    state = reduce(state, { type: 'key', action: 'toggle-full' });
    expect(state.full).toBe(true);
    expect(state.logs.at(-1)?.message).toBe('traces in full (up to 10,000 points)');
    state = reduce(state, { type: 'full-refused', at: 1, message: 'no full traces' });
    expect(state.full).toBe(false);
    expect(state.logs.at(-1)).toMatchObject({ level: 'warn', message: 'no full traces' });
  });

  it('has the configured themes and falls back to dracula', () => {
    expect(paletteOf('nord').accent).not.toBe(paletteOf('dracula').accent);
    expect(paletteOf('no-such-theme')).toEqual(paletteOf('dracula'));
    expect(paletteOf(undefined)).toEqual(paletteOf('dracula'));
  });
});
