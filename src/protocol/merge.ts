/**
 * The per-channel merge decision for device messages (SPEC §4), as a deterministic reducer.
 *
 * The registry holds only what the decision needs — units, shapes, counts, the frozen config —
 * never the data. `mergeDevice` decides without changing anything (ingest decides before it
 * replies); `commitMerge` applies an accepted outcome. The outcome's effects tell a consumer
 * exactly what to do to its own storage (recent window, spill files), so no consumer re-derives
 * the rules. Given the same messages and arrival times, every actor reaches the same registry
 * and the same effects: replaying a journal needs each line's recorded arrival time.
 *
 * Rules (ours where the original dropped data silently):
 * - a channel's unit is fixed by its first message; another unit rejects the whole line;
 * - an empty first message (`[]`) fixes the unit, not the shape (`undecided`);
 * - the first non-empty message decides: an array of arrays → multi; a flat array → single;
 * - single → multi promotion: when the first two non-empty flat messages both have the same
 *   length k > 1, the first becomes row 0 and each later flat message one row (also when the
 *   second message is an array of arrays whose first row has length k);
 * - a flat message into a multi channel is one more row, of any length (ragged rows are kept);
 * - an array of arrays into a channel already holding single values rejects the whole line;
 * - `[]` after the first message appends nothing;
 * - timestamps: one per stored value (single) or row (multi), see {@link resolveTimestamps}.
 */
import type { DeviceMessage, JsonObject, JsonPath, MeasurementChannel } from './messages.js';
import { isRfc3339 } from './timestamps.js';

export type ChannelShape = 'undecided' | 'single' | 'multi';

export interface ChannelState {
  readonly unit: string;
  readonly shape: ChannelShape;
  /** Values (single) or rows (multi) stored so far; always equal to the timestamps stored. */
  readonly count: number;
  /**
   * Present while the channel holds exactly one non-empty flat message of `length` > 1 values,
   * so that a second one of the same length promotes it. `timestamp` is what row 0 then carries
   * (the first timestamp of that message).
   */
  readonly pendingRow?: { readonly length: number; readonly timestamp: string };
}

export interface DeviceState {
  readonly name: string;
  /** Frozen at the device's first message; later configs are ignored. */
  readonly config: JsonObject;
  /** The first message's `device_config_floats`, frozen with its config. */
  readonly configFloats?: readonly JsonPath[];
  /** In the order the channels were first seen. */
  readonly channels: ReadonlyMap<string, ChannelState>;
}

export type DeviceRegistry = Map<string, DeviceState>;

export function createDeviceRegistry(): DeviceRegistry {
  return new Map();
}

/**
 * Timestamps to store alongside new values or rows. `repeat` is the common case (one arrival
 * time or one client time for the whole message) kept compact instead of `count` copies.
 */
export type Stamps =
  | { readonly kind: 'repeat'; readonly timestamp: string; readonly count: number }
  | { readonly kind: 'each'; readonly timestamps: readonly string[] };

/** What a consumer does to its storage of one channel for one message. */
export type StoreOp =
  /** Nothing to store (an empty message). */
  | { readonly kind: 'none' }
  /** Single: append the values and their timestamps (one per value). */
  | { readonly kind: 'append-values'; readonly values: Float64Array; readonly stamps: Stamps }
  /** Multi: append the rows and their timestamps (one per row). */
  | { readonly kind: 'append-rows'; readonly rows: readonly Float64Array[]; readonly stamps: Stamps }
  /**
   * Single → multi: the `rowLength` values already stored (the channel's only non-empty
   * message so far) become row 0, and their `rowLength` timestamps are replaced by the single
   * `row0Timestamp`; then append `rows` with `stamps` (one per row).
   */
  | {
      readonly kind: 'promote';
      readonly rowLength: number;
      readonly row0Timestamp: string;
      readonly rows: readonly Float64Array[];
      readonly stamps: Stamps;
    };

export interface ChannelEffect {
  readonly channel: string;
  readonly unit: string;
  /** First time this channel is seen: the consumer creates its storage. */
  readonly created: boolean;
  /** The channel's shape after this message. */
  readonly shape: ChannelShape;
  readonly store: StoreOp;
}

export type MergeWarningCode = 'timestamp-count' | 'timestamp-invalid';

export interface MergeWarning {
  readonly code: MergeWarningCode;
  readonly device: string;
  readonly channel: string;
  readonly message: string;
}

export interface MergeAccepted {
  readonly ok: true;
  /** The device's state before this message (`undefined`: the message creates the device). */
  readonly previous: DeviceState | undefined;
  /** The device's state after this message. */
  readonly device: DeviceState;
  readonly deviceCreated: boolean;
  /** One per channel of the message, in message order. */
  readonly effects: readonly ChannelEffect[];
  readonly warnings: readonly MergeWarning[];
}

export interface MergeRejected {
  readonly ok: false;
  /** The caller replies `Invalid format: <reason>`; nothing of the line is stored. */
  readonly reason: string;
}

export type MergeOutcome = MergeAccepted | MergeRejected;

/**
 * Decides how `msg` merges into `devices` without changing anything.
 * `arrivalTime` (already in the rex format) stamps values that carry no usable client time.
 */
export function mergeDevice(devices: DeviceRegistry, msg: DeviceMessage, arrivalTime: string): MergeOutcome {
  const previous = devices.get(msg.device_name);
  const channels = new Map(previous?.channels ?? []);
  const effects: ChannelEffect[] = [];
  const warnings: MergeWarning[] = [];
  for (const channel of msg.channels) {
    const decided = mergeChannel(msg.device_name, channels.get(channel.name), channel, arrivalTime, warnings);
    if (!decided.ok) return decided;
    channels.set(channel.name, decided.next);
    effects.push(decided.effect);
  }
  const frozen = previous ?? { config: msg.device_config, configFloats: msg.device_config_floats };
  const device: DeviceState = {
    name: msg.device_name,
    config: frozen.config,
    ...(frozen.configFloats !== undefined && { configFloats: frozen.configFloats }),
    channels,
  };
  return { ok: true, previous, device, deviceCreated: previous === undefined, effects, warnings };
}

/** Applies an accepted outcome. Throws if the registry changed since the outcome was decided. */
export function commitMerge(devices: DeviceRegistry, accepted: MergeAccepted): void {
  if (devices.get(accepted.device.name) !== accepted.previous) {
    throw new Error(`stale merge outcome for device '${accepted.device.name}': decide again`);
  }
  devices.set(accepted.device.name, accepted.device);
}

/** `mergeDevice` then `commitMerge` when accepted. */
export function mergeAndCommit(devices: DeviceRegistry, msg: DeviceMessage, arrivalTime: string): MergeOutcome {
  const outcome = mergeDevice(devices, msg, arrivalTime);
  if (outcome.ok) commitMerge(devices, outcome);
  return outcome;
}

type ChannelDecision = { ok: true; next: ChannelState; effect: ChannelEffect } | MergeRejected;

/**
 * One channel's decision. Kept free of per-channel closures and strings (the channel's place in
 * messages is only spelled out for a reason or a warning): a hostile client may send 10,000
 * channels in one line, and this runs on the ingest thread before the reply.
 */
function mergeChannel(
  device: string,
  state: ChannelState | undefined,
  channel: MeasurementChannel,
  arrivalTime: string,
  warnings: MergeWarning[],
): ChannelDecision {
  const created = state === undefined;
  const current: ChannelState = state ?? { unit: channel.unit, shape: 'undecided', count: 0 };
  if (current.unit !== channel.unit) {
    return {
      ok: false,
      reason: `unit mismatch for ${where(device, channel)}: the channel's unit is '${current.unit}', this message has '${channel.unit}'`,
    };
  }
  const data = channel.data;

  if (data.shape === 'multi') {
    const rows = data.rows;
    if (rows.length === 0) return accepted(channel, created, current, { kind: 'none' });
    if (current.shape === 'single') {
      const pending = current.pendingRow;
      if (pending === undefined || rows[0]?.length !== pending.length) {
        return {
          ok: false,
          reason: `shape mismatch for ${where(device, channel)}: the channel holds single values, this message has an array of arrays`,
        };
      }
      const stamps = channelStamps(device, channel, rows.length, arrivalTime, warnings);
      return accepted(
        channel,
        created,
        { unit: current.unit, shape: 'multi', count: 1 + rows.length },
        { kind: 'promote', rowLength: pending.length, row0Timestamp: pending.timestamp, rows, stamps },
      );
    }
    // undecided or multi: append the rows
    return accepted(
      channel,
      created,
      { unit: current.unit, shape: 'multi', count: current.count + rows.length },
      { kind: 'append-rows', rows, stamps: channelStamps(device, channel, rows.length, arrivalTime, warnings) },
    );
  }

  const values = data.values;
  if (values.length === 0) return accepted(channel, created, current, { kind: 'none' });
  switch (current.shape) {
    case 'multi':
      return accepted(
        channel,
        created,
        { unit: current.unit, shape: 'multi', count: current.count + 1 },
        { kind: 'append-rows', rows: [values], stamps: channelStamps(device, channel, 1, arrivalTime, warnings) },
      );
    case 'undecided': {
      const stamps = channelStamps(device, channel, values.length, arrivalTime, warnings);
      const next: ChannelState =
        values.length > 1
          ? {
              unit: current.unit,
              shape: 'single',
              count: values.length,
              pendingRow: { length: values.length, timestamp: firstStamp(stamps) },
            }
          : { unit: current.unit, shape: 'single', count: values.length };
      return accepted(channel, created, next, { kind: 'append-values', values, stamps });
    }
    case 'single': {
      const pending = current.pendingRow;
      if (pending !== undefined && pending.length === values.length) {
        const stamps = channelStamps(device, channel, 1, arrivalTime, warnings);
        return accepted(
          channel,
          created,
          { unit: current.unit, shape: 'multi', count: 2 },
          { kind: 'promote', rowLength: pending.length, row0Timestamp: pending.timestamp, rows: [values], stamps },
        );
      }
      // Lengths differ (or the first message had one value): a plain single channel for good.
      return accepted(
        channel,
        created,
        { unit: current.unit, shape: 'single', count: current.count + values.length },
        { kind: 'append-values', values, stamps: channelStamps(device, channel, values.length, arrivalTime, warnings) },
      );
    }
  }
}

function accepted(channel: MeasurementChannel, created: boolean, next: ChannelState, store: StoreOp): ChannelDecision {
  return { ok: true, next, effect: { channel: channel.name, unit: next.unit, created, shape: next.shape, store } };
}

function where(device: string, channel: MeasurementChannel): string {
  return `device '${device}' channel '${channel.name}'`;
}

/** The channel's timestamps for `count` new values or rows (warnings name the channel). */
function channelStamps(device: string, channel: MeasurementChannel, count: number, arrivalTime: string, warnings: MergeWarning[]): Stamps {
  if (channel.timestamps === undefined) return { kind: 'repeat', timestamp: arrivalTime, count };
  return resolveTimestamps(count, channel.timestamps, arrivalTime, (code, message) =>
    warnings.push({ code, device, channel: channel.name, message: `${where(device, channel)}: ${message}` }),
  );
}

/**
 * SPEC §4 timestamps for `count` new values or rows: the client's timestamps win when there is
 * one per value/row, or one for the whole message (then repeated); they are stored verbatim but
 * must be RFC 3339 (ClickHouse and the live view parse them). Otherwise the arrival time is
 * used and `warn` is called. No client timestamps: the arrival time, silently.
 */
export function resolveTimestamps(
  count: number,
  client: readonly string[] | undefined,
  arrivalTime: string,
  warn: (code: MergeWarningCode, message: string) => void,
): Stamps {
  const arrival: Stamps = { kind: 'repeat', timestamp: arrivalTime, count };
  if (count === 0 || client === undefined) return arrival;
  if (client.length !== count && client.length !== 1) {
    warn(
      'timestamp-count',
      `${client.length} client timestamps for ${count} stored ${count === 1 ? 'entry' : 'entries'}; using the arrival time`,
    );
    return arrival;
  }
  const invalid = client.find((t) => !isRfc3339(t));
  if (invalid !== undefined) {
    warn('timestamp-invalid', `client timestamp ${JSON.stringify(invalid.slice(0, 64))} is not RFC 3339; using the arrival time`);
    return arrival;
  }
  if (client.length === 1 && count !== 1) return { kind: 'repeat', timestamp: client[0] as string, count };
  return { kind: 'each', timestamps: client };
}

/** How many timestamps `stamps` stands for. */
export function stampsLength(stamps: Stamps): number {
  return stamps.kind === 'repeat' ? stamps.count : stamps.timestamps.length;
}

/** The timestamps at positions [start, end) of `stamps`, as an array. */
export function sliceStamps(stamps: Stamps, start = 0, end = stampsLength(stamps)): string[] {
  if (stamps.kind === 'each') return stamps.timestamps.slice(start, end);
  const from = Math.max(0, Math.min(start, stamps.count));
  const to = Math.max(from, Math.min(end, stamps.count));
  return new Array<string>(to - from).fill(stamps.timestamp);
}

function firstStamp(stamps: Stamps): string {
  return stamps.kind === 'repeat' ? stamps.timestamp : (stamps.timestamps[0] as string);
}
