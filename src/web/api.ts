/**
 * The page's way to the API (docs/serve.md): the token kept for the tab in sessionStorage and sent
 * as `Authorization: Bearer` (never in a URL), and the live push `GET /events` read as a stream,
 * since EventSource cannot send that header.
 */

const TOKEN_KEY = 'rex-token';

/**
 * Where the run's endpoints are: `''` for a server's own run, `/stations/<node>` for a station
 * chosen under `rex serve --fleet` (./app.tsx sets it from the URL's hash).
 */
let apiBase = '';

export function setApiBase(base: string): void {
  apiBase = base;
}

/** An endpoint of the run (or of the chosen station). */
export const apiUrl = (path: string): string => apiBase + path;

/** A station of a fleet, as `GET /stations` lists it (the part the picker shows). */
export interface StationChoice {
  node: string;
  phase: string;
}

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** The server answered 401: a token is needed, or the one sent is wrong. */
export class Unauthorized extends Error {}

/** An answer that is not 2xx, with the server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The token's header (if any) with `extra`. */
export function authHeaders(extra?: HeadersInit): Headers {
  const all = new Headers(extra);
  const token = savedToken();
  if (token !== null) all.set('Authorization', `Bearer ${token}`);
  return all;
}

async function failure(response: Response): Promise<Error> {
  const text = await response.text();
  if (response.status === 401) return new Unauthorized(text);
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // A text answer (the run's own, or a 502's reason) is the message.
  }
  return new ApiError(response.status, message || `HTTP ${response.status}`);
}

/** `GET` a JSON endpoint (of the run, or of the chosen station). */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiBase + path, { headers: authHeaders(), signal: signal ?? null, cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/** `GET` a file as a Blob: a plain link cannot send the token (a past run's download). */
export async function getBlob(path: string): Promise<Blob> {
  const response = await fetch(apiBase + path, { headers: authHeaders(), cache: 'no-store' });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

/** A bodiless `POST` (pause, continue, kill); the server's text answer. */
export async function post(path: string): Promise<string> {
  const response = await fetch(apiBase + path, { method: 'POST', headers: authHeaders() });
  if (!response.ok) throw await failure(response);
  return response.text();
}

/** `rex serve --fleet`'s stations (`GET /stations`), or null when the server is no fleet's (404). */
export async function getStations(): Promise<StationChoice[] | null> {
  const response = await fetch('/stations', { headers: authHeaders(), cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw await failure(response);
  const records = (await response.json()) as Array<{ node?: unknown; run?: { phase?: unknown } }>;
  return records.map((record) => ({ node: String(record.node), phase: String(record.run?.phase ?? '') }));
}

export interface ServerEvent {
  event: string;
  data: string;
}

/**
 * Splits a server-sent event stream's text into events (`event:` and `data:` lines, a blank line
 * ends one); returns the events and the unfinished rest.
 */
export function parseEvents(buffered: string): { events: ServerEvent[]; rest: string } {
  const events: ServerEvent[] = [];
  const blocks = buffered.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

export interface LiveHandlers {
  onEvent(event: ServerEvent): void;
  /** Connected (true) or lost, with the reason (false). */
  onConnection(connected: boolean, reason?: string): void;
  onUnauthorized(): void;
}

/** Reads `GET /events` until `signal` aborts, reconnecting with a growing delay (0.5 s … 10 s). */
export async function followEvents(handlers: LiveHandlers, signal: AbortSignal): Promise<void> {
  let delayMs = 500;
  while (!signal.aborted) {
    try {
      const response = await fetch(`${apiBase}/events`, { headers: authHeaders(), signal, cache: 'no-store' });
      if (response.status === 401) {
        handlers.onUnauthorized();
        return;
      }
      if (!response.ok || response.body === null) throw await failure(response);
      handlers.onConnection(true);
      delayMs = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const parsed = parseEvents(buffered + value);
        buffered = parsed.rest;
        for (const event of parsed.events) handlers.onEvent(event);
      }
      handlers.onConnection(false, 'the server ended the event stream');
    } catch (error) {
      if (signal.aborted) return;
      handlers.onConnection(false, error instanceof Error ? error.message : String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 10_000);
  }
}
