/**
 * The API's answers as the page shows them (docs/serve.md, docs/protocol.md): `GET /run`, `GET
 * /status` (STATE) and `GET /datastream`. Pure and tolerant: a field of the wrong kind is left out.
 * JSON `null` (NaN, ±inf on the server) becomes NaN, which the charts draw as a gap.
 */

export interface RunInfo {
  phase: 'idle' | 'starting' | 'running' | 'ended' | string;
  id: string | null;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  exitStatus: string | null;
  outputFiles: string[];
  logTail: string[];
}

export interface ChannelInfo {
  name: string;
  unit: string;
  /** 'single' (scalars), 'multi' (traces) or 'undecided'; '' when the server does not say. */
  shape: string;
  count: number | null;
}

export interface DeviceInfo {
  name: string;
  config: Record<string, unknown>;
  channels: ChannelInfo[];
}

export interface StateInfo {
  session: {
    uuid: string;
    startTime: string;
    endTime: string | null;
    name: string;
    email: string;
    sessionName: string;
    description: string;
    meta: Record<string, unknown> | null;
  } | null;
  runFile: string;
  loop: number | null;
  loops: number | null;
  paused: boolean | null;
  devices: DeviceInfo[];
  results: Array<{ name: string; pass: boolean }>;
}

/** One channel's recent data: values, the times of the last ones, a trace's sample index. */
export interface Series {
  values: number[];
  /** Seconds since the channel's first measurement, one per value (scalars) or per row (traces). */
  times?: number[];
  /** A reduced trace: where in its row each value sits. */
  index?: number[];
}

/** Device → channel → series. */
export type Datastream = Map<string, Map<string, Series>>;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map((v) => (typeof v === 'number' ? v : NaN)) : []);
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function parseRun(json: unknown): RunInfo {
  const run = isObject(json) ? json : {};
  return {
    phase: text(run.phase) || 'idle',
    id: textOrNull(run.id),
    startedAt: textOrNull(run.started_at),
    endedAt: textOrNull(run.ended_at),
    exitCode: numberOrNull(run.exit_code),
    exitStatus: textOrNull(run.exit_status),
    outputFiles: Array.isArray(run.output_files) ? run.output_files.filter((f): f is string => typeof f === 'string') : [],
    logTail: Array.isArray(run.log_tail) ? run.log_tail.filter((l): l is string => typeof l === 'string') : [],
  };
}

export function parseState(json: unknown): StateInfo {
  const state = isObject(json) ? json : {};
  const entities = isObject(state.entities) ? state.entities : null;
  const info = entities && isObject(entities.info) ? entities.info : {};
  const run = isObject(state.run) ? state.run : {};
  const counts = isObject(run.counts) ? run.counts : {};
  const outlines = isObject(run.channels) ? run.channels : {};
  const configs = isObject(state.devices) ? state.devices : {};
  const names = new Set([...Object.keys(configs), ...Object.keys(outlines), ...Object.keys(counts)]);
  const devices: DeviceInfo[] = [...names].map((name) => {
    const outline = isObject(outlines[name]) ? outlines[name] : {};
    const count = isObject(counts[name]) ? counts[name] : {};
    const channels = [...new Set([...Object.keys(outline), ...Object.keys(count)])].map((channel) => {
      const o = isObject(outline[channel]) ? outline[channel] : {};
      return { name: channel, unit: text(o.unit), shape: text(o.shape), count: numberOrNull(count[channel]) };
    });
    const config = configs[name];
    return { name, config: isObject(config) ? config : {}, channels: channels.sort(byName) };
  });
  const results = isObject(run.results) ? Object.entries(run.results).map(([name, pass]) => ({ name, pass: pass === true })) : [];
  return {
    session: entities && {
      uuid: text(entities.uuid),
      startTime: text(entities.start_time),
      endTime: textOrNull(entities.end_time),
      name: text(info.name),
      email: text(info.email),
      sessionName: text(info.session_name),
      description: text(info.session_description),
      meta: isObject(info.meta) ? info.meta : null,
    },
    runFile: text(state.run_file),
    loop: numberOrNull(run.loop),
    loops: numberOrNull(run.loops),
    paused: typeof run.paused === 'boolean' ? run.paused : null,
    devices: devices.sort(byName),
    results,
  };
}

const TIME_KEY = /^Time since first (.*) measurement \(s\)$/;

export function parseDatastream(json: unknown): Datastream {
  const devices: Datastream = new Map();
  if (!isObject(json)) return devices;
  for (const [key, entry] of Object.entries(json)) {
    if (!isObject(entry) || !isObject(entry.measurements)) continue;
    const measurements = entry.measurements;
    const sampleIndex = isObject(entry.sample_index) ? entry.sample_index : {};
    const channels = new Map<string, Series>();
    for (const [name, values] of Object.entries(measurements)) {
      if (TIME_KEY.test(name) || !Array.isArray(values)) continue;
      const series: Series = { values: numbers(values) };
      const times = measurements[`Time since first ${name} measurement (s)`];
      if (Array.isArray(times)) series.times = numbers(times);
      const index = sampleIndex[name];
      if (Array.isArray(index) && index.length === values.length) series.index = numbers(index);
      channels.set(name, series);
    }
    devices.set(text(entry.device_name) || key, channels);
  }
  return devices;
}

/** A number as the page prints it: NaN (JSON null) as "—". */
export function formatValue(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return String(value);
}

/** Seconds as h:mm:ss. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** The unit to show after a channel's name: none when the name already ends with it (`trace (V)`). */
export function unitToShow(name: string, unit: string): string {
  return unit === '' || name.endsWith(`(${unit})`) ? '' : unit;
}
