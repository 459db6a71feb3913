/**
 * Builds the HTTP API of `rex serve` (SPEC §8) without listening: the actor listens, tests may
 * `inject()` or listen on port 0. One fastify plugin per concern, registered in this order:
 * WebSocket support (./live-routes.ts), who may call (./access-hooks.ts), the API description
 * (./api-docs.ts, before the routes so that it sees them), then the routes: ./routes-control.ts, ./routes-run.ts,
 * ./routes-info.ts, ./routes-runs.ts (past runs), ./live-routes.ts — or, for `rex serve --fleet`,
 * ./fleet-routes.ts, the same run routes per station — and the browser view's files (./web-ui.ts). Request bodies are validated by the routes' zod schemas.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { isLoopbackName } from './access.js';
import { accessPlugin } from './access-hooks.js';
import { apiDocsPlugin } from './api-docs.js';
import { BODY_LIMIT_BYTES, installBodyParsers, installErrorHandlers } from './body-and-errors.js';
import { LiveEvents } from './live-events.js';
import { liveRoutes, websocketPlugin } from './live-routes.js';
import type { FileOps, GatewayAppOptions, RouteContext, RunOps } from './route-context.js';
import { fleetRoutes } from './fleet-routes.js';
import { startRun } from '../../runtime/run-control/start-run.js';
import { askCurrentRun, limitRunAsks } from '../../runtime/run-control/run-answers.js';
import { controlRoutes } from './routes-control.js';
import { infoRoutes } from './routes-info.js';
import { runRoutes } from './routes-run.js';
import { MAX_RUN_ID_LENGTH } from '../../runtime/run-file/past-runs.js';
import { PastRunAnswers } from '../../runtime/run-file/past-run-answers.js';
import { listScripts } from '../../runtime/run-control/path-policy.js';
import { pastRunRoutes } from './routes-runs.js';
import { webUiRoutes } from './web-ui.js';

/** Event streams and WebSockets open at once. */
export const MAX_LIVE_CONNECTIONS = 32;
/** Command words asked of the run at once (one TCP connection each), and more waiting their turn. */
export const MAX_ACTIVE_RUN_ASKS = 16;
export const MAX_WAITING_RUN_ASKS = 256;
/** A request, headers and body, must have arrived within this. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface GatewayApp {
  app: FastifyInstance;
  live: LiveEvents;
  /** Ends the event streams and WebSockets, then closes the server. */
  close(): Promise<void>;
}

export function buildGatewayApp(options: GatewayAppOptions): GatewayApp {
  const tcpTimeoutMs = options.tcpTimeoutMs ?? 5000;
  const { data } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow or stalled clients cannot hold a connection open while sending a request. Node's own
    // headers limit (60 s) would outlast it, and it checks every 30 s unless told otherwise.
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    },
    keepAliveTimeout: 5_000,
    // Long-lived streams must not keep close() waiting.
    forceCloseConnections: true,
    return503OnClosing: true,
    // A past run's id (./past-runs.ts) holds its file name: up to 255 bytes, 340 characters as base64url.
    routerOptions: { maxParamLength: MAX_RUN_ID_LENGTH },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  let liveConnections = 0;
  const live = new LiveEvents({
    runState: options.runState,
    ...(options.runLog !== undefined && { runLog: options.runLog }),
    tcpTimeoutMs,
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });
  const pastRuns = new PastRunAnswers(data.allowedOutputDirs);
  const files: FileOps = {
    list: () => pastRuns.list(),
    index: (id) => pastRuns.index(id),
    channel: (id, query, signal) => pastRuns.channel(id, query, signal),
    // `rex run --web` starts no run: no scripts.
    allowedScripts: async () => ({
      status: 200,
      body: data.oneRun ? { base_dir: data.scriptsDir, files: [] } : listScripts(data.scriptsDir),
    }),
    allowedOutputDirs: async () => ({ status: 200, body: { dirs: data.allowedOutputDirs } }),
    download: (id) => pastRuns.download(id),
  };
  const localRun: RunOps = {
    files,
    runState: options.runState,
    live,
    ask: limitRunAsks(
      (request, signal) => askCurrentRun(options.runState(), request, tcpTimeoutMs, signal),
      MAX_ACTIVE_RUN_ASKS,
      MAX_WAITING_RUN_ASKS,
    ),
    start: (run, request) => startRun(run, data, options.launch, options.log, `POST /run from ${request.ip}`),
  };
  const context: RouteContext = {
    options,
    run: () => localRun,
    admitLive: () => {
      if (liveConnections >= MAX_LIVE_CONNECTIONS) return false;
      liveConnections++;
      return true;
    },
    releaseLive: () => {
      liveConnections = Math.max(0, liveConnections - 1);
    },
  };

  installBodyParsers(app);
  installErrorHandlers(app, options.log);
  // WebSocket support first: its hooks mark an upgrade, so that one refused by a later hook is closed.
  app.register(websocketPlugin, { log: options.log });
  app.register(accessPlugin, {
    ...(data.token !== undefined && { token: data.token }),
    loopbackOnly: isLoopbackName(data.host),
    corsOrigins: data.corsOrigins,
  });
  app.register(apiDocsPlugin, { version: options.version, tokenRequired: data.token !== undefined });
  if (options.fleet) {
    // `rex serve --fleet`: no run here; each station's under /stations/:node.
    app.register(fleetRoutes, { context, link: options.fleet });
  } else {
    app.register(controlRoutes, { context });
    app.register(runRoutes, { context });
    app.register(infoRoutes, { context });
    app.register(pastRunRoutes, { context });
    app.register(liveRoutes, { context });
  }
  app.register(webUiRoutes, options.webDir !== undefined ? { dir: options.webDir } : {});

  return {
    app,
    live,
    async close() {
      live.closeAll();
      await app.close();
    },
  };
}
