/**
 * `rex fleet archive DIR`'s work: a durable consumer on the journal stream that rebuilds every
 * station's journals under `DIR/<node>/.rex/<run uuid>/loop-N.rexj` and, once a journal is whole,
 * writes its output file into `DIR/<node>/` with the file-writer's code (as `rex recover` does):
 * the same bytes as the station's file. Messages are acknowledged only once what they brought is
 * synced to disk (and, for a journal's last record, its file written), so a killed archive gets
 * them again and skips what it has.
 */
import fs from 'node:fs';
import path from 'node:path';
import { AckPolicy, type Consumer, DeliverPolicy, type JsMsg, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { OutputWriter } from '../../actors/file-writer/index.js';
import {
  JOURNAL_STREAM,
  JOURNAL_SUBJECTS,
  JournalHeader,
  journalSubjectsOf,
  parseJournalSubject,
} from '../../protocol/fleet/journal-subjects.js';
import { jetStreamOptions } from '../../runtime/fleet/jetstream.js';
import { ensureJournalStream } from '../../runtime/fleet/journal-stream.js';
import { ArchivedJournal } from './archived-journal.js';

export interface ArchiveOptions {
  dir: string;
  /** The durable consumer's name: one per archive directory. */
  durable: string;
  /** Only this station's journals (a subject filter on the consumer); all stations' by default. */
  node?: string;
  /** Return once nothing is pending (tests, cron); otherwise run until stop(). */
  once: boolean;
  /** The hub's JetStream domain (`[fleet] jetstream_domain`), if any. */
  domain?: string;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

const FETCH_MESSAGES = 128;
const FETCH_EXPIRES_MS = 1000;
/** Unacknowledged messages are sent again after this (a crashed archive's, or one waiting for earlier records). */
const ACK_WAIT_NS = 30 * 1_000_000_000;

export class FleetArchive {
  private readonly journals = new Map<string, ArchivedJournal<JsMsg>>();
  private stopped = false;
  filesWritten = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ArchiveOptions,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  async run(): Promise<void> {
    const jsm = await ensureJournalStream(this.nc, this.options.domain);
    await jsm.consumers.add(JOURNAL_STREAM, {
      durable_name: this.options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.options.node === undefined ? JOURNAL_SUBJECTS : journalSubjectsOf(this.options.node),
      ack_wait: ACK_WAIT_NS,
      max_ack_pending: 10_000,
    });
    const consumer = await jetstream(this.nc, jetStreamOptions(this.options.domain)).consumers.get(JOURNAL_STREAM, this.options.durable);
    try {
      while (!this.stopped) {
        // --once: ask for what is pending, no more (a fetch waits for its count or its expiry).
        const pending = this.options.once ? (await consumer.info()).num_pending : FETCH_MESSAGES;
        if (pending === 0) break;
        await this.step(consumer, Math.min(pending, FETCH_MESSAGES));
      }
    } finally {
      const waiting = [...this.journals.values()].reduce((n, j) => n + j.waitingCount, 0);
      if (waiting > 0) this.options.log('warn', `${waiting} records wait for earlier ones (the stations send them when they can)`);
      for (const journal of this.journals.values()) journal.close();
    }
  }

  /** One fetch: applied, synced, files written, acknowledged. */
  private async step(consumer: Consumer, count: number): Promise<void> {
    const batch = await consumer.fetch({ max_messages: count, expires: FETCH_EXPIRES_MS });
    const done: JsMsg[] = [];
    const touched = new Set<ArchivedJournal<JsMsg>>();
    for await (const message of batch) {
      const journal = this.journalFor(message.subject);
      if (!journal) {
        this.options.log('warn', `ignored a message on ${message.subject}: not a journal subject`);
        done.push(message);
        continue;
      }
      touched.add(journal);
      done.push(...this.apply(journal, message));
    }
    for (const journal of touched) {
      journal.sync();
      if (!journal.complete) continue;
      await this.writeFile(journal);
      // Done with: a late resend opens it again (and finds it whole).
      if (journal.waitingCount === 0) {
        journal.close();
        this.journals.delete(journal.path);
      }
    }
    for (const message of done) message.ack();
    if (done.length > 0) await this.nc.flush();
  }

  private apply(journal: ArchivedJournal<JsMsg>, message: JsMsg): JsMsg[] {
    const h = message.headers;
    const end = h?.get(JournalHeader.end);
    if (end) return journal.addEnd(Number(end), message);
    const offset = Number(h?.get(JournalHeader.offset));
    const next = Number(h?.get(JournalHeader.next));
    const chunk = Number(h?.get(JournalHeader.chunk) || 0);
    const chunks = Number(h?.get(JournalHeader.chunks) || 1);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(next) || next <= offset) {
      this.options.log('warn', `ignored a message on ${message.subject} without a record offset`);
      return [message];
    }
    return journal.addChunk(offset, next, chunk, chunks, message.data, message);
  }

  private journalFor(subject: string): ArchivedJournal<JsMsg> | null {
    const address = parseJournalSubject(subject);
    if (!address) return null;
    const file = path.join(this.options.dir, address.node, '.rex', address.uuid, `loop-${address.loop}.rexj`);
    let journal = this.journals.get(file);
    if (!journal) {
      journal = new ArchivedJournal<JsMsg>(file, (message) => this.options.log('error', message));
      this.journals.set(file, journal);
    }
    return journal;
  }

  /** The output file of a whole journal, once: into the station's folder, as `rex recover` writes it. */
  private async writeFile(journal: ArchivedJournal<JsMsg>): Promise<void> {
    const marker = `${journal.path.replace(/\.rexj$/, '')}.archived`;
    if (fs.existsSync(marker)) return;
    const log = (level: 'info' | 'warn' | 'error', message: string): void => this.options.log(level, message);
    const writer = new OutputWriter(journal.path, { log });
    const start = writer.output.start;
    if (start) start.outputDir = path.resolve(path.dirname(journal.path), '..', '..');
    const { file } = await writer.finalize();
    fs.writeFileSync(marker, `${file ?? ''}\n`);
    this.filesWritten++;
    this.options.log('info', `archived ${file ?? journal.path}`);
  }
}
