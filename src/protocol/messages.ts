/**
 * The typed shapes of everything a client can send (SPEC §1–2, §12).
 * These are the parser's output and the vocabulary every actor shares.
 */
import type { ClientTimestamps } from './timestamp-bytes.js';
import type { TraceRange } from './trace-range.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A place inside a JSON value: object keys (strings) and array indices (numbers), outermost first. */
export type JsonPath = readonly (string | number)[];

/** `GET_DATASTREAM_FULL` is rex-daq's: GET_DATASTREAM with traces at up to 10,000 points (the TUI's `f`). */
export const COMMANDS = ['GET_DATASTREAM', 'GET_DATASTREAM_FULL', 'STATE', 'PAUSE_STATE', 'RESUME_STATE', 'KILL'] as const;
export type Command = (typeof COMMANDS)[number];
/** The commands answered from the store's live windows. */
export const QUERY_COMMANDS = ['GET_DATASTREAM', 'GET_DATASTREAM_FULL', 'STATE'] as const satisfies readonly Command[];
export type QueryCommand = (typeof QUERY_COMMANDS)[number];
/** A query as the store answers it: a command, and for a ranged GET_DATASTREAM_FULL its range. */
export interface LiveQuery {
  command: QueryCommand;
  range?: TraceRange;
}

export interface SessionInfo {
  name: string;
  email: string;
  session_name: string;
  session_description: string;
  /** Any JSON object; nulls allowed (left out of TOML, kept in JSON outputs). */
  meta?: JsonObject;
  /** Paths in `meta` of the whole numbers the client wrote as floats (see `device_config_floats`). */
  meta_floats?: JsonPath[];
}

export interface SessionMessage {
  info: SessionInfo;
}

/**
 * A channel's values in one message. `single`: a flat list of scalars (also `[]`).
 * `multi`: one Float64Array per row (one trace each). Numbers are always float64;
 * NaN and ±Infinity are legal values.
 */
export type ChannelData = { shape: 'single'; values: Float64Array } | { shape: 'multi'; rows: Float64Array[] };

export interface MeasurementChannel {
  /** The channel name (the key in `measurements`). */
  name: string;
  unit: string;
  data: ChannelData;
  /**
   * Client-supplied timestamps for this channel, from the device-level `timestamps` map or the
   * per-measurement `timestamps` key (device-level wins when both are given). Stored verbatim.
   */
  timestamps?: ClientTimestamps;
}

export interface DeviceMessage {
  device_name: string;
  device_config: JsonObject;
  /**
   * Paths in `device_config` of the whole numbers the client wrote as floats (`1.0`, `1e3`,
   * `-0`), which JSON.parse cannot tell from integers; the TOML writes them as floats, as the
   * original did. Absent when there are none.
   */
  device_config_floats?: JsonPath[];
  /** In the order the client sent them. */
  channels: MeasurementChannel[];
}

export interface ListenerMessage {
  name: string;
  id: string;
}

export interface ResultMessage {
  result_name: string;
  result_description: string;
  result_status: boolean;
  result_value?: number;
  result_lower_bound?: number;
  result_upper_bound?: number;
  result_meta?: JsonObject;
  /** Paths in `result_meta` of the whole numbers the client wrote as floats (see `device_config_floats`). */
  result_meta_floats?: JsonPath[];
}

export type ParsedLine =
  /** `range`: rex-daq's ranged GET_DATASTREAM_FULL (./trace-range.ts). */
  | { kind: 'command'; command: Command; range?: TraceRange }
  | { kind: 'device'; message: DeviceMessage }
  | { kind: 'session'; message: SessionMessage }
  | { kind: 'listener'; message: ListenerMessage }
  | { kind: 'result'; message: ResultMessage }
  | { kind: 'invalid'; reason: string };

export type MessageKind = ParsedLine['kind'];
