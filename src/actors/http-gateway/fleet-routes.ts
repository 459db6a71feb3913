/**
 * `rex serve --fleet` (docs/fleet.md): the HTTP API over every station of a fleet, with no run of
 * its own. `GET /stations` lists the registry; under `/stations/:node` the same routes as for one
 * server (./routes-control.ts, ./routes-run.ts, ./routes-info.ts, ./routes-runs.ts,
 * ./live-routes.ts) are registered, with a route context whose operations are control requests to
 * that station over NATS (./fleet-link.ts; the ops of src/protocol/fleet/stations.ts), its
 * `{status, body}` reply passed through as the HTTP status and body. The run's state, its log and
 * datastream are asked for only while someone looks (a request, a client of `/events`). An
 * unknown station is a 404; one that does not answer, a 504; a hub that cannot be reached, a 502.
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
import { idleRunState } from './idle-run-state.js';
import { ServeLogChunk, ServeRunState } from './messages.js';
import type { FileOps, GatewayAnswer, RouteContext, RunOps } from './route-context.js';
import { type FileAnswer, fileError, type RunDownload } from '../../runtime/run-file/past-run-answers.js';
import { controlRoutes } from './routes-control.js';
import { infoRoutes } from './routes-info.js';
import { runRoutes } from './routes-run.js';
import { pastRunRoutes } from './routes-runs.js';

/** The stations of a fleet, as the gateway reaches them (./fleet-link.ts: over NATS). */
export interface FleetLink {
  /** Every registered station. */
  stations(): Promise<StationRecord[]>;
  /** `node`'s record, or null when it is not registered. */
  station(node: string): Promise<StationRecord | null>;
  /** A control request; throws StationSilentError when no answer comes. */
  ask(node: string, op: StationOp, body: string, timeoutMs: number): Promise<ControlReply>;
  /** A past run's file, pulled from the station a part at a time as the stream is read; or the station's error answer. */
  download(node: string, id: string, timeoutMs: number): Promise<RunDownload | ControlReply>;
  close(): Promise<void>;
}

/** A station answers within 5 s of asking its run; the hub adds little. */
const ASK_TIMEOUT_MS = 10_000;
/** A station answers `run` once the run listens (its launcher waits up to 20 s). */
const RUN_TIMEOUT_MS = 40_000;
/** While someone follows a station's `/events`, its run's state is asked for this often (its run's changes). */
const STATE_POLL_MS = 500;
/** `state` is answered from the station's memory; a station that does not answer by then is shown from its record. */
const STATE_TIMEOUT_MS = 3_000;
/** Routes that show the run's state: the station is asked for it first. */
const STATE_ROUTES = new Set(['/run', '/status_check', '/events', '/ws']);

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

/** One station's run, as the run routes see it: its answers over NATS. */
class StationView implements RunOps {
  readonly live: LiveEvents;
  readonly files: FileOps;
  private readonly timer: NodeJS.Timeout;
  private refreshing = false;
  /** The station's run: its `state` answer, or, while it gives none, what the registry says. */
  private state: ServeRunState;

  constructor(
    private readonly node: string,
    private readonly link: FleetLink,
    record: StationRecord,
    pollMs: number | undefined,
  ) {
    this.state = fromRecord(record, idleRunState());
    this.live = new LiveEvents({
      runState: () => this.state,
      tcpTimeoutMs: ASK_TIMEOUT_MS,
      ...(pollMs !== undefined && { pollMs }),
      askDatastream: () => this.ask('GET_DATASTREAM'),
      // Asked only while a client listens: the station sends its log's lines after the cursor, at most the last LIVE_LOG_LINES.
      runLog: async (cursor) => ServeLogChunk.parse(this.body(await this.link.ask(node, 'log', JSON.stringify(cursor), ASK_TIMEOUT_MS))),
    });
    const file = async (op: StationOp, data: unknown = {}): Promise<FileAnswer> => {
      try {
        return await this.link.ask(node, op, JSON.stringify(data), ASK_TIMEOUT_MS);
      } catch (error) {
        const { status, message } = failureOf(error);
        return fileError(status, message);
      }
    };
    this.files = {
      list: () => file('runs'),
      index: (id) => file('run_index', { id }),
      // The query as a query string holds it: the station checks it as GET /runs/:id/channel does.
      channel: (id, query) => file('run_channel', { id, query: queryText(query) }),
      allowedScripts: () => file('allowed_scripts'),
      allowedOutputDirs: () => file('allowed_output_dirs'),
      download: async (id) => {
        try {
          return await this.link.download(node, id, ASK_TIMEOUT_MS);
        } catch (error) {
          const { status, message } = failureOf(error);
          return fileError(status, message);
        }
      },
    };
    this.timer = setInterval(() => void this.refresh(), STATE_POLL_MS);
    this.timer.unref();
  }

  /** The registry's record, read for this request: a run it knows of and the state does not yet is pushed. */
  update(record: StationRecord): void {
    const { run } = record;
    const { id, phase, exitCode } = this.state;
    if (run.id !== id || run.phase !== phase || run.exit_code !== exitCode) this.setState(fromRecord(record, this.state));
  }

  /** Asks the station for its run's state (for `GET /run` and the live push); false: no answer (the record's view stays). */
  async refreshState(): Promise<boolean> {
    try {
      this.setState(ServeRunState.parse(this.body(await this.link.ask(this.node, 'state', '', STATE_TIMEOUT_MS))));
      return true;
    } catch {
      // A station of an older rex, or one slow to answer.
      return false;
    }
  }

  runState(): ServeRunState {
    return this.state;
  }

  async ask(request: RunRequest): Promise<GatewayAnswer> {
    try {
      const reply =
        typeof request === 'string'
          ? await this.link.ask(this.node, OP_OF[request], '', ASK_TIMEOUT_MS)
          : await this.link.ask(this.node, 'datastream_range', JSON.stringify(request.range), ASK_TIMEOUT_MS);
      return answerOf(reply);
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

  private setState(state: ServeRunState): void {
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    this.live.runChanged(state);
  }

  /** A 2xx reply's body; else an error with the station's message. */
  private body(reply: ControlReply): unknown {
    if (reply.status < 200 || reply.status >= 300)
      throw new Error(`station ${this.node} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  private async refresh(): Promise<void> {
    if (this.refreshing || this.live.size === 0) return;
    this.refreshing = true;
    try {
      if (await this.refreshState()) return;
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

/** The run as the registry's record tells it: what it lacks (port, times, files, log) is kept from `base` for the same run. */
function fromRecord(record: StationRecord, base: ServeRunState): ServeRunState {
  const { run } = record;
  const same = base.id === run.id ? base : idleRunState();
  return { ...same, phase: run.phase, id: run.id, script: run.script, exitCode: run.exit_code };
}

/** A channel query as its query string held it. */
const queryText = (query: object): Record<string, string> =>
  Object.fromEntries(Object.entries(query).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]])));

/** `POST /stations/:node/run`'s body before the schema normalised it: the station gets what the client sent. */
const rawBodies = new WeakMap<object, unknown>();

const PREFIX = '/stations/:node';
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

  // Looked up by the request, not by its params: a route's params schema (`/runs/:id`) keeps only its own.
  const viewOf = new WeakMap<object, StationView>();
  const stationContext: RouteContext = { ...context, run: (request) => viewOf.get(request.raw)! };
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
        const view = views.get(node) ?? new StationView(node, link, record, context.options.pollMs);
        if (views.has(node)) view.update(record);
        else views.set(node, view);
        viewOf.set(request.raw, view);
        const route = request.routeOptions.url?.slice(PREFIX.length);
        if (request.method === 'GET' && route !== undefined && STATE_ROUTES.has(route)) await view.refreshState();
      });
      station.addHook('preValidation', async (request) => {
        if (request.method === 'POST') rawBodies.set(request.raw, request.body);
      });
      station.register(controlRoutes, { context: stationContext });
      station.register(runRoutes, { context: stationContext });
      station.register(infoRoutes, { context: stationContext });
      station.register(pastRunRoutes, { context: stationContext });
      station.register(liveRoutes, { context: stationContext });
    },
    { prefix: PREFIX },
  );
};
