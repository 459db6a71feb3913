/**
 * What the TOML renderer reads (SPEC §5). Everything small is given as plain data; the big
 * arrays (values, rows, timestamps) are pulled from async sources channel by channel, so a run
 * with gigabytes of traces is never in memory at once.
 */
import type { ChannelShape } from '../merge.js';
import type { JsonObject, JsonPath, ResultMessage, SessionInfo } from '../messages.js';

export interface OutputSource {
  /** Any order: the renderer sorts. */
  readonly devices: readonly OutputDevice[];
  readonly results?: readonly ResultMessage[];
  /** Absent: no `[session]` table (the original wrote one only once a session existed). */
  readonly session?: OutputSession;
}

export interface OutputSession {
  readonly uuid: string;
  readonly start_time: string;
  /** `""` while the run is going. */
  readonly end_time: string;
  /** Absent: `[session]` without `[session.info]`. */
  readonly info?: SessionInfo;
  /** The run record (SPEC §12), written as `[session.run]`. */
  readonly run?: JsonObject;
}

export interface OutputDevice {
  readonly name: string;
  /** The frozen `device_config`. */
  readonly config: JsonObject;
  /** Paths in `config` of whole numbers the client wrote as floats: written as TOML floats. */
  readonly configFloats?: readonly JsonPath[];
  /** Any order: the renderer sorts. */
  readonly channels: readonly OutputChannel[];
  /**
   * Optional: where the renderer keeps the text of the device's `data` and `timestamps` tables
   * once written, and writes them from while it holds them. The source hands a new one (or none)
   * whenever the device changed.
   */
  readonly sections?: RenderedSections;
}

/** A device's tables as rendered: text, and bytes of formatted values (render.ts `OutputChunk`). */
export interface RenderedSections {
  data?: readonly (string | Uint8Array)[];
  timestamps?: readonly (string | Uint8Array)[];
}

interface OutputChannelBase {
  readonly name: string;
  readonly unit: string;
  /** One per value (single) or row (multi), in chunks of any size. */
  timestamps(): AsyncIterable<readonly string[]>;
  /**
   * Optional: the timestamps at once when they are in memory (else undefined). Lets the renderer
   * write a small channel without an async generator per channel.
   */
  timestampsNow?(): readonly string[] | undefined;
}

export interface SingleOutputChannel extends OutputChannelBase {
  /** `undecided` (only empty messages so far) is written as an empty single channel. */
  readonly shape: Exclude<ChannelShape, 'multi'>;
  /** The values, in chunks of any size. */
  values(): AsyncIterable<Float64Array>;
  /** Optional: the values at once when they are in memory and few (a view: read before the event loop turns), else undefined. */
  valuesNow?(): Float64Array | undefined;
}

export interface MultiOutputChannel extends OutputChannelBase {
  readonly shape: 'multi';
  /** One whole row per item (a row arrived in one message, so it fits in memory). */
  rows(): AsyncIterable<Float64Array>;
}

export type OutputChannel = SingleOutputChannel | MultiOutputChannel;

/** An in-memory channel, for tests, small runs and recovery tools. */
export type MemoryChannel =
  | {
      readonly name: string;
      readonly unit: string;
      readonly shape: 'single' | 'undecided';
      readonly values: ArrayLike<number>;
      readonly timestamps: readonly string[];
    }
  | {
      readonly name: string;
      readonly unit: string;
      readonly shape: 'multi';
      readonly rows: readonly ArrayLike<number>[];
      readonly timestamps: readonly string[];
    };

/** Wraps in-memory data as an {@link OutputChannel}. */
export function memoryChannel(channel: MemoryChannel): OutputChannel {
  const timestamps = async function* (): AsyncGenerator<readonly string[]> {
    yield channel.timestamps;
  };
  if (channel.shape === 'multi') {
    const rows = channel.rows;
    return {
      name: channel.name,
      unit: channel.unit,
      shape: 'multi',
      timestamps,
      rows: async function* () {
        for (const row of rows) yield Float64Array.from(row);
      },
    };
  }
  const values = channel.values;
  return {
    name: channel.name,
    unit: channel.unit,
    shape: channel.shape,
    timestamps,
    values: async function* () {
      yield Float64Array.from(values);
    },
  };
}
