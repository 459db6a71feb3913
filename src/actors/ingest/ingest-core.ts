/**
 * The ingest actor's logic, free of threads and sockets: bytes in (per connection, with stream
 * offsets), replies out. Every accepted line is appended to the journal before its reply leaves.
 *
 * Order: a connection's lines are handled strictly in order; a query (GET_DATASTREAM / STATE)
 * first flushes what came before it, then waits for the store's answer.
 */
import { type DeviceRegistry, OutlineMerge } from '../../protocol/merge.js';
import type { Command, LiveQuery } from '../../protocol/messages.js';
import type { TraceRange } from '../../protocol/trace-range.js';
import { MAX_LINE_BYTES } from '../../protocol/limits.js';
import {
  REPLY_DEVICE_RECORDED,
  REPLY_INVALID,
  REPLY_KILL,
  REPLY_LISTENER_PAUSED,
  REPLY_LISTENER_RUNNING,
  REPLY_PAUSE,
  REPLY_RESULTS_PROCESSED,
  REPLY_RESUME,
  REPLY_SESSION_PROCESSED,
  invalidReplyWithReason,
} from '../../protocol/replies.js';
import {
  LineKind,
  RecordType,
  type SideBodyRef,
  encodeLineRefBody,
  encodeRecordParts,
  encodeRejectedBody,
  encodeRecord,
} from '../../runtime/journal/codec.js';
import { removeSideBody, sideBodyName, writeSideBody } from '../../runtime/journal/side-body.js';
import type { JournalWriter } from '../../runtime/journal/writer.js';
import { formatRexTimestamp } from '../../protocol/timestamps.js';
import type { LineParse } from './parse-line-for-ingest.js';
import { type OutlinedDevice, decideAtOnce, outlinesOf } from './outlined-device.js';
import { type LineItem, LineSplitter, type SplitItem } from '../../protocol/line-splitter.js';

export interface IngestReply {
  connId: number;
  text: string;
  /** Every byte of the connection's stream before this offset is consumed (journaled or answered). */
  consumedOffset: number;
  close: boolean;
}

export interface IngestEnvironment {
  /**
   * At once, or later for a big line parsed elsewhere (several may be under way at once).
   * The line comes as the splitter gives it: in parts, which may be moved to another thread.
   */
  parseLine(line: LineItem): LineParse | Promise<LineParse>;
  now(): bigint;
  /** Answers GET_DATASTREAM / STATE once the store has caught up with `journalOffset`. */
  query(query: LiveQuery, journalOffset: number): Promise<string>;
  send(reply: IngestReply): void;
  /** Pause flag changed or KILL received. */
  control(event: { type: 'pause'; paused: boolean } | { type: 'kill'; connId: number }): void;
  /** The journal grew: consumers (store, file-writer, ...) may read up to `size`. */
  journalGrew(size: number): void;
  warn(message: string): void;
}

/** Run-level state that decides replies; rebuilt from the journal after a restart. */
export interface IngestRunState {
  journal: JournalWriter | null;
  /** Units and shapes of every channel: what decides, before the reply, if a device line merges. */
  devices: DeviceRegistry;
  paused: boolean;
  sessionSeen: boolean;
  /**
   * After a restart: replies of lines that were journaled but maybe never answered, per connection
   * and stream end offset. When the socket front re-sends those bytes they are answered from here,
   * not journaled or merged a second time.
   */
  journaledReplies: Map<number, Map<number, string>>;
}

interface ConnectionState {
  splitter: LineSplitter;
  /** Serialises the connection's work so replies keep the order of lines. */
  chain: Promise<void>;
}

interface PendingBatch {
  records: Buffer[];
  replies: Map<number, { text: string; consumedOffset: number; close: boolean }>;
}

/** Rejected-record flag: the client was told the reason (`Invalid format: <reason>`). */
export const REJECTED_VISIBLY = 1;

const NO_RUN_REASON = 'no experiment run is in progress';

/**
 * An accepted line whose journal body is at least this big goes to a side file (side-body.ts),
 * written off the ingest thread. Appended inline, its body costs the ingest thread 2–9 ms per MB
 * (measured), and every other connection's reply waits for it: at 4 MiB that is at most ~36 ms,
 * well under the 100 ms a steady client may wait. Smaller bodies stay inline: a side file costs a
 * create, an fdatasync and a directory fsync, more than the copy it saves.
 */
export const SIDE_BODY_MIN_BYTES = 4 * 1024 * 1024;

export interface IngestOptions {
  /** Default SIDE_BODY_MIN_BYTES; tests lower it. */
  sideBodyMinBytes?: number;
}

/** A line's body written to a side file for the journal `journal`; `used` once its reference is journaled. */
interface SideBody {
  journal: JournalWriter;
  ref: SideBodyRef;
  used: boolean;
}

export class IngestCore {
  private readonly connections = new Map<number, ConnectionState>();

  constructor(
    private readonly env: IngestEnvironment,
    readonly run: IngestRunState,
    private readonly options: IngestOptions = {},
  ) {}

  /** Bytes of connection `connId` starting at stream `offset`, in parts. Re-sent bytes are skipped. */
  receive(connId: number, offset: number, ...parts: Buffer[]): void {
    let connection = this.connections.get(connId);
    if (!connection) {
      connection = { splitter: new LineSplitter(MAX_LINE_BYTES, offset), chain: Promise.resolve() };
      this.connections.set(connId, connection);
    }
    const { splitter } = connection;
    const consumedBefore = splitter.consumedOffset;
    // The lines of all the parts are handled as one batch: one journal write, one reply.
    let items: SplitItem[] = [];
    let partOffset = offset;
    for (const bytes of parts) {
      const expected = splitter.streamOffset;
      if (partOffset > expected) {
        this.env.warn(`connection ${connId}: bytes ${expected}..${partOffset} missing; waiting for them to be re-sent`);
        break;
      }
      if (partOffset + bytes.length > expected) {
        const pushed = splitter.push(bytes.subarray(expected - partOffset));
        if (items.length === 0) items = pushed;
        else for (const item of pushed) items.push(item);
      }
      partOffset += bytes.length;
    }
    if (items.length > 0) this.enqueue(connId, connection, items, false);
    else if (splitter.consumedOffset > consumedBefore) {
      // Bytes of an over-long line were discarded: the front may forget them too, once the lines
      // queued before them are journaled (acknowledging earlier would lose them in a crash).
      const consumedOffset = splitter.consumedOffset;
      this.enqueueStep(connection, async () => this.env.send({ connId, text: '', consumedOffset, close: false }));
    }
  }

  /** The client finished sending: a last line without a newline still counts; then close. */
  endOfStream(connId: number): void {
    const connection = this.connections.get(connId);
    if (!connection) {
      this.env.send({ connId, text: '', consumedOffset: 0, close: true });
      return;
    }
    this.enqueue(connId, connection, connection.splitter.finish(), true);
  }

  closed(connId: number): void {
    this.connections.delete(connId);
  }

  private enqueue(connId: number, connection: ConnectionState, items: SplitItem[], closeAfter: boolean): void {
    // Parsing starts now, before the lines queued earlier are handled: big lines parse in parallel.
    const parses = items.map((item) =>
      item.kind === 'line' && !this.isJournaled(connId, item.endOffset) ? this.env.parseLine(item) : undefined,
    );
    this.enqueueStep(connection, async () => {
      await this.handleItems(connId, items, parses);
      if (closeAfter) this.env.send({ connId, text: '', consumedOffset: connection.splitter.streamOffset, close: true });
    });
  }

  private enqueueStep(connection: ConnectionState, step: () => Promise<void>): void {
    connection.chain = connection.chain.then(step).catch((error: unknown) => {
      // Journal failures must not be swallowed: the actor crashes and the supervisor restarts it.
      queueMicrotask(() => {
        throw error;
      });
    });
  }

  /** Resolves when every connection's queued work is done (used on stop). */
  async drain(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.chain));
  }

  private async handleItems(connId: number, items: SplitItem[], parses: Array<LineParse | Promise<LineParse> | undefined>): Promise<void> {
    try {
      await this.handleParsedItems(connId, items, parses);
    } finally {
      // Every line of these items is journaled (or answered) now: reused buffers may hold other lines.
      for (const parse of parses) if (parse !== undefined && !(parse instanceof Promise)) parse.release?.();
    }
  }

  private async handleParsedItems(
    connId: number,
    items: SplitItem[],
    parses: Array<LineParse | Promise<LineParse> | undefined>,
  ): Promise<void> {
    let batch = newBatch();
    for (const [index, item] of items.entries()) {
      if (item.kind === 'overflow') {
        this.env.warn(`connection ${connId}: line longer than ${MAX_LINE_BYTES} bytes discarded`);
        addReply(batch, connId, invalidReplyWithReason(`line longer than ${MAX_LINE_BYTES} bytes`), item.endOffset);
        continue;
      }
      let parse = parses[index] ?? (this.isJournaled(connId, item.endOffset) ? undefined : this.env.parseLine(item));
      parses[index] = parse;
      if (parse instanceof Promise) {
        // Answer what is ready before waiting for a line parsed elsewhere.
        this.flush(batch);
        batch = newBatch();
        parse = await parse;
      }
      const fresh = parse === undefined || this.isJournaled(connId, item.endOffset) ? undefined : parse;
      let side: SideBody | undefined;
      if (fresh && this.bigAcceptable(fresh)) {
        // Its body goes to a side file first, off this thread: other connections are answered meanwhile.
        this.flush(batch);
        batch = newBatch();
        side = await this.writeSide(connId, item.endOffset, fresh);
      }
      const device = fresh ? deviceOutlines(fresh) : null;
      let decided: DecidedDevice | undefined;
      if (device !== null && device.slices > 1) {
        // Many channels: decided a slice per turn, the replies ready so far sent first.
        this.flush(batch);
        batch = newBatch();
        decided = await this.decideInTurns(device);
      }
      const query = this.handleLine(batch, connId, parse, item.endOffset, device, decided, side);
      if (side && !side.used) await removeSideBody(side.journal.path, side.ref.name);
      if (query) {
        this.flush(batch);
        batch = newBatch();
        const text = await this.answerQuery(query);
        addReply(batch, connId, text, item.endOffset);
      }
    }
    this.flush(batch);
  }

  /**
   * Handles one line into the batch; returns the command when it needs an asynchronous answer.
   * `parse` is undefined for a line journaled before a restart: it is only answered again.
   * `device`: the outlines of a device line not journaled yet (made once, by the caller).
   */
  private handleLine(
    batch: PendingBatch,
    connId: number,
    parse: LineParse | undefined,
    endOffset: number,
    device: OutlinedDevice | null,
    decided?: DecidedDevice,
    side?: SideBody,
  ): LiveQuery | null {
    const journaledReply = this.takeJournaledReply(connId, endOffset);
    if (journaledReply !== undefined) {
      addReply(batch, connId, journaledReply, endOffset);
      return null;
    }
    if (parse === undefined) throw new Error(`connection ${connId}: a line at ${endOffset} was neither journaled nor parsed`);
    const { line, parsed } = parse;
    if (parsed === null) {
      this.reject(batch, connId, line, endOffset, 'line is not valid UTF-8', REPLY_INVALID);
      return null;
    }
    switch (parsed.kind) {
      case 'command':
        return this.handleCommand(batch, connId, parsed.command, endOffset, parsed.range);
      case 'listener':
        addReply(batch, connId, this.run.paused ? REPLY_LISTENER_PAUSED : REPLY_LISTENER_RUNNING, endOffset);
        return null;
      case 'invalid':
        this.reject(batch, connId, line, endOffset, parsed.reason, REPLY_INVALID);
        return null;
      case 'device':
      case 'outlined-device': {
        if (device === null) throw new Error(`connection ${connId}: a device line at ${endOffset} without its outlines`);
        let arrivalNs = decided?.arrivalNs ?? this.env.now();
        let outcome = decided?.merge;
        if (outcome === undefined || outcome.stale) {
          // Decided now, at once: a line of few channels, or the device changed while it was decided.
          arrivalNs = this.env.now();
          outcome = decideAtOnce(this.run.devices, device, formatRexTimestamp(arrivalNs));
        }
        const rejected = outcome.rejection;
        if (rejected) {
          this.reject(batch, connId, line, endOffset, rejected.reason, invalidReplyWithReason(rejected.reason), REJECTED_VISIBLY);
          return null;
        }
        const merge = outcome;
        for (const warning of merge.warnings) this.env.warn(warning.message);
        // A line read from its bytes is journaled as such: no reader parses its numbers again.
        this.accept(batch, connId, parse, endOffset, LineKind.Device, REPLY_DEVICE_RECORDED, () => merge.commit(), side, arrivalNs);
        return null;
      }
      case 'session':
        this.accept(
          batch,
          connId,
          parse,
          endOffset,
          LineKind.Session,
          REPLY_SESSION_PROCESSED,
          () => {
            if (this.run.sessionSeen) this.env.warn('a second session message was received; the first one is kept');
            this.run.sessionSeen = true;
          },
          side,
        );
        return null;
      case 'result':
        this.accept(batch, connId, parse, endOffset, LineKind.Result, REPLY_RESULTS_PROCESSED, () => {}, side);
        return null;
    }
  }

  private handleCommand(batch: PendingBatch, connId: number, command: Command, endOffset: number, range?: TraceRange): LiveQuery | null {
    switch (command) {
      case 'GET_DATASTREAM':
      case 'GET_DATASTREAM_FULL':
      case 'STATE':
        return range ? { command, range } : { command };
      case 'PAUSE_STATE':
      case 'RESUME_STATE': {
        const paused = command === 'PAUSE_STATE';
        if (this.run.journal) {
          batch.records.push(
            encodeRecord(
              { type: RecordType.Pause, flags: paused ? 1 : 0, connId, arrivalNs: this.env.now(), streamOffset: BigInt(endOffset) },
              '',
            ),
          );
        }
        if (this.run.paused !== paused) {
          this.run.paused = paused;
          this.env.control({ type: 'pause', paused });
        }
        addReply(batch, connId, paused ? REPLY_PAUSE : REPLY_RESUME, endOffset);
        return null;
      }
      case 'KILL':
        addReply(batch, connId, REPLY_KILL, endOffset, true);
        this.env.control({ type: 'kill', connId });
        return null;
    }
  }

  /** Journals the line (as its skeleton + numbers body when it was read so), applies, replies. */
  private accept(
    batch: PendingBatch,
    connId: number,
    parse: LineParse,
    endOffset: number,
    kind: LineKind,
    reply: string,
    apply: () => void,
    side: SideBody | undefined,
    arrivalNs = this.env.now(),
  ): void {
    if (!this.run.journal) {
      addReply(batch, connId, invalidReplyWithReason(NO_RUN_REASON), endOffset);
      return;
    }
    const header = { type: RecordType.Line, flags: kind, connId, arrivalNs, streamOffset: BigInt(endOffset) };
    if (side && side.journal === this.run.journal) {
      side.used = true;
      batch.records.push(encodeRecord({ ...header, type: RecordType.LineRef }, encodeLineRefBody(side.ref)));
    } else {
      batch.records.push(...encodeRecordParts(header, parse.deviceBody ?? parse.line, parse.bodyCrc));
    }
    apply();
    addReply(batch, connId, reply, endOffset);
  }

  private reject(batch: PendingBatch, connId: number, line: Buffer, endOffset: number, reason: string, reply: string, flags = 0): void {
    this.env.warn(`connection ${connId}: rejected line (${reason})`);
    if (this.run.journal) {
      // Kept for the record (and for a human to recover), never merged.
      batch.records.push(
        ...encodeRecordParts(
          { type: RecordType.Rejected, flags, connId, arrivalNs: this.env.now(), streamOffset: BigInt(endOffset) },
          encodeRejectedBody(reason, line),
        ),
      );
    }
    addReply(batch, connId, reply, endOffset);
  }

  /** Decides the device's channels a slice per turn, so that other connections are answered meanwhile. */
  private async decideInTurns(device: OutlinedDevice): Promise<DecidedDevice> {
    const arrivalNs = this.env.now();
    const merge = new OutlineMerge(this.run.devices, device.deviceName, device.config, device.configFloats, formatRexTimestamp(arrivalNs));
    for (let slice = 0; slice < device.slices && merge.add(device.slice(slice)); slice++) await nextTurn();
    return { merge, arrivalNs };
  }

  /** A line that may be accepted and whose journal body is big enough for a side file. */
  private bigAcceptable(parse: LineParse): boolean {
    const kind = parse.parsed?.kind;
    if (!this.run.journal || kind === undefined || kind === 'command' || kind === 'listener' || kind === 'invalid') return false;
    return bodyLength(parse) >= (this.options.sideBodyMinBytes ?? SIDE_BODY_MIN_BYTES);
  }

  private async writeSide(connId: number, endOffset: number, parse: LineParse): Promise<SideBody> {
    const journal = this.run.journal!;
    const parts = parse.deviceBody ?? [parse.line];
    const ref = await writeSideBody(journal.path, sideBodyName(journal.path, connId, endOffset), parts, parse.bodyCrc);
    // If the run's journal was replaced meanwhile, the line is journaled inline in the new one (and this file removed).
    return { journal, ref, used: false };
  }

  private isJournaled(connId: number, endOffset: number): boolean {
    return this.run.journaledReplies.get(connId)?.has(endOffset) === true;
  }

  private takeJournaledReply(connId: number, endOffset: number): string | undefined {
    const replies = this.run.journaledReplies.get(connId);
    const reply = replies?.get(endOffset);
    if (reply !== undefined) replies!.delete(endOffset);
    return reply;
  }

  private async answerQuery(query: LiveQuery): Promise<string> {
    return this.env.query(query, this.run.journal?.bytesWritten ?? 0);
  }

  /** Journal first, then replies: a reply is never sent for bytes that are not in the journal. */
  private flush(batch: PendingBatch): void {
    if (batch.records.length > 0 && this.run.journal) {
      this.run.journal.append(batch.records);
      this.env.journalGrew(this.run.journal.bytesWritten);
    }
    for (const [connId, reply] of batch.replies) this.env.send({ connId, ...reply });
  }
}

/** A device line decided over several turns, with the arrival time it was decided at. */
interface DecidedDevice {
  merge: OutlineMerge;
  arrivalNs: bigint;
}

function bodyLength(parse: LineParse): number {
  return parse.deviceBody ? parse.deviceBody.reduce((total, part) => total + part.length, 0) : parse.line.length;
}

function deviceOutlines(parse: LineParse): OutlinedDevice | null {
  const { parsed } = parse;
  if (parsed?.kind === 'device') return outlinesOf(parsed.message);
  return parsed?.kind === 'outlined-device' ? parsed.outlines : null;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function newBatch(): PendingBatch {
  return { records: [], replies: new Map() };
}

function addReply(batch: PendingBatch, connId: number, text: string, consumedOffset: number, close = false): void {
  const existing = batch.replies.get(connId);
  if (existing) {
    existing.text += `${text}\n`;
    existing.consumedOffset = consumedOffset;
    existing.close ||= close;
  } else {
    batch.replies.set(connId, { text: `${text}\n`, consumedOffset, close });
  }
}
