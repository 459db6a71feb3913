/**
 * `rex run --web [PORT]`: the http-gateway actor inside the run, showing this one run (docs/run-web.md).
 * The gateway is the one `rex serve` runs, on loopback only, with a fresh token; the main thread
 * answers its `serve.state` with the run itself and publishes `serve.run` when the run listens and
 * when it ends. It is not critical: if it cannot start, the run goes on without it.
 */
import { randomBytes } from 'node:crypto';
import type { RunOutcome } from '../../actors/controller/index.js';
import { type GatewayData, LogRing, type ServeRunState } from '../../actors/http-gateway/index.js';
import type { Bus } from '../../bus/bus.js';
import type { LogEntry } from '../../bus/payloads.js';
import { innermostMessage } from '../../errors.js';
import { take } from '../../runtime/rx.js';
import { actorWorker } from '../supervisor/actor-worker.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** Loopback only: the web view of one run is for this machine (a remote browser: `rex serve`). */
export const WEB_HOST = '127.0.0.1';

export interface WebViewOptions {
  /** The HTTP port, already checked (an explicit one) or found free. */
  port: number;
  uuid: string;
  scriptPath: string;
  /** null in a dry run: no files. */
  outputDir: string | null;
  cwd: string;
  version: string;
  /** The exit code rex will give this outcome, shown once the run has ended. */
  exitCode(outcome: RunOutcome): number;
  /** A log entry as rex prints it, or null when not shown at its verbosity: the page's log (`serve.log`). */
  logLine(entry: LogEntry): string | null;
}

export class WebView {
  /** Fresh for every run; the page asks for it (it is never put in a URL). */
  readonly token = randomBytes(24).toString('base64url');
  private state: ServeRunState;
  private ended = false;
  /** rex's log as printed, the script's lines included: the page's live log. */
  private readonly runLog: LogRing;

  constructor(
    private readonly bus: Bus,
    private readonly supervisor: Supervisor,
    private readonly options: WebViewOptions,
  ) {
    this.state = {
      phase: 'starting',
      id: options.uuid,
      script: options.scriptPath,
      outputDir: options.outputDir,
      pid: process.pid,
      port: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      exitCode: null,
      signal: null,
      outputFiles: [],
      logFile: null,
      logTail: [],
    };
    bus.serve('serve.state', () => this.state);
    this.runLog = new LogRing(options.uuid);
    bus.on('log').subscribe((entry) => {
      const line = options.logLine(entry);
      if (line !== null) this.runLog.push(line);
    });
    bus.serve('serve.log', ({ id, after }) => this.runLog.since(id === options.uuid ? after : 0));
    // After the final file: the last state goes out, then the server closes (rex does not wait for it).
    bus
      .on('run.finished')
      .pipe(take(1))
      .subscribe((outcome) => this.finish(outcome));
  }

  get url(): string {
    return `http://${WEB_HOST}:${this.options.port}/ui/`;
  }

  /** Starts the gateway; the URL line is printed once it listens. */
  async start(): Promise<void> {
    const { port, outputDir, cwd, version } = this.options;
    const data: GatewayData = {
      host: WEB_HOST,
      port,
      token: this.token,
      oneRun: true,
      // Nothing to start here: no scripts are offered (GET /allowed_scripts lists none).
      scriptsDir: cwd,
      allowedOutputDirs: outputDir === null ? [] : [outputDir],
      corsOrigins: [],
      cwd,
      version,
    };
    try {
      await this.supervisor.start({ name: 'http-gateway', entry: actorWorker('http-gateway'), data, critical: false });
    } catch (error) {
      if (!this.ended) this.log('error', `the web view did not start: ${innermostMessage(error)}; the run goes on without it`);
      return;
    }
    this.log('info', `web view: ${this.url}  (token: ${this.token})`);
  }

  /** The run's TCP port is open: the gateway can ask the run. */
  running(port: number): void {
    this.publish({ ...this.state, phase: 'running', port });
  }

  private finish(outcome: RunOutcome): void {
    this.ended = true;
    this.publish({
      ...this.state,
      phase: 'ended',
      endedAt: new Date().toISOString(),
      exitCode: this.options.exitCode(outcome),
      outputFiles: outcome.iterations.flatMap((it) => (it.outputFile ? [it.outputFile] : [])),
    });
    this.supervisor.stop('http-gateway').catch(() => undefined);
  }

  private publish(state: ServeRunState): void {
    this.state = state;
    this.bus.publish('serve.run', state);
  }

  private log(level: 'info' | 'error', message: string): void {
    this.bus.publish('log', { level, source: 'rex', message, ts: Date.now() });
  }
}
