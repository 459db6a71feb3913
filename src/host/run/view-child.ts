/**
 * `rex run -i`, run side: starts the TUI as a child process (`rex view --hosted`) that shares the
 * terminal, so drawing never runs on the run's main thread and a slow terminal can only slow the
 * child. While the child is up, rex's log lines go to its log pane (batched, at most 10 times a
 * second, dropped with a note if the child falls behind) instead of stderr; before it starts and
 * after it ends they go to stderr as usual.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Subscription } from 'rxjs';
import type { Bus } from '../../bus/bus.js';
import type { LogEntry } from '../../bus/payloads.js';
import type { RunOutcome } from '../../actors/controller/index.js';
import type { LogLine } from '../../view/model/tui-state.js';
import { type ToView, isFromView } from '../../view/hosted-ipc.js';
import { connectHostFor, formatTcpAddress } from '../../view/transport/address.js';
import { childNodeFlags, distFile } from '../../runtime/dist-file.js';

export interface RunTuiOptions {
  /** `-v`: which log levels reach the pane (0 error … 4 trace). */
  verbosity: number;
  theme: string;
  /** The user pressed q (or Ctrl-C) in the view: end the run. */
  onQuit: () => void;
  /** Where log lines go when there is no view (default: stderr). */
  writeLine?: (line: string) => void;
  formatLine: (entry: LogEntry) => string;
}

type RunEvent = 'iteration' | 'paused' | 'finished';

const RANK: Record<LogLine['level'], number> = { error: 0, warn: 1, info: 2, debug: 3, trace: 4 };
/** Unsent IPC messages allowed before log lines are dropped. */
const MAX_PENDING_SENDS = 20;
const FLUSH_MS = 100;
const MAX_BUFFERED_LINES = 2000;

export class ViewChild {
  private child: ChildProcess | undefined;
  /**
   * waiting: not started; starting: started, not yet listening (messages would be lost); open;
   * closing: on its way out (log lines wait for it to go, then go to stderr); closed.
   */
  private state: 'waiting' | 'starting' | 'open' | 'closing' | 'closed' = 'waiting';
  /** The latest of each run event, for a view that starts late. */
  private readonly latest: Partial<Record<RunEvent, ToView>> = {};
  private buffered: LogLine[] = [];
  private dropped = 0;
  private pendingSends = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly exited: Promise<void>;
  private resolveExited!: () => void;
  private readonly writeLine: (line: string) => void;

  /** Both stdin and stdout must be a terminal for the view to work. */
  static available(): boolean {
    return Boolean(process.stdin.isTTY && process.stdout.isTTY);
  }

  constructor(
    bus: Bus,
    private readonly options: RunTuiOptions,
  ) {
    this.writeLine = options.writeLine ?? ((line) => process.stderr.write(`${line}\n`));
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.subscriptions.push(
      bus.on('log').subscribe((entry) => this.log(entry)),
      bus
        .on('run.iteration')
        .subscribe((e) =>
          this.event('iteration', { type: 'iteration', phase: e.phase, loop: e.loop, loops: e.loops, outputFile: e.outputFile }),
        ),
      bus.on('run.paused').subscribe((e) => this.event('paused', { type: 'paused', paused: e.paused })),
    );
  }

  /** Starts the view on the run's port. */
  start(bindHost: string, port: number): void {
    if (this.state !== 'waiting') return;
    const main = fileURLToPath(distFile('cli/main.js'));
    const address = formatTcpAddress({ host: connectHostFor(bindHost), port });
    const child = spawn(process.execPath, [...childNodeFlags(), main, 'view', address, '--hosted', '--theme', this.options.theme], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.state = 'starting';
    child.on('message', (message) => {
      if (!isFromView(message)) return;
      if (message.type === 'ready') return this.ready();
      if (this.state === 'open' || this.state === 'starting') this.state = 'closing';
      this.options.onQuit();
    });
    child.on('error', (error) => this.ended(`the terminal UI could not start: ${error.message}`));
    child.on('exit', (code, signal) =>
      this.ended(code === 0 ? undefined : `the terminal UI ended unexpectedly (${signal ?? `exit code ${code}`}); the run goes on`),
    );
  }

  /** The run is over: the view says so and stays until the user quits it. */
  finished(outcome: RunOutcome | undefined): void {
    this.event('finished', { type: 'finished', lines: summaryLines(outcome) });
  }

  /** Resolves when the view has closed (at once if it never started). */
  closed(): Promise<void> {
    return this.state === 'waiting' ? Promise.resolve() : this.exited;
  }

  /** Closes the view now (a signal reached rex): the terminal is restored, logs go to stderr. */
  close(): void {
    if (this.state !== 'open' && this.state !== 'starting') return;
    this.state = 'closing';
    this.child?.kill('SIGTERM');
  }

  dispose(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.close();
    this.flushToStderr();
  }

  private log(entry: LogEntry): void {
    if (RANK[entry.level] > this.options.verbosity) return;
    if (this.state === 'closed') {
      this.writeLine(this.options.formatLine(entry));
      return;
    }
    this.buffered.push({ ts: entry.ts, level: entry.level, source: entry.source, message: entry.message });
    if (this.buffered.length > MAX_BUFFERED_LINES) {
      this.dropped += this.buffered.length - MAX_BUFFERED_LINES;
      this.buffered.splice(0, this.buffered.length - MAX_BUFFERED_LINES);
    }
    if (this.state === 'open') this.scheduleFlush();
  }

  private ready(): void {
    if (this.state !== 'starting') return;
    this.state = 'open';
    // Log lines first: they come before the run events in time.
    this.flush();
    for (const message of [this.latest.iteration, this.latest.paused, this.latest.finished]) if (message) this.send(message);
  }

  private event(kind: RunEvent, message: ToView): void {
    this.latest[kind] = message;
    this.flush();
    this.send(message);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  private flush(): void {
    if (this.state !== 'open' || this.buffered.length === 0) return;
    if (this.pendingSends >= MAX_PENDING_SENDS) {
      // The view is not keeping up (a slow terminal): drop rather than queue without bound.
      this.dropped += this.buffered.length;
      this.buffered = [];
      return;
    }
    const lines = this.buffered;
    this.buffered = [];
    if (this.dropped > 0) {
      lines.unshift({
        ts: Date.now(),
        level: 'warn',
        source: 'rex',
        message: `${this.dropped} log lines were dropped: the terminal did not keep up`,
      });
      this.dropped = 0;
    }
    this.send({ type: 'log', lines });
  }

  private send(message: ToView): void {
    const child = this.child;
    if (this.state !== 'open' || !child?.connected) return;
    this.pendingSends++;
    try {
      child.send(message, () => this.pendingSends--);
    } catch {
      this.pendingSends--;
    }
  }

  private ended(problem: string | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.flushTimer);
    this.flushToStderr();
    if (problem) this.writeLine(this.options.formatLine({ level: 'warn', source: 'rex', message: problem, ts: Date.now() }));
    this.resolveExited();
  }

  private flushToStderr(): void {
    for (const line of this.buffered) this.writeLine(this.options.formatLine(line));
    this.buffered = [];
  }
}

/** What the view shows when the run is over (the same facts as the summary printed after it). */
export function summaryLines(outcome: RunOutcome | undefined): string[] {
  if (!outcome) return ['the run ended without an outcome'];
  const lines: string[] = [];
  for (const it of outcome.iterations) {
    const prefix = outcome.iterations.length > 1 ? `loop ${it.loop + 1}: ` : '';
    const status = it.exitCode !== null ? `exit code ${it.exitCode}` : it.signal ? `signal ${it.signal}` : 'no exit status';
    lines.push(`${prefix}script ended (${it.reason}, ${status})`);
    if (it.outputFile) lines.push(`${prefix}output file: ${it.outputFile}`);
  }
  if (outcome.error) lines.push(`error: ${outcome.error}`);
  return lines;
}
