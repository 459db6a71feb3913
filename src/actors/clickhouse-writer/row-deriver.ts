/**
 * Turns a journal's run events into ClickHouse rows (SPEC §9):
 *   Single value i of a channel → sample_index = i, channel_index = 0, the value's timestamp;
 *   Multi row i, element j      → sample_index = j, channel_index = i, the row's timestamp;
 *   a device's first message    → one device_info row (its frozen config);
 *   the end of the iteration    → one session_info row and one results_store row per result
 *                                 (results can be replaced by name until then).
 *
 * One subtlety of the merge rules: a channel whose first message is a flat array of k > 1 values
 * may turn into a Multi channel when the second message has k values too — the first message then
 * becomes row 0, stamped once. Rows cannot be taken back from a database, so such a message is
 * held until the channel's next message (or the end) decides what it is. At most one message per
 * channel is held, and only while undecided.
 *
 * Deterministic: the same journal always yields the same rows in the same order, which is what
 * lets a restarted writer rebuild a batch exactly and resend it under the same dedup token.
 */
import type { ChannelEffect, MergeAccepted, Stamps } from '../../protocol/merge.js';
import type { DeviceMessage, JsonObject, ResultMessage, SessionInfo, SessionMessage } from '../../protocol/messages.js';
import { withMetaJson } from '../../protocol/session-meta.js';
import { formatSessionTime, parseRfc3339Ns } from '../../protocol/timestamps.js';
import type { RunEndRecord, RunStartRecord } from '../../runtime/journal/codec.js';
import type { RunEventHandler } from '../../runtime/journal/follower.js';
import type { ChannelRef, MeasurementSegment, ResultRow, RowSink } from './rows.js';

/** Stands in for the run UUID of a journal whose run-start record is unreadable. */
const NO_RUN_UUID = '00000000-0000-0000-0000-000000000000';

export class RowDeriver implements RunEventHandler {
  /** Offset of the journal record being applied; set by the follower before each record. */
  private recordOffset = 0;
  private start: RunStartRecord | undefined;
  private info: SessionInfo | undefined;
  private readonly results = new Map<string, ResultMessage>();
  private readonly channels = new Map<string, ChannelRef>();
  /** Undecided first messages, by channel id (see the file comment). */
  private readonly held = new Map<number, MeasurementSegment>();
  private arrivalNs = 0n;
  private lastStampText = '';
  private lastStampMicros = 0;
  private ended = false;

  constructor(
    private readonly sink: RowSink,
    private readonly onProblem: (message: string) => void = () => {},
  ) {}

  get hasEnded(): boolean {
    return this.ended;
  }

  /** The run's UUID (ClickHouse `session_id`, the same for every loop) and the 0-based loop. */
  get identity(): { sessionId: string; loop: number } {
    return { sessionId: this.start?.uuid ?? NO_RUN_UUID, loop: this.start?.loop ?? 0 };
  }

  beforeRecord(offset: number): void {
    this.recordOffset = offset;
  }

  runStart(record: RunStartRecord): void {
    this.start = record;
  }

  session(message: SessionMessage): void {
    this.info = withMetaJson(message.info, this.start?.metaJson);
  }

  result(message: ResultMessage): void {
    this.results.set(message.result_name, message);
  }

  device(message: DeviceMessage, merged: MergeAccepted, arrivalNs: bigint): void {
    this.arrivalNs = arrivalNs;
    if (merged.deviceCreated) this.sink.device({ device_name: message.device_name, device_config: merged.device.config });
    for (const effect of merged.effects) this.channelEffect(message.device_name, effect);
  }

  runEnd(record: RunEndRecord): void {
    this.finish(record);
  }

  /**
   * Ends the iteration: releases held messages and emits the session and result rows. Called by
   * the run-end record, or for a journal that has none once nothing more can be written to it.
   */
  finish(record?: RunEndRecord): void {
    if (this.ended) return;
    this.ended = true;
    for (const segment of this.held.values()) this.sink.measurement(segment);
    this.held.clear();
    const sessionId = this.identity.sessionId;
    const info = this.info;
    const meta = info ? (info.meta ?? {}) : ((this.start?.metaJson ?? {}) as JsonObject);
    this.sink.end({
      session: {
        session_id: sessionId,
        start_time: this.start ? formatSessionTime(BigInt(this.start.startTimeNs)) : '',
        end_time: record ? formatSessionTime(BigInt(record.endTimeNs)) : '',
        name: info?.name ?? '',
        email: info?.email ?? '',
        session_name: info?.session_name ?? '',
        session_description: info?.session_description ?? '',
        session_meta: meta,
      },
      results: [...this.results.values()].map(
        (r): ResultRow => ({
          session_id: sessionId,
          result_type: r.result_name,
          result_info: r.result_description,
          result_status: r.result_status,
          // The original wrote 0 for a missing value or bound.
          measured_value: r.result_value ?? 0,
          upper_bound: r.result_upper_bound ?? 0,
          lower_bound: r.result_lower_bound ?? 0,
          result_meta: r.result_meta ?? {},
        }),
      ),
    });
  }

  private channelEffect(device: string, effect: ChannelEffect): void {
    const channel = this.channelRef(device, effect.channel, effect.unit);
    const { before, after } = effect;
    const held = this.held.get(channel.id);
    const op = effect.store;
    const journalOffset = this.recordOffset;
    switch (op.kind) {
      case 'none':
        return;
      case 'append-values': {
        if (held) {
          // A second message of another length: the first one is Single after all.
          this.held.delete(channel.id);
          this.sink.measurement(held);
        }
        const segment: MeasurementSegment = {
          channel,
          values: op.values,
          firstSample: before?.count ?? 0,
          channelIndex: 0,
          micros: this.stampsMicros(op.stamps),
          journalOffset,
        };
        if (after.pendingRow !== undefined) this.held.set(channel.id, segment);
        else this.sink.measurement(segment);
        return;
      }
      case 'append-rows':
        this.emitRows(channel, op.rows, before?.count ?? 0, op.stamps, journalOffset);
        return;
      case 'promote': {
        this.held.delete(channel.id);
        if (held) {
          this.sink.measurement({ ...held, firstSample: 0, channelIndex: 0, micros: this.micros(op.row0Timestamp), journalOffset });
        } else {
          this.onProblem(
            `device '${device}' channel '${effect.channel}': row 0 of a promoted channel was never seen; it is missing in ClickHouse`,
          );
        }
        this.emitRows(channel, op.rows, 1, op.stamps, journalOffset);
        return;
      }
    }
  }

  private emitRows(channel: ChannelRef, rows: readonly Float64Array[], firstRow: number, stamps: Stamps, journalOffset: number): void {
    for (let i = 0; i < rows.length; i++) {
      const stamp = stamps.kind === 'repeat' ? stamps.timestamp : (stamps.timestamps[i] as string);
      this.sink.measurement({
        channel,
        values: rows[i]!,
        firstSample: 0,
        channelIndex: firstRow + i,
        micros: this.micros(stamp),
        journalOffset,
      });
    }
  }

  private stampsMicros(stamps: Stamps): number | Float64Array {
    if (stamps.kind === 'repeat') return this.micros(stamps.timestamp);
    const out = new Float64Array(stamps.timestamps.length);
    for (let i = 0; i < out.length; i++) out[i] = this.micros(stamps.timestamps[i]!);
    return out;
  }

  /** RFC 3339 text → µs since the epoch (DateTime64(6) keeps microseconds; finer digits are cut). */
  private micros(text: string): number {
    if (text === this.lastStampText) return this.lastStampMicros;
    // The merge only stores valid RFC 3339 text; the arrival time is the fallback should one slip through.
    const ns = parseRfc3339Ns(text) ?? this.arrivalNs;
    this.lastStampText = text;
    this.lastStampMicros = Number(ns / 1000n);
    return this.lastStampMicros;
  }

  private channelRef(device: string, channel: string, unit: string): ChannelRef {
    const key = `${device}\u0000${channel}`;
    let ref = this.channels.get(key);
    if (!ref) {
      ref = { id: this.channels.size, device, channel, unit };
      this.channels.set(key, ref);
    }
    return ref;
  }
}
