/**
 * The end of a run, on the main thread: tell the clickhouse-writer the run is over and wait, with a
 * progress line, until every row is stored — or until waiting is pointless (the database is not set
 * up for rex, or has been failing with no progress for a while, the writer is gone, the user
 * pressed Ctrl-C). Rows not stored by then stay in the journal, which the caller keeps for
 * `rex db push`.
 */
import type { Bus } from '../../bus/bus.js';
import type { ClickHouseStatus } from '../../actors/clickhouse-writer/index.js';
import { formatCount } from '../../protocol/human-units.js';

export interface DrainOptions {
  /** false: do not wait (config `wait_at_end = false`); just ask where the writer is. */
  wait: boolean;
  /** A progress line for the user: when it changes, and again every `repeatEveryMs` while it does not. */
  report(line: string): void;
  /** Give up after the writer has been failing this long without storing anything. */
  noProgressTimeoutMs?: number;
  pollMs?: number;
  reportEveryMs?: number;
  repeatEveryMs?: number;
}

export interface DrainOutcome {
  caughtUp: boolean;
  status: ClickHouseStatus | null;
  /** Why the wait ended early. */
  reason?: string;
}

const DEFAULT_NO_PROGRESS_MS = 60_000;
/** A writer that has not answered for this long is not coming back (a restart takes a few seconds). */
const NO_ANSWER_MS = 20_000;

export async function drainClickHouse(bus: Bus, options: DrainOptions): Promise<DrainOutcome> {
  const pollMs = options.pollMs ?? 250;
  const reportEveryMs = options.reportEveryMs ?? 2000;
  const repeatEveryMs = options.repeatEveryMs ?? 10_000;
  const noProgressMs = options.noProgressTimeoutMs ?? DEFAULT_NO_PROGRESS_MS;
  const ask = (): Promise<ClickHouseStatus | null> =>
    bus.request('clickhouse.status', { runOver: true }, { timeoutMs: 5000 }).catch(() => null);

  if (!options.wait) {
    const status = await ask();
    return { caughtUp: status?.caughtUp ?? false, status, reason: 'click_house_server.wait_at_end = false' };
  }

  let interrupted = false;
  let writerGone = false;
  const subscriptions = [
    bus.on('run.interrupt').subscribe(() => (interrupted = true)),
    bus.on('actor.status').subscribe((s) => {
      if (s.actor === 'clickhouse-writer' && s.status === 'failed') writerGone = true;
    }),
  ];
  try {
    let last: ClickHouseStatus | null = null;
    let lastProgressAt = Date.now();
    let lastAnswerAt = Date.now();
    let lastReportAt = 0;
    let lastReported = '';
    const started = Date.now();
    for (;;) {
      const status = await ask();
      const now = Date.now();
      if (status) {
        lastAnswerAt = now;
        if (status.caughtUp) {
          if (now - started >= reportEveryMs) options.report(progressLine(status));
          return { caughtUp: true, status };
        }
        if (!last || status.bytesDone !== last.bytesDone || status.measurementRows !== last.measurementRows) lastProgressAt = now;
        last = status;
      }
      if (interrupted) return { caughtUp: false, status: last, reason: 'interrupted' };
      if (writerGone) return { caughtUp: false, status: last, reason: 'the clickhouse-writer failed too often and was given up' };
      if (now - lastAnswerAt >= NO_ANSWER_MS) return { caughtUp: false, status: last, reason: 'the clickhouse-writer does not answer' };
      if (status?.needsUser) return { caughtUp: false, status, reason: status.lastError ?? 'the database is not set up for rex' };
      const failing = !status || status.lastError !== null;
      if (failing && now - lastProgressAt >= noProgressMs) {
        return {
          caughtUp: false,
          status: last,
          reason: `no progress for ${Math.round(noProgressMs / 1000)} s${last?.lastError ? `: ${last.lastError}` : ''}`,
        };
      }
      const line = last ? progressLine(last) : '';
      const due = line === lastReported ? repeatEveryMs : reportEveryMs;
      if (line && now - lastReportAt >= due && now - started >= pollMs) {
        lastReportAt = now;
        lastReported = line;
        options.report(line);
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    for (const s of subscriptions) s.unsubscribe();
  }
}

export function progressLine(status: ClickHouseStatus): string {
  const percent = status.bytesTotal > 0 ? Math.floor((100 * status.bytesDone) / status.bytesTotal) : 100;
  const rows = `${formatCount(status.measurementRows)} measurement rows stored`;
  if (status.caughtUp) return `ClickHouse: all rows stored (${rows})`;
  const waiting = status.lastError ? `; waiting for the database: ${status.lastError}` : '';
  return `ClickHouse: ${percent}% of the run stored (${rows})${waiting} — Ctrl-C stops waiting, the rest stays in the journal`;
}
