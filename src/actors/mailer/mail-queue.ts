/**
 * The mailer's work: one notification per ended iteration, sent one at a time in the order the
 * iterations ended, each tried a few times with growing waits. A failure is reported (status and
 * log), never thrown: mail never affects the data or the run.
 */
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { MailJob, MailStatus } from './messages.js';
import type { SendAttempt, SentMail } from './send.js';
import { describeMailError, isPermanentMailError } from './transport.js';

export interface MailQueueDeps {
  send(job: MailJob): SendAttempt;
  status(status: MailStatus): void;
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void;
  /** Waits between attempts; the job is tried `retryDelaysMs.length + 1` times at most. */
  retryDelaysMs: readonly number[];
  /** Who the mail is for, for the log. */
  to: string;
  /** Times the waits between attempts (default: the system clock). */
  clock?: Clock;
}

export class MailQueue {
  /** Loops already queued (from the bus or the outbox): each is mailed once. */
  private readonly known = new Set<number>();
  private tail: Promise<void> = Promise.resolve();
  private stopped = false;
  private current: SendAttempt | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: MailQueueDeps) {}

  /** Queues `job` unless its loop is already queued or done. */
  add(job: MailJob): void {
    if (this.stopped || this.known.has(job.loop)) return;
    this.known.add(job.loop);
    this.tail = this.tail.then(() => this.deliver(job));
  }

  /** Resolves when everything queued so far has been sent or given up. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** A planned stop: no more attempts; an attempt in flight loses its connection. */
  stop(): void {
    this.stopped = true;
    this.current?.abort();
    this.wake?.();
  }

  private async deliver(job: MailJob): Promise<void> {
    const { deps } = this;
    const attempts = deps.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= attempts && !this.stopped; attempt++) {
      deps.status({ loop: job.loop, outputFile: job.outputFile, state: 'sending', attempt });
      let sent: SentMail;
      try {
        this.current = deps.send(job);
        sent = await this.current.done;
      } catch (error) {
        if (this.stopped) return;
        const reason = describeMailError(error);
        const last = attempt === attempts || isPermanentMailError(error);
        deps.status({ loop: job.loop, outputFile: job.outputFile, state: last ? 'failed' : 'retrying', attempt, error: reason });
        if (last) {
          const tries = attempt === 1 ? '' : ` after ${attempt} attempts`;
          deps.log(
            'error',
            `mail to ${deps.to} for ${job.outputFile} failed${tries}: ${reason} (the data is saved; only the notification is missing)`,
          );
          return;
        }
        const waitMs = deps.retryDelaysMs[attempt - 1]!;
        deps.log('warn', `mail to ${deps.to} failed (attempt ${attempt} of ${attempts}): ${reason}; retrying in ${formatSeconds(waitMs)}`);
        await this.sleep(waitMs);
        continue;
      } finally {
        this.current = null;
      }
      const refused = sent.rejected.length > 0 ? ` (refused for ${sent.rejected.join(', ')})` : '';
      deps.status({ loop: job.loop, outputFile: job.outputFile, state: 'sent', attempt, response: sent.response + refused });
      deps.log('info', `mail sent to ${deps.to}${refused}: ${sent.response}`);
      return;
    }
  }

  private sleep(ms: number): Promise<void> {
    const clock = this.deps.clock ?? systemClock;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(done, ms);
      function done(): void {
        clock.clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
