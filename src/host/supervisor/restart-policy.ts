/**
 * When to restart a crashed actor, and when to give up. Pure: the supervisor passes the clock.
 * Backoff doubles with each restart inside the window (50 ms, 100 ms, ... up to 2 s); once
 * `maxRestarts` restarts have happened within `windowMs`, the next crash means give up.
 */

export interface RestartPolicy {
  /** Restarts allowed within `windowMs` before the supervisor gives up (default 5). */
  maxRestarts: number;
  /** The sliding window for `maxRestarts` (default 60 s). */
  windowMs: number;
  /** Delay before the first restart in a window (default 50 ms). */
  initialBackoffMs: number;
  /** Cap on the doubling delay (default 2 s). */
  maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialBackoffMs: 50,
  maxBackoffMs: 2_000,
};

export type RestartDecision = { action: 'restart'; delayMs: number; history: number[] } | { action: 'give-up'; restartsInWindow: number };

/**
 * Decide after a crash at `now`. `history` holds the times of earlier restarts; the returned
 * history (for 'restart') includes this one and drops those that left the window.
 */
export function decideRestart(history: readonly number[], now: number, policy: RestartPolicy): RestartDecision {
  const recent = history.filter((t) => now - t < policy.windowMs);
  if (recent.length >= policy.maxRestarts) return { action: 'give-up', restartsInWindow: recent.length };
  const delayMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** recent.length);
  return { action: 'restart', delayMs, history: [...recent, now] };
}
