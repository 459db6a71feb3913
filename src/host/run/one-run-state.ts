/**
 * This run as `rex serve` describes a run (`ServeRunState`): the main thread answers `serve.state`
 * with it and publishes `serve.run` when the run listens and when it ends. What shows the run
 * from outside reads it there: the http-gateway of `--web` (./web-view.ts) and the fleet-station
 * of `[fleet]`.
 */
import type { RunOutcome } from '../../actors/controller/index.js';
import { idleRunState, LogRing, type ServeRunState } from '../../actors/http-gateway/index.js';
import type { LogEntry } from '../../bus/payloads.js';
import type { Bus } from '../../bus/bus.js';
import { take } from '../../runtime/rx.js';

export interface OneRunInfo {
  uuid: string;
  scriptPath: string;
  /** null in a dry run: no files. */
  outputDir: string | null;
  /** The exit code rex will give this outcome, shown once the run has ended. */
  exitCode(outcome: RunOutcome): number;
  /** A log entry as rex prints it, or null when not shown at its verbosity: the page's log (`serve.log`). */
  logLine(entry: LogEntry): string | null;
}

export class OneRunState {
  private state: ServeRunState;
  private ended = false;
  /** rex's log as printed, the script's lines included: the page's live log. */
  private readonly runLog: LogRing;

  constructor(
    private readonly bus: Bus,
    private readonly info: OneRunInfo,
  ) {
    this.state = {
      ...idleRunState(),
      phase: 'starting',
      id: info.uuid,
      script: info.scriptPath,
      outputDir: info.outputDir,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
    bus.serve('serve.state', () => this.state);
    this.runLog = new LogRing(info.uuid);
    bus.on('log').subscribe((entry) => {
      const line = info.logLine(entry);
      if (line !== null) this.runLog.push(line);
    });
    bus.serve('serve.log', ({ id, after }) => this.runLog.since(id === info.uuid ? after : 0));
    // After the final file: the last state goes out.
    bus
      .on('run.finished')
      .pipe(take(1))
      .subscribe((outcome) => this.finish(outcome));
  }

  get hasEnded(): boolean {
    return this.ended;
  }

  /** The run's TCP port is open: it can be asked. */
  running(port: number): void {
    this.publish({ ...this.state, phase: 'running', port });
  }

  private finish(outcome: RunOutcome): void {
    this.ended = true;
    this.publish({
      ...this.state,
      phase: 'ended',
      endedAt: new Date().toISOString(),
      exitCode: this.info.exitCode(outcome),
      outputFiles: outcome.iterations.flatMap((it) => (it.outputFile ? [it.outputFile] : [])),
    });
  }

  private publish(state: ServeRunState): void {
    this.state = state;
    this.bus.publish('serve.run', state);
  }
}
