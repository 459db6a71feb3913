/**
 * Builds the HTTP API of `rex serve` (SPEC §8) without listening: the actor listens, tests may
 * `inject()`. Cross-cutting rules live here (who may call, body parsing and limits, error bodies);
 * the endpoints are in ./routes-*.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { LogLevel } from '../../bus/payloads.js';
import { checkAccess, corsHeaders, isLoopbackAddress, type AccessPolicy, type AccessRequest } from './access.js';
import { runStateBody } from './api-schemas.js';
import { rawPath, sendError } from './http-util.js';
import { LiveEvents } from './live-events.js';
import type { GatewayData, ServeLaunch, ServeLaunchResult, ServeRunState } from './messages.js';
import { askCurrentRun, type RunAnswer } from './run-answers.js';
import { isRunCommand, type RunCommand } from './run-tcp-command.js';
import { registerControlRoutes } from './routes-control.js';
import { registerInfoRoutes } from './routes-info.js';
import { registerRunRoutes } from './routes-run.js';
import { WebSocketEndpoint } from './websocket/server.js';

/** A run request is a few hundred bytes; 64 KiB leaves room for a large meta_json. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** Event streams and WebSockets open at once. */
export const MAX_LIVE_CONNECTIONS = 32;

export interface GatewayAppOptions {
  data: GatewayData;
  runState(): ServeRunState;
  launch(launch: ServeLaunch): Promise<ServeLaunchResult>;
  log(level: LogLevel, message: string): void;
  version: string;
  /** How long the run may take to answer a command word (default 5 s). */
  tcpTimeoutMs?: number;
  /** Datastream poll of the live push (default 500 ms). */
  pollMs?: number;
}

/** What every route file gets. */
export interface RouteContext {
  options: GatewayAppOptions;
  live: LiveEvents;
  ask(command: RunCommand): Promise<RunAnswer>;
  /** A slot for a long-lived connection (event stream, WebSocket); false when all are taken. */
  admitLive(): boolean;
  releaseLive(): void;
}

export interface GatewayApp {
  app: FastifyInstance;
  live: LiveEvents;
  websocket: WebSocketEndpoint;
  /** Ends the event streams and WebSockets, then closes the server. */
  close(): Promise<void>;
}

export function buildGatewayApp(options: GatewayAppOptions): GatewayApp {
  const tcpTimeoutMs = options.tcpTimeoutMs ?? 5000;
  const policy: AccessPolicy = {
    ...(options.data.token !== undefined && { token: options.data.token }),
    loopbackOnly: isLoopbackAddress(options.data.host),
    corsOrigins: options.data.corsOrigins,
  };
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow or stalled clients cannot hold a connection open while sending a request.
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    // Long-lived streams must not keep close() waiting.
    forceCloseConnections: true,
    return503OnClosing: true,
  });

  let liveConnections = 0;
  const live = new LiveEvents({ runState: options.runState, tcpTimeoutMs, ...(options.pollMs !== undefined && { pollMs: options.pollMs }) });
  const context: RouteContext = {
    options,
    live,
    ask: (command) => askCurrentRun(options.runState(), command, tcpTimeoutMs),
    admitLive: () => (liveConnections < MAX_LIVE_CONNECTIONS ? (liveConnections++, true) : false),
    releaseLive: () => void (liveConnections = Math.max(0, liveConnections - 1)),
  };

  installBodyParsers(app);
  app.addHook('onRequest', async (request, reply) => {
    const access = accessRequestOf(request.raw);
    reply.headers(corsHeaders(access.origin, policy.corsOrigins));
    const decision = checkAccess(access, policy);
    if (decision.ok) return;
    if (decision.challenge) reply.header('www-authenticate', 'Bearer realm="rex"');
    return sendError(reply, decision.status, decision.message);
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    // The path only: a query may hold a token.
    if (status >= 500) options.log('error', `${request.method} ${rawPath(request.url)}: ${error.stack ?? error.message}`);
    return sendError(reply, status, explainError(error, status));
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, `no endpoint ${request.method} ${rawPath(request.url)}; the API is described at GET /docs`),
  );
  // CORS preflight: the Origin was checked by the hook; the headers were set there.
  app.options('/*', async (_request, reply) => reply.code(204).send());

  registerControlRoutes(app, context);
  registerRunRoutes(app, context);
  registerInfoRoutes(app, context);

  const websocket = new WebSocketEndpoint({
    access: (request) => checkAccess(accessRequestOf(request), policy),
    headers: (request) => corsHeaders(accessRequestOf(request).origin, policy.corsOrigins),
    answer: (text) => answerWebSocketCommand(text, context),
    admit: context.admitLive,
    release: context.releaseLive,
    log: options.log,
  });
  app.server.on('upgrade', websocket.onUpgrade);

  return {
    app,
    live,
    websocket,
    async close() {
      live.closeAll();
      websocket.closeAll();
      await app.close();
    },
  };
}

/** One WebSocket message: a command word, answered as the original did (`ERROR: ...` on failure). */
async function answerWebSocketCommand(text: string, context: RouteContext): Promise<string> {
  const word = text.trim();
  if (word === 'RUN_STATUS') return JSON.stringify(runStateBody(context.options.runState()));
  if (!isRunCommand(word)) return `ERROR: Unknown command: ${word.slice(0, 100)}`;
  const answer = await context.ask(word);
  const reply = answer.ok ? answer.text : `ERROR: ${answer.reason}`;
  if (word === 'PAUSE_STATE' || word === 'RESUME_STATE' || word === 'KILL') context.options.log('info', `WebSocket ${word}: ${reply}`);
  return reply;
}

/** JSON bodies for `POST /run`; any other body (e.g. on `POST /kill`) is read within the limit and ignored. */
function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(Object.assign(new Error(`body: not valid JSON: ${(error as Error).message}`), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
}

function explainError(error: Error & { code?: string }, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body: too large; the limit is ${BODY_LIMIT_BYTES} bytes`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'body: its length does not match the Content-Length header';
    default:
      return status >= 500 ? `internal error: ${error.message}` : error.message;
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function accessRequestOf(request: IncomingMessage): AccessRequest {
  const target = request.url ?? '/';
  const query = target.indexOf('?');
  const url = { pathname: rawPath(target), searchParams: new URLSearchParams(query >= 0 ? target.slice(query + 1) : '') };
  const access: AccessRequest = { method: request.method ?? 'GET', path: url.pathname };
  const host = header(request, 'host');
  const origin = header(request, 'origin');
  const authorization = header(request, 'authorization');
  const queryToken = url.searchParams.get('token');
  if (host !== undefined) access.host = host;
  if (origin !== undefined) access.origin = origin;
  if (authorization !== undefined) access.authorization = authorization;
  if (queryToken !== null) access.queryToken = queryToken;
  return access;
}
