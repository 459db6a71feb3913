/**
 * Streams a run's journals into ClickHouse at its own pace: journal after journal (one per loop),
 * batch after batch. A batch goes when it is full (size), when its oldest row has waited long
 * enough (time), or when its journal ends. A failed batch is retried with backoff, for as long as
 * it takes, under the same dedup tokens; nothing is skipped, so an outage only delays rows.
 * Ingest never waits for any of this: the journal is the buffer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { classifyError, describeError, type ClickHouseErrorKind, type RexClickHouse } from './clickhouse-client.js';
import { JournalFeed, type FeedLimits } from './journal-feed.js';
import { deviceRowsJson, resultRowsJson, sessionRowJson } from './json-rows.js';
import { encodeMeasurementBlock } from './native-block.js';
import { emptyProgress, loadProgress, progressPathOf, type ProgressState } from './progress-file.js';
import type { Batch } from './row-queue.js';
import type { TableNames } from './schema.js';
import { blockingProblem, inspectTables } from './table-check.js';
import type { ClickHouseStatus } from './messages.js';
import { listJournals } from '../../runtime/journal/list-journals.js';

export interface FeederOptions {
  client: RexClickHouse;
  tables: TableNames;
  /** The journals to store, in order; asked again whenever the feeder looks for work. */
  journals(): string[];
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  limits?: Partial<FeedLimits>;
  /** A partly filled batch is sent once its oldest row has waited this long. */
  flushMs?: number;
  retry?: { initialMs: number; maxMs: number };
  now?: () => number;
}

export const DEFAULT_LIMITS: FeedLimits = { batchRows: 500_000, readBytes: 4 << 20 };
const DEFAULT_FLUSH_MS = 1000;
const DEFAULT_RETRY = { initialMs: 250, maxMs: 5000 };
/** A persisting failure is logged again this often. */
const REPEAT_ERROR_MS = 30_000;

export { listJournals };

export class ClickHouseFeeder {
  private readonly limits: FeedLimits;
  private readonly flushMs: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private readonly now: () => number;
  private feed: JournalFeed | null = null;
  private final = false;
  private stopped = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private tablesChecked = false;
  private lastError: FailureRecord | null = null;
  /** Ends the pause before a retry early (the run is over: try again now). */
  private retryNow: (() => void) | null = null;
  private readonly stopSignal: Promise<void>;
  private signalStop!: () => void;

  constructor(private readonly options: FeederOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? Date.now;
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
  }

  /** New journal data, or a new journal: look again now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** The run is over: journals will not grow any more, so their last rows can go. */
  finalize(): void {
    if (this.final) return;
    this.final = true;
    this.wake();
    this.retryNow?.();
  }

  /** Runs until stopped; with `untilCaughtUp`, returns as soon as the run is over and every journal is stored. */
  async run(untilCaughtUp = false): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      const journals = this.options.journals();
      const feed = this.currentFeed(journals);
      if (!feed) {
        if (untilCaughtUp && this.final) return;
        await this.sleep(null);
        continue;
      }
      feed.fill();
      const isLast = journals[journals.length - 1] === feed.journalPath;
      // An earlier loop's journal cannot grow any more, whatever it ends with.
      const batch = feed.nextBatch(this.now(), this.flushMs, this.final || !isLast);
      if (batch) {
        let inFlight = true;
        const sending = this.send(feed, batch).finally(() => (inFlight = false));
        // Read the next batch while the server stores this one, a step at a time so the upload
        // of this one keeps going in between.
        while (inFlight && !this.stopped && feed.readAhead()) await new Promise((resolve) => setImmediate(resolve));
        await sending;
        continue;
      }
      if (feed.done) continue;
      const oldest = feed.oldestQueuedAt;
      await this.sleep(oldest === null ? null : Math.max(0, oldest + this.flushMs - this.now()));
    }
  }

  /** Stops at the next step; a batch in flight stays recorded as pending and is resent by the next writer. */
  stop(): void {
    this.stopped = true;
    this.signalStop();
    this.wake();
    this.feed?.close();
    this.feed = null;
  }

  status(): ClickHouseStatus {
    const journals = this.options.journals();
    let done = 0;
    let measurementRows = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const journal of journals) {
      const size = fs.statSync(journal, { throwIfNoEntry: false })?.size ?? 0;
      const progress = this.feed?.journalPath === journal ? this.feed.progress : safeLoadProgress(journal);
      bytesTotal += size;
      measurementRows += progress.measurementRows;
      if (progress.committed.end) {
        done++;
        bytesDone += size;
      } else {
        bytesDone += Math.min(progress.bytesDone, size);
      }
    }
    return {
      runOver: this.final,
      caughtUp: this.final && done === journals.length,
      journals: journals.length,
      journalsDone: done,
      measurementRows,
      bytesDone,
      bytesTotal,
      lastError: this.lastError?.message ?? null,
      failingSince: this.lastError?.since ?? null,
      needsUser: this.lastError?.needsUser === true && this.lastError.afterRunOver,
    };
  }

  /** The first journal not yet fully stored, opened; null when there is none. */
  private currentFeed(journals: readonly string[]): JournalFeed | null {
    if (this.feed?.done) {
      this.feed.close();
      this.feed = null;
    }
    if (this.feed) return this.feed;
    for (const journal of journals) {
      if (safeLoadProgress(journal).committed.end) continue;
      this.feed = new JournalFeed(
        journal,
        this.limits,
        (message) => this.options.log('warn', `${path.basename(journal)}: ${message}`),
        this.now,
      );
      return this.feed;
    }
    return null;
  }

  private async send(feed: JournalFeed, batch: Batch): Promise<void> {
    const { client, tables } = this.options;
    const { sessionId, loop } = feed.identity;
    const token = `rex:${sessionId}:${loop}`;
    const inserts: (() => Promise<void>)[] = [];
    if (batch.segments.length > 0) {
      const body = encodeMeasurementBlock(sessionId, batch.segments);
      inserts.push(() => client.insert(tables.measurement, 'Native', body, `${token}:m:${batch.range.m[0]}-${batch.range.m[1]}`));
    }
    if (batch.devices.length > 0) {
      const body = deviceRowsJson(sessionId, batch.devices);
      inserts.push(() => client.insert(tables.device, 'JSONEachRow', body, `${token}:d:${batch.range.d[0]}-${batch.range.d[1]}`));
    }
    if (batch.end) {
      const { session, results } = batch.end;
      inserts.push(() => client.insert(tables.session, 'JSONEachRow', sessionRowJson(session), `${token}:s`));
      if (results.length > 0) inserts.push(() => client.insert(tables.results, 'JSONEachRow', resultRowsJson(results), `${token}:r`));
    }
    feed.sending(batch);
    for (let attempt = 0; !this.stopped; attempt++) {
      const runWasOver = this.final;
      try {
        await this.checkTablesOnce();
        for (const insert of inserts) await insert();
        if (this.stopped) return;
        feed.stored(batch);
        this.succeeded();
        return;
      } catch (error) {
        if (this.stopped) return;
        this.failed(error, runWasOver);
        await this.pause(Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** attempt));
      }
    }
  }

  private async checkTablesOnce(): Promise<void> {
    if (this.tablesChecked) return;
    const reports = await inspectTables(this.options.client, this.options.tables);
    const problem = blockingProblem(reports);
    if (problem) throw new TablesNotReady(`ClickHouse at ${this.options.client.url}: ${problem}`);
    for (const report of reports) {
      if (report.deduplicates === false) {
        this.options.log(
          'warn',
          `ClickHouse table ${report.table} does not drop retried inserts: a batch retried after a lost reply could be stored twice (\`rex db init\` enables deduplication on existing tables)`,
        );
      }
      for (const d of report.problems.differing) {
        this.options.log(
          'warn',
          `ClickHouse table ${report.table}: column ${d.name} is ${d.actual}, rex writes ${d.expected} (the server converts if it can)`,
        );
      }
    }
    this.tablesChecked = true;
  }

  /** `runWasOver`: the attempt began after the run ended, so no later attempt will see other data. */
  private failed(error: unknown, runWasOver: boolean): void {
    const message = error instanceof TablesNotReady ? error.message : describeError(error, this.options.client);
    const now = this.now();
    // A missing table may be created meanwhile (`rex db init`): look again next time.
    this.tablesChecked = false;
    const last = this.lastError;
    if (!last || last.message !== message) {
      const needsUser = error instanceof TablesNotReady || NEEDS_USER.has(classifyError(error));
      this.lastError = { message, since: last?.since ?? now, loggedAt: now, attempts: 1, needsUser, afterRunOver: runWasOver };
      this.options.log('error', `${message}; retrying (rows wait in the journal, nothing is lost)`);
      return;
    }
    last.afterRunOver ||= runWasOver;
    last.attempts++;
    if (now - last.loggedAt >= REPEAT_ERROR_MS) {
      last.loggedAt = now;
      this.options.log('error', `still failing after ${last.attempts} attempts: ${message}`);
    }
  }

  private succeeded(): void {
    if (!this.lastError) return;
    this.options.log('info', `ClickHouse at ${this.options.client.url} is storing rows again`);
    this.lastError = null;
  }

  /**
   * Until `wake()` (or `ms`, when given), returning at once if woken since the step began. Kept
   * by hand, not as rxjs over the news: a wake-up that came during the step, before this wait
   * began, must still count, and the `woken` flag keeps it where a subscription made now would not.
   */
  private sleep(ms: number | null): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === null ? undefined : setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /** A backoff pause: stopping cuts it short, and so does the run's end (`finalize`: try again now). */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const paused = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      this.retryNow = resolve;
    });
    await Promise.race([paused, this.stopSignal]);
    this.retryNow = null;
    clearTimeout(timer);
  }
}

interface FailureRecord {
  message: string;
  since: number;
  loggedAt: number;
  attempts: number;
  /** Retrying cannot end it by itself: someone has to create tables or fix the config. */
  needsUser: boolean;
  /** An attempt that began after the run ended failed this way. */
  afterRunOver: boolean;
}

/** Failures of the server's setup, not of its reach: the same answer comes back until someone acts. */
const NEEDS_USER: ReadonlySet<ClickHouseErrorKind> = new Set(['auth', 'no-database', 'no-table']);

/** The tables cannot take rex's rows yet (missing, or lacking columns). */
class TablesNotReady extends Error {}

function safeLoadProgress(journal: string): ProgressState {
  try {
    return loadProgress(progressPathOf(journal));
  } catch {
    return emptyProgress();
  }
}
