/**
 * The `GET_DATASTREAM` reply (SPEC §6) as the TUI shows it: devices and their streams, sorted by
 * name as the original's viewer sorted them. Pure; tolerant of anything a server might send.
 */

export interface LiveStream {
  readonly name: string;
  /** The last ≤ 100 values (single) or the newest row reduced to ≤ 100 points (multi); `null` → NaN. */
  readonly values: readonly number[];
  /** True for the computed "Time since first <channel> measurement (s)" streams. */
  readonly isTime: boolean;
  /** A reduced trace: the sample index in its row of each value (the reply's `sample_index`). */
  readonly index?: readonly number[];
}

export interface LiveDevice {
  readonly name: string;
  readonly streams: readonly LiveStream[];
}

const TIME_KEY = /^Time since first (.*) measurement \(s\)$/;

/** The channel a "Time since first <channel> measurement (s)" key belongs to, if it is one. */
export function timeKeyChannel(name: string): string | undefined {
  return TIME_KEY.exec(name)?.[1];
}

export function timeKeyOf(channel: string): string {
  return `Time since first ${channel} measurement (s)`;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Parses the reply text. `{}` (no devices yet) and the empty line the original sent when no session
 * ran both give `[]`; text that is not a JSON object throws (the caller reports it).
 */
export function parseDatastream(text: string): LiveDevice[] {
  if (text.trim() === '') return [];
  const json: unknown = JSON.parse(text);
  if (!isObject(json)) throw new Error('GET_DATASTREAM reply is not a JSON object');
  const devices: LiveDevice[] = [];
  for (const [key, entry] of Object.entries(json)) {
    if (!isObject(entry)) continue;
    const name = typeof entry.device_name === 'string' ? entry.device_name : key;
    const measurements = isObject(entry.measurements) ? entry.measurements : {};
    const sampleIndex = isObject(entry.sample_index) ? entry.sample_index : {};
    const streams: LiveStream[] = [];
    for (const [stream, values] of Object.entries(measurements)) {
      if (!Array.isArray(values)) continue;
      const index = Object.hasOwn(sampleIndex, stream) ? indexOf(sampleIndex[stream], values.length) : undefined;
      streams.push({ name: stream, values: values.map(toNumber), isTime: timeKeyChannel(stream) !== undefined, ...(index && { index }) });
    }
    devices.push({ name, streams: streams.sort(byName) });
  }
  return devices.sort(byName);
}

/** A `sample_index` entry that fits its values (one finite number each), else none. */
function indexOf(value: unknown, length: number): number[] | undefined {
  if (!Array.isArray(value) || value.length !== length) return undefined;
  return value.every((i) => typeof i === 'number' && Number.isFinite(i)) ? (value as number[]) : undefined;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
