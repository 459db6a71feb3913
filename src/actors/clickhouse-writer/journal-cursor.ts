/**
 * Reads a journal in bounded steps and applies its records with the merge rules, like
 * JournalFollower (src/runtime/journal/follower.ts) — but one step at a time: the writer may be far
 * behind (a database outage) and must not turn the whole backlog into rows in memory at once.
 * The dispatch below mirrors the follower's exactly; keep the two in step.
 */
import { commitMerge, createDeviceRegistry, mergeDevice, type DeviceRegistry } from '../../protocol/merge.js';
import { parseLine } from '../../protocol/parse.js';
import { formatRexTimestamp } from '../../protocol/timestamps.js';
import { LineKind, RecordType, parseJsonBody, type JournalRecord, type RunEndRecord, type RunStartRecord } from '../../runtime/journal/codec.js';
import type { RunEventHandler } from '../../runtime/journal/follower.js';
import { JournalReader } from '../../runtime/journal/reader.js';

export interface CursorHandler extends RunEventHandler {
  /** Set to each record's journal offset before the record is applied. */
  recordOffset: number;
}

export class JournalCursor {
  private readonly reader: JournalReader;
  private readonly devices: DeviceRegistry = createDeviceRegistry();
  private sessionSeen = false;
  private ended = false;

  constructor(
    readonly path: string,
    private readonly handler: CursorHandler,
  ) {
    this.reader = new JournalReader(path);
  }

  /** Offset up to which the journal has been applied. */
  get position(): number {
    return this.reader.position;
  }

  /** The run-end record has been applied: nothing more will follow. */
  get hasEnded(): boolean {
    return this.ended;
  }

  get corruption(): { offset: number; reason: string } | undefined {
    return this.reader.corruption;
  }

  /** Applies the complete records found in the next ~`maxBytes` of the journal; returns how many. */
  step(maxBytes: number): number {
    const records = this.reader.readAvailable(maxBytes);
    for (const record of records) {
      this.handler.recordOffset = record.offset;
      this.apply(record);
    }
    return records.length;
  }

  close(): void {
    this.reader.close();
  }

  private apply(record: JournalRecord): void {
    const { handler } = this;
    switch (record.type) {
      case RecordType.RunStart:
        handler.runStart?.(parseJsonBody<RunStartRecord>(record));
        return;
      case RecordType.RunEnd:
        this.ended = true;
        handler.runEnd?.(parseJsonBody<RunEndRecord>(record));
        return;
      case RecordType.Line:
        this.applyLine(record);
        return;
      default:
        // Pause flags, rejected lines and notes hold no rows.
        return;
    }
  }

  private applyLine(record: JournalRecord): void {
    const parsed = parseLine(record.body.toString('utf8'));
    const at = `journal offset ${record.offset}`;
    switch (record.flags) {
      case LineKind.Device: {
        if (parsed.kind !== 'device') return this.handler.problem?.(`${at}: expected a device message`);
        const outcome = mergeDevice(this.devices, parsed.message, formatRexTimestamp(record.arrivalNs));
        if (!outcome.ok) return this.handler.problem?.(`${at}: ${outcome.reason}`);
        commitMerge(this.devices, outcome);
        this.handler.device?.(parsed.message, outcome, record.arrivalNs);
        return;
      }
      case LineKind.Session:
        if (parsed.kind !== 'session') return this.handler.problem?.(`${at}: expected a session message`);
        if (this.sessionSeen) return;
        this.sessionSeen = true;
        this.handler.session?.(parsed.message, record.arrivalNs);
        return;
      case LineKind.Result:
        if (parsed.kind !== 'result') return this.handler.problem?.(`${at}: expected a result message`);
        this.handler.result?.(parsed.message, record.arrivalNs);
        return;
    }
  }
}
