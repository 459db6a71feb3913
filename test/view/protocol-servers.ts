/**
 * Small real servers speaking the two protocols the TUI attaches to: a run's TCP port (SPEC §2, §6
 * replies, exact bytes) and `rex serve`'s HTTP API (SPEC §8). They answer from fixed JSON and record
 * what they were sent, so tests can see which command a key produced.
 */
import http from 'node:http';
import net from 'node:net';

export interface FakeRun {
  port: number;
  /** Every line received, in order. */
  lines: string[];
  paused: boolean;
  /** While true, Listener messages get no reply (a stalled server). */
  silent: boolean;
  datastream: string;
  /** The GET_DATASTREAM_FULL reply; without it the run answers `Invalid format`, as the original rex. */
  fullDatastream?: string;
  state: string;
  close(): Promise<void>;
}

export async function startFakeRun(datastream: string, state: string, port = 0): Promise<FakeRun> {
  const sockets = new Set<net.Socket>();
  const run: FakeRun = { port: 0, lines: [], paused: false, silent: false, datastream, state, close: async () => {} };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        run.lines.push(line);
        if (line === 'GET_DATASTREAM') socket.write(`${run.datastream}\n`);
        else if (line === 'GET_DATASTREAM_FULL') socket.write(`${run.fullDatastream ?? 'Invalid format'}\n`);
        else if (line === 'STATE') socket.write(`${run.state}\n`);
        else if (line === 'PAUSE_STATE') {
          run.paused = true;
          socket.write('Setting internal server state to paused...\n');
        } else if (line === 'RESUME_STATE') {
          run.paused = false;
          socket.write('Setting internal server state to start...\n');
        } else if (line === 'KILL') socket.end('Shutting down server...\n');
        else if (line.includes('"name"') && line.includes('"id"')) socket.write(run.silent ? '' : run.paused ? 'Paused\n' : 'Running\n');
        else socket.write('Invalid format\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  run.port = (server.address() as net.AddressInfo).port;
  run.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return run;
}

export interface FakeServe {
  url: string;
  /** `METHOD /path authorization` of every request. */
  requests: string[];
  /** While false, every run endpoint answers 502 (no run). */
  running: boolean;
  /** The `GET /datastream/full` reply; without it that path is not found (404), as on the original. */
  fullDatastream?: string;
  close(): Promise<void>;
}

export async function startFakeServe(datastream: string, state: string, token?: string): Promise<FakeServe> {
  const serve: FakeServe = { url: '', requests: [], running: true, close: async () => {} };
  const replies: Record<string, string> = {
    'POST /pause': 'Setting internal server state to paused...',
    'POST /continue': 'Setting internal server state to start...',
    'POST /kill': 'Shutting down server...',
  };
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    serve.requests.push(`${key} ${req.headers.authorization ?? '-'}`);
    if (key === 'GET /') return void res.end('Server is up!');
    if (!serve.running) {
      res.statusCode = 502;
      return void res.end('no run');
    }
    if (key === 'GET /datastream') return void res.setHeader('content-type', 'application/json').end(datastream);
    if (key === 'GET /datastream/full' && serve.fullDatastream !== undefined)
      return void res.setHeader('content-type', 'application/json').end(serve.fullDatastream);
    if (key === 'GET /status') return void res.setHeader('content-type', 'application/json').end(state);
    if (replies[key] !== undefined) {
      if (token && req.headers.authorization !== `Bearer ${token}`) {
        res.statusCode = 401;
        return void res.end('missing or wrong token');
      }
      return void res.end(replies[key]);
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serve.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  serve.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return serve;
}

/** A port nobody listens on (bound for a moment, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
