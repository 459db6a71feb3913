/**
 * When a silent actor counts as hung. Pure: the actor thread passes the clock's readings.
 * The check runs every `checkEveryMs` and reads the worker's liveness beacon. A check that itself
 * ran late means this (main) thread was held up, or the whole process was (a suspended machine):
 * the silence may be ours, not the worker's, so the verdict waits for the next check, which sees
 * whether the beacon moved meanwhile.
 */

export interface HeartbeatReadings {
  /** Now. */
  at: number;
  /** When the previous check ran (or the watch started). */
  lastCheck: number;
  /** When the beacon was last seen to move (or READY came). */
  lastBeat: number;
  checkEveryMs: number;
  timeoutMs: number;
}

export type HeartbeatVerdict = { kind: 'alive' } | { kind: 'judge-later' } | { kind: 'hung'; silentMs: number };

/** How often to check: at every heartbeat, but at least twice per timeout. */
export function heartbeatCheckEveryMs(heartbeatIntervalMs: number, heartbeatTimeoutMs: number): number {
  return Math.max(1, Math.min(heartbeatIntervalMs, heartbeatTimeoutMs / 2));
}

export function judgeHeartbeat({ at, lastCheck, lastBeat, checkEveryMs, timeoutMs }: HeartbeatReadings): HeartbeatVerdict {
  const checkLateBy = at - lastCheck - checkEveryMs;
  if (checkLateBy > timeoutMs / 2) return { kind: 'judge-later' };
  const silentMs = at - lastBeat;
  return silentMs > timeoutMs ? { kind: 'hung', silentMs } : { kind: 'alive' };
}
