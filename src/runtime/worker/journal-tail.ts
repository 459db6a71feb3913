/**
 * The journal-following glue shared by the actors that derive their view of a run from its
 * journal. `journalNews` is what tells any of them to look again; `JournalTail` is the whole shell
 * of those that follow the iteration in progress (store, file-writer): which journal to read, from
 * its start, and when to read on. What is read into what stays with the actor (its `open`).
 * The clickhouse-writer only takes `journalNews`: it walks the run's journals at its own pace.
 */
import { audit, merge, Observable, Subject, type Unsubscribable } from '../rx.js';
import type { Bus } from '../../bus/bus.js';

/** One journal being read by an actor, from its start (typically a JournalFollower and its sink). */
export interface TailedJournal {
  readonly journalPath: string;
  /** Reads and applies every complete record now on disk. */
  catchUp(): void;
  /** Releases the journal; may be called more than once. */
  close(): void;
  /**
   * Reads and applies the records in the first `end` bytes, which this process's journal writer
   * says are intact (JournalFollower.catchUpTo), and none after them: what a notice announced.
   * Without it, a notice reads all there is.
   */
  catchUpTo?(end: number): void;
}

/** Something happened to the run's journals: one grew, or an iteration started or ended. */
export function journalNews(bus: Bus): Observable<unknown> {
  return merge(bus.on('journal.grew'), bus.on('run.iteration'));
}

/**
 * Emits once on the next turn of the event loop (setImmediate): rxjs has no scheduler for that
 * (asapScheduler is a microtask, which would run inside the turn that delivered the notice, ahead
 * of the messages queued behind it).
 */
function nextTurn(): Observable<void> {
  return new Observable<void>((subscriber) => {
    const handle = setImmediate(() => {
      subscriber.next();
      subscriber.complete();
    });
    return () => clearImmediate(handle);
  });
}

export class JournalTail<T extends TailedJournal> {
  private reading: T | null = null;
  /** The largest size a `journal.grew` notice gave for the journal read now. */
  private noticedEnd = 0;
  private readonly catchUpSoon = new Subject<void>();
  private readonly subscriptions: Unsubscribable[];

  /**
   * Follows the journal in progress (`run.current`): an actor started late or restarted reads it
   * from the start. Then each iteration's journal as it starts, and reads on when ingest says it
   * grew. It listens before it asks: news that comes meanwhile is not missed, and the answer,
   * given after any news delivered before it, is never older than that news.
   */
  static async start<T extends TailedJournal>(bus: Bus, open: (journalPath: string) => T): Promise<JournalTail<T>> {
    const tail = new JournalTail(open);
    tail.listen(bus);
    const current = await bus.request('run.current', {});
    if (current.journalPath) tail.follow(current.journalPath);
    return tail;
  }

  private constructor(private readonly open: (journalPath: string) => T) {
    this.subscriptions = [
      // Notices that come in one turn make one catch-up, on the next turn, to the latest notice's size.
      this.catchUpSoon.pipe(audit(nextTurn)).subscribe(() => {
        const reading = this.reading;
        if (reading?.catchUpTo) reading.catchUpTo(this.noticedEnd);
        else reading?.catchUp();
      }),
    ];
  }

  /** The journal read now, if any. */
  get current(): T | null {
    return this.reading;
  }

  /**
   * The reader of `journalPath`: the current one when it is that journal (never two readers of
   * one journal, so nothing is read twice), else a new one, caught up at once, in its place.
   */
  follow(journalPath: string): T {
    if (this.reading?.journalPath === journalPath) return this.reading;
    this.reading?.close();
    this.reading = null;
    this.noticedEnd = 0;
    const reader = this.open(journalPath);
    this.reading = reader;
    reader.catchUp();
    return reader;
  }

  /** Reads everything now on disk, for an answer that must be current; returns the reader. */
  catchUp(): T | null {
    this.reading?.catchUp();
    return this.reading;
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.reading?.close();
    this.reading = null;
  }

  private listen(bus: Bus): void {
    this.subscriptions.push(
      bus.on('run.iteration').subscribe((event) => {
        if (event.phase === 'started') this.follow(event.journalPath);
      }),
      bus.on('journal.grew').subscribe(({ path, size }) => {
        // A notice of another journal: an iteration began that this actor did not hear of (read at once, all of it).
        if (this.reading?.journalPath !== path) this.follow(path);
        else {
          // The notice comes from this process's own journal writer (bus topics do not cross processes).
          this.noticedEnd = Math.max(this.noticedEnd, size);
          this.catchUpSoon.next();
        }
      }),
    );
  }
}
