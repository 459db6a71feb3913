/**
 * Replicates a run's journals to the hub's JetStream stream at its own pace: journal after journal
 * (one per loop), each record as it is on disk (a side body with its reference), in order, with at
 * most a window of messages waiting for the hub's acknowledgement. Any failure (the hub down, a
 * reconnect) goes back to the last record of the unbroken acknowledged prefix and sends on from
 * there: message ids let the stream drop what it already has. Ingest never waits for any of this:
 * the journal is the buffer. While the station streams, it sends after the burst (pace.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import {
  CHUNK_BYTES,
  chunkCount,
  chunksOf,
  endMessageId,
  type JournalAddress,
  JournalHeader,
  journalLoopOf,
  journalSubject,
  recordMessageId,
} from '../../protocol/fleet/journal-subjects.js';
import { jetStreamOptions, noJetStream } from '../../runtime/fleet/jetstream.js';
import { ensureJournalStream, JETSTREAM_TIMEOUT_MS } from '../../runtime/fleet/journal-stream.js';
import { decodeLineRefBody, type JournalRecord, parseJsonBody, RECORD_HEADER_BYTES, RecordType } from '../../runtime/journal/codec.js';
import { JournalReader } from '../../runtime/journal/reader.js';
import { readSideBody } from '../../runtime/journal/side-body.js';
import type { RunStartRecord } from '../../runtime/journal/run-records.js';
import { loadProgress, type ReplicationProgress, saveProgress } from './progress.js';
import { DEFAULT_PACE, type PaceSettings, ReplicationPace } from './pace.js';
import type { ReplicationStatus } from './messages.js';

export interface ReplicatorOptions {
  /** The connection, once there is one (a station starts before the hub may be reachable). */
  connection: Promise<NatsConnection>;
  node: string;
  /** The hub's JetStream domain (`[fleet] jetstream_domain`), if any. */
  domain?: string;
  /** The journals to replicate, in order; asked again whenever the replicator looks for work. */
  journals(): string[];
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  /** Messages and bytes published but not yet acknowledged, at most. */
  window?: { messages: number; bytes: number };
  retry?: { initialMs: number; maxMs: number };
  /** When to send while the journal grows (pace.ts); default DEFAULT_PACE. */
  pace?: PaceSettings;
}

const DEFAULT_WINDOW = { messages: 64, bytes: 8 << 20 };
const DEFAULT_RETRY = { initialMs: 250, maxMs: 2000 };
const READ_BYTES = 4 << 20;
/** The progress file is saved at most this often while records are acknowledged. */
const SAVE_EVERY_MS = 250;

/** One journal's replication state, for the replicator's life. */
interface Journal {
  readonly path: string;
  address: JournalAddress | null;
  progress: ReplicationProgress;
  reader: JournalReader | null;
  /** Every complete record on disk is acknowledged (as of the last look). */
  atEnd: boolean;
  savedAt: number;
  corruptionReported?: boolean;
}

interface InFlight {
  ack: Promise<unknown>;
  bytes: number;
  /** The record's end, on its last message (null on earlier chunks). */
  next: number | null;
  last: boolean;
}

export class JournalReplicator {
  private readonly window: { messages: number; bytes: number };
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly journals = new Map<string, Journal>();
  private final = false;
  private stopped = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private lastError: string | null = null;
  private disconnected = newSignal();
  private reconnected = newSignal();
  private readonly pace: ReplicationPace;
  private connected = true;
  private readonly stopSignal: Promise<void>;
  private signalStop!: () => void;

  constructor(private readonly options: ReplicatorOptions) {
    this.window = options.window ?? DEFAULT_WINDOW;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pace = new ReplicationPace(options.pace ?? DEFAULT_PACE);
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
  }

  /** New journal data, or a new journal: look again (now, or after the burst: pace.ts). */
  wake(): void {
    this.pace.news();
    this.woken = true;
    for (const journal of this.journals.values()) journal.atEnd = false;
    this.wakeUp?.();
  }

  /** The run is over: journals will not grow any more; one without a run-end record gets an end marker. */
  finalize(): void {
    this.final = true;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.signalStop();
    this.wake();
    for (const journal of this.journals.values()) journal.reader?.close();
  }

  status(): ReplicationStatus {
    let bytesAcked = 0;
    let bytesTotal = 0;
    let caughtUp = this.final;
    for (const file of this.options.journals()) {
      const journal = this.journalOf(file);
      const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
      bytesTotal += size;
      bytesAcked += journal.progress.done ? size : Math.min(journal.progress.acked, size);
      if (!journal.progress.done) caughtUp = false;
    }
    return { runOver: this.final, caughtUp, bytesAcked, bytesTotal, lastError: this.lastError };
  }

  /** Runs until stopped; with `untilCaughtUp`, returns once the run is over and every journal is acknowledged. */
  async run(untilCaughtUp = false): Promise<void> {
    const nc = await Promise.race([this.options.connection, this.stopSignal]).catch((error: unknown) => {
      // Refused (credentials, TLS): nothing will be sent; the run's end reports it and keeps the journal.
      this.lastError = `cannot connect to the fleet: ${(error as Error).message}`;
      return undefined;
    });
    if (!nc) return;
    const js = jetstream(nc, jetStreamOptions(this.options.domain, JETSTREAM_TIMEOUT_MS));
    void this.watchDisconnects(nc);
    let streamReady = false;
    for (let attempt = 0; !this.stopped; ) {
      this.woken = false;
      try {
        if (!streamReady) {
          await ensureJournalStream(nc, this.options.domain);
          streamReady = true;
        }
        const journal = this.nextJournal();
        if (journal) {
          await this.pump(js, journal);
        } else {
          if (this.final) for (const unended of this.unended()) await this.markEnd(js, unended);
          if (untilCaughtUp && this.final) return;
          await this.sleep();
        }
        if (this.lastError) this.options.log('info', 'the hub acknowledges journal records again');
        this.lastError = null;
        attempt = 0;
      } catch (error) {
        if (this.stopped) return;
        const message = noJetStream(error, this.options.domain) ?? payloadTooSmall(error, nc) ?? (error as Error).message;
        if (message !== this.lastError)
          this.options.log('warn', `replication to the hub: ${message}; retrying (records wait in the journal)`);
        this.lastError = message;
        streamReady = false;
        // Back off; a reconnect cuts it short.
        await Promise.race([
          delay(Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** attempt++)),
          this.stopSignal,
          this.reconnected.promise,
        ]);
      }
    }
  }

  /**
   * A lost connection fails what is in flight at once: its acknowledgements will never come, and
   * waiting for each one's timeout would only delay the resend from the acknowledged prefix. A
   * new connection ends the back-off.
   */
  private async watchDisconnects(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      const which = status.type === 'disconnect' ? 'disconnected' : status.type === 'reconnect' ? 'reconnected' : null;
      if (!which) continue;
      this.connected = which === 'reconnected';
      const signal = this[which];
      this[which] = newSignal();
      signal.fire();
    }
  }

  /** The first journal that may have something left to send (news since it was read to its end). */
  private nextJournal(): Journal | null {
    for (const file of this.options.journals()) {
      const journal = this.journalOf(file);
      if (!journal.progress.done && !journal.atEnd) return journal;
    }
    return null;
  }

  /** Journals read to their end whose end is not acknowledged: those without a run-end record, once the run is over. */
  private unended(): Journal[] {
    return this.options
      .journals()
      .map((file) => this.journalOf(file))
      .filter((journal) => !journal.progress.done && journal.address !== null);
  }

  private journalOf(file: string): Journal {
    let journal = this.journals.get(file);
    if (!journal) {
      journal = { path: file, address: null, progress: loadProgress(file), reader: null, atEnd: false, savedAt: 0 };
      this.journals.set(file, journal);
    }
    return journal;
  }

  /** Publishes every complete record on disk past the acknowledged prefix, and waits for their acknowledgements. */
  private async pump(js: JetStreamClient, journal: Journal): Promise<void> {
    journal.address ??= this.addressOf(journal.path);
    const address = journal.address;
    if (!address) {
      journal.atEnd = true; // just created: nothing to send yet
      return;
    }
    const subject = journalSubject(address);
    journal.reader ??= new JournalReader(journal.path, journal.progress.acked, { keepLineRefs: true });
    const reader = journal.reader;
    const inFlight: InFlight[] = [];
    let inFlightBytes = 0;
    // Published now, records would wait in the client's buffer for a reply that never comes.
    if (!this.connected) throw new Error('disconnected from the hub');
    const lost = this.disconnected.promise.then(() => {
      throw new Error('disconnected from the hub');
    });
    lost.catch(() => {});
    const settleOldest = async (): Promise<void> => {
      const oldest = inFlight.shift() as InFlight;
      inFlightBytes -= oldest.bytes;
      await Promise.race([oldest.ack, lost]);
      if (oldest.next !== null) journal.progress.acked = oldest.next;
      if (oldest.last) journal.progress.done = true;
      this.saveSoon(journal);
    };
    try {
      for (;;) {
        const holdMs = this.final ? 0 : this.pace.holdMs();
        if (holdMs > 0) {
          // The station streams: what is in flight is settled (and its progress saved), the rest waits.
          while (inFlight.length > 0) await settleOldest();
          await this.holdFor(holdMs, lost);
          if (this.stopped) break;
          continue;
        }
        const records = reader.readAvailable(READ_BYTES);
        if (records.length === 0) {
          // Before the acknowledgements are awaited: news that comes meanwhile clears it again.
          journal.atEnd = true;
          this.pace.caughtUp();
          break;
        }
        for (const [i, record] of records.entries()) {
          const next = records[i + 1]?.offset ?? reader.position;
          const parts = this.messageParts(journal.path, record, next - record.offset);
          const chunks = chunkCount(parts.reduce((n, part) => n + part.length, 0));
          let index = 0;
          for (const chunk of chunksOf(parts)) {
            while (inFlight.length >= this.window.messages || inFlightBytes >= this.window.bytes) await settleOldest();
            const h = headers();
            h.set(JournalHeader.offset, String(record.offset));
            h.set(JournalHeader.next, String(next));
            h.set(JournalHeader.chunk, String(index));
            h.set(JournalHeader.chunks, String(chunks));
            const ack = js.publish(subject, chunk, { msgID: recordMessageId(address, record.offset, index, chunks), headers: h });
            ack.catch(() => {}); // awaited in order by settleOldest; a failure there ends this pump
            const isLast = index === chunks - 1;
            inFlight.push({ ack, bytes: chunk.length, next: isLast ? next : null, last: isLast && record.type === RecordType.RunEnd });
            inFlightBytes += chunk.length;
            index++;
          }
        }
      }
      while (inFlight.length > 0) await settleOldest();
      if (reader.corruption && !journal.corruptionReported) {
        journal.corruptionReported = true;
        this.options.log(
          'error',
          `${journal.path}: ${reader.corruption.reason} at offset ${reader.corruption.offset}; replicated up to there`,
        );
      }
    } catch (error) {
      // Read again from the acknowledged prefix: what was in flight may or may not be stored.
      reader.close();
      journal.reader = null;
      journal.atEnd = false;
      throw error;
    } finally {
      this.saveSoon(journal, true);
    }
  }

  /**
   * A journal without a run-end record (a run that crashed, recovered by `rex recover`): the
   * archive renders it as `rex recover` does once it holds everything up to `end`.
   */
  private async markEnd(js: JetStreamClient, journal: Journal): Promise<void> {
    const address = journal.address as JournalAddress;
    const h = headers();
    h.set(JournalHeader.end, String(journal.progress.acked));
    await js.publish(journalSubject(address), new Uint8Array(0), { msgID: endMessageId(address), headers: h });
    journal.progress.done = true;
    this.saveSoon(journal, true);
  }

  /** The record's bytes as on disk, and for a side-body reference the side body after them. */
  private messageParts(journalPath: string, record: JournalRecord, length: number): Buffer[] {
    // Without a reused buffer, a record's body is a view of the bytes read, just past its header.
    const raw = Buffer.from(record.body.buffer, record.body.byteOffset - RECORD_HEADER_BYTES, length);
    if (raw.readUInt32LE(0) !== length) throw new Error(`${journalPath}: record at ${record.offset} is not where it was read`);
    if (record.type !== RecordType.LineRef) return [raw];
    const ref = decodeLineRefBody(record.body);
    const side = ref === null ? 'side body reference without a name' : readSideBody(journalPath, ref);
    if (typeof side === 'string') throw new Error(`${journalPath}: ${side}`);
    return [raw, side];
  }

  /** The journal's subject address: the run's UUID from its run-start record, the loop from its name. */
  private addressOf(journalPath: string): JournalAddress | null {
    const loop = journalLoopOf(path.basename(journalPath));
    const reader = new JournalReader(journalPath);
    try {
      const first = reader.readAvailable(1 << 16)[0];
      if (loop === null || first?.type !== RecordType.RunStart) return null;
      return { node: this.options.node, uuid: parseJsonBody<RunStartRecord>(first).uuid, loop };
    } finally {
      reader.close();
    }
  }

  private saveSoon(journal: Journal, now = false): void {
    const time = Date.now();
    if (!now && time - journal.savedAt < SAVE_EVERY_MS) return;
    journal.savedAt = time;
    try {
      saveProgress(journal.path, journal.progress);
    } catch (error) {
      // The journal may be gone (a finished run removes it); nothing is lost but a resume point.
      this.options.log('debug', `replication progress not saved: ${(error as Error).message}`);
    }
  }

  /**
   * Until `ms` have passed or the next `wake()` (news, the run's end, a stop: the caller looks
   * again); rejects with `lost`. Not at all once the run is over or stopping: that wake may have
   * come while the caller settled what was in flight, with no one waiting for it.
   */
  private async holdFor(ms: number, lost: Promise<never>): Promise<void> {
    if (this.final || this.stopped) return;
    let timer: NodeJS.Timeout | undefined;
    const woken = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      this.wakeUp = resolve;
    });
    try {
      await Promise.race([woken, lost]);
    } finally {
      clearTimeout(timer);
      this.wakeUp = null;
    }
  }

  /** Until `wake()`, returning at once if woken since the step began. */
  private sleep(): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeUp = () => {
        this.wakeUp = null;
        resolve();
      };
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function newSignal(): { promise: Promise<void>; fire(): void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/**
 * A hub whose `max_payload` is below a journal chunk refuses every chunk, for as long as it is set
 * so: say what to change (the records wait in the journal meanwhile). Null for any other error.
 */
function payloadTooSmall(error: unknown, nc: NatsConnection): string | null {
  if (!/max_payload|MAX_PAYLOAD/.test((error as Error)?.message ?? '')) return null;
  return `the hub's max_payload (${nc.info?.max_payload ?? '?'} bytes) is smaller than a journal chunk (${CHUNK_BYTES} bytes and its headers): set max_payload to at least 1MB on the hub (docs/fleet.md)`;
}
