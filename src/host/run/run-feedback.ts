/**
 * What `rex run` tells its user while it runs and when it ends (issue 15, item 3). At info: a
 * status line, drawn in place on a terminal a few times a second, or printed as a log line every
 * 30 s off one; at the end, a summary of what each iteration received. The numbers come from the
 * store's totals (`store.status`), asked for on a timer: nothing is done per line on this thread.
 */
import fs from 'node:fs';
import type { Bus } from '../../bus/bus.js';
import type { RunOutcome } from '../../actors/controller/index.js';
import type { IterationSummary } from '../../actors/store/index.js';
import { RateMeter, TerminalStatus, statusLine, type CurrentStatus } from './run-status.js';
import { runSummaryLines } from './run-summary.js';

/** How often the terminal's status line is brought up to date. */
export const TERMINAL_REFRESH_MS = 250;
/** How often a status line is printed when stderr is not a terminal. */
export const PERIODIC_STATUS_MS = 30_000;
/** Environment: the off-terminal interval in ms (for tests, or a log that wants more or less). */
export const STATUS_INTERVAL_ENV = 'REX_STATUS_INTERVAL_MS';

export type LiveStatus = 'terminal' | 'periodic' | 'none';

/** Where the status goes: none below info or under `-i` (the view owns the terminal). */
export function liveStatusMode(verbosity: number, interactive: boolean, stderr: { isTTY?: boolean } = process.stderr): LiveStatus {
  if (verbosity < 2 || interactive) return 'none';
  return stderr.isTTY && process.env.TERM !== 'dumb' ? 'terminal' : 'periodic';
}

export function periodicIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[STATUS_INTERVAL_ENV]);
  return Number.isFinite(value) && value > 0 ? value : PERIODIC_STATUS_MS;
}

export interface RunFeedbackOptions {
  live: LiveStatus;
  /** Prints one log line (the periodic status goes there too). */
  printLine: (line: string) => void;
  /** Formats the periodic status as a log line. */
  formatStatus: (message: string) => string;
  stderr?: NodeJS.WriteStream;
}

export class RunFeedback {
  private readonly startedAt = Date.now();
  private readonly rate = new RateMeter();
  private readonly terminal: TerminalStatus | null;
  private timer: NodeJS.Timeout | null = null;
  private asking = false;
  private current: CurrentStatus | null = null;

  constructor(
    private readonly bus: Bus,
    private readonly options: RunFeedbackOptions,
  ) {
    const stderr = options.stderr ?? process.stderr;
    this.terminal =
      options.live === 'terminal'
        ? new TerminalStatus(
            (text) => stderr.write(text),
            () => stderr.columns || 80,
          )
        : null;
  }

  /** The log printer's writer: a log line goes above the status line. */
  readonly printLine = (line: string): void => {
    if (this.terminal) this.terminal.print(line);
    else this.options.printLine(line);
  };

  start(): void {
    if (this.options.live === 'none' || this.timer) return;
    const intervalMs = this.terminal ? TERMINAL_REFRESH_MS : periodicIntervalMs();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
    if (this.terminal) {
      // A third Ctrl-C leaves at once: not with the status line left under the shell's prompt.
      process.once('exit', this.clearAtExit);
      void this.refresh();
    }
  }

  private readonly clearAtExit = (): void => this.terminal?.clear();

  /** Stops the status line and asks the store what each iteration received. */
  async finish(): Promise<IterationSummary[]> {
    this.stop();
    try {
      return (await this.bus.request('store.status', { summaries: true }, { timeoutMs: 10_000 })).ended;
    } catch {
      return [];
    }
  }

  /** Stops the status line and clears it from the terminal (may be called again). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.terminal?.clear();
    process.off('exit', this.clearAtExit);
  }

  /** The end summary's lines, from the run's outcome and the store's summaries. */
  summaryLines(outcome: RunOutcome, loops: number, summaries: readonly IterationSummary[]): string[] {
    const byLoop = new Map(summaries.map((s) => [s.loop, s]));
    return runSummaryLines({
      durationMs: Date.now() - this.startedAt,
      loops,
      dryRun: outcome.dryRun,
      iterations: outcome.iterations.map((it) => {
        const summary = byLoop.get(it.loop);
        const bytes = it.outputFile ? (fs.statSync(it.outputFile, { throwIfNoEntry: false })?.size ?? null) : null;
        return { loop: it.loop, ...(summary ? { summary } : {}), output: it.outputFile ? { file: it.outputFile, bytes } : null };
      }),
    });
  }

  private async refresh(): Promise<void> {
    if (this.asking) return;
    this.asking = true;
    let rate: number | null = null;
    try {
      const { current } = await this.bus.request('store.status', { summaries: false }, { timeoutMs: 5_000 });
      this.current = current;
      if (current) rate = this.rate.add(Date.now(), current.loop, current.messages);
    } catch {
      // The store is not up yet, or is being restarted: the line keeps its last numbers.
    } finally {
      this.asking = false;
    }
    if (!this.timer) return;
    const line = statusLine(Date.now() - this.startedAt, this.current, rate);
    if (this.terminal) this.terminal.draw(line);
    else this.options.printLine(this.options.formatStatus(`status: ${line}`));
  }
}
