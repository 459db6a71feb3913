/**
 * One journal on its way into ClickHouse: reads it in bounded steps, derives its rows, cuts them
 * into batches, and records what is stored (progress-file.ts). Synchronous; the feeder does the
 * sending and the waiting.
 */
import fs from 'node:fs';
import { JournalFollower } from '../../runtime/journal/follower.js';
import { loadProgress, progressPathOf, saveProgress, type ProgressState } from './progress-file.js';
import { RowDeriver } from './row-deriver.js';
import { RowQueue, type Batch } from './row-queue.js';

export interface FeedLimits {
  /** Measurement rows per batch. */
  batchRows: number;
  /** Journal bytes read per step (a single larger record is still read whole). */
  readBytes: number;
}

export class JournalFeed {
  private readonly cursor: JournalFollower;
  private readonly deriver: RowDeriver;
  private readonly queue: RowQueue;
  private readonly progressPath: string;
  private state: ProgressState;
  private exhausted = false;

  constructor(
    readonly journalPath: string,
    private readonly limits: FeedLimits,
    onProblem: (message: string) => void,
    now: () => number = Date.now,
  ) {
    this.progressPath = progressPathOf(journalPath);
    this.state = loadProgress(this.progressPath);
    this.queue = new RowQueue(this.state.committed, now);
    this.deriver = new RowDeriver(this.queue, onProblem);
    this.cursor = new JournalFollower(journalPath, this.deriver);
  }

  /** Every row of this journal is stored. */
  get done(): boolean {
    return this.state.committed.end;
  }

  get progress(): Readonly<ProgressState> {
    return this.state;
  }

  /** The run's UUID (ClickHouse `session_id`) and the loop, from the journal's run-start record. */
  get identity(): { sessionId: string; loop: number } {
    return this.deriver.identity;
  }

  /** When the oldest unsent row was derived (ms since the epoch), or null when nothing waits. */
  get oldestQueuedAt(): number | null {
    return this.queue.oldestQueuedAt;
  }

  get queuedRows(): number {
    return this.queue.queuedRows;
  }

  /** The journal had no complete record left at the last read. */
  get atEndOfJournal(): boolean {
    return this.exhausted;
  }

  /** Reads on until a full batch is queued (or the exact pending one is covered), or the journal has nothing more for now. */
  fill(): void {
    const pending = this.state.pending;
    this.exhausted = false;
    while (pending ? !this.queue.covers(pending) : this.queue.queuedRows < this.limits.batchRows && !this.queue.endReached) {
      if (this.cursor.step(this.limits.readBytes) === 0) {
        this.exhausted = true;
        return;
      }
    }
  }

  /**
   * One bounded read towards the next batch, while the current one is in flight (so reading and
   * parsing here overlap with the server storing). False when there is nothing (more) to do.
   */
  readAhead(): boolean {
    if (this.queue.queuedRows >= this.limits.batchRows || this.queue.endReached) return false;
    return this.cursor.step(this.limits.readBytes) > 0;
  }

  /**
   * The next batch to send, or null when it is better to wait for more rows: a batch goes when it
   * is full, when the end rows are in, when its oldest row waited `flushMs`, or when `final` (the
   * run is over: nothing more will be written to this journal).
   */
  nextBatch(now: number, flushMs: number, final: boolean): Batch | null {
    // A journal without a run-end record ends here once nothing more can be written to it.
    if (final && this.exhausted && !this.deriver.hasEnded) this.deriver.finish();
    const pending = this.state.pending;
    if (pending) {
      if (this.queue.covers(pending)) return this.queue.takeExact(pending);
      if (!(final && this.exhausted)) return null;
      // The journal ends before the batch recorded as pending (it cannot shrink, so this is a
      // damaged journal): forget that batch and go on with what there is.
      this.state = { ...this.state, pending: null };
    }
    if (this.queue.isEmpty) return null;
    const due =
      this.queue.queuedRows >= this.limits.batchRows ||
      this.queue.endReached ||
      final ||
      (this.queue.oldestQueuedAt !== null && now - this.queue.oldestQueuedAt >= flushMs);
    return due ? this.queue.take(this.limits.batchRows) : null;
  }

  /** Write-ahead: `batch` is about to be sent. */
  sending(batch: Batch): void {
    this.state = { ...this.state, pending: batch.range };
    saveProgress(this.progressPath, this.state);
  }

  /** The server confirmed `batch`. */
  stored(batch: Batch): void {
    const { range } = batch;
    this.state = {
      committed: { m: range.m[1], d: range.d[1], end: range.end },
      pending: null,
      measurementRows: this.state.measurementRows + batch.measurementRows,
      bytesDone: range.end ? this.sizeOnDisk() : (this.queue.oldestQueuedOffset ?? this.cursor.position),
    };
    saveProgress(this.progressPath, this.state);
  }

  sizeOnDisk(): number {
    return fs.statSync(this.journalPath, { throwIfNoEntry: false })?.size ?? 0;
  }

  close(): void {
    this.cursor.close();
  }
}
