/**
 * When the replicator sends while the station streams. Its thread runs at the lowest priority, but
 * that does not keep it out of the ingest's way: what it costs the ingest is mostly the caches its
 * copies sweep (a nice-19 loop copying 8 MiB blocks slowed a stream of traces by 12-33 %, a nice-19
 * loop that touches no memory by 0-4 %; bench/README.md "fleet-replication"). So while the journal
 * grows it holds back, and sends once its news has paused for `quietMs`, or once the oldest news it
 * has not sent has waited `maxLagMs`: a burst is sent after it, a long stream every few seconds.
 * Live views never wait for this (they ask the station); only the hub's archive lags.
 */

export interface PaceSettings {
  /**
   * Send once the journal's news has paused this long: above the longest gap between the ingest's
   * notices while a stream goes on (GROWTH_NOTICE_MAX_MS, 1 s), which would otherwise look like a pause.
   */
  quietMs: number;
  /** Send anyway once news has waited this long: bounds the archive's lag and what the run's end must still send. */
  maxLagMs: number;
}

export const DEFAULT_PACE: PaceSettings = { quietMs: 1_500, maxLagMs: 5_000 };

export class ReplicationPace {
  private newsAt = Number.NEGATIVE_INFINITY;
  /** When the oldest news not yet sent came; null when everything on disk has been sent. */
  private behindSince: number | null = null;

  constructor(
    private readonly settings: PaceSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The journal grew (or a new one began). */
  news(): void {
    const now = this.now();
    this.newsAt = now;
    this.behindSince ??= now;
  }

  /** Everything on disk has been read and sent. */
  caughtUp(): void {
    this.behindSince = null;
  }

  /** How long to hold back before sending more; 0: send now. */
  holdMs(): number {
    if (this.behindSince === null) return 0;
    const now = this.now();
    const untilQuiet = this.newsAt + this.settings.quietMs - now;
    const untilDue = this.behindSince + this.settings.maxLagMs - now;
    return Math.max(0, Math.min(untilQuiet, untilDue));
  }
}
