/**
 * One channel's merge decision (SPEC §4; the rules are listed in merge.ts, which decides whole
 * messages with it): the channel's next state, what to store, and which timestamps go with it.
 * Pure, like merge.ts.
 */
import type {
  ChannelOutline,
  ChannelShape,
  ChannelState,
  MergeRejected,
  MergeWarning,
  MergeWarningCode,
  PendingRow,
  Stamps,
  StoreOp,
  TimestampsOutline,
} from './merge.js';
import { type ClientTimestamps, timestampStrings } from './timestamp-bytes.js';
import { isRfc3339 } from './timestamps.js';

export function firstInvalid(client: readonly string[] | TimestampsOutline): string | null {
  if (!Array.isArray(client)) return (client as TimestampsOutline).invalid;
  const invalid = (client as readonly string[]).find((t) => !isRfc3339(t));
  return invalid === undefined ? null : invalid.slice(0, 64);
}

/**
 * What the channels of one message can share instead of each making its own: the arrival time's
 * stamps, and a state equal to the one made just before (states are never changed, only replaced).
 */
export class SharedPieces {
  readonly arrival: StampsChoice;
  private lastState: ChannelState | undefined;
  private lastRepeat: Stamps | undefined;

  constructor(readonly arrivalTime: string) {
    this.arrival = { kind: 'repeat', timestamp: arrivalTime };
  }

  /** A state without a pending row: the last one made when equal. */
  state(unit: string, shape: ChannelShape, count: number): ChannelState {
    const last = this.lastState;
    if (last !== undefined && last.count === count && last.shape === shape && last.unit === unit) return last;
    const state: ChannelState = { unit, shape, count };
    this.lastState = state;
    return state;
  }

  repeat(timestamp: string, count: number): Stamps {
    const last = this.lastRepeat;
    if (last !== undefined && last.kind === 'repeat' && last.count === count && last.timestamp === timestamp) return last;
    const stamps: Stamps = { kind: 'repeat', timestamp, count };
    this.lastRepeat = stamps;
    return stamps;
  }
}

/** Which timestamps go with the new values or rows: `each` means the client's, one per entry. */
export type StampsChoice = { readonly kind: 'repeat'; readonly timestamp: string } | { readonly kind: 'each'; readonly first: string };

type StoreKind = StoreOp['kind'];

/** One channel's decision: the next state, and what to store (built from the data by `storeOp`). */
export interface Accepted {
  readonly ok: true;
  readonly next: ChannelState;
  readonly store: StoreKind;
  readonly promoted?: PendingRow;
  readonly stampsCount: number;
  readonly stamps: StampsChoice;
}

export type ChannelDecision = Accepted | MergeRejected;

const NO_STAMPS: StampsChoice = { kind: 'each', first: '' };

/**
 * One channel's decision. Kept free of per-channel closures and strings (the channel's place in
 * messages is only spelled out for a reason or a warning): a hostile client may send 100,000
 * channels in one line, and this runs on the ingest thread before the reply.
 */
export function decideChannel(
  device: string,
  state: ChannelState | undefined,
  channel: ChannelOutline,
  shared: SharedPieces,
  warnings: MergeWarning[],
): ChannelDecision {
  const current: ChannelState = state ?? shared.state(channel.unit, 'undecided', 0);
  if (current.unit !== channel.unit) {
    return {
      ok: false,
      reason: `unit mismatch for ${where(device, channel)}: the channel's unit is '${current.unit}', this message has '${channel.unit}'`,
    };
  }
  const length = channel.length;
  if (length === 0) return decided(current, 'none', undefined, 0, NO_STAMPS);

  if (channel.multi) {
    if (current.shape === 'single') {
      const pending = current.pendingRow;
      if (pending === undefined || channel.firstRowLength !== pending.length) {
        return {
          ok: false,
          reason: `shape mismatch for ${where(device, channel)}: the channel holds single values, this message has an array of arrays`,
        };
      }
      const stamps = channelStamps(device, channel, length, shared, warnings);
      return decided(shared.state(current.unit, 'multi', 1 + length), 'promote', pending, length, stamps);
    }
    // undecided or multi: append the rows
    const stamps = channelStamps(device, channel, length, shared, warnings);
    return decided(shared.state(current.unit, 'multi', current.count + length), 'append-rows', undefined, length, stamps);
  }

  switch (current.shape) {
    case 'multi': {
      const stamps = channelStamps(device, channel, 1, shared, warnings);
      return decided(shared.state(current.unit, 'multi', current.count + 1), 'append-rows', undefined, 1, stamps);
    }
    case 'undecided': {
      const stamps = channelStamps(device, channel, length, shared, warnings);
      const next: ChannelState =
        length > 1
          ? { unit: current.unit, shape: 'single', count: length, pendingRow: { length, timestamp: firstStamp(stamps) } }
          : shared.state(current.unit, 'single', length);
      return decided(next, 'append-values', undefined, length, stamps);
    }
    case 'single': {
      const pending = current.pendingRow;
      if (pending !== undefined && pending.length === length) {
        const stamps = channelStamps(device, channel, 1, shared, warnings);
        return decided(shared.state(current.unit, 'multi', 2), 'promote', pending, 1, stamps);
      }
      // Lengths differ (or the first message had one value): a plain single channel for good.
      const stamps = channelStamps(device, channel, length, shared, warnings);
      return decided(shared.state(current.unit, 'single', current.count + length), 'append-values', undefined, length, stamps);
    }
  }
}

function decided(
  next: ChannelState,
  store: StoreKind,
  promoted: PendingRow | undefined,
  stampsCount: number,
  stamps: StampsChoice,
): ChannelDecision {
  return promoted === undefined ? { ok: true, next, store, stampsCount, stamps } : { ok: true, next, store, promoted, stampsCount, stamps };
}

const STORE_NOTHING: StoreOp = { kind: 'none' };

/** `values` (a flat message) or `rows` (an array of arrays): what to store of them. */
export function storeOp(
  values: Float64Array | null,
  rows: readonly Float64Array[] | null,
  timestamps: ClientTimestamps | undefined,
  decision: Accepted,
  shared: SharedPieces,
): StoreOp {
  if (decision.store === 'none') return STORE_NOTHING;
  const stamps: Stamps =
    decision.stamps.kind === 'repeat'
      ? shared.repeat(decision.stamps.timestamp, decision.stampsCount)
      : { kind: 'each', timestamps: timestampStrings(timestamps!) };
  switch (decision.store) {
    case 'append-values':
      return { kind: 'append-values', values: values!, stamps };
    case 'append-rows':
      return { kind: 'append-rows', rows: rows ?? [values!], stamps };
    case 'promote': {
      const row0 = decision.promoted!;
      return { kind: 'promote', rowLength: row0.length, row0Timestamp: row0.timestamp, rows: rows ?? [values!], stamps };
    }
  }
}

function where(device: string, channel: { readonly name: string }): string {
  return `device '${device}' channel '${channel.name}'`;
}

/** The channel's timestamps for `count` new values or rows (warnings name the channel). */
function channelStamps(
  device: string,
  channel: ChannelOutline,
  count: number,
  shared: SharedPieces,
  warnings: MergeWarning[],
): StampsChoice {
  if (channel.timestamps === undefined) return shared.arrival;
  return chooseStamps(count, channel.timestamps, shared.arrival, (code, message) =>
    warnings.push({ code, device, channel: channel.name, message: `${where(device, channel)}: ${message}` }),
  );
}

/**
 * SPEC §4 timestamps for `count` new values or rows: the client's timestamps win when there is
 * one per value/row, or one for the whole message (then repeated); they are stored verbatim but
 * must be RFC 3339 (ClickHouse and the live view parse them). Otherwise the arrival time is
 * used and `warn` is called. No client timestamps: the arrival time, silently.
 */
function chooseStamps(
  count: number,
  client: readonly string[] | TimestampsOutline | undefined,
  arrival: StampsChoice,
  warn: (code: MergeWarningCode, message: string) => void,
): StampsChoice {
  if (count === 0 || client === undefined) return arrival;
  if (client.length !== count && client.length !== 1) {
    warn(
      'timestamp-count',
      `${client.length} client timestamps for ${count} stored ${count === 1 ? 'entry' : 'entries'}; using the arrival time`,
    );
    return arrival;
  }
  const invalid = firstInvalid(client);
  if (invalid !== null) {
    warn('timestamp-invalid', `client timestamp ${JSON.stringify(invalid)} is not RFC 3339; using the arrival time`);
    return arrival;
  }
  const first = Array.isArray(client) ? (client as readonly string[])[0]! : (client as TimestampsOutline).first;
  if (client.length === 1 && count !== 1) return { kind: 'repeat', timestamp: first };
  return { kind: 'each', first };
}

function firstStamp(stamps: StampsChoice): string {
  return stamps.kind === 'repeat' ? stamps.timestamp : stamps.first;
}
