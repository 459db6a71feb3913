/**
 * Follows a run's journal and turns its records into run events, applying the merge rules of
 * SPEC §4 exactly as ingest did when it accepted the lines. Store, file-writer and `rex recover`
 * are all built on this: each derives its own view of the run from the same truth.
 */
import { commitMerge, createDeviceRegistry, mergeDevice, type DeviceRegistry, type MergeAccepted } from '../../protocol/merge.js';
import type { DeviceMessage, ResultMessage, SessionMessage } from '../../protocol/messages.js';
import { formatRexTimestamp } from '../../protocol/timestamps.js';
import { LineKind, RecordType, parseJsonBody, type JournalRecord, type RunEndRecord, type RunStartRecord } from './codec.js';
import { parseLineBody } from './line-body.js';
import { JournalReader } from './reader.js';
import { stillWorking, workingWithoutPause } from '../liveness.js';

/** From this body size on, parsing a line is announced as one long step. */
const ONE_STEP_NOTICE_BYTES = 1 << 20;
/**
 * The slowest parse to allow for, with room to spare: JSON.parse of a 36 MB line of 2,000,000
 * keys took 6.5 s on a loaded 2-core machine (5.5 MB/s); 1 MB/s is allowed.
 */
const SLOWEST_PARSE_BYTES_PER_MS = 1_000;

export interface RunEventHandler {
  /** Called with each record's journal offset before the record is applied. */
  beforeRecord?(offset: number): void;
  runStart?(record: RunStartRecord): void;
  /** The run's session: only the first session message counts (SPEC §4). */
  session?(message: SessionMessage, arrivalNs: bigint): void;
  device?(message: DeviceMessage, merged: MergeAccepted, arrivalNs: bigint): void;
  result?(message: ResultMessage, arrivalNs: bigint): void;
  /** An accepted line's journaled body (as sent, or parsed: line-body.ts), before it is applied. */
  line?(body: Buffer): void;
  pause?(paused: boolean): void;
  runEnd?(record: RunEndRecord): void;
  /** Something in the journal could not be applied (it is skipped, never fatal). */
  problem?(message: string): void;
}

export interface JournalFollowerOptions {
  /**
   * The numbers handed to the handler may be views of the follower's read buffer, valid only
   * during the call: for handlers that copy what they keep. Saves a fresh allocation (and its
   * page faults) per message and per read.
   */
  transient?: boolean;
}

export class JournalFollower {
  private readonly reader: JournalReader;
  readonly devices: DeviceRegistry = createDeviceRegistry();
  private sessionSeen = false;
  private ended = false;

  constructor(
    readonly path: string,
    private readonly handler: RunEventHandler,
    private readonly options: JournalFollowerOptions = {},
  ) {
    this.reader = new JournalReader(path, undefined, { reuseBuffer: options.transient === true });
  }

  /** Offset up to which the journal has been applied. */
  get position(): number {
    return this.reader.position;
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  get corruption(): { offset: number; reason: string } | undefined {
    return this.reader.corruption;
  }

  /**
   * Applies every complete record now on disk (in bounded reads); returns how many. "Now" is when
   * the call begins: a reader slower than the journal's writer (the niced store in a burst) would
   * otherwise chase the journal's end for the whole burst, checking the CRC of every record on the
   * way, and answer nothing meanwhile. What comes after is read on the writer's next notice.
   */
  catchUp(maxBytesPerRead?: number): number {
    return this.applyUpTo(this.reader.size(), maxBytesPerRead);
  }

  /**
   * Applies the records in the journal's first `end` bytes and none after them. This process's
   * journal writer said (`journal.grew`) that those bytes are intact records: their CRCs are not
   * computed again (JournalReader.trustIntactUpTo). Reading on past the notice would check what
   * the writer appended since, which in a live run of big traces was most of the bytes.
   */
  catchUpTo(end: number): number {
    this.reader.trustIntactUpTo(end);
    return this.applyUpTo(end);
  }

  /**
   * Applies the complete records in the next ~`maxBytes` of the journal, before offset `upTo`;
   * returns how many. For a reader far behind (a database outage) that must not turn a whole
   * backlog into work at once.
   */
  step(maxBytes?: number, upTo?: number): number {
    const records = this.reader.readAvailable(maxBytes, upTo);
    for (const record of records) {
      this.handler.beforeRecord?.(record.offset);
      this.apply(record);
      // A long catch-up is work, not a hang (src/runtime/liveness.ts).
      stillWorking();
    }
    return records.length;
  }

  private applyUpTo(end: number, maxBytesPerRead?: number): number {
    let applied = 0;
    for (let n = this.step(maxBytesPerRead, end); n > 0; n = this.step(maxBytesPerRead, end)) applied += n;
    return applied;
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
      case RecordType.Pause:
        handler.pause?.(record.flags === 1);
        return;
      case RecordType.Line:
        this.applyLine(record);
        return;
      default:
        // Rejected lines and notes are kept for people, not merged.
        return;
    }
  }

  private applyLine(record: JournalRecord): void {
    // A huge line is parsed in one go (JSON.parse cannot pause): busy, not hung, for that long.
    if (record.body.length >= ONE_STEP_NOTICE_BYTES) workingWithoutPause(record.body.length / SLOWEST_PARSE_BYTES_PER_MS);
    this.handler.line?.(record.body);
    const parsed = parseLineBody(record.body, { views: this.options.transient === true });
    const at = `journal offset ${record.offset}`;
    switch (record.flags) {
      case LineKind.Device: {
        if (parsed.kind !== 'device') {
          this.handler.problem?.(`${at}: expected a device message`);
          return;
        }
        const outcome = mergeDevice(this.devices, parsed.message, formatRexTimestamp(record.arrivalNs));
        if (!outcome.ok) {
          this.handler.problem?.(`${at}: ${outcome.reason}`);
          return;
        }
        commitMerge(this.devices, outcome);
        this.handler.device?.(parsed.message, outcome, record.arrivalNs);
        return;
      }
      case LineKind.Session:
        if (parsed.kind !== 'session') {
          this.handler.problem?.(`${at}: expected a session message`);
          return;
        }
        if (this.sessionSeen) return;
        this.sessionSeen = true;
        this.handler.session?.(parsed.message, record.arrivalNs);
        return;
      case LineKind.Result:
        if (parsed.kind !== 'result') {
          this.handler.problem?.(`${at}: expected a result message`);
          return;
        }
        this.handler.result?.(parsed.message, record.arrivalNs);
        return;
    }
  }
}
