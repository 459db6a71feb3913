/**
 * `GET /events`: a live push (server-sent events) so a GUI need not poll. Events:
 * - `run`: the run's state (the body of `GET /run`), on connect and whenever it changes;
 * - `datastream`: the body of `GET /datastream`, whenever it changes while a run is going.
 * One poll of the run serves every client; a client that reads slowly skips snapshots (each is
 * whole) instead of growing a queue, and one that lets MAX_BUFFERED_EVENT_BYTES pile up unread
 * (the `run` events it may not skip) is disconnected. When the last client goes, so does the poll
 * under way.
 */
import type { ServerResponse } from 'node:http';
import { runStateBody } from './api-schemas.js';
import type { ServeRunState } from './messages.js';
import { askCurrentRun } from '../../runtime/run-control/run-answers.js';

/**
 * The run is asked for its datastream this often while a client listens: a line waits at most
 * this long to be pushed (issue 16: drawn within 250 ms at p99; at 500 ms the wait alone passed it).
 * One small loopback exchange each time, for all clients together, only while one listens.
 */
export const DATASTREAM_POLL_MS = 100;

/** As for a WebSocket's unread replies: a few datastream snapshots. */
export const MAX_BUFFERED_EVENT_BYTES = 4 * 1024 * 1024;

export interface LiveEventsOptions {
  runState(): ServeRunState;
  /** How often the run is asked for its datastream while someone listens (default DATASTREAM_POLL_MS). */
  pollMs?: number;
  /** A comment line keeps proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
  tcpTimeoutMs: number;
}

interface Client {
  response: ServerResponse;
  /** The socket's buffer is full: skip snapshots until it drains. */
  blocked: boolean;
  lastDatastream: string | null;
}

export class LiveEvents {
  private readonly clients = new Set<Client>();
  private latestDatastream: string | null = null;
  private polling = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollAbort: AbortController | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveEventsOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response (headers already written by the caller) until the client goes away. */
  add(response: ServerResponse): void {
    const client: Client = { response, blocked: false, lastDatastream: null };
    this.clients.add(client);
    response.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopTimers();
    });
    response.on('drain', () => (client.blocked = false));
    response.write('retry: 2000\n\n');
    this.send(client, 'run', JSON.stringify(runStateBody(this.options.runState())));
    if (this.latestDatastream !== null) this.sendDatastream(client, this.latestDatastream);
    this.startTimers();
  }

  /** The launcher reported a change of the run. */
  runChanged(state: ServeRunState): void {
    if (state.phase !== 'running') this.latestDatastream = null;
    const body = JSON.stringify(runStateBody(state));
    for (const client of this.clients) this.send(client, 'run', body);
  }

  closeAll(): void {
    this.stopTimers();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private startTimers(): void {
    this.pollTimer ??= setInterval(() => void this.poll(), this.options.pollMs ?? DATASTREAM_POLL_MS);
    this.keepAliveTimer ??= setInterval(() => {
      for (const client of this.clients) if (!client.blocked) client.response.write(': keep-alive\n\n');
    }, this.options.keepAliveMs ?? 15_000);
    void this.poll();
  }

  private stopTimers(): void {
    clearInterval(this.pollTimer);
    clearInterval(this.keepAliveTimer);
    this.pollAbort?.abort();
    this.pollTimer = undefined;
    this.keepAliveTimer = undefined;
  }

  private async poll(): Promise<void> {
    const state = this.options.runState();
    if (this.polling || this.clients.size === 0 || state.phase !== 'running') return;
    this.polling = true;
    this.pollAbort = new AbortController();
    try {
      const answer = await askCurrentRun(state, 'GET_DATASTREAM', this.options.tcpTimeoutMs, this.pollAbort.signal);
      // A run that ended meanwhile is reported by its `run` event, not by a stale snapshot.
      if (!answer.ok || this.options.runState().id !== state.id) return;
      this.latestDatastream = answer.text;
      for (const client of this.clients) this.sendDatastream(client, answer.text);
    } finally {
      this.polling = false;
    }
  }

  private sendDatastream(client: Client, text: string): void {
    if (client.blocked || client.lastDatastream === text) return;
    client.lastDatastream = text;
    this.send(client, 'datastream', text);
  }

  private send(client: Client, event: string, data: string): void {
    if (client.response.writableLength > MAX_BUFFERED_EVENT_BYTES) {
      // Not read for long: the client goes (its `close` handler forgets it).
      client.response.destroy();
      return;
    }
    // The data is one line of JSON: a JSON text never holds a raw newline.
    const writable = client.response.write(`event: ${event}\ndata: ${data}\n\n`);
    if (!writable) client.blocked = true;
  }
}
