/**
 * Past runs as the page shows them (docs/serve.md "Past runs"): `GET /runs`, `GET /runs/:id` and
 * `GET /runs/:id/channel`. Pure and tolerant, as ./model.ts: a field of the wrong kind is left out.
 */
import type { Series } from './model';

export interface PastChannel {
  name: string;
  unit: string;
  /** 'single' or 'trace'. */
  shape: string;
  count: number | null;
}

export interface PastDevice {
  name: string;
  channels: PastChannel[];
}

export interface PastResult {
  name: string;
  /** null: the file does not say. */
  pass: boolean | null;
}

export interface PastRun {
  id: string;
  file: string;
  session: string | null;
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
  running: boolean;
  status: string | null;
  exitCode: number | null;
  devices: PastDevice[];
  results: PastResult[];
  bytes: number | null;
}

export interface PastRunIndex {
  run: PastRun;
  uuid: string | null;
  /** [session.info], meta included. */
  info: Record<string, unknown>;
  devices: PastDevice[];
  results: PastResult[];
}

export interface PastSeries {
  unit: string;
  shape: string;
  count: number;
  /** The trace's row shown; null for a single channel. */
  row: number | null;
  length: number;
  /** The points shown: [from, to) of the series. */
  from: number;
  to: number;
  downsampled: boolean;
  /** values, index (`x`), and `times` (seconds since the channel's first timestamp) when the server gives them. */
  series: Series;
  /** Asked with `x`: that channel's value paired with each point (NaN where null). */
  paired: { channel: string; unit: string; values: number[] } | null;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

const parseDevices = (value: unknown): PastDevice[] =>
  list(value).map((device) => ({
    name: text(device.name),
    channels: list(device.channels).map((c) => ({
      name: text(c.name),
      unit: text(c.unit),
      shape: text(c.shape),
      count: numberOrNull(c.count),
    })),
  }));

const parseResults = (value: unknown): PastResult[] =>
  list(value).map((r) => ({ name: text(r.name), pass: typeof r.pass === 'boolean' ? r.pass : null }));

export function parsePastRun(json: unknown): PastRun {
  const run = isObject(json) ? json : {};
  return {
    id: text(run.id),
    file: text(run.file),
    session: textOrNull(run.session),
    start: textOrNull(run.start),
    end: textOrNull(run.end),
    durationSeconds: numberOrNull(run.durationSeconds),
    running: run.running === true,
    status: textOrNull(run.status),
    exitCode: numberOrNull(run.exitCode),
    devices: parseDevices(run.devices),
    results: parseResults(run.results),
    bytes: numberOrNull(run.bytes),
  };
}

export function parsePastRuns(json: unknown): { runs: PastRun[]; problems: string[] } {
  const body = isObject(json) ? json : {};
  return {
    runs: list(body.runs).map(parsePastRun),
    problems: Array.isArray(body.problems) ? body.problems.filter((p): p is string => typeof p === 'string') : [],
  };
}

export function parsePastRunIndex(json: unknown): PastRunIndex {
  const body = isObject(json) ? json : {};
  const session = isObject(body.session) ? body.session : {};
  return {
    run: parsePastRun(body.run),
    uuid: textOrNull(session.uuid),
    info: isObject(session.info) ? session.info : {},
    devices: parseDevices(body.devices),
    results: parseResults(body.results),
  };
}

export function parsePastSeries(json: unknown): PastSeries {
  const body = isObject(json) ? json : {};
  const x = Array.isArray(body.x) ? body.x : [];
  const y = Array.isArray(body.y) ? body.y : [];
  const n = Math.min(x.length, y.length);
  const time = Array.isArray(body.time) && body.time.length === n ? body.time : null;
  const index: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    index.push(typeof x[i] === 'number' ? (x[i] as number) : NaN);
    // null is NaN or ±infinity in the file: a gap.
    values.push(typeof y[i] === 'number' ? (y[i] as number) : NaN);
    if (time) times.push(typeof time[i] === 'number' ? (time[i] as number) : NaN);
  }
  const length = numberOrNull(body.length) ?? n;
  return {
    unit: text(body.unit),
    shape: text(body.shape),
    count: numberOrNull(body.count) ?? 0,
    row: numberOrNull(body.row),
    length,
    from: numberOrNull(body.from) ?? 0,
    to: numberOrNull(body.to) ?? length,
    downsampled: body.downsampled === true,
    series: { values, index, ...(time && { times }) },
    paired: parsePaired(body.paired, n),
  };
}

function parsePaired(value: unknown, n: number): PastSeries['paired'] {
  if (!isObject(value) || !Array.isArray(value.values) || value.values.length !== n) return null;
  const values = value.values.map((v) => (typeof v === 'number' ? v : NaN));
  return { channel: text(value.channel), unit: text(value.unit), values };
}

/**
 * The points [from, to) of a series that cover an x range of its chart, to ask for at full
 * resolution: by index (x is the index), or, when x is time, from the last point shown at or
 * before the range to the first at or after it.
 */
export function indexRange(shown: PastSeries, range: { min: number; max: number }): { from: number; to: number } {
  const { index = [], times } = shown.series;
  let from: number;
  let to: number;
  if (times === undefined) {
    from = Math.floor(range.min);
    to = Math.ceil(range.max) + 1;
  } else {
    const before = times.findLastIndex((t) => t <= range.min);
    const after = times.findIndex((t) => t >= range.max);
    from = index[Math.max(0, before)] ?? 0;
    to = (index[after < 0 ? index.length - 1 : after] ?? shown.length) + 1;
  }
  from = Math.min(Math.max(0, from), Math.max(0, shown.length - 1));
  return { from, to: Math.max(from + 1, Math.min(to, shown.length)) };
}

/** The run's status as one word: as written, or `running`, or, in the original's files, `—`. */
export const statusOf = (run: PastRun): string => run.status ?? (run.running ? 'running' : '—');

/** An RFC 3339 time in the browser's local time. */
export function localTime(iso: string | null): string {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : '—';
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** The file's name: the last part of `file` (an allowed directory joined with the name). */
export const fileName = (file: string): string => file.split(/[\\/]/).pop() || 'run.toml';
