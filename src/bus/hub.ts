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
import { DEFAULT_REQUEST_TIMEOUT_MS, type Bus, type RequestHandler, type RequestOptions } from './bus.js';
import {
  REX_BUS_CLOSED,
  REX_BUS_INVALID_PAYLOAD,
  REX_BUS_PROTOCOL,
  REX_BUS_PUBLISH_FAILED,
  REX_BUS_REQUEST_TIMEOUT,
} from './errors.js';
import { RequestRouter, type Connection } from './hub-requests.js';
import { LocalTopics, reportUnhandled } from './local.js';
import type { LogLevel } from './payloads.js';
import { payloadProblem } from './schemas.js';
import type { RequestName, RequestOf, ResponseOf, Topic, Topics } from './topics.js';
import { BUS_PROTOCOL, kindOf, transferableBuffers, type Envelope, type ToHub } from './wire.js';

export interface HubOptions {
  /** Check payloads against src/bus/schemas.ts. Default: REX_BUS_VALIDATE === '1'. */
  validate?: boolean;
}

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
  readonly topics = new Set<Topic>();
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

export class BusHub {
  /** The main thread's bus. */
  readonly bus: Bus;
  private readonly connections = new Set<PortConnection>();
  private readonly local: LocalTopics;
  private readonly router: RequestRouter;
  private readonly validate: boolean;
  private seq = 0;
  private nextConnectionId = 0;
  private closed = false;

  constructor(options: HubOptions = {}) {
    this.validate = options.validate ?? process.env.REX_BUS_VALIDATE === '1';
    // Main-thread subscriptions need no announcement: the hub sees them directly.
    this.local = new LocalTopics(MAIN, { first: () => undefined, last: () => undefined });
    this.router = new RequestRouter((message) => this.log('warn', message));
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
    if (this.validate) {
      const problem = payloadProblem(envelope.topic, envelope.payload);
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

  private createMainBus(): Bus {
    return {
      src: MAIN,
      publish: <T extends Topic>(topic: T, payload: Topics[T], transfer?: readonly ArrayBufferLike[]): void => {
        if (this.closed) return;
        const envelope: Envelope = { v: BUS_PROTOCOL, topic, seq: ++this.seq, src: MAIN, payload };
        const buffers = transferableBuffers(transfer);
        if (buffers.length > 0) envelope.transfer = buffers;
        try {
          this.route(envelope, undefined);
        } catch (e) {
          reportUnhandled(withCause(REX_BUS_PUBLISH_FAILED(topic, MAIN), e));
        }
      },
      on: <T extends Topic>(topic: T) => this.local.observe(topic),
      request: <N extends RequestName>(name: N, req: RequestOf<N>, options?: RequestOptions) =>
        this.requestFromMain(name, req, options),
      serve: <N extends RequestName>(name: N, handler: RequestHandler<N>): Unsubscribable =>
        this.router.serveLocal(name, handler as (req: unknown) => unknown),
    };
  }

  private requestFromMain<N extends RequestName>(
    name: N,
    req: RequestOf<N>,
    options?: RequestOptions,
  ): Promise<ResponseOf<N>> {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<ResponseOf<N>>((resolve, reject) => {
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
            if (response.ok) resolve(response.payload as ResponseOf<N>);
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
    this.bus.publish('actor.fault', { actor, code, message, fatal: false });
    this.log('error', message);
  }

  private log(level: LogLevel, message: string): void {
    this.bus.publish('log', { level, source: 'bus', message, ts: Date.now() });
  }
}
