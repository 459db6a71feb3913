/**
 * A worker's bus: local delivery through Subjects, everything else through the worker's own
 * MessagePort to the main-thread hub (STYLE 1B.2). Tells the hub which topics this thread
 * subscribes to, so the hub forwards only those.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Unsubscribable } from 'rxjs';
import { fromWire, toWire, withCause } from '../errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type Bus, type RequestHandler, type RequestMap, type RequestOptions, type TopicMap } from './bus.js';
import { REX_BUS_CLOSED, REX_BUS_NO_SERVER, REX_BUS_PROTOCOL, REX_BUS_PUBLISH_FAILED, REX_BUS_REQUEST_TIMEOUT } from './errors.js';
import { LocalTopics, reportUnhandled } from './local.js';
import type { Requests, Topics } from './topics.js';
import { BUS_PROTOCOL, kindOf, transferableBuffers, type Envelope, type FromHub, type ToHub } from './wire.js';

export interface PortBus<T extends TopicMap = Topics, R extends RequestMap = Requests> extends Bus<T, R> {
  /** Resolves once the hub has handled everything sent before (subscriptions, serves). */
  flush(): Promise<void>;
  /** Reject pending requests, complete subscribers, close the port. Idempotent. */
  close(): void;
  readonly closed: boolean;
}

interface PendingRequest {
  name: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type AnyHandler = (req: unknown) => unknown;

export function connectPortBus<T extends TopicMap = Topics, R extends RequestMap = Requests>(
  port: MessagePort,
  src: string,
): PortBus<T, R> {
  return new PortBusClient<T, R>(port, src);
}

class PortBusClient<T extends TopicMap, R extends RequestMap> implements PortBus<T, R> {
  private seq = 0;
  private nextId = 0;
  private isClosed = false;
  private readonly local: LocalTopics<T>;
  private readonly servers = new Map<string, AnyHandler>();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly syncs = new Map<number, { resolve(): void; reject(error: Error): void }>();

  constructor(
    private readonly port: MessagePort,
    readonly src: string,
  ) {
    this.local = new LocalTopics<T>(src, {
      first: (topic) => this.send({ kind: 'subscribe', topic }),
      last: (topic) => this.send({ kind: 'unsubscribe', topic }),
    });
    port.on('message', (message: unknown) => this.receive(message));
    // The hub closed our port (it shut down): nothing can be answered any more.
    port.on('close', () => this.close());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  publish<K extends keyof T & string>(topic: K, payload: T[K], transfer?: readonly ArrayBufferLike[]): void {
    if (this.isClosed) return;
    const buffers = transferableBuffers(transfer);
    const envelope: Envelope = { v: BUS_PROTOCOL, topic, seq: ++this.seq, src: this.src, payload };
    if (buffers.length > 0) envelope.transfer = buffers;
    const listensHere = this.local.has(topic);
    let localPayload: unknown = payload;
    try {
      // The transfer detaches the buffers, so subscribers in this thread get their own copy.
      if (listensHere && buffers.length > 0) localPayload = structuredClone(payload);
      const message: ToHub = { kind: 'publish', envelope };
      this.port.postMessage(message, buffers);
    } catch (e) {
      reportUnhandled(withCause(REX_BUS_PUBLISH_FAILED(topic, this.src), e));
      return;
    }
    if (listensHere) this.local.deliver(topic, localPayload);
  }

  on<K extends keyof T & string>(topic: K) {
    return this.local.observe(topic);
  }

  request<N extends keyof R & string>(name: N, req: R[N]['req'], options?: RequestOptions): Promise<R[N]['res']> {
    const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<R[N]['res']>((resolve, reject) => {
      if (this.isClosed) {
        reject(REX_BUS_CLOSED(this.src));
        return;
      }
      const id = ++this.nextId;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.send({ kind: 'cancel', id });
        reject(REX_BUS_REQUEST_TIMEOUT(name, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { name, resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        const message: ToHub = { kind: 'request', id, name, payload: req };
        this.port.postMessage(message);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  serve<N extends keyof R & string>(name: N, handler: RequestHandler<N, R>): Unsubscribable {
    const registered = handler as AnyHandler;
    this.servers.set(name, registered);
    this.send({ kind: 'serve', name });
    return {
      unsubscribe: () => {
        if (this.servers.get(name) !== registered) return;
        this.servers.delete(name);
        this.send({ kind: 'unserve', name });
      },
    };
  }

  flush(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.isClosed) {
        reject(REX_BUS_CLOSED(this.src));
        return;
      }
      const id = ++this.nextId;
      this.syncs.set(id, { resolve, reject });
      this.send({ kind: 'sync', id });
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      request.reject(REX_BUS_CLOSED(this.src));
    }
    this.pending.clear();
    for (const sync of this.syncs.values()) sync.reject(REX_BUS_CLOSED(this.src));
    this.syncs.clear();
    this.servers.clear();
    this.local.complete();
    this.port.close();
  }

  private send(message: ToHub): void {
    if (!this.isClosed) this.port.postMessage(message);
  }

  private receive(raw: unknown): void {
    const kind = kindOf(raw);
    if (kind === undefined) return;
    const message = raw as FromHub;
    switch (message.kind) {
      case 'deliver':
        if (message.envelope.v !== BUS_PROTOCOL) {
          reportUnhandled(REX_BUS_PROTOCOL('hub', `envelope version ${String(message.envelope.v)}`));
          return;
        }
        this.local.deliver(message.envelope.topic, message.envelope.payload);
        return;
      case 'request':
        this.answer(message.id, message.name, message.payload);
        return;
      case 'response': {
        const request = this.pending.get(message.id);
        if (request === undefined) return; // timed out already
        this.pending.delete(message.id);
        clearTimeout(request.timer);
        if (message.ok) request.resolve(message.payload);
        else request.reject(fromWire(message.error));
        return;
      }
      case 'synced':
        this.syncs.get(message.id)?.resolve();
        this.syncs.delete(message.id);
        return;
      default:
        reportUnhandled(REX_BUS_PROTOCOL('hub', `unknown message kind "${kind}"`));
    }
  }

  private answer(id: number, name: string, payload: unknown): void {
    const handler = this.servers.get(name);
    if (handler === undefined) {
      this.send({ kind: 'response', id, ok: false, error: toWire(REX_BUS_NO_SERVER(name)) });
      return;
    }
    Promise.resolve()
      .then(() => handler(payload))
      .then(
        (result) => {
          try {
            this.send({ kind: 'response', id, ok: true, payload: result });
          } catch (e) {
            // The result could not be cloned: the requester still gets an answer.
            this.send({ kind: 'response', id, ok: false, error: toWire(e) });
          }
        },
        (error: unknown) => this.send({ kind: 'response', id, ok: false, error: toWire(error) }),
      );
  }
}
