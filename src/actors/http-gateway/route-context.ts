/** What the gateway's plugins share: the actor's options and the run it asks. */
import type { FastifyRequest } from 'fastify';
import type { LogLevel } from '../../bus/payloads.js';
import type { FleetLink } from './fleet-routes.js';
import type { LiveEvents } from './live-events.js';
import type { GatewayData, ServeLaunch, ServeLaunchResult, ServeLogChunk, ServeLogRequest, ServeRunState } from './messages.js';
import type { RunAnswer } from '../../runtime/run-control/run-answers.js';
import type { RunRequest } from '../../runtime/run-control/run-tcp-command.js';
import type { RunRequest as RunStartRequest } from '../../runtime/run-control/run-request.js';
import type { ChannelQuery } from '../../runtime/run-file/channel-query.js';
import type { FileAnswer, RunDownload } from '../../runtime/run-file/past-run-answers.js';

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
  /** `rex serve --fleet`: the stations, over NATS (./fleet-routes.ts); no local run. */
  fleet?: FleetLink;
}

/** A run's answer, or a station's (whose failures may carry any status: 404, 409, ...). */
export type GatewayAnswer = RunAnswer | { ok: false; status: number; message: string; reason: string };

/** What the run routes do, to the local run or to one station of a fleet. */
export interface RunOps {
  runState(): ServeRunState;
  /** `signal`: the asker left; the run is not asked, or the exchange is dropped. */
  ask(request: RunRequest, signal?: AbortSignal): Promise<GatewayAnswer>;
  /** `POST /run`, its body validated; the answer's HTTP status and body. */
  start(run: RunStartRequest, request: FastifyRequest): Promise<{ status: number; body: unknown }>;
  live: LiveEvents;
  files: FileOps;
}

/** What the server holds besides its run: past runs, the scripts and output directories it allows. */
export interface FileOps {
  list(): Promise<FileAnswer>;
  index(id: string): Promise<FileAnswer>;
  /** undefined: the asker left first. */
  channel(id: string, query: ChannelQuery, signal: AbortSignal): Promise<FileAnswer | undefined>;
  allowedScripts(): Promise<FileAnswer>;
  allowedOutputDirs(): Promise<FileAnswer>;
  /** The file for a download (`GET /runs/:id/file`), streamed; or an error answer (404). */
  download(id: string): Promise<RunDownload | FileAnswer>;
}

/** What every route plugin gets. */
export interface RouteContext {
  options: GatewayAppOptions;
  /** The run a request is about: the local one, or the station its path names (`/stations/:node/...`). */
  run(request: FastifyRequest): RunOps;
  /** A slot for a long-lived connection (event stream, WebSocket); false when all are taken. */
  admitLive(): boolean;
  releaseLive(): void;
}
