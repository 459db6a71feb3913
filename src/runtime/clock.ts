/**
 * Wall-clock time in nanoseconds since the Unix epoch, with the sub-millisecond resolution that
 * rex's timestamps carry (`2026-01-16T06:35:32.423257Z`). Anchored once to Date.now() and advanced
 * by the monotonic high-resolution clock, so timestamps never go backwards within a process.
 */
const anchorNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowEpochNs(): bigint {
  return anchorNs + process.hrtime.bigint();
}

/** A timer as a `Clock` hands it out: opaque, except that it may be told not to keep the process alive. */
export interface TimerHandle {
  unref?(): unknown;
}

/**
 * Time as the timing logic sees it (supervisor watches, restart backoff, live-file spacing, mail
 * retries, the run's delay): injected so tests can let the windows elapse without waiting them out.
 * Production code uses `systemClock`.
 */
export interface Clock {
  /** Milliseconds, as Date.now(). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The real clock; the timer functions are looked up at each call, so fake timers still apply. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
};

/** Resolves after `ms` on `clock`. */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** The longest delay a timer holds (2^31-1 ms, about 24.8 days); Node fires a longer one at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` after `ms` on `clock`, however long (in steps a timer can hold); returns its cancel. */
export function setLongTimeout(clock: Clock, fn: () => void, ms: number): () => void {
  const deadline = clock.now() + ms;
  let handle: TimerHandle | undefined;
  const arm = (): void => {
    const remaining = deadline - clock.now();
    handle = remaining > MAX_TIMER_MS ? clock.setTimeout(arm, MAX_TIMER_MS) : clock.setTimeout(fn, Math.max(0, remaining));
  };
  arm();
  return () => clock.clearTimeout(handle);
}
