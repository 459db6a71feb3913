/**
 * Request routing in the hub: which thread serves which request name, and which requests are
 * in flight to whom. Its one promise: every request gets exactly one response, even when the
 * server's thread dies (the comlink failure mode, STYLE 1B: pending calls never settle).
 */
import type { Unsubscribable } from 'rxjs';
import { toWire, type WireError } from '../errors.js';
import { REX_BUS_CLOSED, REX_BUS_NO_SERVER, REX_BUS_SERVER_GONE } from './errors.js';
import type { ResponseMessage } from './wire.js';

/** The hub's view of one worker's port. */
export interface Connection {
  readonly id: number;
  readonly name: string;
  post(message: unknown, transfer?: readonly ArrayBuffer[]): void;
}

type AnyHandler = (req: unknown) => unknown;

type Server = { kind: 'port'; conn: Connection } | { kind: 'local'; handler: AnyHandler };

/** Where the answer goes: back over a port under the requester's own id, or to a local callback. */
export type Origin = { kind: 'port'; conn: Connection; id: number } | { kind: 'local'; settle(response: ResponseMessage): void };

interface InFlight {
  name: string;
  server: Connection;
  origin: Origin;
}

/** A request for a name nobody serves yet, waiting while actors start (`holdUnservedUntil`). */
interface Held {
  name: string;
  payload: unknown;
  origin: Origin;
}

export type Warn = (message: string) => void;

/**
 * Validation of requests and responses (only when the hub validates). Each returns the error
 * to answer the requester with, or undefined when the payload is fine; `src` is who sent it.
 */
export interface PayloadChecks {
  request(name: string, src: string, payload: unknown): Error | undefined;
  response(name: string, src: string, payload: unknown): Error | undefined;
}

export class RequestRouter {
  private readonly servers = new Map<string, Server>();
  private readonly inFlight = new Map<number, InFlight>();
  /** By their token (`dispatch`'s return), in arrival order. */
  private readonly held = new Map<number, Held>();
  /** `holdUnservedUntil` promises not settled yet. */
  private holding = 0;
  private nextId = 0;

  constructor(
    private readonly warn: Warn,
    private readonly checks?: PayloadChecks,
  ) {}

  serveLocal(name: string, handler: AnyHandler): Unsubscribable {
    this.register(name, { kind: 'local', handler });
    return {
      unsubscribe: () => {
        const current = this.servers.get(name);
        if (current?.kind === 'local' && current.handler === handler) this.servers.delete(name);
      },
    };
  }

  /**
   * Until `starting` settles, a request for a name nobody serves waits for its server instead of
   * failing at once: an actor still booting (one the run did not wait for) serves it soon. Once
   * every such promise has settled, what is still unserved fails (REX_BUS_NO_SERVER).
   */
  holdUnservedUntil(starting: Promise<unknown>): void {
    this.holding++;
    const release = (): void => {
      if (--this.holding > 0) return;
      for (const [token, request] of [...this.held]) this.release(token, request);
    };
    starting.then(release, release);
  }

  servePort(conn: Connection, name: string): void {
    this.register(name, { kind: 'port', conn });
  }

  unservePort(conn: Connection, name: string): void {
    const current = this.servers.get(name);
    if (current?.kind === 'port' && current.conn === conn) this.servers.delete(name);
  }

  /** Route a request; returns a token for `forget` (used when a local requester times out). */
  dispatch(name: string, payload: unknown, origin: Origin): number | undefined {
    return this.route(name, payload, origin, ++this.nextId);
  }

  private route(name: string, payload: unknown, origin: Origin, token: number): number | undefined {
    const invalid = this.checks?.request(name, originName(origin), payload);
    if (invalid !== undefined) {
      this.respond(origin, failure(0, toWire(invalid)));
      return undefined;
    }
    const server = this.servers.get(name);
    if (server === undefined && this.holding > 0) {
      this.held.set(token, { name, payload, origin });
      return token;
    }
    if (server === undefined) {
      this.respond(origin, failure(0, toWire(REX_BUS_NO_SERVER(name))));
      return undefined;
    }
    if (server.kind === 'local') {
      Promise.resolve()
        .then(() => server.handler(payload))
        .then(
          (result) => {
            const response: ResponseMessage = { kind: 'response', id: 0, ok: true, payload: result };
            this.respond(origin, this.checked(name, 'main', response));
          },
          (error: unknown) => this.respond(origin, failure(0, toWire(error))),
        );
      return undefined;
    }
    // Post first: if the payload cannot be cloned this throws and nothing is left in flight.
    server.conn.post({ kind: 'request', id: token, name, payload });
    this.inFlight.set(token, { name, server: server.conn, origin });
    return token;
  }

  /** A held request goes on, under its token (its requester may still `forget` it). */
  private release(token: number, request: Held): void {
    this.held.delete(token);
    try {
      this.route(request.name, request.payload, request.origin, token);
    } catch (error) {
      // It could not be cloned to its server's thread (dispatch's caller learns that at once).
      this.respond(request.origin, failure(0, toWire(error)));
    }
  }

  /** A server answered request `id` (the hub's id). */
  response(from: Connection, message: ResponseMessage): void {
    const entry = this.inFlight.get(message.id);
    if (entry === undefined || entry.server !== from) return; // cancelled, or not its request
    this.inFlight.delete(message.id);
    this.respond(entry.origin, this.checked(entry.name, from.name, message));
  }

  /** A port requester gave up (timed out) on its request `requesterId`. */
  cancel(from: Connection, requesterId: number): void {
    for (const [token, request] of this.held) {
      if (request.origin.kind === 'port' && request.origin.conn === from && request.origin.id === requesterId) {
        this.held.delete(token);
        return;
      }
    }
    for (const [id, entry] of this.inFlight) {
      if (entry.origin.kind === 'port' && entry.origin.conn === from && entry.origin.id === requesterId) {
        this.inFlight.delete(id);
        return;
      }
    }
  }

  /** A local requester gave up on the request `dispatch` returned `token` for. */
  forget(token: number): void {
    this.inFlight.delete(token);
    this.held.delete(token);
  }

  /** A thread is gone: drop what it served, fail what it was serving, forget what it asked. */
  detach(conn: Connection): void {
    for (const [name, server] of this.servers) {
      if (server.kind === 'port' && server.conn === conn) this.servers.delete(name);
    }
    for (const [id, entry] of this.inFlight) {
      if (entry.server === conn) {
        this.inFlight.delete(id);
        this.respond(entry.origin, failure(0, toWire(REX_BUS_SERVER_GONE(entry.name, conn.name))));
      } else if (entry.origin.kind === 'port' && entry.origin.conn === conn) {
        this.inFlight.delete(id);
      }
    }
    for (const [token, request] of this.held) {
      if (request.origin.kind === 'port' && request.origin.conn === conn) this.held.delete(token);
    }
  }

  /** The hub is closing: every request still in flight fails now. */
  close(): void {
    for (const entry of [...this.inFlight.values(), ...this.held.values()])
      this.respond(entry.origin, failure(0, toWire(REX_BUS_CLOSED('hub'))));
    this.inFlight.clear();
    this.held.clear();
    this.holding = 0;
    this.servers.clear();
  }

  private register(name: string, server: Server): void {
    const previous = this.servers.get(name);
    if (previous !== undefined && !(previous.kind === 'port' && server.kind === 'port' && previous.conn === server.conn)) {
      this.warn(`request "${name}" is now served by "${serverName(server)}" instead of "${serverName(previous)}"`);
    }
    this.servers.set(name, server);
    // What waited for this name goes to it now, in the order it came.
    for (const [token, request] of [...this.held]) if (request.name === name) this.release(token, request);
  }

  /** The response, or the validation error in its place. */
  private checked(name: string, server: string, response: ResponseMessage): ResponseMessage {
    if (this.checks === undefined || !response.ok) return response;
    const invalid = this.checks.response(name, server, response.payload);
    return invalid === undefined ? response : failure(response.id, toWire(invalid));
  }

  private respond(origin: Origin, response: ResponseMessage): void {
    if (origin.kind === 'local') {
      origin.settle(response);
      return;
    }
    const addressed: ResponseMessage = { ...response, id: origin.id };
    try {
      origin.conn.post(addressed);
    } catch (e) {
      // The server's result could not be cloned: answer with that error instead.
      origin.conn.post(failure(origin.id, toWire(e)));
    }
  }
}

function failure(id: number, error: WireError): ResponseMessage {
  return { kind: 'response', id, ok: false, error };
}

function originName(origin: Origin): string {
  return origin.kind === 'local' ? 'main' : origin.conn.name;
}

function serverName(server: Server): string {
  return server.kind === 'local' ? 'main' : server.conn.name;
}
