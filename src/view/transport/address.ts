/**
 * `rex view` addresses: `host:port`, a bare port, `[v6]:port`, or `tcp://host:port`; and
 * `rex serve` URLs. Pure.
 */

export interface TcpAddress {
  host: string;
  port: number;
}

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** `text` → host and port; a bare port means 127.0.0.1 (where `rex run` listens by default). */
export function parseTcpAddress(text: string, defaultPort: number): TcpAddress {
  const trimmed = text.trim().replace(/^tcp:\/\//i, '');
  if (trimmed === '') throw new AddressError('empty address');
  if (/^\d+$/.test(trimmed)) return { host: '127.0.0.1', port: checkPort(trimmed, text) };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? checkPort(bracketed[2], text) : defaultPort };
  const colons = trimmed.split(':').length - 1;
  if (colons === 0) return { host: trimmed, port: defaultPort };
  if (colons > 1) return { host: trimmed, port: defaultPort }; // a bare IPv6 address
  const [host, port] = trimmed.split(':') as [string, string];
  if (host === '' || !/^\d+$/.test(port)) throw new AddressError(`not a host:port address: "${text}"`);
  return { host, port: checkPort(port, text) };
}

/** A `rex serve` base URL; `host:port` without a scheme means http. Trailing slashes are dropped. */
export function parseHttpUrl(text: string): URL {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new AddressError(`not a URL: "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AddressError(`rex serve is reached over http or https, not ${url.protocol}`);
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** Where to connect to reach a server bound to `bindHost` (a wildcard bind is reached on loopback). */
export function connectHostFor(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '') return '127.0.0.1';
  if (bindHost === '::' || bindHost === '[::]') return '::1';
  return bindHost;
}

export function formatTcpAddress(address: TcpAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function checkPort(text: string, whole: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AddressError(`port must be 1-65535 in "${whole}"`);
  return port;
}
