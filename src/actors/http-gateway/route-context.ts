/** What the gateway's plugins share: the actor's options and the run it asks. */
import type { LogLevel } from '../../bus/payloads.js';
import type { LiveEvents } from './live-events.js';
import type { GatewayData, ServeLaunch, ServeLaunchResult, ServeLogChunk, ServeLogRequest, ServeRunState } from './messages.js';
import type { RunAnswer } from '../../runtime/run-control/run-answers.js';
import type { RunRequest } from '../../runtime/run-control/run-tcp-command.js';

export interface GatewayAppOptions {
  data: GatewayData;
  runState(): ServeRunState;
  /** The live tail of the run's log (`serve.log`), for `GET /events`; absent: no `log` events. */
  runLog?(request: ServeLogRequest): Promise<ServeLogChunk>;
  launch(launch: ServeLaunch): Promise<ServeLaunchResult>;
  log(level: LogLevel, message: string): void;
  version: string;
  /** How long the run may take to answer a command word (default 5 s). */
  tcpTimeoutMs?: number;
  /** Datastream poll of the live push (default 500 ms). */
  pollMs?: number;
  /** For tests: how long a request may take to arrive (default REQUEST_TIMEOUT_MS, 30 s). */
  requestTimeoutMs?: number;
  /** Where the browser view's built files are (default: dist/web beside this code). */
  webDir?: string;
}

/** What every route plugin gets. */
export interface RouteContext {
  options: GatewayAppOptions;
  live: LiveEvents;
  /** `signal`: the asker left; the run is not asked, or the exchange is dropped. */
  ask(request: RunRequest, signal?: AbortSignal): Promise<RunAnswer>;
  /** A slot for a long-lived connection (event stream, WebSocket); false when all are taken. */
  admitLive(): boolean;
  releaseLive(): void;
}
