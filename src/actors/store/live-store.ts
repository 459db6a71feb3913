/**
 * The store's view of the current iteration: the session, device configs and a small recent window
 * per channel — never the whole run (DESIGN "memory must not grow with the size of the run"). It is
 * rebuilt from the journal by a JournalFollower, so a restarted store simply follows again.
 */
import type { MergeAccepted } from '../../protocol/merge.js';
import type { JsonObject, SessionInfo, SessionMessage } from '../../protocol/messages.js';
import {
  FULL_TRACE_POINTS,
  LIVE_WINDOW,
  type LiveWindows,
  applyMergeToWindows,
  buildDatastream,
  buildStateReply,
  liveReplyJson,
} from '../../protocol/live-query.js';
import { withMetaJson } from '../../protocol/session-meta.js';
import { formatSessionTime } from '../../protocol/timestamps.js';
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';
import type { RunEventHandler } from '../../runtime/journal/follower.js';
import { stillWorking } from '../../runtime/liveness.js';

export interface LiveStoreOptions {
  subsampling: boolean;
}

export class LiveStore implements RunEventHandler {
  private windows: LiveWindows = new Map();
  private start: RunStartRecord | undefined;
  private info: SessionInfo | undefined;
  private endTimeNs: string | undefined;
  /** Device → channel → values or rows stored (from the merge state: exact, not a window). */
  private counts: Record<string, Record<string, number>> = {};
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
    this.counts = {};
    this.start = record;
    this.info = undefined;
    this.endTimeNs = undefined;
    this.paused = false;
  }

  session(message: SessionMessage): void {
    this.info = withMetaJson(message.info, this.start?.metaJson);
  }

  /** Costs what the message holds, never what the run has seen (no walk over all channels or devices). */
  device(_message: unknown, merged: MergeAccepted): void {
    applyMergeToWindows(this.windows, merged, stillWorking);
    const { name } = merged.device;
    const counts = this.counts[name] ?? {};
    this.counts[name] = counts;
    for (const { channel, after } of merged.effects) counts[channel] = after.count;
  }

  pause(paused: boolean): void {
    this.paused = paused;
  }

  runEnd(record: RunEndRecord): void {
    this.endTimeNs = record.endTimeNs;
  }

  /** `full`: traces at up to FULL_TRACE_POINTS points (GET_DATASTREAM_FULL). */
  datastreamJson(full = false): string {
    const traceLimit = full ? FULL_TRACE_POINTS : LIVE_WINDOW;
    return liveReplyJson(buildDatastream(this.windows.values(), { subsampling: this.options.subsampling, traceLimit }));
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
    const progress = start ? { loop: start.loop + 1, loops: start.loops, paused: this.paused, counts: this.counts } : undefined;
    return liveReplyJson(buildStateReply({ session, devices, runFile, ...(progress ? { progress } : {}) }));
  }
}
