/**
 * `journal.grew` at most every GROWTH_NOTICE_MS, and never in the turn that appended: each notice
 * wakes every reader thread (store, file-writer, clickhouse-writer, fleet-replicator), and on two
 * cores their reading competes with the ingest and the main thread answering the client. What
 * must be current reads on by itself (the store on each query and status request, the final file),
 * so the interval only sets how far behind the readers may fall while nobody asks: the live TOML
 * file (written every 3 s or more anyway), ClickHouse's rows, the fleet's copy. The first growth
 * after a quiet spell is told at once: a script sending a line now and then sees no delay at all.
 * Measured (bench/RESULTS.md, issue 18): at 2 ms a request/response client waited 235-260 µs for a
 * reply at p50, at 20 ms 169-172 µs; from 20 to 250 ms a 5,000-line burst of 1,000-point traces
 * went 0.65 → 0.72× the bare floor and a 30,000-line stream used 9 % less CPU (the readers read
 * in fewer, longer passes, mostly after the burst; the run as a whole takes as long).
 */
import { audit, Subject, timer, type Subscription } from '../../runtime/rx.js';

export const GROWTH_NOTICE_MS = 250;

export class GrowthNotice {
  private readonly growth = new Subject<void>();
  private readonly notices: Subscription;
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(send: () => void, intervalMs = GROWTH_NOTICE_MS) {
    // `audit`: the first growth after a notice starts a timer; the growths until it fires make
    // one notice when it does. The timer waits out the rest of the interval since the last notice
    // (0 after a quiet spell, which is still a timer: a later turn). Not `throttleTime`: its
    // leading notice would go out in the turn that appended, and its interval runs from the
    // growth, not from the notice.
    this.notices = this.growth.pipe(audit(() => timer(Math.max(0, this.lastSent + intervalMs - Date.now())))).subscribe(() => {
      this.lastSent = Date.now();
      send();
    });
  }

  /** The journal grew (called in the turn that appended). */
  grew(): void {
    this.growth.next();
  }

  /** No notice after this, not even one due. */
  cancel(): void {
    this.notices.unsubscribe();
  }
}
