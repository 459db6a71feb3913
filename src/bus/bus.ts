/**
 * The typed bus every actor gets. One interface for both sides of the thread boundary: the
 * main thread's bus is `BusHub.bus` (hub.ts), a worker's is `connectPortBus` (port-bus.ts).
 *
 * `T` and `R` are the topic and request tables it is checked against: rex's own (`Topics`,
 * `Requests` from topics.ts) unless a test widens them with its own (test/fixtures/actors).
 */
import type { Observable, Unsubscribable } from 'rxjs';
import type { Requests, Topics } from './topics.js';

/** Payload type per topic name. */
export type TopicMap = { [topic: string]: unknown };
/** Request and response types per request name. */
export type RequestMap = { [name: string]: { req: unknown; res: unknown } };

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface RequestOptions {
  /** Reject with REX_BUS_REQUEST_TIMEOUT after this long (default 10 s). */
  timeoutMs?: number;
}

export type RequestHandler<N extends keyof R, R extends RequestMap = Requests> = (req: R[N]['req']) => R[N]['res'] | Promise<R[N]['res']>;

export interface Bus<T extends TopicMap = Topics, R extends RequestMap = Requests> {
  /** Who publishes through this bus: an actor name, or 'main'. */
  readonly src: string;
  /**
   * Deliver `payload` to every subscriber of `topic`, in this thread and others. Never throws:
   * a payload that cannot be cloned, or a subscriber that throws, is reported on a later tick
   * through rxjs `config.onUnhandledError` (in an actor that is a crash of that actor).
   *
   * `transfer` hands buffers over instead of copying them: the caller must not touch them
   * again (in a worker they are detached at once). See docs/bus.md "Transfers".
   */
  publish<K extends keyof T & string>(topic: K, payload: T[K], transfer?: readonly ArrayBufferLike[]): void;
  /** Every payload published on `topic` from now on, anywhere, until unsubscribed. Never errors. */
  on<K extends keyof T & string>(topic: K): Observable<T[K]>;
  /**
   * Ask whoever serves `name`. Always settles: rejects with REX_BUS_NO_SERVER at once when no
   * one serves it, REX_BUS_REQUEST_TIMEOUT after `timeoutMs`, REX_BUS_SERVER_GONE when the
   * server's thread ends first, or with the handler's own error (its `code` kept).
   */
  request<N extends keyof R & string>(name: N, req: R[N]['req'], options?: RequestOptions): Promise<R[N]['res']>;
  /** Answer requests for `name` (one server per name; a newer registration replaces an older one). */
  serve<N extends keyof R & string>(name: N, handler: RequestHandler<N, R>): Unsubscribable;
}
