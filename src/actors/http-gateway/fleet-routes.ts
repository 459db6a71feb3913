/**
 * `rex serve --fleet` (docs/fleet.md): the HTTP API over every station of a fleet, with no run of
 * its own. `GET /stations` lists the registry; under `/stations/:node` the same run routes as for
 * one run (./routes-control.ts, ./routes-run.ts, ./live-routes.ts) are registered, with a route
 * context whose operations are control requests to that station over NATS (./fleet-link.ts), its
 * `{status, body}` reply passed through as the HTTP status and body. An unknown station is a 404;
 * one that does not answer, a 504; a hub that cannot be reached, a 502.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NODE_NAME } from '../../protocol/config.js';
import type { Command } from '../../protocol/messages.js';
import type { ControlReply, StationOp, StationRecord } from '../../protocol/fleet/stations.js';
import { describeError, StationSilentError } from '../../runtime/fleet/registry.js';
import type { RunRequest } from '../../runtime/run-control/run-tcp-command.js';
import { errorReply, textReply } from './api-schemas.js';
import { sendError } from './http-util.js';
import { LiveEvents } from './live-events.js';
import { liveRoutes } from './live-routes.js';
import type { ServeRunState } from './messages.js';
import type { GatewayAnswer, RouteContext, RunOps } from './route-context.js';
import { controlRoutes } from './routes-control.js';
import { runRoutes } from './routes-run.js';

/** The stations of a fleet, as the gateway reaches them (./fleet-link.ts: over NATS). */
export interface FleetLink {
  /** Every registered station. */
  stations(): Promise<StationRecord[]>;
  /** `node`'s record, or null when it is not registered. */
  station(node: string): Promise<StationRecord | null>;
  /** A control request; throws StationSilentError when no answer comes. */
  ask(node: string, op: StationOp, body: string, timeoutMs: number): Promise<ControlReply>;
  close(): Promise<void>;
}

/** A station answers within 5 s of asking its run; the hub adds little. */
const ASK_TIMEOUT_MS = 10_000;
/** A station answers `run` once the run listens (its launcher waits up to 20 s). */
const RUN_TIMEOUT_MS = 40_000;
/** While someone follows a station's `/events`, its registry record is read this often (its run's changes). */
const RECORD_POLL_MS = 500;

const OP_OF: Record<Command, StationOp> = {
  GET_DATASTREAM: 'datastream',
  GET_DATASTREAM_FULL: 'datastream_full',
  STATE: 'status',
  PAUSE_STATE: 'pause',
  RESUME_STATE: 'continue',
  KILL: 'kill',
};

/** A station's reply as the run routes take an answer: a 2xx body as the text sent, else the failure. */
function answerOf(reply: ControlReply): GatewayAnswer {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  if (reply.status >= 200 && reply.status < 300) return { ok: true, text };
  const message = typeof reply.body === 'object' && reply.body !== null && 'message' in reply.body ? String(reply.body.message) : text;
  return { ok: false, status: reply.status, message: text, reason: message };
}

/** No answer from the station (504), or from the hub (502). */
function failureOf(error: unknown): { status: number; message: string } {
  if (error instanceof StationSilentError) return { status: 504, message: error.message };
  return { status: 502, message: `the fleet hub: ${describeError(error)}` };
}

/** One station's run, as the run routes see it. */
class StationView implements RunOps {
  readonly live: LiveEvents;
  private readonly timer: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly node: string,
    private readonly link: FleetLink,
    private record: StationRecord,
    pollMs: number | undefined,
  ) {
    this.live = new LiveEvents({
      runState: () => this.runState(),
      tcpTimeoutMs: ASK_TIMEOUT_MS,
      ...(pollMs !== undefined && { pollMs }),
      askDatastream: () => this.ask('GET_DATASTREAM'),
    });
    this.timer = setInterval(() => void this.refresh(), RECORD_POLL_MS);
    this.timer.unref();
  }

  /** The registry's record, read for this request or by the poll: a changed run is pushed. */
  update(record: StationRecord): void {
    const before = JSON.stringify(this.record.run);
    this.record = record;
    if (JSON.stringify(record.run) !== before) this.live.runChanged(this.runState());
  }

  runState(): ServeRunState {
    const { run } = this.record;
    return {
      phase: run.phase,
      id: run.id,
      script: run.script,
      outputDir: null,
      pid: null,
      port: null,
      startedAt: null,
      endedAt: null,
      exitCode: run.exit_code,
      signal: null,
      outputFiles: [],
      logFile: null,
      logTail: [],
    };
  }

  async ask(request: RunRequest): Promise<GatewayAnswer> {
    if (typeof request !== 'string') {
      const reason = 'a trace range (device, channel, from, to) is not asked over the fleet; ask the station over HTTP';
      return { ok: false, status: 501, message: reason, reason };
    }
    try {
      return answerOf(await this.link.ask(this.node, OP_OF[request], '', ASK_TIMEOUT_MS));
    } catch (error) {
      const { status, message } = failureOf(error);
      return { ok: false, status, message, reason: message };
    }
  }

  /** The body as the client sent it: the station checks it as `POST /run` does. */
  async start(_run: unknown, request: FastifyRequest): Promise<{ status: number; body: unknown }> {
    try {
      const reply = await this.link.ask(this.node, 'run', JSON.stringify(rawBodies.get(request.raw) ?? {}), RUN_TIMEOUT_MS);
      return reply;
    } catch (error) {
      const { status, message } = failureOf(error);
      return { status, body: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message } };
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.live.closeAll();
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || this.live.size === 0) return;
    this.refreshing = true;
    try {
      const record = await this.link.station(this.node);
      // Gone from the registry: its last known run stays shown until it is back.
      if (record !== null) this.update(record);
    } catch {
      // The hub is out of reach: the next poll tries again.
    } finally {
      this.refreshing = false;
    }
  }
}

/** `POST /stations/:node/run`'s body before the schema normalised it: the station gets what the client sent. */
const rawBodies = new WeakMap<object, unknown>();

const nodeOf = (request: FastifyRequest): string => (request.params as { node: string }).node;

export const fleetRoutes: FastifyPluginAsyncZod<{ context: RouteContext; link: FleetLink }> = async (app, { context, link }) => {
  const views = new Map<string, StationView>();
  app.addHook('onClose', async () => {
    for (const view of views.values()) view.close();
    await link.close();
  });

  app.get(
    '/',
    { schema: { summary: 'Liveness check', security: [], response: { 200: textReply('`Server is up!`') } } },
    async (_request, reply) => reply.type('text/plain; charset=utf-8').send('Server is up!'),
  );
  app.get(
    '/stations',
    {
      schema: {
        summary: 'The stations of the fleet (rex serve --fleet)',
        description: 'Their registry records (`rex fleet ls --json`), by node name.',
        response: {
          200: { description: 'The records.', content: { 'application/json': { schema: z.array(z.unknown()) } } },
          502: errorReply('The fleet hub cannot be reached.'),
        },
      },
    },
    async (_request, reply) => {
      try {
        return reply.send(await link.stations());
      } catch (error) {
        return sendError(reply, 502, failureOf(error).message);
      }
    },
  );

  const stationContext: RouteContext = { ...context, run: (request) => views.get(nodeOf(request))! };
  app.register(
    async (station) => {
      // Before anything else: the station must be registered (and its record is fresh for this request).
      station.addHook('onRequest', async (request, reply) => {
        const node = nodeOf(request);
        let record: StationRecord | null = null;
        try {
          // A name that is no station's (a dot, a wildcard) never reaches a subject.
          if (NODE_NAME.test(node)) record = await link.station(node);
        } catch (error) {
          return sendError(reply, 502, failureOf(error).message);
        }
        if (record === null) return sendError(reply, 404, `no station ${node} in the fleet (GET /stations lists them)`);
        const view = views.get(node);
        if (view) view.update(record);
        else views.set(node, new StationView(node, link, record, context.options.pollMs));
      });
      station.addHook('preValidation', async (request) => {
        if (request.method === 'POST') rawBodies.set(request.raw, request.body);
      });
      station.register(controlRoutes, { context: stationContext });
      station.register(runRoutes, { context: stationContext });
      station.register(liveRoutes, { context: stationContext });
    },
    { prefix: '/stations/:node' },
  );
};
