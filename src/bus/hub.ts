/**
 * The main thread's hub. Every worker gets its own MessageChannel (`connect` returns the port
 * to hand to the worker); the hub forwards each published message only to the threads that
 * subscribed to its topic, delivers it to main-thread subscribers, and routes requests.
 *
 * Transfer rule: a message that came with a transfer list has exactly one owner of its buffers
 * at a time. The hub hands the buffers on to the LAST worker it forwards to; every other worker
 * and the main-thread subscribers get a copy. With no worker to forward to, main-thread
 * subscribers get the original.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Unsubscribable } from 'rxjs';
import { fromWire, withCause } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type Bus, type RequestHandler, type RequestMap, type RequestOptions, type TopicMap } from './bus.js';
import { REX_BUS_CLOSED, REX_BUS_INVALID_PAYLOAD, REX_BUS_PROTOCOL, REX_BUS_PUBLISH_FAILED, REX_BUS_REQUEST_TIMEOUT } from './errors.js';
import { RequestRouter, type Connection, type PayloadChecks } from './hub-requests.js';
import { LocalTopics, reportUnhandled } from './local.js';
import type { ActorFault, LogEntry, LogLevel } from './payloads.js';
import { entry, loadBusSchemas, schemaProblem, type BusSchemas } from './schemas.js';
import type { Requests, Topics } from './topics.js';
import { BUS_PROTOCOL, kindOf, transferableBuffers, type Envelope, type ToHub } from './wire.js';

export interface HubOptions {
  /** Check every payload against the topic table. Default: REX_BUS_VALIDATE === '1'. */
  validate?: boolean;
  /**
   * The tables to validate against (default: rex's own, topics.ts, loaded only with
   * REX_BUS_VALIDATE=1). Tests pass theirs, a superset, together with the matching type
   * parameters of `BusHub`.
   */
  schemas?: BusSchemas;
}

const ownSchemas = process.env.REX_BUS_VALIDATE === '1' ? await loadBusSchemas() : undefined;

/** One worker's end of the bus, as the hub sees it. */
export interface HubLink {
  readonly name: string;
  /** Give this port to the worker (in `workerData` and the `transferList`). */
  readonly port: MessagePort;
  /** Forget the worker: its subscriptions, its servers; its in-flight requests fail. Idempotent. */
  close(): void;
}

const MAIN = 'main';

class PortConnection implements Connection {
  readonly topics = new Set<string>();
  open = true;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly port: MessagePort,
  ) {}

  post(message: unknown, transfer?: readonly ArrayBuffer[]): void {
    if (this.open) this.port.postMessage(message, transfer);
  }
}

export class BusHub<T extends TopicMap = Topics, R extends RequestMap = Requests> {
  /** The main thread's bus. */
  readonly bus: Bus<T, R>;
  private readonly connections = new Set<PortConnection>();
  private readonly local: LocalTopics<T>;
  private readonly router: RequestRouter;
  /** Set only when validation is on: with it off, no payload is ever looked at. */
  private readonly schemas: BusSchemas | undefined;
  private seq = 0;
  private nextConnectionId = 0;
  private closed = false;

  constructor(options: HubOptions = {}) {
    const validate = options.validate ?? ownSchemas !== undefined;
    const schemas = options.schemas ?? ownSchemas;
    if (validate && schemas === undefined) throw new Error('a validating hub needs REX_BUS_VALIDATE=1 or its own schemas');
    this.schemas = validate ? schemas : undefined;
    // Main-thread subscriptions need no announcement: the hub sees them directly.
    this.local = new LocalTopics<T>(MAIN, { first: () => undefined, last: () => undefined });
    this.router = new RequestRouter(
      (message) => this.log('warn', message),
      this.schemas === undefined ? undefined : this.requestChecks(this.schemas),
    );
    this.bus = this.createMainBus();
  }

  connect(name: string): HubLink {
    if (this.closed) throw REX_BUS_CLOSED('hub');
    const { port1, port2 } = new MessageChannel();
    const conn = new PortConnection(++this.nextConnectionId, name, port1);
    this.connections.add(conn);
    port1.on('message', (message: unknown) => this.receive(conn, message));
    // The worker's side closes when its thread ends, however it ends.
    port1.on('close', () => this.detach(conn));
    return { name, port: port2, close: () => this.detach(conn) };
  }

  /** Requests for names nobody serves wait until `starting` settles (RequestRouter.holdUnservedUntil). */
  holdUnservedUntil(starting: Promise<unknown>): void {
    this.router.holdUnservedUntil(starting);
  }

  /** Close every worker port and fail every request still in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const conn of [...this.connections]) this.detach(conn);
    this.router.close();
    this.local.complete();
  }

  private detach(conn: PortConnection): void {
    if (!conn.open) return;
    conn.open = false;
    this.connections.delete(conn);
    this.router.detach(conn);
    conn.port.close();
  }

  private receive(conn: PortConnection, raw: unknown): void {
    const kind = kindOf(raw);
    if (kind === undefined || !conn.open) return;
    const message = raw as ToHub;
    switch (message.kind) {
      case 'publish':
        if (message.envelope.v !== BUS_PROTOCOL) {
          this.protocolFault(conn, `envelope version ${String(message.envelope.v)}, expected ${BUS_PROTOCOL}`);
          return;
        }
        this.route(message.envelope, conn);
        return;
      case 'subscribe':
        conn.topics.add(message.topic);
        return;
      case 'unsubscribe':
        conn.topics.delete(message.topic);
        return;
      case 'serve':
        this.router.servePort(conn, message.name);
        return;
      case 'unserve':
        this.router.unservePort(conn, message.name);
        return;
      case 'request':
        this.router.dispatch(message.name, message.payload, { kind: 'port', conn, id: message.id });
        return;
      case 'cancel':
        this.router.cancel(conn, message.id);
        return;
      case 'response':
        this.router.response(conn, message);
        return;
      case 'sync':
        conn.post({ kind: 'synced', id: message.id });
        return;
      default:
        this.protocolFault(conn, `unknown message kind "${kind}"`);
    }
  }

  /** Deliver one message to every interested thread except its source (which delivered locally). */
  private route(envelope: Envelope, from: PortConnection | undefined): void {
    if (this.schemas !== undefined) {
      const problem = schemaProblem(entry(this.schemas.topics, envelope.topic), envelope.payload);
      if (problem !== undefined) {
        const error = REX_BUS_INVALID_PAYLOAD(envelope.topic, envelope.src, problem);
        this.fault(envelope.src, error.code, error.message);
        return;
      }
    }
    const targets: PortConnection[] = [];
    for (const conn of this.connections) {
      if (conn !== from && conn.topics.has(envelope.topic)) targets.push(conn);
    }
    const buffers = envelope.transfer ?? [];
    const listensHere = this.local.has(envelope.topic);
    let localPayload = envelope.payload;
    if (listensHere && buffers.length > 0 && targets.length > 0) localPayload = structuredClone(envelope.payload);
    const { transfer: _handedOn, ...copyOnly } = envelope;
    targets.forEach((conn, index) => {
      const last = index === targets.length - 1;
      conn.post({ kind: 'deliver', envelope: last ? envelope : copyOnly }, last ? buffers : undefined);
    });
    if (listensHere) this.local.deliver(envelope.topic, localPayload);
  }

  /** Request and response checks: the requester gets REX_BUS_INVALID_PAYLOAD, the culprit a fault. */
  private requestChecks(schemas: BusSchemas): PayloadChecks {
    const check = (kind: 'req' | 'res', name: string, src: string, payload: unknown): Error | undefined => {
      const problem = schemaProblem(entry(schemas.requests, name)?.[kind], payload);
      if (problem === undefined) return undefined;
      const error = REX_BUS_INVALID_PAYLOAD(name, src, `${kind === 'req' ? 'request' : 'response'}: ${problem}`);
      this.fault(src, error.code, error.message);
      return error;
    };
    return {
      request: (name, src, payload) => check('req', name, src, payload),
      response: (name, src, payload) => check('res', name, src, payload),
    };
  }

  private createMainBus(): Bus<T, R> {
    return {
      src: MAIN,
      publish: <K extends keyof T & string>(topic: K, payload: T[K], transfer?: readonly ArrayBufferLike[]): void =>
        this.publishFromMain(topic, payload, transfer),
      on: <K extends keyof T & string>(topic: K) => this.local.observe(topic),
      request: <N extends keyof R & string>(name: N, req: R[N]['req'], options?: RequestOptions) =>
        this.requestFromMain(name, req, options),
      serve: <N extends keyof R & string>(name: N, handler: RequestHandler<N, R>): Unsubscribable =>
        this.router.serveLocal(name, handler as (req: unknown) => unknown),
    };
  }

  /** `bus.publish` of the main thread; typed by its callers (the bus, and the hub's own reports). */
  private publishFromMain(topic: string, payload: unknown, transfer?: readonly ArrayBufferLike[]): void {
    if (this.closed) return;
    const envelope: Envelope = { v: BUS_PROTOCOL, topic, seq: ++this.seq, src: MAIN, payload };
    const buffers = transferableBuffers(transfer);
    if (buffers.length > 0) envelope.transfer = buffers;
    try {
      this.route(envelope, undefined);
    } catch (e) {
      reportUnhandled(withCause(REX_BUS_PUBLISH_FAILED(topic, MAIN), e));
    }
  }

  private requestFromMain<N extends keyof R & string>(name: N, req: R[N]['req'], options?: RequestOptions): Promise<R[N]['res']> {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<R[N]['res']>((resolve, reject) => {
      if (this.closed) {
        reject(REX_BUS_CLOSED('hub'));
        return;
      }
      let settled = false;
      let token: number | undefined;
      const timer = setTimeout(() => {
        settled = true;
        if (token !== undefined) this.router.forget(token);
        reject(REX_BUS_REQUEST_TIMEOUT(name, timeoutMs));
      }, timeoutMs);
      try {
        token = this.router.dispatch(name, req, {
          kind: 'local',
          settle: (response) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            if (response.ok) resolve(response.payload as R[N]['res']);
            else reject(fromWire(response.error));
          },
        });
      } catch (e) {
        // The request could not be cloned to its server's thread.
        settled = true;
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private protocolFault(conn: PortConnection, detail: string): void {
    const error = REX_BUS_PROTOCOL(conn.name, detail);
    this.fault(conn.name, error.code, error.message);
  }

  private fault(actor: string, code: string, message: string): void {
    this.publishFromMain('actor.fault', { actor, code, message, fatal: false } satisfies ActorFault);
    this.log('error', message);
  }

  private log(level: LogLevel, message: string): void {
    this.publishFromMain('log', { level, source: 'bus', message, ts: Date.now() } satisfies LogEntry);
  }
}
