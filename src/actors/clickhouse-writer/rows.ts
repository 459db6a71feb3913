/**
 * The rows rex stores in ClickHouse (SPEC §9), as the writer derives them from a journal.
 * Measurement rows travel in segments: a run of consecutive values of one channel that share
 * everything but `sample_index`, value and (sometimes) timestamp — so a million-point trace is
 * one segment pointing at its Float64Array, not a million objects.
 */
import type { JsonObject } from '../../protocol/messages.js';

export interface ChannelRef {
  /** Small integer, unique per device and channel within one journal. */
  readonly id: number;
  readonly device: string;
  readonly channel: string;
  readonly unit: string;
}

export interface MeasurementSegment {
  readonly channel: ChannelRef;
  readonly values: Float64Array;
  /** `sample_index` of values[0]; the others count up from it. */
  readonly firstSample: number;
  /** 0 for Single channels; the row number for Multi rows. */
  readonly channelIndex: number;
  /** Microseconds since the epoch: one for every value, or one per value. */
  readonly micros: number | Float64Array;
  /** Journal offset of the record that produced it (for progress). */
  readonly journalOffset: number;
}

export interface DeviceRow {
  device_name: string;
  device_config: JsonObject;
}

export interface SessionRow {
  session_id: string;
  start_time: string;
  end_time: string;
  name: string;
  email: string;
  session_name: string;
  session_description: string;
  session_meta: JsonObject;
}

export interface ResultRow {
  session_id: string;
  result_type: string;
  result_info: string;
  result_status: boolean;
  measured_value: number;
  upper_bound: number;
  lower_bound: number;
  result_meta: JsonObject;
}

/** What the end of an iteration adds: its session row and the final state of its results. */
export interface EndRows {
  session: SessionRow;
  results: ResultRow[];
}

/** Where derived rows go, in the order they are derived. */
export interface RowSink {
  measurement(segment: MeasurementSegment): void;
  device(row: DeviceRow): void;
  end(rows: EndRows): void;
}

/** The segment's values [from, to) as a segment of its own. */
export function sliceSegment(segment: MeasurementSegment, from: number, to: number): MeasurementSegment {
  return {
    ...segment,
    values: segment.values.subarray(from, to),
    firstSample: segment.firstSample + from,
    micros: typeof segment.micros === 'number' ? segment.micros : segment.micros.subarray(from, to),
  };
}
