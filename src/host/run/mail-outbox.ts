/**
 * The main thread's record of the run's mail, which outlives any mailer thread: every iteration
 * that ended with an output file, and the last status the mailer reported for it. It answers a
 * restarted mailer (`mail.outbox`), lets the run's end wait (bounded) for mail still on its way,
 * and gives the exit summary one line per mail.
 */
import type { Subscription } from 'rxjs';
import type { Bus } from '../../bus/bus.js';
import type { MailJob, MailState, MailStatus } from '../../actors/mailer/index.js';

export interface MailReport {
  loop: number;
  loops: number;
  outputFile: string;
  /** `unsent`: rex stopped waiting before the mailer finished. */
  state: 'sent' | 'failed' | 'unsent';
  /** Attempts made by the last mailer thread that worked on it. */
  attempts: number;
  /** The server's answer (sent) or why it failed. */
  detail?: string;
}

interface Entry {
  job: MailJob;
  state: MailState | 'queued';
  attempts: number;
  detail?: string;
}

const SETTLED: ReadonlySet<Entry['state']> = new Set(['sent', 'failed']);

export class MailOutbox {
  private readonly entries = new Map<number, Entry>();
  private readonly subscriptions: Subscription[] = [];
  private changed: (() => void) | null = null;
  /** Set when the mailer cannot work at all: every mail fails at once with this reason. */
  private unavailable: string | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly to: string,
  ) {
    this.subscriptions.push(
      bus.on('run.iteration').subscribe((event) => {
        if (event.phase !== 'ended' || this.entries.has(event.loop)) return;
        if (!event.outputFile) {
          this.log('warn', `loop ${event.loop + 1}: no output file was written, so there is nothing to mail`);
          return;
        }
        const job: MailJob = { loop: event.loop, loops: event.loops, outputFile: event.outputFile };
        this.entries.set(
          event.loop,
          this.unavailable ? { job, state: 'failed', attempts: 0, detail: this.unavailable } : { job, state: 'queued', attempts: 0 },
        );
        this.notify();
      }),
      bus.on('mail.status').subscribe((status) => this.update(status)),
      bus.on('actor.status').subscribe(({ actor, status }) => {
        if (actor === 'mailer' && status === 'failed') this.markUnavailable('the mailer failed and was given up on');
      }),
    );
    bus.serve('mail.outbox', () => ({
      pending: [...this.entries.values()].filter((e) => !SETTLED.has(e.state)).map((e) => e.job),
    }));
  }

  /** The mailer could not start or was given up on: no mail will be sent; say so for each ended iteration. */
  markUnavailable(reason: string): void {
    this.unavailable = reason;
    this.giveUp(reason);
  }

  /**
   * Waits until every ended iteration's mail is sent or given up, at most `timeoutMs`, or until
   * an interrupt (Ctrl-C) arrives. Logs what it waits for and what it gave up on.
   */
  async settle(timeoutMs: number): Promise<void> {
    if (this.unsettled().length === 0) return;
    this.log(
      'info',
      `waiting for ${this.unsettled().length} mail(s) to ${this.to} to be sent (up to ${Math.round(timeoutMs / 1000)} s; Ctrl-C to stop waiting)`,
    );
    let stop: () => void = () => {};
    const stopped = new Promise<'timeout' | 'interrupt'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      const interrupt = this.bus.on('run.interrupt').subscribe(() => resolve('interrupt'));
      stop = () => {
        clearTimeout(timer);
        interrupt.unsubscribe();
      };
    });
    try {
      while (this.unsettled().length > 0) {
        const next = new Promise<'changed'>((resolve) => (this.changed = () => resolve('changed')));
        const why = await Promise.race([next, stopped]);
        if (why === 'changed') continue;
        const what = why === 'timeout' ? `not delivered within ${Math.round(timeoutMs / 1000)} s` : 'no longer waited for (interrupted)';
        this.log('warn', `${this.unsettled().length} mail(s) to ${this.to} ${what}; the data is saved, only the notification is missing`);
        return;
      }
    } finally {
      this.changed = null;
      stop();
    }
  }

  /** One report per ended iteration that had an output file, in loop order. */
  report(): MailReport[] {
    return [...this.entries.values()]
      .sort((a, b) => a.job.loop - b.job.loop)
      .map((e) => ({
        loop: e.job.loop,
        loops: e.job.loops,
        outputFile: e.job.outputFile,
        state: e.state === 'sent' || e.state === 'failed' ? e.state : 'unsent',
        attempts: e.attempts,
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      }));
  }

  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  private update(status: MailStatus): void {
    const entry = this.entries.get(status.loop);
    // A status for a mail already settled (a late message from a dead thread) changes nothing.
    if (!entry || SETTLED.has(entry.state)) return;
    entry.state = status.state;
    entry.attempts = status.attempt;
    const detail = status.error ?? status.response;
    if (detail !== undefined) entry.detail = detail;
    this.notify();
  }

  private giveUp(reason: string): void {
    for (const entry of this.entries.values()) {
      if (SETTLED.has(entry.state)) continue;
      entry.state = 'failed';
      entry.detail = entry.detail ? `${reason} (last error: ${entry.detail})` : reason;
    }
    this.notify();
  }

  private unsettled(): Entry[] {
    return [...this.entries.values()].filter((e) => !SETTLED.has(e.state));
  }

  private notify(): void {
    this.changed?.();
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.bus.publish('log', { level, source: 'mailer', message, ts: Date.now() });
  }
}
