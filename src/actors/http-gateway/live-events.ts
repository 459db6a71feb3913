/**
 * `GET /events`: a live push (server-sent events) so a GUI need not poll. Events:
 * - `run`: the run's state (the body of `GET /run`), on connect and whenever it changes;
 * - `datastream`: the body of `GET /datastream`, whenever it changes while a run is going;
 * - `log`: the run's log lines a client has not had yet, `{"id", "first", "lines"}` (`first`: the
 *   number of the first line in the run's log, from 0; a jump: lines it missed).
 * One poll of the run (and of its log, `serve.log`) serves every client; a client that reads slowly
 * skips snapshots (each is whole) and log lines (only the last LIVE_LOG_LINES are kept) instead of
 * growing a queue, and one that lets MAX_BUFFERED_EVENT_BYTES pile up unread (the `run` events it
 * may not skip) is disconnected. When the last client goes, so does the poll under way.
 */
import type { ServerResponse } from 'node:http';
import { runStateBody } from './api-schemas.js';
import { LogRing } from './log-ring.js';
import type { ServeLogChunk, ServeLogRequest, ServeRunState } from './messages.js';
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
  /** The live tail of the run's log (`serve.log`); absent: no `log` events. */
  runLog?(request: ServeLogRequest): Promise<ServeLogChunk>;
  /** How often the run is asked for its datastream while someone listens (default DATASTREAM_POLL_MS). */
  pollMs?: number;
  /** A comment line keeps proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
  tcpTimeoutMs: number;
  /** How the datastream is asked for (default: the local run over TCP; a fleet's station: over NATS). */
  askDatastream?(signal: AbortSignal): Promise<{ ok: true; text: string } | { ok: false }>;
}

interface Client {
  response: ServerResponse;
  /** The socket's buffer is full: skip snapshots until it drains. */
  blocked: boolean;
  lastDatastream: string | null;
  /** The run whose log lines it was sent, and the number of the next one. */
  logId: string | null;
  logNext: number;
}

const going = (state: ServeRunState): boolean => state.phase === 'starting' || state.phase === 'running';

export class LiveEvents {
  private readonly clients = new Set<Client>();
  private latestDatastream: string | null = null;
  private polling = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pollAbort: AbortController | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private log = new LogRing();
  /** The log was asked for after its run had ended: it has all of it. */
  private logComplete = false;
  private logPolling = false;

  constructor(private readonly options: LiveEventsOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response (headers already written by the caller) until the client goes away. */
  add(response: ServerResponse): void {
    const client: Client = { response, blocked: false, lastDatastream: null, logId: null, logNext: 0 };
    this.clients.add(client);
    response.on('close', () => {
      this.clients.delete(client);
      if (this.clients.size === 0) this.stopTimers();
    });
    response.on('drain', () => {
      client.blocked = false;
      this.sendLog(client);
    });
    response.write('retry: 2000\n\n');
    this.send(client, 'run', JSON.stringify(runStateBody(this.options.runState())));
    if (this.latestDatastream !== null) this.sendDatastream(client, this.latestDatastream);
    this.sendLog(client);
    this.startTimers();
  }

  /** The launcher reported a change of the run. */
  runChanged(state: ServeRunState): void {
    if (state.phase !== 'running') this.latestDatastream = null;
    const body = JSON.stringify(runStateBody(state));
    for (const client of this.clients) this.send(client, 'run', body);
    // The lines written last, before the end.
    if (!going(state)) void this.pollLog();
  }

  closeAll(): void {
    this.stopTimers();
    for (const client of this.clients) client.response.end();
    this.clients.clear();
  }

  private startTimers(): void {
    this.pollTimer ??= setInterval(() => this.tick(), this.options.pollMs ?? DATASTREAM_POLL_MS);
    this.keepAliveTimer ??= setInterval(() => {
      for (const client of this.clients) if (!client.blocked) client.response.write(': keep-alive\n\n');
    }, this.options.keepAliveMs ?? 15_000);
    this.tick();
  }

  private tick(): void {
    void this.poll();
    void this.pollLog();
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
      const { signal } = this.pollAbort;
      const answer = this.options.askDatastream
        ? await this.options.askDatastream(signal)
        : await askCurrentRun(state, 'GET_DATASTREAM', this.options.tcpTimeoutMs, signal);
      // A run that ended meanwhile is reported by its `run` event, not by a stale snapshot.
      if (!answer.ok || this.options.runState().id !== state.id) return;
      this.latestDatastream = answer.text;
      for (const client of this.clients) this.sendDatastream(client, answer.text);
    } finally {
      this.polling = false;
    }
  }

  private async pollLog(): Promise<void> {
    const ask = this.options.runLog;
    const state = this.options.runState();
    if (ask === undefined || this.logPolling || this.clients.size === 0 || state.id === null) return;
    const known = this.log.id === state.id;
    if (known && this.logComplete) return;
    const complete = !going(state);
    this.logPolling = true;
    try {
      const chunk = await ask({ id: known ? state.id : null, after: known ? this.log.next : 0 });
      // Another run's lines (one started meanwhile): the next poll asks for its own.
      if (chunk.id !== state.id) return;
      if (this.log.id !== chunk.id) this.log = new LogRing(chunk.id);
      this.log.append(chunk);
      this.logComplete = complete;
      for (const client of this.clients) this.sendLog(client);
    } catch {
      // Not answered in time: the next poll asks again.
    } finally {
      this.logPolling = false;
    }
  }

  private sendLog(client: Client): void {
    // Only the current (or last) run's lines: an older run's wait until the new run's are asked for.
    if (client.blocked || this.log.id === null || this.log.id !== this.options.runState().id) return;
    if (client.logId !== this.log.id) {
      client.logId = this.log.id;
      client.logNext = 0;
    }
    const chunk = this.log.since(client.logNext);
    if (chunk.lines.length === 0) return;
    client.logNext = chunk.next;
    this.send(client, 'log', JSON.stringify({ id: chunk.id, first: chunk.next - chunk.lines.length, lines: chunk.lines }));
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
