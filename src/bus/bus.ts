/**
 * The typed bus every actor gets. One interface for both sides of the thread boundary: the
 * main thread's bus is `BusHub.bus` (hub.ts), a worker's is `connectPortBus` (port-bus.ts).
 */
import type { Observable, Unsubscribable } from 'rxjs';
import type { RequestName, RequestOf, ResponseOf, Topic, Topics } from './topics.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface RequestOptions {
  /** Reject with REX_BUS_REQUEST_TIMEOUT after this long (default 10 s). */
  timeoutMs?: number;
}

export type RequestHandler<N extends RequestName> = (req: RequestOf<N>) => ResponseOf<N> | Promise<ResponseOf<N>>;

export interface Bus {
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
  publish<T extends Topic>(topic: T, payload: Topics[T], transfer?: readonly ArrayBufferLike[]): void;
  /** Every payload published on `topic` from now on, anywhere, until unsubscribed. Never errors. */
  on<T extends Topic>(topic: T): Observable<Topics[T]>;
  /**
   * Ask whoever serves `name`. Always settles: rejects with REX_BUS_NO_SERVER at once when no
   * one serves it, REX_BUS_REQUEST_TIMEOUT after `timeoutMs`, REX_BUS_SERVER_GONE when the
   * server's thread ends first, or with the handler's own error (its `code` kept).
   */
  request<N extends RequestName>(name: N, req: RequestOf<N>, options?: RequestOptions): Promise<ResponseOf<N>>;
  /** Answer requests for `name` (one server per name; a newer registration replaces an older one). */
  serve<N extends RequestName>(name: N, handler: RequestHandler<N>): Unsubscribable;
}
