/**
 * Asking the file-writer for an iteration's final file, through its crashes and restarts. A
 * file-writer that crashes or hangs mid-write is restarted by the supervisor and rebuilds from the
 * journal, so the request is asked again: while the supervisor is restarting it, for as long as
 * that takes, until the supervisor gives up on it or it has died `restarts` times on this file
 * (slow deaths escape the supervisor's budget window: a file that kills every writer must still
 * end the wait); when the file-writer was up and the request failed all the same, a few times
 * with a growing pause.
 */
import type { Subscription } from 'rxjs';
import type { Bus } from '../../bus/bus.js';
import type { ActorStatus } from '../../bus/payloads.js';
import { REX_BUS_NO_SERVER, REX_BUS_SERVER_GONE } from '../../bus/errors.js';
import { errorCode } from '../../errors.js';

const WRITER = 'file-writer';
/** Ending an iteration may mean writing a multi-gigabyte file: no short timeout there. */
const FINALIZE_TIMEOUT_MS = 24 * 3600_000;

export interface FinalizeRetry {
  /** Restarts of the file-writer waited through for one file. */
  restarts: number;
  /** Failures of a file-writer that stayed up before giving up on the file. */
  attempts: number;
  /** The pause after the n-th failure is n × this. */
  pauseMs: number;
}

export const FINALIZE_RETRY: FinalizeRetry = { restarts: 5, attempts: 5, pauseMs: 1000 };

/** The request failed because no file-writer thread was there (it died, or is being restarted). */
const ABSENT: ReadonlySet<string | undefined> = new Set([REX_BUS_NO_SERVER.code, REX_BUS_SERVER_GONE.code]);
/**
 * Failures that do not clear by themselves within seconds (a full disk, a size limit, a read-only
 * or forbidden place): not retried. The journal is kept, and `rex recover` writes the file once
 * the cause is gone.
 */
const LASTING: ReadonlySet<string | undefined> = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EACCES', 'EPERM']);
/** How long the supervisor's word on a thread that went away may take to arrive. */
const NEWS_WAIT_MS = 5_000;

/** The file-writer's lifecycle, as the supervisor publishes it (`actor.status`). */
export class FileWriterWatch {
  private last: ActorStatus | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly subscription: Subscription;

  constructor(bus: Bus) {
    this.subscription = bus.on('actor.status').subscribe((status) => {
      if (status.actor !== WRITER) return;
      this.last = status;
      for (const wake of [...this.waiters]) wake();
    });
  }

  get restarts(): number {
    return this.last?.restarts ?? 0;
  }

  /** Up now (unknown counts as up: no news since the controller started). */
  get isUp(): boolean {
    return (this.last?.status ?? 'ready') === 'ready';
  }

  /** Resolves true at the file-writer's next status, false if none comes within `ms`. */
  nextStatus(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(true);
      };
      this.waiters.add(wake);
    });
  }

  /** Resolves true once the file-writer is up (unknown counts as up), false if it will not come back. */
  async settled(): Promise<boolean> {
    for (;;) {
      const state = this.last?.status ?? 'ready';
      if (state === 'ready') return true;
      if (state !== 'starting' && state !== 'restarting') return false;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
      });
    }
  }

  close(): void {
    this.subscription.unsubscribe();
  }
}

export async function finalizeThroughRestarts(
  bus: Bus,
  watch: FileWriterWatch,
  journalPath: string,
  log: (level: 'warn', message: string) => void,
  retry: FinalizeRetry = FINALIZE_RETRY,
): Promise<string | null> {
  for (let failures = 0, restarts = 0; ; ) {
    const restartsBefore = watch.restarts;
    try {
      return (await bus.request('file.finalize', { journalPath }, { timeoutMs: FINALIZE_TIMEOUT_MS })).file;
    } catch (error) {
      const reason = (error as Error).message;
      if (ABSENT.has(errorCode(error)) && (await restarting(watch, restartsBefore))) {
        if (!(await watch.settled()) || ++restarts > retry.restarts) throw error;
        log('warn', `writing the output file failed (${reason}); the file-writer was restarted: asking it again`);
        continue;
      }
      if (LASTING.has(errorCode(error)) || ++failures >= retry.attempts) throw error;
      log('warn', `writing the output file failed (${reason}); trying again`);
      await sleep(retry.pauseMs * failures);
    }
  }
}

/**
 * The file-writer is being (or was) restarted since `restartsBefore`. The supervisor's word on a
 * thread that went away comes just behind the failed request, so a watch that still says "up"
 * waits for it a moment.
 */
async function restarting(watch: FileWriterWatch, restartsBefore: number): Promise<boolean> {
  if (watch.isUp && watch.restarts === restartsBefore && !(await watch.nextStatus(NEWS_WAIT_MS))) return false;
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
