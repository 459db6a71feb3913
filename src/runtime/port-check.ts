/**
 * A port given with `-P` must be the port the run listens on: a script may have it written in. It
 * is tried before anything starts, and a busy one is refused with the process holding it when the
 * system can tell (Linux: /proc/net/tcp{,6} give the listening socket's inode, /proc/<pid>/fd the
 * process that has it; other users' processes are seen only by root).
 */
import fs from 'node:fs';
import net from 'node:net';

const TCP_LISTEN = '0A';

/** Inodes of the sockets listening on `port` (Linux; empty elsewhere or when unreadable). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== TCP_LISTEN || fields[9] === undefined || fields[9] === '0') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function readOrUndefined<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** `pid N (name)` of a process listening on `port`, when the system lets us see it. */
export function portHolder(port: number): string | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const links = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const pid of readOrUndefined(() => fs.readdirSync('/proc')) ?? []) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = readOrUndefined(() => fs.readdirSync(`/proc/${pid}/fd`)) ?? [];
    if (!fds.some((fd) => links.has(readOrUndefined(() => fs.readlinkSync(`/proc/${pid}/fd/${fd}`)) ?? ''))) continue;
    const name = readOrUndefined(() => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    return name ? `pid ${pid} (${name})` : `pid ${pid}`;
  }
  return undefined;
}

/** The end of the line for a busy `rex serve --port`. */
export const SERVE_PORT_ADVICE = 'another rex serve? Choose another with --port';

/**
 * Why `port` cannot be listened on at `host`, or null when it can (it is free again on return).
 * `advice` ends the line of a busy port.
 */
export async function explicitPortProblem(host: string, port: number, advice: string): Promise<string | null> {
  const server = net.createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', resolve);
    server.listen({ port, host, exclusive: true }, () => resolve(null));
  });
  if (!error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return null;
  }
  return portProblemMessage(host, port, error, advice);
}

/** A port the system gives as free on `host` (free again on return: a moment's race, as for any such choice). */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One line for a port that could not be listened on. */
export function portProblemMessage(host: string, port: number, error: NodeJS.ErrnoException, advice: string): string {
  if (error.code === 'EADDRINUSE') {
    const holder = portHolder(port);
    return `port ${port} on ${host} is ${holder ? `held by ${holder}` : 'in use'}: ${advice}`;
  }
  if (error.code === 'EACCES') return `port ${port} on ${host}: permission denied (ports below 1024 need privileges)`;
  if (error.code === 'EADDRNOTAVAIL') return `cannot listen on ${host}:${port}: no such address on this machine`;
  if (error.syscall === 'getaddrinfo') return `cannot listen on ${host}:${port}: cannot resolve the host name (${error.code})`;
  return `cannot listen on ${host}:${port}: ${error.message}`;
}
