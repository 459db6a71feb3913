/**
 * `GET /events` against a real gateway on a real port: a client that never reads its events
 * cannot make the server hold them without bound, and the run's log reaches its clients as it
 * goes (the `log` event), only its last lines, and only with the token.
 */
import net from 'node:net';
import os from 'node:os';
import { afterEach, expect, it, vi } from 'vitest';
import { buildGatewayApp, type GatewayApp } from '../../src/actors/http-gateway/app.js';
import { MAX_BUFFERED_EVENT_BYTES } from '../../src/actors/http-gateway/live-events.js';
import { LIVE_LOG_LINES, LogRing } from '../../src/actors/http-gateway/log-ring.js';
import type { ServeRunState } from '../../src/actors/http-gateway/messages.js';
import { idleRunState } from '../../src/actors/http-gateway/index.js';

const TOKEN = 'events-token';

interface Setup {
  gateway: GatewayApp;
  port: number;
  /** The run's own log, as the run launcher keeps it (`serve.log` answers from it). */
  runLog: LogRing;
  setState(state: ServeRunState): void;
}

let open: GatewayApp | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function startGateway(options: { token?: string; state?: ServeRunState } = {}): Promise<Setup> {
  let runState = options.state ?? idleRunState();
  let runLog = new LogRing(runState.id);
  const gateway = buildGatewayApp({
    data: {
      host: '127.0.0.1',
      port: 0,
      ...(options.token !== undefined && { token: options.token }),
      scriptsDir: os.tmpdir(),
      allowedOutputDirs: [os.tmpdir()],
      corsOrigins: [],
      cwd: os.tmpdir(),
      version: 't',
    },
    runState: () => runState,
    // As the launcher answers `serve.log` (src/host/serve/run-launcher.ts), across no thread.
    runLog: async ({ id, after }) => runLog.since(id === runLog.id ? after : 0),
    launch: () => Promise.reject(new Error('not in this test')),
    log: () => undefined,
    version: 't',
    pollMs: 10,
  });
  open = gateway;
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  const setup: Setup = {
    gateway,
    port: (gateway.app.server.address() as net.AddressInfo).port,
    runLog,
    setState(state) {
      if (state.id !== runState.id) setup.runLog = runLog = new LogRing(state.id);
      runState = state;
      gateway.live.runChanged(state);
    },
  };
  return setup;
}

/** A raw event-stream client: all it received, and the `log` events in it. */
function connect(port: number, query = '') {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`GET /events${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  return {
    socket,
    text: () => text,
    // Each event is one write, so one chunk of the chunked answer: it is whole in the text.
    logs: () =>
      [...text.matchAll(/event: log\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!) as { id: string; first: number; lines: string[] }),
  };
}

const running = (id: string): ServeRunState => ({ ...idleRunState(), phase: 'running', id, startedAt: '2026-01-01T00:00:00.000Z' });
const line = (n: number) => `line ${n} ${'x'.repeat(90)}`;

it('a client that never reads its events is disconnected once they pile up, not queued for', async () => {
  const { gateway, port, setState } = await startGateway();
  const client = connect(port);
  await vi.waitFor(() => expect(gateway.live.size).toBe(1));
  client.socket.pause();
  // `run` events are never skipped: each change is sent, here ~100 KB each.
  const script = `/lab/${'x'.repeat(100_000)}.py`;
  for (let change = 0; gateway.live.size > 0; change++) {
    expect(change, 'the server kept every event for a client that reads none').toBeLessThan((4 * MAX_BUFFERED_EVENT_BYTES) / 100_000);
    setState({ ...idleRunState(), phase: 'ended', id: `r${change}`, script, endedAt: '2026-01-01T00:00:00.000Z', exitCode: 0 });
    await new Promise((resolve) => setImmediate(resolve));
  }
  client.socket.destroy();
});

it('pushes the run’s log as it goes, only its last lines, and only to a caller with the token', async () => {
  const setup = await startGateway({ token: TOKEN, state: running('r1') });
  for (let n = 0; n < 1000; n++) setup.runLog.push(line(n));

  for (const query of ['', '?token=wrong']) {
    const refused = connect(setup.port, query);
    await vi.waitFor(() => expect(refused.text()).toMatch(/^HTTP\/1\.1 401/));
    expect(refused.text()).not.toContain('line ');
    refused.socket.destroy();
  }

  // A client that comes late gets the last LIVE_LOG_LINES lines, numbered as in the run's log.
  const client = connect(setup.port, `?token=${TOKEN}`);
  await vi.waitFor(() => expect(client.logs()).toHaveLength(1));
  expect(client.logs()[0]).toEqual({ id: 'r1', first: 1000 - LIVE_LOG_LINES, lines: range(1000 - LIVE_LOG_LINES, 1000).map(line) });
  setup.runLog.push(line(1000));
  await vi.waitFor(() => expect(client.logs()).toHaveLength(2));
  expect(client.logs()[1]).toEqual({ id: 'r1', first: 1000, lines: [line(1000)] });

  // The script floods (20 MB of lines) while the client reads nothing: the server skips lines
  // for it instead of queueing them, and keeps it connected.
  client.socket.pause();
  let n = 1001;
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < 2000; i++) setup.runLog.push(line(n++));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  // The last lines, written just before the run ends, still go out.
  setup.runLog.push('the end');
  setup.setState({ ...running('r1'), phase: 'ended', endedAt: '2026-01-01T00:01:00.000Z', exitCode: 0 });
  client.socket.resume();
  await vi.waitFor(() => expect(client.logs().at(-1)?.lines.at(-1)).toBe('the end'), { timeout: 10_000 });
  expect(setup.gateway.live.size).toBe(1);
  expect(client.text().length, 'the server queued the flood for a client that did not read').toBeLessThan(5_000_000);
  const logs = client.logs();
  expect(logs.at(-1)?.first).toBe(n + 1 - (logs.at(-1)?.lines.length ?? 0));
  for (const event of logs) expect(event.lines.length).toBeLessThanOrEqual(LIVE_LOG_LINES);
  client.socket.destroy();
}, 20_000);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
