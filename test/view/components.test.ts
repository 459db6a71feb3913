// The TUI's components rendered with ink-testing-library: given data the frame shows the devices,
// streams, axis markers, labels and the chart; keys change the selection and send the commands.
import { createElement } from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChannelWindow, buildDatastream, liveReplyJson } from '../../src/protocol/live-query.js';
import { App } from '../../src/view/components/App.js';
import { TuiView } from '../../src/view/components/TuiView.js';
import { parseDatastream, timeKeyOf } from '../../src/view/model/datastream.js';
import { parseState } from '../../src/view/model/session-state.js';
import { initialState, reduce, type TuiState } from '../../src/view/model/tui-state.js';
import { paletteOf } from '../../src/view/theme.js';
import { TcpTransport } from '../../src/view/transport/tcp-transport.js';
import { ViewController } from '../../src/view/view-controller.js';
import { startFakeRun } from './protocol-servers.js';

const BRAILLE = /[\u2801-\u28ff]/;
const KEYS = { up: '\u001B[A', down: '\u001B[B', right: '\u001B[C', left: '\u001B[D', tab: '\t' };

const voltage = Array.from({ length: 40 }, (_, i) => Math.sin(i / 5) * 2);
voltage[20] = null as unknown as number; // NaN on the wire is null: a gap
const DATASTREAM = JSON.stringify({
  sensor: { device_name: 'sensor', measurements: { voltage, [timeKeyOf('voltage')]: voltage.map((_, i) => i * 0.5) } },
  stage: { device_name: 'stage', measurements: { position: [1, 2, 3] } },
});
const STATE = JSON.stringify({
  entities: {
    start_time: '2026-01-16T06:35:30Z',
    end_time: null,
    uuid: 'run-uuid-1',
    info: { name: 'Ada', email: 'ada@example.org', session_name: 'Cool-down 7', session_description: 'demo', meta: { sample: 'S1' } },
  },
  devices: { sensor: { gain: 2 }, stage: { axis: 'x' } },
  run_file: '/lab/run.py',
});

const palette = paletteOf('dracula');
const size = { columns: 100, rows: 32 };
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stateWithData(): TuiState {
  return reduce(initialState({ mode: 'view', target: 'tcp 127.0.0.1:7676', now: Date.parse('2026-01-16T06:36:35Z') }), {
    type: 'polled',
    at: Date.parse('2026-01-16T06:36:35Z'),
    devices: parseDatastream(DATASTREAM),
    state: parseState(STATE),
    paused: false,
  });
}

/** ink renders on its own schedule, with no event a test can await: the frame is polled. */
const FRAME_POLL = { timeout: 10_000, interval: 20 };

describe('TuiView', () => {
  it('shows the devices, the streams of the selected device, and a hint before axes are chosen', () => {
    const { lastFrame, unmount } = render(createElement(TuiView, { state: stateWithData(), palette, ...size }));
    cleanups.push(unmount);
    const frame = lastFrame()!;
    expect(frame).toContain('>> [ ] sensor');
    expect(frame).toContain('   [ ] stage');
    expect(frame).toContain('[ ] voltage');
    expect(frame).toContain('[ ] Time since first voltage measurement (s)');
    expect(frame).toContain('Select a stream to plot');
    expect(frame).toContain('● connected');
    expect(frame.split('\n')).toHaveLength(size.rows);
  });

  it('draws the chart of the chosen axes with labels and the [X] / [Y] markers', () => {
    let state = stateWithData();
    state = reduce(state, { type: 'key', action: 'set-x' }); // the time stream (first, sorted)
    state = reduce(state, { type: 'key', action: 'stream-next' });
    state = reduce(state, { type: 'key', action: 'set-y' });
    const { lastFrame, unmount } = render(createElement(TuiView, { state, palette, ...size }));
    cleanups.push(unmount);
    const frame = lastFrame()!;
    expect(frame).toContain('sensor · voltage vs sensor · Time since first voltage measurement (s)');
    expect(frame).toContain('>> [X,Y] sensor');
    expect(frame).toContain('[X] Time since first voltage measurement (s)');
    expect(frame).toContain('>> [Y] voltage');
    expect(frame).toMatch(BRAILLE);
    // y labels for data in [-2, 2] and x labels for 0 … 19.5 s.
    expect(frame).toMatch(/ 2(\.0)?┤/);
    expect(frame).toMatch(/-2(\.0)?┤/);
    expect(frame).toMatch(/└[─┬]+/);
    expect(frame).toMatch(/\n│\s*0\s+.*20\s*│/);
  });

  it('shows session, run status, device config and counts on the Session tab', () => {
    const state = reduce(stateWithData(), { type: 'key', action: 'switch-tab' });
    const { lastFrame, unmount } = render(createElement(TuiView, { state, palette, ...size }));
    cleanups.push(unmount);
    const frame = lastFrame()!;
    for (const text of [
      'Session: Cool-down 7',
      'Name: Ada',
      'meta.sample: S1',
      'UUID: run-uuid-1',
      'Status: running',
      'Elapsed: 0:01:05',
      'Script: /lab/run.py',
      'config: gain = 2',
      'config: axis = x',
      'voltage',
      '40 received',
      'Connection: attached to tcp 127.0.0.1:7676',
    ]) {
      expect(frame).toContain(text);
    }
  });

  it('says so when nothing is listening', () => {
    const state = reduce(initialState({ mode: 'view', target: 'tcp 127.0.0.1:1', now: 0 }), {
      type: 'poll-failed',
      at: 0,
      connection: { kind: 'no-listener', message: 'nothing is listening on 127.0.0.1:1: no run there (yet); retrying' },
    });
    const { lastFrame, unmount } = render(createElement(TuiView, { state, palette, ...size }));
    cleanups.push(unmount);
    expect(lastFrame()).toContain('nothing is listening on 127.0.0.1:1');
    expect(lastFrame()).toContain('○ nothing listening');
  });
});

describe('App on a live connection', () => {
  async function mount(mode: 'view' | 'run' = 'view', datastream = DATASTREAM, fullDatastream?: string) {
    const run = await startFakeRun(datastream, STATE);
    if (fullDatastream) run.fullDatastream = fullDatastream;
    cleanups.push(() => run.close());
    let quits = 0;
    const controller = new ViewController({
      transport: new TcpTransport({ host: '127.0.0.1', port: run.port }),
      mode,
      pollIntervalMs: 50,
      onQuit: () => quits++,
    });
    const ui = render(createElement(App, { controller, palette, size }));
    cleanups.push(() => controller.stop(), ui.unmount);
    controller.start();
    await vi.waitFor(() => expect(ui.lastFrame()).toContain(datastream === DATASTREAM ? 'stage' : '● connected'), FRAME_POLL);
    const press = async (key: string, expectFrame?: (frame: string) => boolean): Promise<void> => {
      ui.stdin.write(key);
      if (!expectFrame) return;
      await vi.waitFor(() => {
        const frame = ui.lastFrame() ?? '';
        expect(expectFrame(frame), `the frame after ${JSON.stringify(key)}:\n${frame}`).toBe(true);
      }, FRAME_POLL);
    };
    return { run, ui, press, quits: () => quits };
  }

  it('moves the selection with the arrows and sets the axes with x / y', async () => {
    const { ui, press } = await mount();
    await press(KEYS.down, (f) => f.includes('>> [ ] stage') && f.includes('[ ] position'));
    await press(KEYS.up, (f) => f.includes('>> [ ] sensor'));
    await press(KEYS.right, (f) => f.includes('>> [ ] voltage'));
    await press('y', (f) => f.includes('>> [Y] voltage'));
    await press(KEYS.left, (f) => f.includes('>> [ ] Time since first'));
    await press('x', (f) => f.includes('[X] Time since first') && BRAILLE.test(f));
    expect(ui.lastFrame()).toContain('>> [X,Y] sensor');
    await press('c', (f) => f.includes('>> [ ] sensor') && f.includes('Select a stream to plot'));
  });

  it('sends PAUSE_STATE, RESUME_STATE and KILL for p, r, k, and shows the pause', async () => {
    const { run, press } = await mount();
    await press('p', (f) => f.includes('⏸ PAUSED'));
    expect(run.lines).toContain('PAUSE_STATE');
    await press('r', (f) => f.includes('▶ live'));
    expect(run.lines).toContain('RESUME_STATE');
    await press('k', (f) => f.includes('KILL: Shutting down server...'));
    expect(run.lines.filter((l) => ['PAUSE_STATE', 'RESUME_STATE', 'KILL'].includes(l))).toEqual(['PAUSE_STATE', 'RESUME_STATE', 'KILL']);
  });

  /** A 1,000-point trace as the run serves it: reduced to 100 points, and whole (GET_DATASTREAM_FULL). */
  const trace: ChannelWindow = {
    name: 'trace',
    unit: 'V',
    shape: 'multi',
    count: 1,
    values: [],
    lastRow: Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i / 40)),
    firstTimestamp: '2026-01-16T06:35:32Z',
    timestamps: ['2026-01-16T06:35:32Z'],
  };
  const traceReply = (traceLimit: number): string =>
    liveReplyJson(
      buildDatastream([{ name: 'scope', config: {}, channels: new Map([['trace', trace]]) }], { subsampling: true, traceLimit }),
    );
  const plotTrace = async (press: Awaited<ReturnType<typeof mount>>['press']) => {
    await press(KEYS.right, (f) => f.includes('>> [ ] trace'));
    // The x axis is the trace's real sample index: 0 to 1000, not 0 to 100.
    await press('y', (f) => f.includes('scope · trace vs sample index') && / 1000\s*│?\s*$/m.test(f));
  };

  it('plots a reduced trace against its sample index; f asks for it in full and back', async () => {
    const { run, press } = await mount('view', traceReply(100), traceReply(10_000));
    await plotTrace(press);
    await press('f', (f) => f.includes('scope · trace vs sample index · full') && f.includes('traces in full'));
    await vi.waitFor(() => expect(run.lines).toContain('GET_DATASTREAM_FULL'), FRAME_POLL);
    await press('f', (f) => !f.includes('· full') && f.includes('traces reduced to 100 points'));
    const since = run.lines.length;
    await vi.waitFor(() => expect(run.lines.slice(since)).toContain('GET_DATASTREAM'), FRAME_POLL);
    expect(run.lines.slice(since + 3)).not.toContain('GET_DATASTREAM_FULL');
  });

  it('f against a run without full traces (the original rex): back to reduced, with a warning', async () => {
    const { run, press } = await mount('view', traceReply(100));
    await plotTrace(press);
    await press('f', (f) => f.includes('has no full traces') && !f.includes('· full'));
    expect(run.lines).toContain('GET_DATASTREAM_FULL');
  });

  it('switches to the Session tab, shows the help, and quits with q', async () => {
    const { press, quits } = await mount('run');
    await press(KEYS.tab, (f) => f.includes('Session: Cool-down 7') && f.includes('config: gain = 2'));
    await press('m', (f) => f.includes('Help (m or Esc to close)') && f.includes('q: end run & quit'));
    await press('m', (f) => !f.includes('Help (m or Esc'));
    await press('q');
    await vi.waitFor(() => expect(quits()).toBe(1), FRAME_POLL);
  });
});
