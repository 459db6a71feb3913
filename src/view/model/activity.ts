/**
 * Per-channel counts and rates, worked out from successive `GET_DATASTREAM` snapshots (the wire
 * carries no totals). Each channel's "Time since first <channel> measurement (s)" stream holds the
 * last ≤ 100 timestamps, one per value (single) or per row (multi): entries later than the latest
 * one already seen are new arrivals, and distinct new timestamps are new messages. Pure.
 *
 * A view attached from the start of an iteration (as `rex run -i` is) counts exactly, as long as
 * fewer than 100 values of a channel arrive between two polls; otherwise the count is a lower
 * bound and says so.
 */
import { type LiveDevice, timeKeyOf } from './datastream.js';

/** How many timestamps a datastream reply carries at most (SPEC §6). */
export const DATASTREAM_WINDOW = 100;
/** Rates are averaged over this much wall-clock time. */
export const RATE_WINDOW_MS = 3000;

export interface ChannelActivity {
  readonly device: string;
  readonly channel: string;
  /** Values (single) or rows (multi) seen. */
  readonly count: number;
  /** True when some arrivals may have been missed (attached mid-run, or a burst over 100 per poll). */
  readonly countIsLowerBound: boolean;
  /** Distinct timestamps seen: messages, for arrival-stamped data. */
  readonly messages: number;
  /** Per second over the last RATE_WINDOW_MS; undefined until there is enough history. */
  readonly valueRate: number | undefined;
  readonly messageRate: number | undefined;
  /** The latest "seconds since first" seen. */
  readonly lastSeconds: number;
  readonly since: number;
  readonly history: ReadonlyArray<{ at: number; values: number; messages: number }>;
}

export type ActivityState = ReadonlyMap<string, ChannelActivity>;

const keyOf = (device: string, channel: string): string => `${device}\u0000${channel}`;

export function channelActivity(state: ActivityState, device: string, channel: string): ChannelActivity | undefined {
  return state.get(keyOf(device, channel));
}

/** The state after one more snapshot taken at `now` (ms). */
export function observeActivity(previous: ActivityState, devices: readonly LiveDevice[], now: number): ActivityState {
  const next = new Map<string, ChannelActivity>();
  for (const device of devices) {
    const byName = new Map(device.streams.map((s) => [s.name, s]));
    for (const stream of device.streams) {
      if (stream.isTime) continue;
      const times = byName.get(timeKeyOf(stream.name))?.values.filter(Number.isFinite);
      if (!times || times.length === 0) continue;
      const key = keyOf(device.name, stream.name);
      next.set(key, observeChannel(previous.get(key), device.name, stream.name, times, now));
    }
  }
  return next;
}

function observeChannel(
  before: ChannelActivity | undefined,
  device: string,
  channel: string,
  times: number[],
  now: number,
): ChannelActivity {
  const latest = Math.max(...times);
  // Time went backwards: the channel started again (a new iteration); count from scratch.
  const fresh = before === undefined || latest < before.lastSeconds;
  const threshold = fresh ? -Infinity : before.lastSeconds;
  let values = 0;
  const distinct = new Set<number>();
  for (const t of times) {
    if (t > threshold) {
      values++;
      distinct.add(t);
    }
  }
  const burstMissed = values >= DATASTREAM_WINDOW && values === times.length;
  if (fresh) {
    // The first snapshot shows backlog, not arrivals: it counts, but does not feed the rates.
    return {
      device,
      channel,
      count: values,
      countIsLowerBound: times.length >= DATASTREAM_WINDOW,
      messages: distinct.size,
      valueRate: undefined,
      messageRate: undefined,
      lastSeconds: latest,
      since: now,
      history: [],
    };
  }
  const history = [...before.history, { at: now, values, messages: distinct.size }].filter((h) => h.at > now - RATE_WINDOW_MS);
  const span = Math.min(RATE_WINDOW_MS, now - before.since);
  const enough = span >= 500;
  const sum = (pick: (h: { values: number; messages: number }) => number): number => history.reduce((acc, h) => acc + pick(h), 0);
  return {
    device,
    channel,
    count: before.count + values,
    countIsLowerBound: before.countIsLowerBound || burstMissed,
    messages: before.messages + distinct.size,
    valueRate: enough ? (sum((h) => h.values) * 1000) / span : undefined,
    messageRate: enough ? (sum((h) => h.messages) * 1000) / span : undefined,
    lastSeconds: latest,
    since: before.since,
    history,
  };
}

/**
 * Messages per second over all devices: one device message feeds all its channels, so each
 * device counts with its busiest channel. Undefined until a rate is known.
 */
export function totalMessageRate(state: ActivityState): number | undefined {
  const perDevice = new Map<string, number>();
  let known = false;
  for (const activity of state.values()) {
    if (activity.messageRate === undefined) continue;
    known = true;
    perDevice.set(activity.device, Math.max(perDevice.get(activity.device) ?? 0, activity.messageRate));
  }
  return known ? [...perDevice.values()].reduce((a, b) => a + b, 0) : undefined;
}
