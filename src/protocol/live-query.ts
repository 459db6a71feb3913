/**
 * Replies to the live queries `GET_DATASTREAM` and `STATE` (SPEC §6), built from a small
 * per-channel recent window that the store keeps up to date from merge effects. The window never
 * grows with the run: ≤ 100 values or timestamps, plus one row for multi channels.
 */
import {
  type ChannelEffect,
  type ChannelShape,
  type FreshTable,
  type MergeAccepted,
  type Stamps,
  sliceStamps,
  stampsLength,
} from './merge.js';
import type { JsonObject, SessionInfo } from './messages.js';
import { lttbIndices } from './lttb.js';
import { parseRfc3339Ns, secondsBetween } from './timestamps.js';
import type { TraceRange } from './trace-range.js';

/** How many recent values / timestamps a window keeps and a datastream reply shows. */
export const LIVE_WINDOW = 100;
/** The most points of a trace a GET_DATASTREAM_FULL reply shows (about 200 KB of JSON a trace). */
export const FULL_TRACE_POINTS = 10_000;

export interface ChannelWindow {
  readonly name: string;
  readonly unit: string;
  shape: ChannelShape;
  /** Values (single) or rows (multi) stored so far: exact, from the merge state (not a window). */
  count: number;
  /** Single: the last values, oldest first, LIVE_WINDOW of them or more: read `recent(values)`. Empty for multi channels. */
  values: number[];
  /** Multi: the newest row. */
  lastRow: Float64Array | undefined;
  /** The channel's first timestamp ever: the zero of "Time since first … measurement (s)". */
  firstTimestamp: string | undefined;
  /** The last timestamps (one per value, or per row for multi), oldest first, as `values`. */
  timestamps: string[];
}

export interface DeviceWindow {
  readonly name: string;
  readonly config: JsonObject;
  /** In the order the channels were first seen. */
  readonly channels: Map<string, ChannelWindow>;
}

export type LiveWindows = Map<string, DeviceWindow>;

/** Channels between two `progress` calls of applyMergeToWindows. */
const PROGRESS_EVERY = 1024;

/**
 * Brings the windows up to date with an accepted (committed) device merge. Costs what the message
 * holds; `progress` is called every PROGRESS_EVERY channels (a thread's "still working" on a line
 * of 100,000 channels).
 */
export function applyMergeToWindows(windows: LiveWindows, accepted: MergeAccepted, progress?: () => void): void {
  let device = windows.get(accepted.device.name);
  if (device === undefined) {
    device = { name: accepted.device.name, config: accepted.device.config, channels: new Map() };
    windows.set(device.name, device);
  }
  if (accepted.freshTable) {
    addTableWindows(device, accepted.freshTable, progress);
    return;
  }
  accepted.effects.forEach((effect, i) => {
    applyEffectToWindow(device, effect);
    if (i % PROGRESS_EVERY === PROGRESS_EVERY - 1) progress?.();
  });
}

/** A new device's channel table: each channel's window made from the columns (no effects made). */
function addTableWindows(device: DeviceWindow, { table, arrivalTime }: FreshTable, progress?: () => void): void {
  const values = table.allValues;
  for (let i = 0; i < table.count; i++) {
    const start = table.valueStart(i);
    const length = table.length(i);
    const window: ChannelWindow = {
      name: table.name(i),
      unit: table.unit(i),
      shape: length === 0 ? 'undecided' : 'single',
      count: length,
      values: appendKept([], values, Math.max(start, start + length - LIVE_WINDOW), start + length),
      lastRow: undefined,
      firstTimestamp: undefined,
      timestamps: [],
    };
    pushStamps(window, { kind: 'repeat', timestamp: arrivalTime, count: length });
    device.channels.set(window.name, window);
    if (i % PROGRESS_EVERY === PROGRESS_EVERY - 1) progress?.();
  }
}

/**
 * A copy of `row` to keep (the caller's row may be a view of memory about to be reused), in the
 * previous copy's memory when the length is the same: no fresh allocation per trace.
 */
function keptRow(previous: Float64Array | undefined, row: Float64Array | undefined): Float64Array | undefined {
  if (row === undefined) return previous;
  if (previous === undefined || previous.length !== row.length) return row.slice();
  previous.set(row);
  return previous;
}

/** Applies one channel effect to a device's windows (creating the channel's window if new). */
export function applyEffectToWindow(device: DeviceWindow, effect: ChannelEffect): void {
  // A channel first seen (no state before) has no window yet: not looked for among 100,000.
  let window = effect.before === undefined ? undefined : device.channels.get(effect.channel);
  if (window === undefined) {
    window = {
      name: effect.channel,
      unit: effect.unit,
      shape: effect.shape,
      count: 0,
      values: [],
      lastRow: undefined,
      firstTimestamp: undefined,
      timestamps: [],
    };
    device.channels.set(effect.channel, window);
  }
  window.shape = effect.shape;
  window.count = effect.after.count;
  const store = effect.store;
  switch (store.kind) {
    case 'none':
      return;
    case 'append-values': {
      const { values } = store;
      window.values = appendKept(window.values, values, Math.max(0, values.length - LIVE_WINDOW), values.length);
      pushStamps(window, store.stamps);
      return;
    }
    case 'promote':
      // The stored values become row 0, which carries one timestamp instead of one per value.
      window.values = [];
      window.timestamps = [store.row0Timestamp];
      window.lastRow = keptRow(window.lastRow, store.rows[store.rows.length - 1]);
      pushStamps(window, store.stamps);
      return;
    case 'append-rows':
      window.lastRow = keptRow(window.lastRow, store.rows[store.rows.length - 1]);
      pushStamps(window, store.stamps);
      return;
  }
}

function pushStamps(window: ChannelWindow, stamps: Stamps): void {
  const count = stampsLength(stamps);
  if (count === 0) return;
  if (stamps.kind === 'each') {
    window.firstTimestamp ??= stamps.timestamps[0];
    window.timestamps = appendKept(window.timestamps, stamps.timestamps, Math.max(0, count - LIVE_WINDOW), count);
    return;
  }
  window.firstTimestamp ??= stamps.timestamp;
  if (window.timestamps.length === 0 && count === 1) {
    window.timestamps = [stamps.timestamp];
    return;
  }
  if (window.timestamps.length + count <= WINDOW_ROOM) {
    for (let i = 0; i < count; i++) window.timestamps.push(stamps.timestamp);
    return;
  }
  const from = Math.max(0, count - LIVE_WINDOW);
  window.timestamps = appendKept(window.timestamps, sliceStamps(stamps, from, count), 0, count - from);
}

/**
 * A window's arrays grow to WINDOW_ROOM and are then cut back to their last LIVE_WINDOW: one copy
 * every LIVE_WINDOW values, where cutting at LIVE_WINDOW copied the window at every value (a
 * device's scalar lines, two copies of 100 per channel and line).
 */
const WINDOW_ROOM = 2 * LIVE_WINDOW;

/** The last ≤ LIVE_WINDOW of a window's values or timestamps. */
function recent<T>(items: T[]): T[] {
  return items.length > LIVE_WINDOW ? items.slice(items.length - LIVE_WINDOW) : items;
}

/**
 * `kept` with `items[from, to)` appended (at most LIVE_WINDOW of them): in place while they fit
 * in WINDOW_ROOM (a line of 100,000 one-value channels made four arrays per channel here), else
 * a new array of the last LIVE_WINDOW.
 */
function appendKept<T>(kept: T[], items: ArrayLike<T>, from: number, to: number): T[] {
  // A new window's first value: an array of one (pushed to an empty array, it took room for 17).
  if (kept.length === 0 && to - from === 1) return [items[from]!];
  if (kept.length + (to - from) <= WINDOW_ROOM) {
    for (let i = from; i < to; i++) kept.push(items[i]!);
    return kept;
  }
  const all = kept.slice(Math.max(0, kept.length - (LIVE_WINDOW - (to - from))));
  for (let i = from; i < to; i++) all.push(items[i]!);
  return all;
}

export interface DatastreamOptions {
  /** `general.subsampling` (default on): reduce a long row by LTTB; off: by block averages. */
  readonly subsampling: boolean;
  /** The most points a trace is reduced to: LIVE_WINDOW (the default), FULL_TRACE_POINTS when asked. */
  readonly traceLimit?: number;
}

export interface DatastreamDevice {
  device_name: string;
  /** Channel → values, and "Time since first <channel> measurement (s)" → seconds. */
  measurements: Record<string, (number | null)[]>;
  /**
   * EXTENSION (absent when empty): for each trace channel whose newest row was reduced, the
   * sample index in the row of each value shown, so a view plots the trace against its real
   * index (0–999 for a 1,000-point trace), not against 0–99. Viewers that do not know it ignore it.
   */
  sample_index?: Record<string, number[]>;
}

export type DatastreamReply = Record<string, DatastreamDevice>;

export function timeSinceFirstKey(channel: string): string {
  return `Time since first ${channel} measurement (s)`;
}

/**
 * The `GET_DATASTREAM` reply: per device, per channel, single → the last ≤ 100 values, multi →
 * the newest row reduced to ≤ 100 points; plus, per channel with timestamps, the last ≤ 100
 * timestamps as seconds since the channel's first one. NaN/±Inf (and unparseable timestamps)
 * are `null`. `{}` without devices. A real channel wins over a computed time key of its name.
 */
export function buildDatastream(devices: Iterable<DeviceWindow>, options: DatastreamOptions): DatastreamReply {
  const reply: DatastreamReply = {};
  for (const device of devices) {
    const measurements: Record<string, (number | null)[]> = {};
    const sampleIndex: Record<string, number[]> = {};
    for (const channel of device.channels.values()) {
      if (channel.shape !== 'multi') {
        measurements[channel.name] = jsonNumbers(recent(channel.values));
        continue;
      }
      const row = channel.lastRow ?? new Float64Array(0);
      const reduced = reduceRow(row, options);
      measurements[channel.name] = jsonNumbers(reduced.values);
      if (row.length > reduced.values.length) sampleIndex[channel.name] = reduced.index;
    }
    for (const channel of device.channels.values()) {
      const key = timeSinceFirstKey(channel.name);
      if (Object.hasOwn(measurements, key)) continue;
      const seconds = secondsSinceFirst(channel);
      if (seconds !== undefined) measurements[key] = seconds;
    }
    reply[device.name] = {
      device_name: device.name,
      measurements,
      ...(Object.keys(sampleIndex).length > 0 && { sample_index: sampleIndex }),
    };
  }
  return reply;
}

/**
 * The ranged GET_DATASTREAM_FULL reply: as `buildDatastream` for one device and one channel, a
 * trace's newest row cut to points [from, to) and reduced to ≤ FULL_TRACE_POINTS only if longer,
 * with `sample_index` giving each value's place in the whole row. A single channel comes as in the
 * datastream (its recent values: there is no row to cut). `{}` when the run has no such channel.
 */
export function buildTraceRange(devices: LiveWindows, range: TraceRange, options: DatastreamOptions): DatastreamReply {
  const device = devices.get(range.device);
  const channel = device?.channels.get(range.channel);
  if (device === undefined || channel === undefined) return {};
  const measurements: Record<string, (number | null)[]> = {};
  const reply: DatastreamDevice = { device_name: device.name, measurements };
  if (channel.shape !== 'multi') measurements[channel.name] = jsonNumbers(recent(channel.values));
  else {
    const row = channel.lastRow ?? new Float64Array(0);
    const to = Math.min(range.to ?? row.length, row.length);
    const from = Math.min(range.from ?? 0, to);
    const reduced = reduceRow(row.subarray(from, to), { ...options, traceLimit: FULL_TRACE_POINTS });
    measurements[channel.name] = jsonNumbers(reduced.values);
    reply.sample_index = { [channel.name]: reduced.index.map((i) => i + from) };
  }
  const seconds = secondsSinceFirst(channel);
  const key = timeSinceFirstKey(channel.name);
  if (seconds !== undefined && key !== channel.name) measurements[key] = seconds;
  return { [device.name]: reply };
}

/** A reduced row: its values, and where in the row each one sits (a block mean: its block's middle). */
export interface ReducedRow {
  values: number[];
  index: number[];
}

/** A row reduced to ≤ `limit` points: LTTB over the index, or block averages. */
export function reduceRow(row: ArrayLike<number>, options: DatastreamOptions): ReducedRow {
  const limit = options.traceLimit ?? LIVE_WINDOW;
  if (row.length <= limit) return { values: Array.from(row), index: Array.from(row, (_, i) => i) };
  if (options.subsampling) {
    const index = lttbIndices(row, limit);
    return { values: index.map((i) => row[i] as number), index };
  }
  // The original v1.0: blocks of ceil(n / limit) values, each replaced by its mean.
  const block = Math.ceil(row.length / limit);
  const reduced: ReducedRow = { values: [], index: [] };
  for (let start = 0; start < row.length; start += block) {
    const end = Math.min(start + block, row.length);
    let sum = 0;
    for (let i = start; i < end; i++) sum += row[i] as number;
    reduced.values.push(sum / (end - start));
    reduced.index.push((start + end - 1) / 2);
  }
  return reduced;
}

function secondsSinceFirst(channel: ChannelWindow): (number | null)[] | undefined {
  if (channel.firstTimestamp === undefined || channel.timestamps.length === 0) return undefined;
  const base = parseRfc3339Ns(channel.firstTimestamp);
  if (base === undefined) return undefined;
  return recent(channel.timestamps).map((text) => {
    const t = parseRfc3339Ns(text);
    return t === undefined ? null : secondsBetween(base, t);
  });
}

function jsonNumbers(values: ArrayLike<number>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}

/** The session as STATE shows it. */
export interface StateSession {
  readonly uuid: string;
  readonly start_time: string;
  /** Absent (→ `null`) while the run is going. */
  readonly end_time?: string;
  readonly info: SessionInfo;
}

export interface StateInput {
  /** Absent before the session message arrived. */
  readonly session: StateSession | undefined;
  /** Device name → its frozen `device_config` (nulls kept: this is JSON). */
  readonly devices: Iterable<{ readonly name: string; readonly config: JsonObject }>;
  /** The script being run. */
  readonly runFile: string;
  /** EXTENSION: where the run is, for live views (absent: not written). */
  readonly progress?: RunProgress;
}

/**
 * EXTENSION to STATE (`"run"` beside `entities`, only once the session exists): what a live view
 * cannot work out from a 100-value window — exact counts per channel, the loop, the pause flag.
 */
export interface RunProgress {
  /** 1-based loop of `loops`. */
  loop: number;
  loops: number;
  paused: boolean;
  /** Device → channel → values (single) or rows (multi) stored so far. */
  counts: Record<string, Record<string, number>>;
  /** Device → channel → its unit and shape (a browser view labels and plots by them). */
  channels?: Record<string, Record<string, { unit: string; shape: ChannelShape }>>;
  /** Result name → pass (true) or fail (false). */
  results?: Record<string, boolean>;
}

export interface StateEntities {
  start_time: string;
  end_time: string | null;
  uuid: string;
  info: {
    name: string;
    email: string;
    session_name: string;
    session_description: string;
    meta: JsonObject | null;
  };
}

/** The newest original's STATE shape; `{"entities": null}` before the session (SPEC §6). */
export type StateReply =
  | { entities: null }
  | { entities: StateEntities; devices: Record<string, JsonObject>; run_file: string; run?: RunProgress };

export function buildStateReply(input: StateInput): StateReply {
  if (input.session === undefined) return { entities: null };
  const { session } = input;
  const devices: Record<string, JsonObject> = {};
  for (const device of input.devices) devices[device.name] = device.config;
  return {
    entities: {
      start_time: session.start_time,
      end_time: session.end_time ?? null,
      uuid: session.uuid,
      info: {
        name: session.info.name,
        email: session.info.email,
        session_name: session.info.session_name,
        session_description: session.info.session_description,
        meta: session.info.meta ?? null,
      },
    },
    devices,
    run_file: input.runFile,
    ...(input.progress ? { run: input.progress } : {}),
  };
}

/**
 * One reply line's JSON (without the `\n`). JSON.stringify already writes NaN/±Inf as `null`,
 * escapes line breaks inside strings and lone surrogates, so the reply is one valid line.
 */
export function liveReplyJson(reply: DatastreamReply | StateReply): string {
  return JSON.stringify(reply);
}
