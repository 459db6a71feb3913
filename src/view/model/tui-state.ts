/**
 * Everything the TUI shows, and how each event changes it. Pure: the view controller feeds it
 * poll results, key actions, log lines and (in `rex run -i`) run events; components only read it.
 */
import { formatCount } from '../../protocol/human-units.js';
import { FULL_TRACE_POINTS, LIVE_WINDOW } from '../../protocol/live-query.js';
import { type ActivityState, observeActivity } from './activity.js';
import type { LiveDevice, LiveStream } from './datastream.js';
import type { KeyAction, Tab } from './keys.js';
import type { StateView } from './session-state.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface LogLine {
  readonly ts: number;
  readonly level: LogLevel;
  readonly source: string;
  readonly message: string;
}

/** How the last attempt to reach the run went. */
export type Connection =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  /** Nobody accepts connections at the address (no run, or between runs). */
  | { readonly kind: 'no-listener'; readonly message: string }
  /** `rex serve` answers but has no run (HTTP 502). */
  | { readonly kind: 'no-run'; readonly message: string }
  /** Anything else: timeouts, resets, bad replies. */
  | { readonly kind: 'lost'; readonly message: string };

export interface StreamRef {
  readonly device: string;
  readonly stream: string;
}

/** Facts only the hosting `rex run -i` knows (sent over its IPC channel). */
export interface HostedRun {
  readonly loop: number;
  readonly loops: number;
  readonly finished: boolean;
  readonly outputFiles: readonly string[];
}

export interface TuiState {
  readonly mode: 'view' | 'run';
  /** What the view is attached to, e.g. `tcp 127.0.0.1:7676`. */
  readonly target: string;
  readonly tab: Tab;
  readonly showHelp: boolean;
  readonly connection: Connection;
  readonly now: number;
  readonly devices: readonly LiveDevice[];
  readonly state: StateView;
  /** From the Listener reply (TCP) or the run's own flag (`run -i`); undefined when unknown. */
  readonly paused: boolean | undefined;
  readonly activity: ActivityState;
  /** Selected device / stream, by name so they survive devices appearing and new iterations. */
  readonly selectedDevice: string | undefined;
  readonly selectedStream: string | undefined;
  readonly x: StreamRef | undefined;
  readonly y: StreamRef | undefined;
  /** `f`: traces are asked for in full (up to 10,000 points), not reduced to 100. */
  readonly full: boolean;
  readonly sessionScroll: number;
  readonly logs: readonly LogLine[];
  /** uuid + start time of the iteration on screen: a change means a new loop or run. */
  readonly iterationKey: string | undefined;
  /** When the current iteration was first seen (elapsed time falls back to this). */
  readonly iterationSeenAt: number | undefined;
  readonly hosted: HostedRun | undefined;
}

export const MAX_LOG_LINES = 500;

export type TuiEvent =
  | { type: 'polled'; at: number; devices: LiveDevice[]; state: StateView; paused: boolean | undefined }
  | { type: 'poll-failed'; at: number; connection: Exclude<Connection, { kind: 'connected' | 'connecting' }> }
  | { type: 'key'; action: KeyAction }
  | { type: 'log'; lines: LogLine[] }
  | { type: 'paused'; paused: boolean }
  /** The server did not answer the full query (not rex-daq): back to reduced traces. */
  | { type: 'full-refused'; at: number; message: string }
  | { type: 'hosted-iteration'; phase: 'started' | 'ended'; loop: number; loops: number; outputFile?: string | null }
  | { type: 'hosted-finished'; at: number; lines: string[] }
  | { type: 'tick'; at: number };

export function initialState(args: { mode: 'view' | 'run'; target: string; now: number }): TuiState {
  return {
    mode: args.mode,
    target: args.target,
    tab: 'data',
    showHelp: false,
    connection: { kind: 'connecting' },
    now: args.now,
    devices: [],
    state: { session: null, deviceConfigs: new Map(), runFile: '' },
    paused: undefined,
    activity: new Map(),
    selectedDevice: undefined,
    selectedStream: undefined,
    x: undefined,
    y: undefined,
    full: false,
    sessionScroll: 0,
    logs: [],
    iterationKey: undefined,
    iterationSeenAt: undefined,
    hosted: undefined,
  };
}

export function reduce(state: TuiState, event: TuiEvent): TuiState {
  switch (event.type) {
    case 'polled':
      return polled(state, event);
    case 'poll-failed': {
      const same = state.connection.kind === event.connection.kind;
      const next = { ...state, now: event.at, connection: event.connection };
      return same
        ? next
        : withLog(next, {
            ts: event.at,
            level: state.connection.kind === 'connected' ? 'warn' : 'info',
            source: 'view',
            message: event.connection.message,
          });
    }
    case 'key':
      return onKey(state, event.action);
    case 'log':
      return withLog(state, ...event.lines);
    case 'paused':
      return { ...state, paused: event.paused };
    case 'full-refused':
      return withLog({ ...state, full: false }, { ts: event.at, level: 'warn', source: 'view', message: event.message });
    case 'hosted-iteration': {
      const hosted = state.hosted ?? { loop: 0, loops: event.loops, finished: false, outputFiles: [] };
      const outputFiles = event.outputFile ? [...hosted.outputFiles, event.outputFile] : hosted.outputFiles;
      return { ...state, hosted: { ...hosted, loop: event.loop, loops: event.loops, outputFiles } };
    }
    case 'hosted-finished': {
      const hosted = state.hosted ?? { loop: 0, loops: 1, finished: false, outputFiles: [] };
      const lines = event.lines.map((message): LogLine => ({ ts: event.at, level: 'info', source: 'rex', message }));
      return withLog({ ...state, hosted: { ...hosted, finished: true } }, ...lines, {
        ts: event.at,
        level: 'info',
        source: 'view',
        message: 'the run is over: press q to close this view',
      });
    }
    case 'tick':
      return { ...state, now: event.at };
  }
}

function polled(state: TuiState, event: Extract<TuiEvent, { type: 'polled' }>): TuiState {
  const logs: LogLine[] = [];
  const log = (level: LogLevel, message: string): void => void logs.push({ ts: event.at, level, source: 'view', message });
  if (state.connection.kind !== 'connected') log('info', `attached to ${state.target}`);
  const session = event.state.session;
  const key = session ? `${session.uuid}|${session.startTime}` : state.iterationKey;
  let activity = state.activity;
  let iterationSeenAt = state.iterationSeenAt;
  if (key !== state.iterationKey) {
    if (state.iterationKey !== undefined) log('info', 'a new run iteration started');
    activity = new Map();
    iterationSeenAt = event.at;
  }
  if (session && state.state.session && !state.state.session.endTime && session.endTime && key === state.iterationKey) {
    log('info', 'the run iteration ended; waiting for the next one');
  }
  iterationSeenAt ??= event.at;
  const next: TuiState = {
    ...state,
    now: event.at,
    connection: { kind: 'connected' },
    devices: event.devices,
    state: event.state,
    paused: event.paused ?? event.state.progress?.paused ?? state.paused,
    activity: withExactCounts(observeActivity(activity, event.devices, event.at), event.state),
    iterationKey: key,
    iterationSeenAt,
  };
  return logs.length > 0 ? withLog(next, ...logs) : next;
}

/** A server that reports exact counts (rex-daq's STATE extension) replaces the estimates. */
function withExactCounts(activity: ActivityState, view: StateView): ActivityState {
  const counts = view.progress?.counts;
  if (!counts || counts.size === 0) return activity;
  const exact = new Map(activity);
  for (const [key, channel] of activity) {
    const count = counts.get(key);
    if (count !== undefined) exact.set(key, { ...channel, count, countIsLowerBound: false });
  }
  return exact;
}

function withLog(state: TuiState, ...lines: LogLine[]): TuiState {
  const logs = state.logs.concat(lines);
  return { ...state, logs: logs.length > MAX_LOG_LINES ? logs.slice(logs.length - MAX_LOG_LINES) : logs };
}

function onKey(state: TuiState, action: KeyAction): TuiState {
  switch (action) {
    case 'switch-tab':
      return { ...state, tab: state.tab === 'data' ? 'session' : 'data' };
    case 'toggle-help':
      return { ...state, showHelp: !state.showHelp };
    case 'close-help':
      return { ...state, showHelp: false };
    case 'device-next':
    case 'device-prev':
      return moveDevice(state, action === 'device-next' ? 1 : -1);
    case 'stream-next':
    case 'stream-prev':
      return moveStream(state, action === 'stream-next' ? 1 : -1);
    case 'set-x':
    case 'set-y': {
      const ref = selectedRef(state);
      if (!ref) return state;
      const axis = action === 'set-x' ? 'X' : 'Y';
      const next = action === 'set-x' ? { ...state, x: ref } : { ...state, y: ref };
      return withLog(next, { ts: state.now, level: 'info', source: 'view', message: `${axis} axis: ${ref.device} · ${ref.stream}` });
    }
    case 'clear-axes':
      return withLog({ ...state, x: undefined, y: undefined }, { ts: state.now, level: 'info', source: 'view', message: 'axes cleared' });
    case 'toggle-full': {
      const full = !state.full;
      const message = full ? `traces in full (up to ${formatCount(FULL_TRACE_POINTS)} points)` : `traces reduced to ${LIVE_WINDOW} points`;
      return withLog({ ...state, full }, { ts: state.now, level: 'info', source: 'view', message });
    }
    case 'scroll-up':
      return { ...state, sessionScroll: Math.max(0, state.sessionScroll - 1) };
    case 'scroll-down':
      return { ...state, sessionScroll: state.sessionScroll + 1 };
    // Commands: the controller sends them; the state shows their replies as log lines.
    case 'pause':
    case 'resume':
    case 'kill':
    case 'quit':
      return state;
  }
}

/** Index of the selected device (the first one when none is selected, or it is gone). */
export function selectedDeviceIndex(state: TuiState): number {
  const index = state.devices.findIndex((d) => d.name === state.selectedDevice);
  return Math.max(index, 0);
}

export function selectedStreams(state: TuiState): readonly LiveStream[] {
  return state.devices[selectedDeviceIndex(state)]?.streams ?? [];
}

export function selectedStreamIndex(state: TuiState): number {
  const index = selectedStreams(state).findIndex((s) => s.name === state.selectedStream);
  return Math.max(index, 0);
}

export function selectedRef(state: TuiState): StreamRef | undefined {
  const device = state.devices[selectedDeviceIndex(state)];
  const stream = device?.streams[selectedStreamIndex(state)];
  return device && stream ? { device: device.name, stream: stream.name } : undefined;
}

export function findStream(state: TuiState, ref: StreamRef | undefined): LiveStream | undefined {
  if (!ref) return undefined;
  return state.devices.find((d) => d.name === ref.device)?.streams.find((s) => s.name === ref.stream);
}

function moveDevice(state: TuiState, by: 1 | -1): TuiState {
  const count = state.devices.length;
  if (count === 0) return state;
  const device = state.devices[(selectedDeviceIndex(state) + by + count) % count]!;
  // As the original: moving to another device selects its first stream.
  return { ...state, selectedDevice: device.name, selectedStream: device.streams[0]?.name };
}

function moveStream(state: TuiState, by: 1 | -1): TuiState {
  const device = state.devices[selectedDeviceIndex(state)];
  const count = device?.streams.length ?? 0;
  if (!device || count === 0) return state;
  const stream = device.streams[(selectedStreamIndex(state) + by + count) % count]!;
  return { ...state, selectedDevice: device.name, selectedStream: stream.name };
}

export type RunStatus = 'not attached' | 'waiting for a session' | 'running' | 'paused' | 'ended';

export function runStatus(state: TuiState): RunStatus {
  if (state.connection.kind !== 'connected') return state.hosted?.finished ? 'ended' : 'not attached';
  const session = state.state.session;
  if (session?.endTime) return 'ended';
  if (state.paused) return 'paused';
  if (!session) return state.devices.length > 0 ? 'running' : 'waiting for a session';
  return 'running';
}
