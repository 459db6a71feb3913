/**
 * Who may use the API (docs/serve.md "Threat model"). Pure: ./access-hooks.ts asks these for
 * every request, WebSocket upgrades included (they go through fastify's routing).
 *
 * - Host: a server on the loopback address answers only requests addressed to a loopback name, so
 *   a web page cannot reach it through a domain that resolves to 127.0.0.1 (DNS rebinding).
 * - Origin: a browser request from another site is refused unless CORS allows that origin, so a
 *   web page cannot POST /kill to the lab's server behind the user's back (no preflight is needed
 *   for a bodiless POST).
 * - Token: when one is configured, every endpoint but `GET /` and the browser view's static files
 *   (which hold no run data) requires `Authorization: Bearer`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';

export interface AccessPolicy {
  token?: string;
  /** The server listens on a loopback address: only loopback Host names are answered. */
  loopbackOnly: boolean;
  /** Browser origins allowed (CORS); '*' allows any. */
  corsOrigins: readonly string[];
}

export interface AccessRequest {
  method: string;
  /** The path without the query. */
  path: string;
  host?: string;
  origin?: string;
  authorization?: string;
  /** `?token=`, honoured only where a browser cannot send a header (EventSource, WebSocket). */
  queryToken?: string;
}

export type AccessRefusal = { status: 401 | 403; message: string; challenge: boolean };

/** Endpoints a browser's EventSource or WebSocket must open, which cannot carry an Authorization header. */
const QUERY_TOKEN_PATHS = new Set(['/events', '/ws']);
/** The same under `rex serve --fleet`, for each station. */
const STATION_QUERY_TOKEN_PATH = /^\/stations\/[^/]+\/(events|ws)$/;
const takesQueryToken = (path: string): boolean => QUERY_TOKEN_PATHS.has(path) || STATION_QUERY_TOKEN_PATH.test(path);

/** The DNS-rebinding and cross-site checks (403), or undefined when the request may go on. */
export function checkHostAndOrigin(request: AccessRequest, policy: AccessPolicy): AccessRefusal | undefined {
  const hostProblem = policy.loopbackOnly ? checkLoopbackHost(request.host) : undefined;
  if (hostProblem) return { status: 403, message: hostProblem, challenge: false };
  const originProblem = checkOrigin(request.origin, request.host, policy.corsOrigins);
  if (originProblem) return { status: 403, message: originProblem, challenge: false };
  return undefined;
}

/** The bearer token check (401), or undefined when no token is needed or the right one came. */
export function checkToken(request: AccessRequest, policy: AccessPolicy): AccessRefusal | undefined {
  if (policy.token === undefined || tokenExempt(request)) return undefined;
  const presented = bearerToken(request.authorization) ?? (takesQueryToken(request.path) ? request.queryToken : undefined);
  if (presented === undefined) {
    return { status: 401, message: 'this server requires a token: send the header "Authorization: Bearer <token>"', challenge: true };
  }
  if (!sameSecret(presented, policy.token)) return { status: 401, message: 'wrong token', challenge: true };
  return undefined;
}

/** The browser view's files (./web-ui.ts): the same for every server, no run data in them. */
export const UI_STATIC_PATHS: ReadonlySet<string> = new Set(['/ui', '/ui/', '/ui/app.js', '/ui/app.css']);

/**
 * `GET /` is the liveness check; the browser view's files carry nothing about a run (the page asks
 * for the token before any API call); a CORS preflight never carries credentials.
 */
function tokenExempt({ method, path }: AccessRequest): boolean {
  if (method === 'OPTIONS') return true;
  return (method === 'GET' || method === 'HEAD') && (path === '/' || UI_STATIC_PATHS.has(path));
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

/** Constant-time comparison (hashing first makes the lengths equal). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * The host of a Host header or of an address to listen on, as the URL standard reads it (as a
 * browser does): `127.1`, `0x7f.1` → 127.0.0.1; `[0:0::1]:9000`, `::1` → ::1; names lower-cased.
 * Undefined when it is no host at all.
 */
function hostName(host: string): string | undefined {
  const trimmed = host.trim();
  // Only a host and a port: no `user@`, path, query or fragment for URL to take apart.
  if (/[@/\\?#\s]/.test(trimmed)) return undefined;
  // A bare IPv6 address (an address to listen on, not a Host header) needs its brackets for URL.
  const authority =
    trimmed.includes(':') && !trimmed.startsWith('[') && trimmed.indexOf(':') !== trimmed.lastIndexOf(':') ? `[${trimmed}]` : trimmed;
  try {
    return new URL(`http://${authority}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/**
 * A Host header's host, or an address to listen on (`--host`), that only this machine can reach:
 * `localhost`, a name under `.localhost`, or an address of the loopback interface however spelled.
 */
export function isLoopbackName(name: string): boolean {
  const host = hostName(name);
  if (host === undefined) return false;
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

function checkLoopbackHost(host: string | undefined): string | undefined {
  // Only browsers matter here, and they always send Host.
  if (host === undefined || isLoopbackName(host)) return undefined;
  return `Host ${JSON.stringify(host)} is not a loopback name; this server listens on the loopback address only (use localhost or 127.0.0.1, or start rex serve with --host)`;
}

function checkOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[]): string | undefined {
  if (origin === undefined) return undefined;
  if (allowed.includes('*') || allowed.includes(origin)) return undefined;
  // The server's own pages (GET /docs) are same-origin.
  if (host !== undefined && origin !== 'null' && sameHost(origin, host)) return undefined;
  return `requests from web pages at ${origin} are not allowed (config serve.cors_origins)`;
}

function sameHost(origin: string, host: string): boolean {
  try {
    // Through URL on both sides, so a default port (":80") is dropped from both.
    return new URL(origin).host === new URL(`http://${host.trim()}`).host;
  } catch {
    return false;
  }
}
