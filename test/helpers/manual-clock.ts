/**
 * A `Clock` whose time moves only when the test says so. Injected into the supervisor (or the
 * mail queue, the controller, ...) it lets timeouts, backoffs and budget windows elapse at once,
 * while everything else in the process, worker threads included, keeps real time.
 */
import { MAX_TIMER_MS, type Clock, type TimerHandle } from '../../src/runtime/clock.js';

interface Timer extends TimerHandle {
  at: number;
  fn: () => void;
  /** Set for intervals. */
  everyMs: number | undefined;
  cleared: boolean;
}

export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    (handle as Timer).cleared = true;
    this.timers = this.timers.filter((t) => t !== handle);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  /** Timeouts and intervals still to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order, each at its own time. */
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = this.nextDue(until);
      if (next === undefined) break;
      this.time = next.at;
      this.fire(next);
    }
    this.time = until;
  }

  /**
   * Moves time forward by `ms` with no timer firing on the way, then fires the overdue ones once:
   * what a blocked event loop does.
   */
  jump(ms: number): void {
    this.time += ms;
    for (const timer of this.timers.filter((t) => t.at <= this.time)) {
      if (!timer.cleared) this.fire(timer);
    }
  }

  private add(fn: () => void, ms: number, everyMs: number | undefined): Timer {
    // As Node: a delay a timer cannot hold (over 2^31-1 ms) fires after 1 ms.
    const due = ms > MAX_TIMER_MS ? 1 : Math.max(0, ms);
    const timer: Timer = { at: this.time + due, fn, everyMs, cleared: false, unref: () => timer };
    this.timers.push(timer);
    return timer;
  }

  private nextDue(until: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.timers) if (t.at <= until && (next === undefined || t.at < next.at)) next = t;
    return next;
  }

  private fire(timer: Timer): void {
    if (timer.everyMs === undefined) this.timers = this.timers.filter((t) => t !== timer);
    else timer.at = this.time + timer.everyMs;
    timer.fn();
  }
}
