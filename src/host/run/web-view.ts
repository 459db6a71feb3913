/**
 * `rex run --web [PORT]`: the http-gateway actor inside the run, showing this one run (docs/run-web.md).
 * The gateway is the one `rex serve` runs, on loopback only, with a fresh token; it reads the run
 * from `serve.state` and `serve.run` (./one-run-state.ts). It is not critical: if it cannot start, the run goes on without it.
 */
import { randomBytes } from 'node:crypto';
import type { GatewayData } from '../../actors/http-gateway/index.js';
import type { Bus } from '../../bus/bus.js';
import { innermostMessage } from '../../errors.js';
import { take } from '../../runtime/rx.js';
import type { OneRunState } from './one-run-state.js';
import { actorWorker } from '../supervisor/actor-worker.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/** Loopback only: the web view of one run is for this machine (a remote browser: `rex serve`). */
export const WEB_HOST = '127.0.0.1';

export interface WebViewOptions {
  /** The HTTP port, already checked (an explicit one) or found free. */
  port: number;
  cwd: string;
  version: string;
  /** Where the URL line goes once the server listens (default: rex's log, at info). */
  announce?: (line: string) => void;
}

export class WebView {
  /** Fresh for every run; the page asks for it (it is never put in a URL). */
  readonly token = randomBytes(24).toString('base64url');

  constructor(
    private readonly bus: Bus,
    private readonly supervisor: Supervisor,
    private readonly run: OneRunState,
    private readonly outputDir: string | null,
    private readonly options: WebViewOptions,
  ) {
    // After the run's end was published (OneRunState subscribed first), the server closes (rex does not wait for it).
    bus
      .on('run.finished')
      .pipe(take(1))
      .subscribe(() => this.supervisor.stop('http-gateway').catch(() => undefined));
  }

  get url(): string {
    return `http://${WEB_HOST}:${this.options.port}/ui/`;
  }

  /** Starts the gateway; the URL line is printed once it listens. */
  async start(): Promise<void> {
    const { port, cwd, version } = this.options;
    const outputDir = this.outputDir;
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
      if (!this.run.hasEnded) this.log('error', `the web view did not start: ${innermostMessage(error)}; the run goes on without it`);
      return;
    }
    const line = `web view: ${this.url}  (token: ${this.token})`;
    if (this.options.announce) this.options.announce(line);
    else this.log('info', line);
  }

  private log(level: 'info' | 'error', message: string): void {
    this.bus.publish('log', { level, source: 'rex', message, ts: Date.now() });
  }
}
