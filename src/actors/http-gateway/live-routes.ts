/**
 * The long-lived connections: `GET /events` (server-sent events, ./live-events.ts) and `GET /ws`
 * (WebSocket, ./websocket-session.ts). Both count against MAX_LIVE_CONNECTIONS; both accept the
 * token as `?token=` (./access.ts), since a browser's EventSource and WebSocket cannot send headers.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { emptyReply, errorReply, runStateBody, textReply } from './api-schemas.js';
import { rawPath, sendError } from './http-util.js';
import type { RouteContext, RunOps } from './route-context.js';
import { isRunCommand } from '../../runtime/run-control/run-tcp-command.js';
import { closeWebSocket, MAX_MESSAGE_BYTES, serveWebSocketSession } from './websocket-session.js';

/**
 * @fastify/websocket at the app's root: it must see every route, since an upgrade is routed like any
 * request (so the access hooks apply to it). An upgrade anywhere but /ws is refused before it happens.
 */
async function websocketSupport(app: FastifyInstance, { log }: Pick<RouteContext['options'], 'log'>): Promise<void> {
  await app.register(websocket, {
    options: { maxPayload: MAX_MESSAGE_BYTES },
    errorHandler: (error, socket) => {
      log('warn', `WebSocket client closed: ${error.message}`);
      closeWebSocket(socket, 1011, 'internal error');
    },
    preClose(done) {
      for (const client of this.websocketServer.clients) closeWebSocket(client, 1001, 'server stopping');
      done();
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.ws && request.routeOptions.url !== '/ws' && request.routeOptions.url !== '/stations/:node/ws') {
      return sendError(reply, 404, `no WebSocket endpoint at ${rawPath(request.url).slice(0, 200)}; use /ws`);
    }
  });
}
export const websocketPlugin = fp(websocketSupport, { name: 'rex-websocket' });

const TOO_MANY = 'too many live connections; try again later';

export const liveRoutes: FastifyPluginAsyncZod<{ context: RouteContext }> = async (app, { context }) => {
  app.get(
    '/events',
    {
      schema: {
        summary: 'Live push (server-sent events)',
        description:
          'A `text/event-stream`: event `run` (the body of GET /run) on connect and on every change; event `datastream` (the body of GET /datastream) whenever it changes; event `log`, the new lines of the run log as `{"id", "first", "lines"}` (`first`: the number of the first line in the run log, from 0; only the last 200 lines are kept, so a jump means lines missed). A browser EventSource may pass the token as `?token=`.',
        response: {
          200: { description: 'The event stream.', content: { 'text/event-stream': { schema: z.string() } } },
          503: errorReply(TOO_MANY),
        },
      },
    },
    async (request, reply) => {
      if (!context.admitLive()) return sendError(reply, 503, TOO_MANY);
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        // The CORS headers set by the access hooks.
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      response.on('close', context.releaseLive);
      // An event stream has no end: the per-request timeout must not cut it.
      request.raw.socket.setTimeout(0);
      context.run(request).live.add(response);
    },
  );

  app.route({
    method: 'GET',
    url: '/ws',
    schema: {
      summary: 'WebSocket: command words',
      description:
        'Upgrade to a WebSocket. Each text message is a command word (`GET_DATASTREAM`, `GET_DATASTREAM_FULL`, `STATE`, `PAUSE_STATE`, `RESUME_STATE`, `KILL`, or `RUN_STATUS` for the body of GET /run) and gets one text reply, in order; a failure is answered `ERROR: <reason>`. A browser may pass the token as `?token=`.',
      response: { 101: emptyReply('Switching protocols.'), 426: textReply('Not a WebSocket upgrade.'), 503: errorReply(TOO_MANY) },
    },
    preHandler: async (request, reply) => {
      if (!request.ws) return;
      if (!context.admitLive()) return sendError(reply, 503, TOO_MANY);
      // The connection's socket, whether or not the handshake then succeeds.
      request.raw.socket.once('close', context.releaseLive);
    },
    handler: async (_request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .type('text/plain; charset=utf-8')
        .send('expected a WebSocket upgrade (GET with "Upgrade: websocket")'),
    wsHandler: (socket, request) => {
      context.options.log('debug', 'WebSocket client connected');
      const run = context.run(request);
      serveWebSocketSession(socket, { answer: (text, signal) => answerCommand(text, signal, run, context), log: context.options.log });
    },
  });
};

/** One WebSocket message: a command word, answered as the original did (`ERROR: ...` on failure). */
async function answerCommand(text: string, signal: AbortSignal, run: RunOps, context: RouteContext): Promise<string> {
  const word = text.trim();
  if (word === 'RUN_STATUS') return JSON.stringify(runStateBody(run.runState()));
  if (!isRunCommand(word)) return `ERROR: Unknown command: ${word.slice(0, 100)}`;
  const answer = await run.ask(word, signal);
  const reply = answer.ok ? answer.text : `ERROR: ${answer.reason}`;
  if (word === 'PAUSE_STATE' || word === 'RESUME_STATE' || word === 'KILL') context.options.log('info', `WebSocket ${word}: ${reply}`);
  return reply;
}
