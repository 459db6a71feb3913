/**
 * The store's view of the current iteration: the session, device configs and a small recent window
 * per channel — never the whole run (DESIGN "memory must not grow with the size of the run"). It is
 * rebuilt from the journal by a JournalFollower, so a restarted store simply follows again.
 */
import type { ChannelShape, MergeAccepted } from '../../protocol/merge.js';
import type { JsonObject, ResultMessage, SessionInfo, SessionMessage } from '../../protocol/messages.js';
import {
  FULL_TRACE_POINTS,
  LIVE_WINDOW,
  type LiveWindows,
  applyMergeToWindows,
  buildDatastream,
  buildTraceRange,
  buildStateReply,
  liveReplyJson,
  type RunProgress,
} from '../../protocol/live-query.js';
import { withMetaJson } from '../../protocol/session-meta.js';
import type { TraceRange } from '../../protocol/trace-range.js';
import { formatSessionTime } from '../../protocol/timestamps.js';
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';
import type { RunEventHandler } from '../../runtime/journal/follower.js';
import { stillWorking } from '../../runtime/liveness.js';
import type { IterationSummary, StoreStatus } from './messages.js';
import { SUMMARY_CHANNELS } from './summary-limits.js';

export interface LiveStoreOptions {
  subsampling: boolean;
}

export class LiveStore implements RunEventHandler {
  private windows: LiveWindows = new Map();
  private start: RunStartRecord | undefined;
  private info: SessionInfo | undefined;
  private endTimeNs: string | undefined;
  /** Result name → pass (a later result of the same name replaces it, as in the file). */
  private results = new Map<string, boolean>();
  /** Accepted lines, and values (or rows) over all channels: totals kept as lines come. */
  private messages = 0;
  private values = 0;
  /**
   * Device → channel → count for STATE: made at the first STATE, then kept up to date. A run
   * nobody asks STATE of never makes an object keyed by 100,000 channel names.
   */
  private stateCounts: RunProgress['counts'] | undefined;
  paused = false;

  constructor(private readonly options: LiveStoreOptions) {}

  get sessionSeen(): boolean {
    return this.info !== undefined;
  }

  get meta(): JsonObject | undefined {
    return this.info?.meta;
  }

  runStart(record: RunStartRecord): void {
    this.windows = new Map();
    this.stateCounts = undefined;
    this.results = new Map();
    this.messages = 0;
    this.values = 0;
    this.start = record;
    this.info = undefined;
    this.endTimeNs = undefined;
    this.paused = false;
  }

  session(message: SessionMessage): void {
    this.info = withMetaJson(message.info, this.start?.metaJson);
    this.messages++;
  }

  result(message: ResultMessage): void {
    this.results.set(message.result_name, message.result_status);
    this.messages++;
  }

  /** Costs what the message holds, never what the run has seen (no walk over all channels or devices). */
  device(_message: unknown, merged: MergeAccepted): void {
    // Each channel's count is kept in its window (and for STATE once asked): an object keyed by 100,000 channel names cost more than the rest.
    applyMergeToWindows(this.windows, merged, stillWorking);
    const counts = this.stateCounts ? (this.stateCounts[merged.device.name] ?? {}) : undefined;
    if (counts && this.stateCounts) this.stateCounts[merged.device.name] = counts;
    const fresh = merged.freshTable?.table;
    if (fresh) {
      // A new device's table (no effects made): every channel's count is its length.
      if (counts) for (let i = 0; i < fresh.count; i++) counts[fresh.name(i)] = fresh.length(i);
      this.values += fresh.allValues.length;
    } else {
      for (const { channel, before, after } of merged.effects) {
        if (counts) counts[channel] = after.count;
        this.values += after.count - (before?.count ?? 0);
      }
    }
    this.messages++;
  }

  pause(paused: boolean): void {
    this.paused = paused;
  }

  runEnd(record: RunEndRecord): void {
    this.endTimeNs = record.endTimeNs;
  }

  /** The iteration in totals (null before any journal): costs nothing that grows with the run. */
  status(): StoreStatus['current'] {
    const start = this.start;
    if (!start) return null;
    const { paused, messages, values } = this;
    return {
      loop: start.loop,
      loops: start.loops,
      paused,
      ended: this.endTimeNs !== undefined,
      messages,
      values,
      devices: this.windows.size,
    };
  }

  /** Every device and channel with its unit and count, and the results (null before any journal). */
  summary(): IterationSummary | null {
    const start = this.start;
    if (!start) return null;
    // Units and shapes from the live windows (channels in the order first seen); counts exact.
    const devices = [...this.windows.values()].map(({ name, channels }) => ({
      name,
      channels: firstOf(channels.values(), SUMMARY_CHANNELS).map(({ name: channel, unit, shape, count }) => ({
        name: channel,
        unit,
        shape,
        count,
      })),
      channelCount: channels.size,
    }));
    const results = [...this.results].map(([name, pass]) => ({ name, pass }));
    return { loop: start.loop, loops: start.loops, messages: this.messages, devices, results };
  }

  /** One channel, a trace's newest row cut to a range (a ranged GET_DATASTREAM_FULL). */
  traceRangeJson(range: TraceRange): string {
    return liveReplyJson(buildTraceRange(this.windows, range, { subsampling: this.options.subsampling }));
  }

  /** `full`: traces at up to FULL_TRACE_POINTS points (GET_DATASTREAM_FULL). */
  datastreamJson(full = false): string {
    const traceLimit = full ? FULL_TRACE_POINTS : LIVE_WINDOW;
    return liveReplyJson(buildDatastream(this.windows.values(), { subsampling: this.options.subsampling, traceLimit }));
  }

  /** Device → channel → values or rows stored (made from the live windows the first time). */
  private counts(): RunProgress['counts'] {
    if (this.stateCounts) return this.stateCounts;
    const counts: RunProgress['counts'] = {};
    for (const device of this.windows.values()) {
      const channels: Record<string, number> = {};
      for (const { name, count } of device.channels.values()) channels[name] = count;
      counts[device.name] = channels;
    }
    this.stateCounts = counts;
    return counts;
  }

  /** Device → channel → unit and shape, from the live windows. */
  private channelOutlines(): NonNullable<RunProgress['channels']> {
    const outlines: NonNullable<RunProgress['channels']> = {};
    for (const device of this.windows.values()) {
      const channels: Record<string, { unit: string; shape: ChannelShape }> = {};
      for (const { name, unit, shape } of device.channels.values()) channels[name] = { unit, shape };
      outlines[device.name] = channels;
    }
    return outlines;
  }

  stateJson(): string {
    const start = this.start;
    const session =
      start && this.info
        ? {
            uuid: start.uuid,
            start_time: formatSessionTime(BigInt(start.startTimeNs)),
            ...(this.endTimeNs ? { end_time: formatSessionTime(BigInt(this.endTimeNs)) } : {}),
            info: this.info,
          }
        : undefined;
    const devices = [...this.windows.values()].map((d) => ({ name: d.name, config: d.config }));
    const runFile = typeof start?.run.script === 'string' ? start.run.script : '';
    const progress = start
      ? {
          loop: start.loop + 1,
          loops: start.loops,
          paused: this.paused,
          counts: this.counts(),
          channels: this.channelOutlines(),
          results: Object.fromEntries(this.results),
        }
      : undefined;
    return liveReplyJson(buildStateReply({ session, devices, runFile, ...(progress ? { progress } : {}) }));
  }
}

function firstOf<T>(items: Iterable<T>, count: number): T[] {
  const first: T[] = [];
  for (const item of items) {
    if (first.length === count) break;
    first.push(item);
  }
  return first;
}
