/**
 * The `STATE` reply (SPEC §6) as the Session tab shows it. Pure; tolerant: the original v1.0 sent
 * only `entities`, the newest adds `devices` and `run_file`, and before the session ours sends
 * `{"entities": null}`.
 */
import { isObject } from './datastream.js';

export interface SessionView {
  uuid: string;
  startTime: string;
  /** Set once the iteration has ended. */
  endTime: string | null;
  name: string;
  email: string;
  sessionName: string;
  description: string;
  /** `info.meta`, flattened to dotted keys, sorted. */
  meta: Array<[key: string, value: string]>;
}

export interface StateView {
  /** Null before the session message arrived. */
  session: SessionView | null;
  /** Device name → its `device_config`, flattened to sorted `key = value` pairs. */
  deviceConfigs: Map<string, Array<[key: string, value: string]>>;
  runFile: string;
  /** rex-daq's STATE extension (`"run"`): exact counts, loop, pause flag; absent from other servers. */
  progress?: ProgressView;
}

export interface ProgressView {
  /** 1-based. */
  loop: number;
  loops: number;
  paused: boolean;
  /** `device\u0000channel` → values or rows stored. */
  counts: Map<string, number>;
}

export function parseState(text: string): StateView {
  const empty: StateView = { session: null, deviceConfigs: new Map(), runFile: '' };
  if (text.trim() === '') return empty;
  const json: unknown = JSON.parse(text);
  if (!isObject(json)) throw new Error('STATE reply is not a JSON object');
  const entities = json.entities;
  const deviceConfigs = new Map<string, Array<[string, string]>>();
  if (isObject(json.devices)) {
    for (const name of Object.keys(json.devices).sort()) {
      const config = json.devices[name];
      deviceConfigs.set(name, isObject(config) ? flatten(config) : []);
    }
  }
  const runFile = typeof json.run_file === 'string' ? json.run_file : '';
  const progress = parseProgress(json.run);
  if (!isObject(entities)) return { ...empty, deviceConfigs, runFile, ...(progress ? { progress } : {}) };
  const info = isObject(entities.info) ? entities.info : {};
  const session: SessionView = {
    uuid: text_(entities.uuid),
    startTime: text_(entities.start_time),
    endTime: typeof entities.end_time === 'string' && entities.end_time !== '' ? entities.end_time : null,
    name: text_(info.name),
    email: text_(info.email),
    sessionName: text_(info.session_name),
    description: text_(info.session_description),
    meta: isObject(info.meta) ? flatten(info.meta) : [],
  };
  return { session, deviceConfigs, runFile, ...(progress ? { progress } : {}) };
}

function parseProgress(run: unknown): ProgressView | undefined {
  if (!isObject(run) || typeof run.loop !== 'number' || typeof run.loops !== 'number') return undefined;
  const counts = new Map<string, number>();
  if (isObject(run.counts)) {
    for (const [device, channels] of Object.entries(run.counts)) {
      if (!isObject(channels)) continue;
      for (const [channel, count] of Object.entries(channels)) {
        if (typeof count === 'number') counts.set(`${device}\u0000${channel}`, count);
      }
    }
  }
  return { loop: run.loop, loops: run.loops, paused: run.paused === true, counts };
}

/** Nested objects become dotted keys; arrays and scalars are shown as compact JSON. */
export function flatten(object: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(object)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) out.push(...flatten(value, path));
    else out.push([path, typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function text_(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
