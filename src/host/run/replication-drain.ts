/**
 * The end of a run with `[fleet]` (and `rex recover` with it): wait a bounded time for the hub to
 * acknowledge the journal's last records. The script is long gone by then; what the hub lacks when
 * the wait ends stays in the journal, which the caller keeps, and `rex recover` replicates it
 * later (docs/fleet.md, "Replication and the archive").
 */
import type { ReplicationStatus } from '../../actors/fleet-replicator/index.js';

export interface ReplicationWait {
  /** Give up once nothing more was acknowledged for this long (default 8 s: a hub that just came back answers in a few). */
  noProgressMs?: number;
  /** Give up after this long in any case (default 30 s). */
  maxMs?: number;
  pollMs?: number;
}

export interface ReplicationOutcome {
  caughtUp: boolean;
  status: ReplicationStatus | null;
  reason?: string;
}

export async function awaitReplication(
  ask: () => Promise<ReplicationStatus | null>,
  options: ReplicationWait = {},
): Promise<ReplicationOutcome> {
  const { noProgressMs = 8_000, maxMs = 30_000, pollMs = 100 } = options;
  const started = Date.now();
  let last: ReplicationStatus | null = null;
  let progressAt = started;
  for (;;) {
    const status = await ask();
    const now = Date.now();
    if (status?.caughtUp) return { caughtUp: true, status };
    if (status && (!last || status.bytesAcked !== last.bytesAcked)) progressAt = now;
    if (status) last = status;
    const why = last?.lastError ? `: ${last.lastError}` : '';
    if (now - progressAt >= noProgressMs)
      return { caughtUp: false, status: last, reason: `no progress for ${noProgressMs / 1000} s${why}` };
    if (now - started >= maxMs) return { caughtUp: false, status: last, reason: `still sending after ${maxMs / 1000} s${why}` };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
